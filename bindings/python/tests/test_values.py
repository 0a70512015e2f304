"""Values are checked before any C call: dtype (TypeError) and shape
(ValueError), each naming the argument, what was expected and what was found."""

import numpy as np
import pytest

import tfe


@pytest.mark.parametrize("value,found", [
    (np.array(["a", "b"]), "<U1"), (np.array([1 + 2j]), "complex128"),
    (np.array([object()], dtype=object), "object"),
])
def test_wrong_dtype(ctx, value, found):
    with pytest.raises(TypeError, match=rf"define_constant: value: expected real numbers .* found dtype {found}"):
        ctx.define_constant(value)


def test_ints_bools_and_float32_are_converted(ctx):
    values = [np.array([1, 2], dtype=np.int32), np.array([True, False]), np.array([0.5, 1.5], np.float32)]
    for value in values:
        assert ctx.define_constant(value).to_native().tolist() == value.astype(float).tolist()


def test_wrong_shape_of_a_variable(ctx):
    with pytest.raises(ValueError, match=r"define_private_variable: value: expected shape \(2, 2\), found \(3,\)"):
        ctx.define_private_variable([1.0, 2.0, 3.0], shape=(2, 2))


def test_wrong_shape_of_a_feed(ctx):
    v = ctx.define_private_variable(shape=(2, 2), name="w")
    with pytest.raises(ValueError, match=r"feed for w: expected shape \(2, 2\), found \(4,\)"):
        ctx.run(v.reveal(), feeds={v: [1.0, 2.0, 3.0, 4.0]})


def test_not_finite(ctx):
    # The library refuses them, naming the element.
    with pytest.raises(tfe.InvalidArgumentError, match=r"element 1 of shape \[2\] is NaN"):
        ctx.define_constant([1.0, np.nan])
    with pytest.raises(tfe.InvalidArgumentError, match=r"element \[0, 1\] of shape \[1, 2\] is inf"):
        ctx.define_constant(np.array([[1.0, np.inf]]))
    # A float64 array takes the path without a copy: its shape is checked all the same.
    with pytest.raises(ValueError, match=r"expected shape \(3,\), found \(2,\)"):
        ctx.define_private_variable(np.zeros(2), shape=(3,))


def test_bad_shapes_and_axes(ctx):
    with pytest.raises(TypeError, match="define_private_input: shape: expected non-negative ints"):
        ctx.define_private_input("alice", shape=(2, -1))
    with pytest.raises(TypeError, match="axis: expected an int"):
        tfe.reduce_sum(ctx.define_constant([1.0]), axis=0.5)
    with pytest.raises(ValueError, match="padding: expected 'SAME' or 'VALID'"):
        tfe.conv2d(ctx.define_constant(np.ones((1, 2, 2, 1))), np.ones((1, 1, 1, 1)), padding="same")
    with pytest.raises(TypeError, match="divisor: expected a public number"):
        tfe.div_public(ctx.define_constant([1.0]), "2")


def test_library_shape_errors_name_both_shapes(ctx):
    with pytest.raises(tfe.InvalidArgumentError, match=r"2, 3.*4, 5|\[2, 3\].*\[4, 5\]"):
        tfe.matmul(ctx.define_constant(np.ones((2, 3))), ctx.define_constant(np.ones((4, 5))))


def test_out_of_range_constant(ctx):
    with pytest.raises(tfe.InvalidArgumentError, match="range"):
        ctx.define_constant([2.0**21])


def test_symbolic_tf_like_value_is_refused(ctx):
    class FakeSymbolic:
        __module__ = "tensorflow.python.framework.ops"
        dtype = "float32"

    FakeSymbolic.__module__ = "tensorflow.python.framework.ops"
    with pytest.raises(TypeError, match="symbolic"):
        ctx.define_constant(FakeSymbolic())
