package tfe

// The operations of include/tfe.h (tfe_add ... tfe_sort) as methods of
// Context: each adds a node to the context's graph and returns its new
// tensor. Each method's documentation names its C function, whose
// documentation in include/tfe.h states its domain, bound and statuses.
// Operands must be tensors of this context that are not revealed.

// #include "tfe.h"
import "C"

// The C operations by their parameters: the context, the operands, an axis
// or a list of sizes, then out. A method whose C function has just these
// parameters passes that function (unaryC(C.tfe_neg) ... sizesC(C.tfe_pad),
// see cshim.go); one with more parameters, a closure that adds them.
type (
	unaryFn  func(*C.tfe_context_t, *C.tfe_tensor_t, **C.tfe_tensor_t) C.enum_tfe_status_t
	binaryFn func(*C.tfe_context_t, *C.tfe_tensor_t, *C.tfe_tensor_t, **C.tfe_tensor_t) C.enum_tfe_status_t
	axisFn   func(*C.tfe_context_t, *C.tfe_tensor_t, C.size_t, **C.tfe_tensor_t) C.enum_tfe_status_t
	sizesFn  func(*C.tfe_context_t, *C.tfe_tensor_t, *C.size_t, C.size_t, **C.tfe_tensor_t) C.enum_tfe_status_t
)

// op runs the C operation call on the context and the tensors ts (named
// names in messages).
func (c *Context) op(function string, names []string, ts []*Tensor,
	call func(ctx *C.tfe_context_t, xs []*C.tfe_tensor_t, out **C.tfe_tensor_t) C.enum_tfe_status_t) (*Tensor, error) {
	xs, done, err := operands(function, names, ts)
	if err != nil {
		return nil, err
	}
	defer done()
	return c.tensorOut(func(ctx *C.tfe_context_t, out **C.tfe_tensor_t) C.enum_tfe_status_t { return call(ctx, xs, out) })
}

var (
	namesX   = []string{"x"}
	namesXY  = []string{"x", "y"}
	namesABC = []string{"cond", "a", "b"}
)

func (c *Context) unary(function string, x *Tensor, f unaryFn) (*Tensor, error) {
	return c.op(function, namesX, []*Tensor{x},
		func(ctx *C.tfe_context_t, xs []*C.tfe_tensor_t, out **C.tfe_tensor_t) C.enum_tfe_status_t {
			return f(ctx, xs[0], out)
		})
}

func (c *Context) binary(function string, x, y *Tensor, f binaryFn) (*Tensor, error) {
	return c.op(function, namesXY, []*Tensor{x, y},
		func(ctx *C.tfe_context_t, xs []*C.tfe_tensor_t, out **C.tfe_tensor_t) C.enum_tfe_status_t {
			return f(ctx, xs[0], xs[1], out)
		})
}

// axisOp is an operation of x and one axis.
func (c *Context) axisOp(function string, x *Tensor, axis int, f axisFn) (*Tensor, error) {
	a, err := size(function, "axis", axis)
	if err != nil {
		return nil, err
	}
	return c.unary(function, x, func(ctx *C.tfe_context_t, x *C.tfe_tensor_t, out **C.tfe_tensor_t) C.enum_tfe_status_t {
		return f(ctx, x, a, out)
	})
}

// withSizes is an operation of x and one list of sizes.
func (c *Context) withSizes(function, param string, x *Tensor, v []int, f sizesFn) (*Tensor, error) {
	p, n, err := sizes(function, param, v)
	if err != nil {
		return nil, err
	}
	return c.unary(function, x, func(ctx *C.tfe_context_t, x *C.tfe_tensor_t, out **C.tfe_tensor_t) C.enum_tfe_status_t {
		return f(ctx, x, p, n, out)
	})
}

// Neg is -x (tfe_neg).
func (c *Context) Neg(x *Tensor) (*Tensor, error) {
	return c.unary("tfe_neg", x, unaryC(C.tfe_neg))
}

// Square is x*x (tfe_square).
func (c *Context) Square(x *Tensor) (*Tensor, error) {
	return c.unary("tfe_square", x, unaryC(C.tfe_square))
}

// ReduceSum is the sum of every element (tfe_reduce_sum).
func (c *Context) ReduceSum(x *Tensor) (*Tensor, error) {
	return c.unary("tfe_reduce_sum", x, unaryC(C.tfe_reduce_sum))
}

