package tfe

// The operations with parameters besides their tensors (shapes, indices,
// enums, a divisor, a player); their enums are in enums.go.

// #include "tfe.h"
import "C"

// Assign is an assignment of value to the private variable variable,
// which happens when it is fetched (tfe_assign).
func (c *Context) Assign(variable, value *Tensor) (*Tensor, error) {
	return c.op("tfe_assign", []string{"variable", "value"}, []*Tensor{variable, value},
		func(ctx *C.tfe_context_t, xs []*C.tfe_tensor_t, out **C.tfe_tensor_t) C.enum_tfe_status_t {
			return C.tfe_assign(ctx, xs[0], xs[1], out)
		})
}

// Select is cond ? a : b elementwise, cond holding 0 or 1 (tfe_select).
func (c *Context) Select(cond, a, b *Tensor) (*Tensor, error) {
	return c.op("tfe_select", namesABC, []*Tensor{cond, a, b},
		func(ctx *C.tfe_context_t, xs []*C.tfe_tensor_t, out **C.tfe_tensor_t) C.enum_tfe_status_t {
			return C.tfe_select(ctx, xs[0], xs[1], xs[2], out)
		})
}

// Concat joins x and y along axis (tfe_concat).
func (c *Context) Concat(x, y *Tensor, axis int) (*Tensor, error) {
	a, err := size("tfe_concat", "axis", axis)
	if err != nil {
		return nil, err
	}
	return c.binary("tfe_concat", x, y, func(ctx *C.tfe_context_t, x, y *C.tfe_tensor_t, out **C.tfe_tensor_t) C.enum_tfe_status_t {
		return C.tfe_concat(ctx, x, y, a, out)
	})
}

// Reveal opens x to the player to, or to every server for ""
// (tfe_reveal). Fetch the result.
func (c *Context) Reveal(x *Tensor, to string) (*Tensor, error) {
	toC := cStringOrNull(to)
	defer freeString(toC)
	return c.unary("tfe_reveal", x, func(ctx *C.tfe_context_t, x *C.tfe_tensor_t, out **C.tfe_tensor_t) C.enum_tfe_status_t {
		return C.tfe_reveal(ctx, x, toC, out)
	})
}

// Transpose permutes x's axes by perm, or reverses them for nil (tfe_transpose).
func (c *Context) Transpose(x *Tensor, perm []int) (*Tensor, error) {
	return c.withSizes("tfe_transpose", "perm", x, perm, sizesC(C.tfe_transpose))
}

// Reshape is x with shape, of as many elements (tfe_reshape).
func (c *Context) Reshape(x *Tensor, shape []int) (*Tensor, error) {
	return c.withSizes("tfe_reshape", "shape", x, shape, sizesC(C.tfe_reshape))
}

// Pad adds zeros around x: pads holds (before, after) for each axis (tfe_pad).
func (c *Context) Pad(x *Tensor, pads []int) (*Tensor, error) {
	return c.withSizes("tfe_pad", "pads", x, pads, sizesC(C.tfe_pad))
}

// Slice is the block of x of size starting at begin (tfe_slice).
func (c *Context) Slice(x *Tensor, begin, size []int) (*Tensor, error) {
	b, nb, err := sizes("tfe_slice", "begin", begin)
	if err != nil {
		return nil, err
	}
	return c.withSizes("tfe_slice", "size", x, size,
		func(ctx *C.tfe_context_t, x *C.tfe_tensor_t, s *C.size_t, ns C.size_t, out **C.tfe_tensor_t) C.enum_tfe_status_t {
			return C.tfe_slice(ctx, x, b, nb, s, ns, out)
		})
}

// Gather takes the slices indices of x along axis (tfe_gather).
func (c *Context) Gather(x *Tensor, indices []int, axis int) (*Tensor, error) {
	a, err := size("tfe_gather", "axis", axis)
	if err != nil {
		return nil, err
	}
	return c.withSizes("tfe_gather", "indices", x, indices,
		func(ctx *C.tfe_context_t, x *C.tfe_tensor_t, p *C.size_t, n C.size_t, out **C.tfe_tensor_t) C.enum_tfe_status_t {
			return C.tfe_gather(ctx, x, p, n, a, out)
		})
}

// Pool2D pools NHWC x with windowH x windowW windows moving by strideH,
// strideW (tfe_pool2d).
func (c *Context) Pool2D(x *Tensor, pool Pool, windowH, windowW, strideH, strideW int, padding Padding) (*Tensor, error) {
	const function = "tfe_pool2d"
	dims, err := windowAndStrides(function, windowH, windowW, strideH, strideW)
	if err != nil {
		return nil, err
	}
	return c.unary(function, x, func(ctx *C.tfe_context_t, x *C.tfe_tensor_t, out **C.tfe_tensor_t) C.enum_tfe_status_t {
		return C.tfe_pool2d(ctx, x, C.uint32_t(pool), dims[0], dims[1], dims[2], dims[3], C.uint32_t(padding), out)
	})
}

// Conv2D convolves NHWC x with filter [KH, KW, C, O] (tfe_conv2d).
func (c *Context) Conv2D(x, filter *Tensor, strideH, strideW int, padding Padding) (*Tensor, error) {
	s, err := strides("tfe_conv2d", strideH, strideW)
	if err != nil {
		return nil, err
	}
	return c.op("tfe_conv2d", []string{"x", "filter"}, []*Tensor{x, filter},
		func(ctx *C.tfe_context_t, xs []*C.tfe_tensor_t, out **C.tfe_tensor_t) C.enum_tfe_status_t {
			return C.tfe_conv2d(ctx, xs[0], xs[1], s[0], s[1], C.uint32_t(padding), out)
		})
}

// DivPublic is x / divisor, a public number (tfe_div_public).
func (c *Context) DivPublic(x *Tensor, divisor float64) (*Tensor, error) {
	return c.unary("tfe_div_public", x, func(ctx *C.tfe_context_t, x *C.tfe_tensor_t, out **C.tfe_tensor_t) C.enum_tfe_status_t {
		return C.tfe_div_public(ctx, x, C.double(divisor), out)
	})
}

// Cumsum is the cumulative sum of x along axis (tfe_cumsum).
func (c *Context) Cumsum(x *Tensor, axis int, mode CumsumMode) (*Tensor, error) {
	return c.axisOp("tfe_cumsum", x, axis, func(ctx *C.tfe_context_t, x *C.tfe_tensor_t, a C.size_t, out **C.tfe_tensor_t) C.enum_tfe_status_t {
		return C.tfe_cumsum(ctx, x, a, C.uint32_t(mode), out)
	})
}

// Sort sorts x along axis (tfe_sort).
func (c *Context) Sort(x *Tensor, axis int, order SortOrder) (*Tensor, error) {
	return c.axisOp("tfe_sort", x, axis, func(ctx *C.tfe_context_t, x *C.tfe_tensor_t, a C.size_t, out **C.tfe_tensor_t) C.enum_tfe_status_t {
		return C.tfe_sort(ctx, x, a, C.uint32_t(order), out)
	})
}
