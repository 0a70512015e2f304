package tfe

// #include "tfe.h"
import "C"

import (
	"context"
	"runtime/cgo"
	"strconv"
	"time"
)

// SessionOptions is a tfe_session_options_t. Start from
// DefaultSessionOptions; timeouts are whole milliseconds.
type SessionOptions struct {
	Transport      Transport
	ConnectTimeout time.Duration
	RecvTimeout    time.Duration
}

// DefaultSessionOptions is tfe_session_options_default(): TCP, 30 s timeouts.
func DefaultSessionOptions() SessionOptions {
	o := C.tfe_session_options_default()
	return SessionOptions{Transport: Transport(o.transport),
		ConnectTimeout: time.Duration(o.connect_timeout_ms) * time.Millisecond,
		RecvTimeout:    time.Duration(o.recv_timeout_ms) * time.Millisecond}
}

func (o *SessionOptions) c() *C.tfe_session_options_t {
	if o == nil {
		return nil
	}
	ms := func(d time.Duration) C.uint64_t {
		if d < 0 {
			return 0 // the library names the field
		}
		return C.uint64_t(d / time.Millisecond)
	}
	return &C.tfe_session_options_t{transport: C.uint32_t(o.Transport),
		connect_timeout_ms: ms(o.ConnectTimeout), recv_timeout_ms: ms(o.RecvTimeout)}
}

// Feeds is a tfe_feeds_t: values for inputs and variables of runs. Safe
// for use by several goroutines: Set runs alone on the feeds (it waits for
// the runs that use them, and runs given them meanwhile wait for it);
// concurrent runs may share feeds.
type Feeds struct {
	h handle[*C.tfe_feeds_t]
}

func newFeeds(ptr *C.tfe_feeds_t) *Feeds {
	f := &Feeds{}
	return initHandle(f, &f.h, "tfe.Feeds", ptr, func(p *C.tfe_feeds_t) { C.tfe_feeds_free(p) }, nil)
}

// NewFeeds makes an empty set of feeds (tfe_feeds_new).
func NewFeeds() (*Feeds, error) {
	return made(newFeeds, func(out **C.tfe_feeds_t) C.enum_tfe_status_t { return C.tfe_feeds_new(out) })
}

// Set gives input (an input or variable) its values, row-major
// (tfe_feeds_set, which copies them). From an input provider of a run
// given these feeds, which waits for the provider, Set would wait for
// good: it fails at once with ErrInvalidArgument instead (see InputFunc).
func (f *Feeds) Set(input *Tensor, values []float64) error {
	if err := f.h.fromProvider("Set", afterRun); err != nil {
		return err
	}
	feeds, err := f.h.lock()
	if err != nil {
		return err
	}
	defer f.h.unlock()
	xs, done, err := operands("tfe_feeds_set", []string{"input"}, []*Tensor{input})
	if err != nil {
		return err
	}
	defer done()
	v, n := doubles(values)
	return check(func() C.enum_tfe_status_t { return C.tfe_feeds_set(feeds, xs[0], v, n) })
}

// Close frees the feeds (tfe_feeds_free). Safe twice. From an input
// provider of a run given these feeds it panics instead, as Tensor.Close
// does, and the run fails with that message.
func (f *Feeds) Close() { f.h.closeOutsideProviders() }

// Session is a tfe_session_t: every player of a context's graph running
// in this process, each on its own thread. Private variables keep their
// shares across runs. Safe for use by several goroutines (runs are
// serialized). An input provider runs inside a run, which holds the
// session until it returns: there the session's methods but Interrupt
// fail at once rather than wait for the run (see InputFunc).
type Session struct {
	h handle[*C.tfe_session_t]
}

func newSession(ptr *C.tfe_session_t, keep []*provider) *Session {
	s := &Session{}
	return initHandle(s, &s.h, "tfe.Session", ptr, func(p *C.tfe_session_t) { C.tfe_session_free(p) }, keepProviders(keep))
}

