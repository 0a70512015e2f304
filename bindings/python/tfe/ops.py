"""Every operation of the C API, with TF Encrypted's names where it has one.

An operand is a tfe.Tensor or a value (numpy array, TF tensor, list, number),
which becomes a public constant of the other operand's context. Each call adds
a node to the graph and returns its Tensor; nothing runs until a value is asked
for. Shapes are checked by the library (tfe.InvalidArgumentError names both).
"""

import ctypes
import numbers

from . import _capi
from ._default import get_context
from ._values import as_shape, sizes
from .context import Tensor

__all__ = [
    "abs", "add", "argmax", "argmax_one_hot", "argmin", "assign", "avg_pool2d", "concat", "conv2d",
    "cumsum", "div_public", "equal", "exp", "expand_dims", "flatten", "gather", "global_avg_pool2d",
    "greater", "greater_equal", "hard_sigmoid", "inv_sqrt", "less", "less_equal", "log", "matmul",
    "max_pool2d", "maximum", "minimum", "mul", "neg", "negative", "pad", "pool2d", "reciprocal",
    "reduce_max", "reduce_mean", "reduce_min", "reduce_sum", "relu", "reshape", "reveal", "select",
    "sigmoid", "slice", "softmax", "sort", "sqrt", "square", "squeeze", "sub", "tanh", "transpose",
    "truediv",
]

PADDINGS = {"VALID": _capi.TFE_PADDING_VALID, "SAME": _capi.TFE_PADDING_SAME}
CUMSUM = {
    (False, False): _capi.TFE_CUMSUM_INCLUSIVE,
    (True, False): _capi.TFE_CUMSUM_EXCLUSIVE,
    (False, True): _capi.TFE_CUMSUM_REVERSE,
    (True, True): _capi.TFE_CUMSUM_EXCLUSIVE_REVERSE,
}


def _context(*operands):
    for operand in operands:
        if isinstance(operand, Tensor):
            return operand.context
    return get_context()


def _tensor(context, value, what):
    if isinstance(value, Tensor):
        if value.context is not context:
            raise ValueError(f"{what}: expected a tensor of the same context as the other operands")
        return value
    return context.define_constant(value)


def _op(cfn, context, *args):
    """Calls the C op with `args`, Tensors passed as their handles; `args`
    keeps every operand (constants made for the call too) alive meanwhile."""
    out = _capi.HANDLE()
    with context._lock:
        cfn(context._ptr, *[a._ptr if isinstance(a, Tensor) else a for a in args], ctypes.byref(out))
    return Tensor(out.value, context)


def _unary(cfn):
    def op(x):
        context = _context(x)
        return _op(cfn, context, _tensor(context, x, "x"))

    op.__name__ = cfn.__name__[len("tfe_"):]
    op.__doc__ = f"{cfn.__name__} of include/tfe.h."
    return op


def _binary(cfn):
    def op(x, y):
        context = _context(x, y)
        return _op(cfn, context, _tensor(context, x, "x"), _tensor(context, y, "y"))

    op.__name__ = cfn.__name__[len("tfe_"):]
    op.__doc__ = f"{cfn.__name__} of include/tfe.h (numpy broadcasting)."
    return op


def _axis_op(cfn):
    def op(x, axis):
        context = _context(x)
        return _op(cfn, context, _tensor(context, x, "x"), _axis(axis, x))

    op.__name__ = cfn.__name__[len("tfe_"):]
    op.__doc__ = f"{cfn.__name__} of include/tfe.h along `axis` (negative counts from the end)."
    return op


def _axis(axis, x):
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"axis: expected an int, found {axis!r}")
    rank = len(x.shape) if isinstance(x, Tensor) else None
    if axis < 0 and rank is not None:
        axis += rank
    if axis < 0:
        raise ValueError(f"axis: expected -{rank} <= axis < {rank}, found {axis - (rank or 0)}")
    return int(axis)


add = _binary(_capi.tfe_add)
sub = _binary(_capi.tfe_sub)
mul = _binary(_capi.tfe_mul)
matmul = _binary(_capi.tfe_matmul)
less = _binary(_capi.tfe_less)
less_equal = _binary(_capi.tfe_less_equal)
greater = _binary(_capi.tfe_greater)
greater_equal = _binary(_capi.tfe_greater_equal)
equal = _binary(_capi.tfe_equal)
maximum = _binary(_capi.tfe_maximum)
minimum = _binary(_capi.tfe_minimum)