// Relu is max(x, 0) (tfe_relu).
func (c *Context) Relu(x *Tensor) (*Tensor, error) {
	return c.unary("tfe_relu", x, unaryC(C.tfe_relu))
}

// Sigmoid is the logistic sigmoid (tfe_sigmoid).
func (c *Context) Sigmoid(x *Tensor) (*Tensor, error) {
	return c.unary("tfe_sigmoid", x, unaryC(C.tfe_sigmoid))
}

// HardSigmoid is clip(0.2x + 0.5, 0, 1) (tfe_hard_sigmoid).
func (c *Context) HardSigmoid(x *Tensor) (*Tensor, error) {
	return c.unary("tfe_hard_sigmoid", x, unaryC(C.tfe_hard_sigmoid))
}

// Exp is e^x (tfe_exp).
func (c *Context) Exp(x *Tensor) (*Tensor, error) {
	return c.unary("tfe_exp", x, unaryC(C.tfe_exp))
}

// Reciprocal is 1/x (tfe_reciprocal).
func (c *Context) Reciprocal(x *Tensor) (*Tensor, error) {
	return c.unary("tfe_reciprocal", x, unaryC(C.tfe_reciprocal))
}

// InvSqrt is 1/sqrt(x) (tfe_inv_sqrt).
func (c *Context) InvSqrt(x *Tensor) (*Tensor, error) {
	return c.unary("tfe_inv_sqrt", x, unaryC(C.tfe_inv_sqrt))
}

// Softmax is the softmax over the last axis (tfe_softmax).
func (c *Context) Softmax(x *Tensor) (*Tensor, error) {
	return c.unary("tfe_softmax", x, unaryC(C.tfe_softmax))
}

// Tanh is tanh(x) (tfe_tanh).
func (c *Context) Tanh(x *Tensor) (*Tensor, error) {
	return c.unary("tfe_tanh", x, unaryC(C.tfe_tanh))
}

// Log is ln(x) (tfe_log).
func (c *Context) Log(x *Tensor) (*Tensor, error) {
	return c.unary("tfe_log", x, unaryC(C.tfe_log))
}

// Sqrt is sqrt(x) (tfe_sqrt).
func (c *Context) Sqrt(x *Tensor) (*Tensor, error) {
	return c.unary("tfe_sqrt", x, unaryC(C.tfe_sqrt))
}

// Flatten is x as [batch, n] (tfe_flatten).
func (c *Context) Flatten(x *Tensor) (*Tensor, error) {
	return c.unary("tfe_flatten", x, unaryC(C.tfe_flatten))
}

// GlobalAvgPool2D is NHWC x averaged over H and W (tfe_global_avg_pool2d).
func (c *Context) GlobalAvgPool2D(x *Tensor) (*Tensor, error) {
	return c.unary("tfe_global_avg_pool2d", x, unaryC(C.tfe_global_avg_pool2d))
}

// ReduceMean is the mean of every element (tfe_reduce_mean).
func (c *Context) ReduceMean(x *Tensor) (*Tensor, error) {
	return c.unary("tfe_reduce_mean", x, unaryC(C.tfe_reduce_mean))
}

// Abs is |x| (tfe_abs).
func (c *Context) Abs(x *Tensor) (*Tensor, error) {
	return c.unary("tfe_abs", x, unaryC(C.tfe_abs))
}

// Add is x + y (tfe_add).
func (c *Context) Add(x, y *Tensor) (*Tensor, error) {
	return c.binary("tfe_add", x, y, binaryC(C.tfe_add))
}

// Sub is x - y (tfe_sub).
func (c *Context) Sub(x, y *Tensor) (*Tensor, error) {
	return c.binary("tfe_sub", x, y, binaryC(C.tfe_sub))
}

// Mul is x * y elementwise (tfe_mul).
func (c *Context) Mul(x, y *Tensor) (*Tensor, error) {
	return c.binary("tfe_mul", x, y, binaryC(C.tfe_mul))
}

// MatMul is the matrix product x y (tfe_matmul).
func (c *Context) MatMul(x, y *Tensor) (*Tensor, error) {
	return c.binary("tfe_matmul", x, y, binaryC(C.tfe_matmul))
}