// NewLocalSession starts a local session of the context as it is now (its
// graph and input providers) with options, or with the defaults for nil
// (tfe_session_new_local, tfe_session_new_local_with_options).
func NewLocalSession(c *Context, options *SessionOptions) (*Session, error) {
	opts := options.c()
	return ofContext(c, newSession, func(ctx *C.tfe_context_t, out **C.tfe_session_t) C.enum_tfe_status_t {
		if opts == nil {
			return C.tfe_session_new_local(ctx, out)
		}
		return C.tfe_session_new_local_with_options(ctx, opts, out)
	})
}

// copying, set by tests only, is called right before the library copies a
// context's graph for a new session or party: a test defines an input
// there, as another goroutine may.
var copying func()

// ofContext makes a session or a party of the context c as it is now (its
// graph and input providers): create makes its C handle from c's, and own
// gives that handle its Go owner, which keeps the providers. The providers
// are taken once the library has copied the graph, so they include those
// of every input of the copy (see Context.providers), and perhaps of
// inputs defined since, which the session merely keeps alive.
func ofContext[Q any, T any](c *Context, own func(Q, []*provider) *T,
	create func(ctx *C.tfe_context_t, out *Q) C.enum_tfe_status_t) (*T, error) {
	ctx, err := c.h.acquire()
	if err != nil {
		return nil, err
	}
	defer c.h.release()
	if copying != nil {
		copying()
	}
	return made(func(ptr Q) *T { return own(ptr, c.snapshot()) }, func(out *Q) C.enum_tfe_status_t { return create(ctx, out) })
}

// Close stops the players and frees the session (tfe_session_free), after
// a run in progress (Interrupt ends that one sooner). Safe twice; later
// uses are ErrClosed. Called from one of the session's input providers
// while it has a run in progress, which waits for the provider, Close
// would wait for good: it panics instead with an ErrInvalidArgument error
// that says to close the session after Run returns, and the run fails
// with that message (see InputFunc).
func (s *Session) Close() { s.h.closeOutsideProviders() }

// Run runs the graph for fetches (reveals, public values, assignments),
// with feeds (nil: none) (tfe_session_run, tfe_session_run_with_feeds).
// Close the result. A failed run leaves the session usable, unless a
// connection was lost.
//
// When ctx is done before the run ends, the run is interrupted
// (tfe_session_interrupt) and Run returns soon, with an error that matches
// both ctx's error (context.Canceled, context.DeadlineExceeded) and
// ErrAborted; it returns only after the run's input providers have
// returned (a provider is not interrupted: give it ctx too). From one of
// the session's input providers while it has a run in progress it fails
// at once with ErrInvalidArgument (see InputFunc).
func (s *Session) Run(ctx context.Context, fetches []*Tensor, feeds *Feeds) (*Result, error) {
	if err := s.h.fromProvider("Run", afterRun); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var res *Result
	err := s.h.interruptible(ctx, s.h.mu.RLocker(), sessionInterrupt, func(sess *C.tfe_session_t) (err error) {
		res, err = runFetches("tfe_session_run", fetches, feeds, s.h.keep,
			func(f **C.tfe_tensor_t, n C.size_t, fd *C.tfe_feeds_t, out **C.tfe_result_t) C.enum_tfe_status_t {
				if fd == nil {
					return C.tfe_session_run(sess, f, n, out)
				}
				return C.tfe_session_run_with_feeds(sess, f, n, fd, out)
			})
		return err
	})
	return res, err
}

// ResetVariables forgets the shares of every private variable: the next
// run initializes them again (tfe_session_reset_variables). It waits for
// a run in progress; from one of the session's input providers meanwhile
// it fails at once with ErrInvalidArgument (see InputFunc).
func (s *Session) ResetVariables() error {
	return s.h.callOutsideProviders("ResetVariables", func(sess *C.tfe_session_t) C.enum_tfe_status_t {
		return C.tfe_session_reset_variables(sess)
	})
}