neg = _unary(_capi.tfe_neg)
negative = neg
square = _unary(_capi.tfe_square)
relu = _unary(_capi.tfe_relu)
sigmoid = _unary(_capi.tfe_sigmoid)
hard_sigmoid = _unary(_capi.tfe_hard_sigmoid)
exp = _unary(_capi.tfe_exp)
reciprocal = _unary(_capi.tfe_reciprocal)
inv_sqrt = _unary(_capi.tfe_inv_sqrt)
softmax = _unary(_capi.tfe_softmax)
tanh = _unary(_capi.tfe_tanh)
log = _unary(_capi.tfe_log)
sqrt = _unary(_capi.tfe_sqrt)
abs = _unary(_capi.tfe_abs)  # noqa: A001 (tfe.abs, as tf.abs)
flatten = _unary(_capi.tfe_flatten)
global_avg_pool2d = _unary(_capi.tfe_global_avg_pool2d)

reduce_max = _axis_op(_capi.tfe_reduce_max)
reduce_min = _axis_op(_capi.tfe_reduce_min)
argmax = _axis_op(_capi.tfe_argmax)
argmin = _axis_op(_capi.tfe_argmin)
argmax_one_hot = _axis_op(_capi.tfe_argmax_one_hot)
expand_dims = _axis_op(_capi.tfe_expand_dims)
squeeze = _axis_op(_capi.tfe_squeeze)


def _reduce(x, axis, whole, along_axis):
    """`whole(x)` (axis None: a scalar) or `along_axis(x, axis)`."""
    context = _context(x)
    x = _tensor(context, x, "x")
    if axis is None:
        return _op(whole, context, x)
    return _op(along_axis, context, x, _axis(axis, x))


def reduce_sum(x, axis=None):
    """The sum of every element (axis None: a scalar) or along `axis`."""
    return _reduce(x, axis, _capi.tfe_reduce_sum, _capi.tfe_reduce_sum_axis)


def reduce_mean(x, axis=None):
    """The mean of every element (axis None: a scalar) or along `axis`."""
    return _reduce(x, axis, _capi.tfe_reduce_mean, _capi.tfe_reduce_mean_axis)


def div_public(x, divisor):
    """x / divisor for a public number `divisor`."""
    if isinstance(divisor, Tensor) or not isinstance(divisor, numbers.Real):
        raise TypeError(f"divisor: expected a public number, found {type(divisor).__name__}")
    context = _context(x)
    return _op(_capi.tfe_div_public, context, _tensor(context, x, "x"), float(divisor))


truediv = div_public


def transpose(x, perm=None):
    """Axis i of the result is axis perm[i] of x (perm None: reversed)."""
    context = _context(x)
    x = _tensor(context, x, "x")
    perm_ptr, n = sizes(as_shape(perm, "perm")) if perm is not None else (None, 0)
    return _op(_capi.tfe_transpose, context, x, perm_ptr, n)


def reshape(x, shape):
    """x with another shape of as many elements (one -1 is inferred)."""
    context = _context(x)
    x = _tensor(context, x, "x")
    shape = list(shape) if not isinstance(shape, numbers.Integral) else [shape]
    if shape.count(-1) == 1:
        known = 1
        for dim in shape:
            known *= dim if dim != -1 else 1
        total = 1
        for dim in x.shape:
            total *= dim
        shape[shape.index(-1)] = total // known if known else 0
    shape_ptr, rank = sizes(as_shape(shape, "shape"))
    return _op(_capi.tfe_reshape, context, x, shape_ptr, rank)


def reveal(x, to=None):
    """x revealed to every server (to None) or to player `to` only."""
    context = _context(x)
    x = _tensor(context, x, "x")
    return _op(_capi.tfe_reveal, context, x, None if to is None else str(to).encode())


def assign(variable, value):
    """Stores `value` in the private `variable`. Inside a tfe.function body it
    runs at every call; outside, before the next run of the context."""
    from .function import current_trace

    context = _context(variable)
    variable = _tensor(context, variable, "variable")
    assignment = _op(_capi.tfe_assign, context, variable, _tensor(context, value, "value"))
    trace = current_trace()
    if trace is not None:
        trace.assignments.append(assignment)
    else:
        context._defer_assignment(assignment)
    return assignment


def select(cond, a, b):
    """Elementwise cond ? a : b (cond holds 0.0 or 1.0)."""
    context = _context(cond, a, b)
    return _op(_capi.tfe_select, context, _tensor(context, cond, "cond"),
               _tensor(context, a, "a"), _tensor(context, b, "b"))