// Less is x < y as 0/1 (tfe_less).
func (c *Context) Less(x, y *Tensor) (*Tensor, error) {
	return c.binary("tfe_less", x, y, binaryC(C.tfe_less))
}

// LessEqual is x <= y as 0/1 (tfe_less_equal).
func (c *Context) LessEqual(x, y *Tensor) (*Tensor, error) {
	return c.binary("tfe_less_equal", x, y, binaryC(C.tfe_less_equal))
}

// Greater is x > y as 0/1 (tfe_greater).
func (c *Context) Greater(x, y *Tensor) (*Tensor, error) {
	return c.binary("tfe_greater", x, y, binaryC(C.tfe_greater))
}

// GreaterEqual is x >= y as 0/1 (tfe_greater_equal).
func (c *Context) GreaterEqual(x, y *Tensor) (*Tensor, error) {
	return c.binary("tfe_greater_equal", x, y, binaryC(C.tfe_greater_equal))
}

// Equal is x == y as 0/1 (tfe_equal).
func (c *Context) Equal(x, y *Tensor) (*Tensor, error) {
	return c.binary("tfe_equal", x, y, binaryC(C.tfe_equal))
}

// Maximum is max(x, y) elementwise (tfe_maximum).
func (c *Context) Maximum(x, y *Tensor) (*Tensor, error) {
	return c.binary("tfe_maximum", x, y, binaryC(C.tfe_maximum))
}

// Minimum is min(x, y) elementwise (tfe_minimum).
func (c *Context) Minimum(x, y *Tensor) (*Tensor, error) {
	return c.binary("tfe_minimum", x, y, binaryC(C.tfe_minimum))
}

// ReduceSumAxis is sums over axis (tfe_reduce_sum_axis).
func (c *Context) ReduceSumAxis(x *Tensor, axis int) (*Tensor, error) {
	return c.axisOp("tfe_reduce_sum_axis", x, axis, axisC(C.tfe_reduce_sum_axis))
}

// ReduceMax is the maximum over axis (tfe_reduce_max).
func (c *Context) ReduceMax(x *Tensor, axis int) (*Tensor, error) {
	return c.axisOp("tfe_reduce_max", x, axis, axisC(C.tfe_reduce_max))
}

// Argmax is the index of the maximum over axis (tfe_argmax).
func (c *Context) Argmax(x *Tensor, axis int) (*Tensor, error) {
	return c.axisOp("tfe_argmax", x, axis, axisC(C.tfe_argmax))
}

// ArgmaxOneHot is a one-hot of the maximum over axis (tfe_argmax_one_hot).
func (c *Context) ArgmaxOneHot(x *Tensor, axis int) (*Tensor, error) {
	return c.axisOp("tfe_argmax_one_hot", x, axis, axisC(C.tfe_argmax_one_hot))
}

// ExpandDims is x with a new axis of size 1 at axis (tfe_expand_dims).
func (c *Context) ExpandDims(x *Tensor, axis int) (*Tensor, error) {
	return c.axisOp("tfe_expand_dims", x, axis, axisC(C.tfe_expand_dims))
}

// Squeeze is x without its axis of size 1 at axis (tfe_squeeze).
func (c *Context) Squeeze(x *Tensor, axis int) (*Tensor, error) {
	return c.axisOp("tfe_squeeze", x, axis, axisC(C.tfe_squeeze))
}

// ReduceMeanAxis is the mean over axis (tfe_reduce_mean_axis).
func (c *Context) ReduceMeanAxis(x *Tensor, axis int) (*Tensor, error) {
	return c.axisOp("tfe_reduce_mean_axis", x, axis, axisC(C.tfe_reduce_mean_axis))
}

// ReduceMin is the minimum over axis (tfe_reduce_min).
func (c *Context) ReduceMin(x *Tensor, axis int) (*Tensor, error) {
	return c.axisOp("tfe_reduce_min", x, axis, axisC(C.tfe_reduce_min))
}

// Argmin is the index of the minimum over axis (tfe_argmin).
func (c *Context) Argmin(x *Tensor, axis int) (*Tensor, error) {
	return c.axisOp("tfe_argmin", x, axis, axisC(C.tfe_argmin))
}