// runFetches passes the fetches (a Go array of tags, which holds no Go
// pointer, so cgo lets C read it during the call) and the feeds to one run
// call, which may call the providers of by (nil: none), and wraps its
// result. The fetches and the feeds count the run in their runs meanwhile
// (see fromProvider).
func runFetches(function string, fetches []*Tensor, feeds *Feeds, by *providerSet,
	call func(**C.tfe_tensor_t, C.size_t, *C.tfe_feeds_t, **C.tfe_result_t) C.enum_tfe_status_t) (*Result, error) {
	names := make([]string, len(fetches))
	for i := range names {
		names[i] = "fetches[" + strconv.Itoa(i) + "]"
	}
	xs, done, err := operands(function, names, fetches)
	if err != nil {
		return nil, err
	}
	defer done()
	if by != nil { // else nothing the run waits for can call back: no marks
		for _, t := range fetches {
			t.h.runs.add(by)
		}
		defer func() {
			for _, t := range fetches {
				t.h.runs.remove(by)
			}
		}()
	}
	var fd *C.tfe_feeds_t
	if feeds != nil {
		if fd, err = feeds.h.acquire(); err != nil {
			return nil, err
		}
		defer feeds.h.release()
		feeds.h.runs.add(by)
		defer feeds.h.runs.remove(by)
	}
	var first **C.tfe_tensor_t
	if len(xs) > 0 {
		first = &xs[0]
	}
	return made(newResult, func(out **C.tfe_result_t) C.enum_tfe_status_t { return call(first, C.size_t(len(xs)), fd, out) })
}

// Party is a tfe_party_t: one player of a deployment, connected to every
// other player of the graph. Safe for use by several goroutines (runs are
// serialized). An input provider runs inside a run, on its goroutine,
// which holds the party until it returns: there the party's methods but
// Interrupt fail at once rather than wait for the run (see InputFunc).
type Party struct {
	h handle[*C.tfe_party_t]
}

func newParty(ptr *C.tfe_party_t, keep []*provider) *Party {
	p := &Party{}
	return initHandle(p, &p.h, "tfe.Party", ptr, func(p *C.tfe_party_t) { C.tfe_party_free(p) }, keepProviders(keep))
}

// OpenParty opens the party of player me in the deployment of the hostmap
// file, over TLS 1.3 with the private key at tlsKey (tfe_party_open). It
// waits for the other players up to the hostmap's connect timeout; see
// OpenPartyContext to give up sooner.
func OpenParty(c *Context, hostmap, me, tlsKey string) (*Party, error) {
	return OpenPartyContext(context.Background(), c, hostmap, me, tlsKey)
}

// OpenPartyContext is OpenParty that gives up when ctx is done before the
// other players have connected (tfe_party_open_cancellable, which asks ctx
// at least every 20 ms while this player waits; tfe_party_open for a ctx
// that is never done, such as context.Background). It then returns within
// about a second, with an error that matches both ctx's error
// (context.Canceled, context.DeadlineExceeded) and ErrAborted, as
// Party.Run's does, and names the players it was still waiting for; the
// connections made so far are closed. A ctx done already still makes the
// call, as Party.Run does, and the call gives up at its first check with
// that error.
func OpenPartyContext(ctx context.Context, c *Context, hostmap, me, tlsKey string) (*Party, error) {
	key := cString(tlsKey)
	defer freeString(key)
	return openParty(ctx, c, hostmap, me, func(cx *C.tfe_context_t, h, m *C.char, handle cgo.Handle, out **C.tfe_party_t) C.enum_tfe_status_t {
		if handle == 0 {
			return C.tfe_party_open(cx, h, m, key, out)
		}
		return partyOpenCancellable(cx, h, m, key, handle, out)
	})
}

