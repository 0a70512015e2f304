package tfe

// #include "tfe.h"
import "C"

// Model is a tfe_model_t: a sequential model in plaintext (the model
// owner's), or one imported from ONNX (LoadONNX). Safe for use by several
// goroutines: an Add* call runs alone on the model (it waits for the calls
// in progress that use it, NewLocalPredictor, NewLocalTrainer and
// StartServer among them, and calls made meanwhile wait for it); the
// other calls run concurrently.
type Model struct {
	h handle[*C.tfe_model_t]
}

func newModel(ptr *C.tfe_model_t) *Model {
	m := &Model{}
	return initHandle(m, &m.h, "tfe.Model", ptr, func(p *C.tfe_model_t) { C.tfe_model_free(p) }, nil)
}

// NewModel makes a model without layers for samples of inputShape
// (without the batch axis) (tfe_model_new).
func NewModel(inputShape []int) (*Model, error) {
	shape, rank, err := sizes("tfe_model_new", "input_shape", inputShape)
	if err != nil {
		return nil, err
	}
	return made(newModel, func(out **C.tfe_model_t) C.enum_tfe_status_t { return C.tfe_model_new(shape, rank, out) })
}

// NewNetworkModel makes benchmark network with weights drawn from seed
// (tfe_model_network).
func NewNetworkModel(network Network, seed uint64) (*Model, error) {
	return made(newModel, func(out **C.tfe_model_t) C.enum_tfe_status_t {
		return C.tfe_model_network(C.uint32_t(network), C.uint64_t(seed), out)
	})
}

// Close frees the model (tfe_model_free); predictors made from it stay
// valid. Safe twice.
func (m *Model) Close() { m.h.close() }

// InputShape is the shape of one sample (tfe_model_input_shape).
func (m *Model) InputShape() ([]int, error) {
	return m.h.shape(func(p *C.tfe_model_t, s **C.size_t, r *C.size_t) C.enum_tfe_status_t {
		return C.tfe_model_input_shape(p, s, r)
	})
}

// OutputShape is the shape of the output for one sample, after the layers
// added so far (tfe_model_output_shape).
func (m *Model) OutputShape() ([]int, error) {
	return m.h.shape(func(p *C.tfe_model_t, s **C.size_t, r *C.size_t) C.enum_tfe_status_t {
		return C.tfe_model_output_shape(p, s, r)
	})
}

// OutputCount is the number of outputs: 1, or several for a model
// imported from ONNX (tfe_model_output_count).
func (m *Model) OutputCount() (int, error) {
	return m.h.count(func(p *C.tfe_model_t, n *C.size_t) C.enum_tfe_status_t { return C.tfe_model_output_count(p, n) })
}

// OutputShapeAt is the shape of output index for one sample
// (tfe_model_output_shape_at).
func (m *Model) OutputShapeAt(index int) ([]int, error) {
	return m.h.shapeAt("tfe_model_output_shape_at", index, func(p *C.tfe_model_t, i C.size_t, s **C.size_t, r *C.size_t) C.enum_tfe_status_t {
		return C.tfe_model_output_shape_at(p, i, s, r)
	})
}

// LayerCount is the number of layers as the model runs (tfe_model_layer_count).
func (m *Model) LayerCount() (int, error) {
	return m.h.count(func(p *C.tfe_model_t, n *C.size_t) C.enum_tfe_status_t { return C.tfe_model_layer_count(p, n) })
}

// PredictPlain is plaintext inference of batch samples x (row-major, batch
// first) in float64 (tfe_model_predict_plain): what private prediction
// approximates.
func (m *Model) PredictPlain(x []float64, batch int) ([]float64, error) {
	b, err := size("tfe_model_predict_plain", "batch", batch)
	if err != nil {
		return nil, err
	}
	outShape, err := m.OutputShape()
	if err != nil {
		return nil, err
	}
	out := make([]float64, batch*elements(outShape))
	return predictInto(x, out, func(xp *C.double, xn C.size_t, op *C.double, on C.size_t) error {
		return m.h.call(func(p *C.tfe_model_t) C.enum_tfe_status_t { return C.tfe_model_predict_plain(p, xp, xn, b, op, on) })
	})
}

// AddDense adds x W + b: weights is the inputs x units matrix (row-major),
// bias has units values (tfe_model_add_dense).
func (m *Model) AddDense(inputs, units int, weights, bias []float64) error {
	in, err := size("tfe_model_add_dense", "inputs", inputs)
	if err != nil {
		return err
	}
	un, err := size("tfe_model_add_dense", "units", units)
	if err != nil {
		return err
	}
	w, wn := doubles(weights)
	b, bn := doubles(bias)
	return m.h.callAlone(func(p *C.tfe_model_t) C.enum_tfe_status_t { return C.tfe_model_add_dense(p, in, un, w, wn, b, bn) })
}

