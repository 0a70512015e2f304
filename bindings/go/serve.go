package tfe

// #include "tfe.h"
import "C"

import (
	"sync/atomic"
	"time"
)

// ServerOptions is a tfe_server_options_t. Start from
// DefaultServerOptions.
type ServerOptions struct {
	MaxBatch       int           // the most samples a request, and a run, may hold
	BatchWindow    time.Duration // how long to wait for more requests before a run (whole µs)
	MaxConnections int           // connections open at once, three per client
	MaxInFlight    int           // unanswered requests per connection before the service waits
}

// DefaultServerOptions is tfe_server_options_default().
func DefaultServerOptions() ServerOptions {
	o := C.tfe_server_options_default()
	return ServerOptions{MaxBatch: int(o.max_batch), BatchWindow: time.Duration(o.batch_window_us) * time.Microsecond,
		MaxConnections: int(o.max_connections), MaxInFlight: int(o.max_in_flight)}
}

func (o *ServerOptions) c() (*C.tfe_server_options_t, error) {
	if o == nil {
		return nil, nil
	}
	const fn = "tfe_server_start"
	b, err := size(fn, "max_batch", o.MaxBatch)
	if err != nil {
		return nil, err
	}
	conns, err := size(fn, "max_connections", o.MaxConnections)
	if err != nil {
		return nil, err
	}
	inFlight, err := size(fn, "max_in_flight", o.MaxInFlight)
	if err != nil {
		return nil, err
	}
	if o.BatchWindow < 0 {
		return nil, argError(fn, "batch_window_us", "expected a duration >= 0, found %v", o.BatchWindow)
	}
	return &C.tfe_server_options_t{max_batch: b, batch_window_us: C.uint64_t(o.BatchWindow / time.Microsecond),
		max_connections: conns, max_in_flight: inFlight}, nil
}

// Server is a tfe_server_t: a running service of a model (the three
// servers and the model owner's shared weights on threads of this process)
// answering Clients over TCP. Safe for use by several goroutines.
type Server struct {
	h handle[*C.tfe_server_t]
}

// StartServer starts a service of model on listen (host:port; port 0
// picks a free one, see Port) (tfe_server_start). options and session
// nil: the defaults. The service keeps a copy of the weights.
func StartServer(model *Model, listen string, options *ServerOptions, session *SessionOptions) (*Server, error) {
	opts, err := options.c()
	if err != nil {
		return nil, err
	}
	l := cString(listen)
	defer freeString(l)
	sess := session.c()
	return madeOn(&model.h, newServer, func(m *C.tfe_model_t, out **C.tfe_server_t) C.enum_tfe_status_t {
		return C.tfe_server_start(m, l, opts, sess, out)
	})
}

func newServer(ptr *C.tfe_server_t) *Server {
	s := &Server{}
	return initHandle(s, &s.h, "tfe.Server", ptr, func(p *C.tfe_server_t) { C.tfe_server_free(p) }, nil)
}

// Port is the TCP port the service listens on (tfe_server_port).
func (s *Server) Port() (int, error) {
	var port C.uint16_t
	err := s.h.call(func(p *C.tfe_server_t) C.enum_tfe_status_t { return C.tfe_server_port(p, &port) })
	return int(port), err
}

// Close stops the service and frees it (tfe_server_free): its clients'
// pending requests fail. Safe twice.
func (s *Server) Close() { s.h.close() }

// Client is a tfe_client_t: a client of a service, with one long-lived
// connection to each of its servers; requests are answered in order. No
// server sees its inputs or predictions. Safe for use by several
// goroutines (requests are serialized), Reconnect included.
type Client struct {
	h handle[*C.tfe_client_t]
	// shapes are replaced whole by Reconnect (the service may have restarted
	// with another model) while other goroutines predict with the old ones.
	shapes atomic.Pointer[batchShapes]
}

// Connect connects to the service at addr (host:port)
// (tfe_client_connect); timeout bounds the connection and each answer
// (whole milliseconds, at least 1).
func Connect(addr string, timeout time.Duration) (*Client, error) {
	a := cString(addr)
	defer freeString(a)
	ms := C.uint64_t(0)
	if timeout > 0 {
		ms = C.uint64_t(timeout / time.Millisecond)
	}
	return withShapes(made(newClient, func(out **C.tfe_client_t) C.enum_tfe_status_t { return C.tfe_client_connect(a, ms, out) }))
}

func newClient(ptr *C.tfe_client_t) *Client {
	c := &Client{}
	return initHandle(c, &c.h, "tfe.Client", ptr, func(p *C.tfe_client_t) { C.tfe_client_free(p) }, nil)
}

func (c *Client) readShapes() error {
	shapes, err := readBatchShapes(c.InputShape, c.OutputCount, c.OutputShapeAt)
	if err == nil {
		c.shapes.Store(&shapes)
	}
	return err
}

// Close closes the connections and frees the client (tfe_client_free).
// Safe twice.
func (c *Client) Close() { c.h.close() }

// Reconnect closes the connections and opens new ones to the same address
// (tfe_client_reconnect): after an ErrNetwork or ErrTimeout, or a restart
// of the service. A prediction on another goroutine runs before or after
// it.
func (c *Client) Reconnect() error {
	// Alone: the C call replaces the shapes an accessor may be copying.
	if err := c.h.callAlone(func(p *C.tfe_client_t) C.enum_tfe_status_t { return C.tfe_client_reconnect(p) }); err != nil {
		return err
	}
	return c.readShapes()
}

// Predict sends one batch x (1 to maxBatch samples, row-major, batch first)
// and returns the first output of as many samples (tfe_client_predict).
func (c *Client) Predict(x []float64) ([]float64, error) {
	return c.shapes.Load().first(x, func(xp *C.double, xn C.size_t, op *C.double, on C.size_t) error {
		return c.h.call(func(p *C.tfe_client_t) C.enum_tfe_status_t { return C.tfe_client_predict(p, xp, xn, op, on) })
	})
}

// PredictOutputs is Predict giving every output of the model, in its order
// (tfe_client_predict_outputs).
func (c *Client) PredictOutputs(x []float64) ([][]float64, error) {
	return c.shapes.Load().outputs(x, func(xp *C.double, xn C.size_t, pp **C.double, lp *C.size_t, n C.size_t) error {
		return c.h.call(func(p *C.tfe_client_t) C.enum_tfe_status_t {
			return C.tfe_client_predict_outputs(p, xp, xn, pp, lp, n)
		})
	})
}

// InputShape is the shape of a full batch, [maxBatch, input shape...]
// (tfe_client_input_shape).
func (c *Client) InputShape() ([]int, error) {
	return c.h.shape(func(p *C.tfe_client_t, s **C.size_t, r *C.size_t) C.enum_tfe_status_t {
		return C.tfe_client_input_shape(p, s, r)
	})
}

// OutputCount is the number of outputs of each prediction
// (tfe_client_output_count).
func (c *Client) OutputCount() (int, error) {
	return c.h.count(func(p *C.tfe_client_t, n *C.size_t) C.enum_tfe_status_t { return C.tfe_client_output_count(p, n) })
}

// OutputShapeAt is the shape of output index for a full batch
// (tfe_client_output_shape_at).
func (c *Client) OutputShapeAt(index int) ([]int, error) {
	return c.h.shapeAt("tfe_client_output_shape_at", index, func(p *C.tfe_client_t, i C.size_t, s **C.size_t, r *C.size_t) C.enum_tfe_status_t {
		return C.tfe_client_output_shape_at(p, i, s, r)
	})
}