// OpenPartyInsecurePlaintext is OpenParty over plaintext TCP: anyone on
// the network path can read and change the shares. For tests and isolated
// networks only (tfe_party_open_insecure_plaintext).
func OpenPartyInsecurePlaintext(c *Context, hostmap, me string) (*Party, error) {
	return OpenPartyInsecurePlaintextContext(context.Background(), c, hostmap, me)
}

// OpenPartyInsecurePlaintextContext is OpenPartyContext over plaintext TCP,
// for tests and isolated networks only (see OpenPartyInsecurePlaintext)
// (tfe_party_open_insecure_plaintext_cancellable;
// tfe_party_open_insecure_plaintext for a ctx that is never done).
func OpenPartyInsecurePlaintextContext(ctx context.Context, c *Context, hostmap, me string) (*Party, error) {
	return openParty(ctx, c, hostmap, me, func(cx *C.tfe_context_t, h, m *C.char, handle cgo.Handle, out **C.tfe_party_t) C.enum_tfe_status_t {
		if handle == 0 {
			return C.tfe_party_open_insecure_plaintext(cx, h, m, out)
		}
		return partyOpenInsecurePlaintextCancellable(cx, h, m, handle, out)
	})
}

// openParty makes the C call that opens the party of me, with the
// cgo.Handle of ctx for its check, or 0 (see cancellable).
func openParty(ctx context.Context, c *Context, hostmap, me string,
	call func(*C.tfe_context_t, *C.char, *C.char, cgo.Handle, **C.tfe_party_t) C.enum_tfe_status_t) (*Party, error) {
	h, m := cString(hostmap), cString(me)
	defer freeString(h)
	defer freeString(m)
	var party *Party
	err := cancellable(ctx, func(handle cgo.Handle) (err error) {
		party, err = ofContext(c, newParty, func(cx *C.tfe_context_t, out **C.tfe_party_t) C.enum_tfe_status_t {
			return call(cx, h, m, handle, out)
		})
		return err
	})
	return party, err
}

// Run runs the graph for fetches at this player, with the feeds of the
// inputs it owns (nil: none) (tfe_party_run). Every player runs the same
// fetches. The result holds the values revealed to this player. When ctx
// is done before the run ends, the run is interrupted (tfe_party_interrupt):
// the other players fail it with ErrAborted naming this one, and Run
// returns an error matching ctx's error and ErrAborted, as Session.Run. A
// ctx done already still starts the run, to interrupt it at once: the
// other players then see an abort, not a silent player. From one of the
// party's input providers while it has a run in progress it fails at once
// with ErrInvalidArgument (see InputFunc).
func (p *Party) Run(ctx context.Context, fetches []*Tensor, feeds *Feeds) (*Result, error) {
	if err := p.h.fromProvider("Run", afterRun); err != nil {
		return nil, err
	}
	var res *Result
	err := p.h.interruptible(ctx, p.h.mu.RLocker(), partyInterrupt, func(party *C.tfe_party_t) (err error) {
		res, err = runFetches("tfe_party_run", fetches, feeds, p.h.keep,
			func(f **C.tfe_tensor_t, n C.size_t, fd *C.tfe_feeds_t, out **C.tfe_result_t) C.enum_tfe_status_t {
				return C.tfe_party_run(party, f, n, fd, out)
			})
		return err
	})
	return res, err
}

// Close closes the party's connections and frees it (tfe_party_free),
// after a run in progress. Safe twice. From one of the party's input
// providers while it has a run in progress it panics instead, as
// Session.Close does, and the run fails with that message.
func (p *Party) Close() { p.h.closeOutsideProviders() }

// GenerateCertificates makes a TLS identity for every player of the
// hostmap file in dir and rewrites the hostmap
// (tfe_hostmap_generate_certificates).
func GenerateCertificates(hostmap, dir string) error {
	h, d := cString(hostmap), cString(dir)
	defer freeString(h)
	defer freeString(d)
	return check(func() C.enum_tfe_status_t { return C.tfe_hostmap_generate_certificates(h, d) })
}