def slice(x, begin, size):  # noqa: A001 (tfe.slice, as tf.slice)
    """x[begin : begin + size] along every axis."""
    context = _context(x)
    begin_ptr, nb = sizes(as_shape(begin, "begin"))
    size_ptr, ns = sizes(as_shape(size, "size"))
    return _op(_capi.tfe_slice, context, _tensor(context, x, "x"), begin_ptr, nb, size_ptr, ns)


def pad(x, paddings):
    """x padded with zeros: `paddings` holds a (before, after) pair per axis."""
    context = _context(x)
    flat = [int(v) for pair in paddings for v in pair]
    pads_ptr, n = sizes(as_shape(flat, "paddings"))
    return _op(_capi.tfe_pad, context, _tensor(context, x, "x"), pads_ptr, n)


def concat(values, axis):
    """The tensors `values` joined along `axis`."""
    values = list(values)
    if not values:
        raise ValueError("concat: expected at least one tensor, found none")
    context = _context(*values)
    result = _tensor(context, values[0], "values[0]")
    for i, value in enumerate(values[1:], 1):
        result = _op(_capi.tfe_concat, context, result, _tensor(context, value, f"values[{i}]"),
                     _axis(axis, result))
    return result


def gather(x, indices, axis=0):
    """The entries `indices` of x along `axis`."""
    context = _context(x)
    x = _tensor(context, x, "x")
    idx_ptr, n = sizes(as_shape(indices, "indices"))
    return _op(_capi.tfe_gather, context, x, idx_ptr, n, _axis(axis, x))


def cumsum(x, axis=0, exclusive=False, reverse=False):
    """The cumulative sum along `axis`, as tf.cumsum."""
    context = _context(x)
    x = _tensor(context, x, "x")
    return _op(_capi.tfe_cumsum, context, x, _axis(axis, x), CUMSUM[(bool(exclusive), bool(reverse))])


def sort(x, axis=-1, direction="ASCENDING"):
    """x sorted along `axis` by an oblivious network, as tf.sort."""
    orders = {"ASCENDING": _capi.TFE_SORT_ASCENDING, "DESCENDING": _capi.TFE_SORT_DESCENDING}
    if direction not in orders:
        raise ValueError(f"direction: expected 'ASCENDING' or 'DESCENDING', found {direction!r}")
    context = _context(x)
    x = _tensor(context, x, "x")
    return _op(_capi.tfe_sort, context, x, _axis(axis, x), orders[direction])


def _pair(value, what):
    if isinstance(value, numbers.Integral):
        return int(value), int(value)
    value = tuple(value)
    if len(value) == 4:  # TensorFlow's [1, h, w, 1]
        value = value[1:3]
    if len(value) != 2:
        raise ValueError(f"{what}: expected an int, (h, w) or [1, h, w, 1], found {value!r}")
    return tuple(as_shape(value, what))


def _padding(padding):
    if padding not in PADDINGS:
        raise ValueError(f"padding: expected 'SAME' or 'VALID', found {padding!r}")
    return PADDINGS[padding]


def conv2d(x, filters, strides=1, padding="VALID"):
    """The convolution of NHWC x with a [KH, KW, C, O] filter, as tf.nn.conv2d."""
    context = _context(x, filters)
    sh, sw = _pair(strides, "strides")
    return _op(_capi.tfe_conv2d, context, _tensor(context, x, "x"),
               _tensor(context, filters, "filters"), sh, sw, _padding(padding))


def pool2d(x, pool, window, strides=None, padding="VALID"):
    """Max ("MAX") or average ("AVG") pooling of NHWC x."""
    pools = {"MAX": _capi.TFE_POOL_MAX, "AVG": _capi.TFE_POOL_AVERAGE}
    if pool not in pools:
        raise ValueError(f"pool: expected 'MAX' or 'AVG', found {pool!r}")
    context = _context(x)
    wh, ww = _pair(window, "window")
    sh, sw = _pair(strides if strides is not None else (wh, ww), "strides")
    return _op(_capi.tfe_pool2d, context, _tensor(context, x, "x"), pools[pool], wh, ww, sh, sw,
               _padding(padding))


def max_pool2d(x, ksize, strides=None, padding="VALID"):
    """Max pooling, as tf.nn.max_pool2d."""
    return pool2d(x, "MAX", ksize, strides, padding)


def avg_pool2d(x, ksize, strides=None, padding="VALID"):
    """Average pooling, as tf.nn.avg_pool2d."""
    return pool2d(x, "AVG", ksize, strides, padding)