// AddConv2D adds a convolution of NHWC inputs: kernel is {KH, KW, C, O},
// weights its values, bias one per output channel (tfe_model_add_conv2d).
func (m *Model) AddConv2D(kernel []int, weights, bias []float64, strideH, strideW int, padding Padding) error {
	const function = "tfe_model_add_conv2d"
	k, kn, err := sizes(function, "kernel", kernel)
	if err != nil {
		return err
	}
	s, err := strides(function, strideH, strideW)
	if err != nil {
		return err
	}
	w, wn := doubles(weights)
	b, bn := doubles(bias)
	return m.h.callAlone(func(p *C.tfe_model_t) C.enum_tfe_status_t {
		return C.tfe_model_add_conv2d(p, k, kn, w, wn, b, bn, s[0], s[1], C.uint32_t(padding))
	})
}

type poolFn func(*C.tfe_model_t, C.size_t, C.size_t, C.size_t, C.size_t, C.uint32_t) C.enum_tfe_status_t

func (m *Model) addPool(function string, windowH, windowW, strideH, strideW int, padding Padding, f poolFn) error {
	d, err := windowAndStrides(function, windowH, windowW, strideH, strideW)
	if err != nil {
		return err
	}
	return m.h.callAlone(func(p *C.tfe_model_t) C.enum_tfe_status_t { return f(p, d[0], d[1], d[2], d[3], C.uint32_t(padding)) })
}

// AddMaxPool2D adds max pooling of NHWC inputs (tfe_model_add_max_pool2d).
func (m *Model) AddMaxPool2D(windowH, windowW, strideH, strideW int, padding Padding) error {
	return m.addPool("tfe_model_add_max_pool2d", windowH, windowW, strideH, strideW, padding,
		func(p *C.tfe_model_t, a, b, c, d C.size_t, pad C.uint32_t) C.enum_tfe_status_t {
			return C.tfe_model_add_max_pool2d(p, a, b, c, d, pad)
		})
}

// AddAvgPool2D adds average pooling of NHWC inputs (tfe_model_add_avg_pool2d).
func (m *Model) AddAvgPool2D(windowH, windowW, strideH, strideW int, padding Padding) error {
	return m.addPool("tfe_model_add_avg_pool2d", windowH, windowW, strideH, strideW, padding,
		func(p *C.tfe_model_t, a, b, c, d C.size_t, pad C.uint32_t) C.enum_tfe_status_t {
			return C.tfe_model_add_avg_pool2d(p, a, b, c, d, pad)
		})
}

// AddBatchNorm adds batch normalization over the last axis; gamma, beta,
// mean and variance hold one value per channel (tfe_model_add_batch_norm).
func (m *Model) AddBatchNorm(gamma, beta, mean, variance []float64, epsilon float64) error {
	n := len(gamma)
	for _, v := range []struct {
		name string
		v    []float64
	}{{"beta", beta}, {"mean", mean}, {"variance", variance}} {
		if len(v.v) != n {
			return argError("tfe_model_add_batch_norm", v.name,
				"expected %d values (one per channel, as gamma), found %d", n, len(v.v))
		}
	}
	g, _ := doubles(gamma)
	b, _ := doubles(beta)
	mu, _ := doubles(mean)
	va, _ := doubles(variance)
	return m.h.callAlone(func(p *C.tfe_model_t) C.enum_tfe_status_t {
		return C.tfe_model_add_batch_norm(p, g, b, mu, va, C.size_t(n), C.double(epsilon))
	})
}

// AddRelu adds max(x, 0) (tfe_model_add_relu).
func (m *Model) AddRelu() error {
	return m.h.callAlone(func(p *C.tfe_model_t) C.enum_tfe_status_t { return C.tfe_model_add_relu(p) })
}

// AddSigmoid adds a sigmoid (tfe_model_add_sigmoid).
func (m *Model) AddSigmoid() error {
	return m.h.callAlone(func(p *C.tfe_model_t) C.enum_tfe_status_t { return C.tfe_model_add_sigmoid(p) })
}

// AddSoftmax adds a softmax over the last axis (tfe_model_add_softmax).
func (m *Model) AddSoftmax() error {
	return m.h.callAlone(func(p *C.tfe_model_t) C.enum_tfe_status_t { return C.tfe_model_add_softmax(p) })
}

// AddFlatten adds a flatten to [batch, n] (tfe_model_add_flatten).
func (m *Model) AddFlatten() error {
	return m.h.callAlone(func(p *C.tfe_model_t) C.enum_tfe_status_t { return C.tfe_model_add_flatten(p) })
}

// AddGlobalAvgPool2D adds global average pooling (tfe_model_add_global_avg_pool2d).
func (m *Model) AddGlobalAvgPool2D() error {
	return m.h.callAlone(func(p *C.tfe_model_t) C.enum_tfe_status_t { return C.tfe_model_add_global_avg_pool2d(p) })
}

// WeightCount is the number of weight arrays of the model as it runs
// (tfe_model_weight_count): two per Dense or Conv2D layer, four per batch
// normalization not folded.
func (m *Model) WeightCount() (int, error) {
	return m.h.count(func(p *C.tfe_model_t, n *C.size_t) C.enum_tfe_status_t { return C.tfe_model_weight_count(p, n) })
}

// Weight is a copy of weight array index (tfe_model_weight).
func (m *Model) Weight(index int) ([]float64, error) {
	return readAt(&m.h, "tfe_model_weight", index, func(p *C.tfe_model_t, i C.size_t, w *libValues) C.enum_tfe_status_t {
		return C.tfe_model_weight(p, i, &w.data, &w.n)
	}, libValues.copy)
}
