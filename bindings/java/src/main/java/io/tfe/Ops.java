package io.tfe;

import static java.lang.foreign.ValueLayout.ADDRESS;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The operations of a {@link Context} ({@code tfe_add} ... {@code tfe_sort}): each adds a node
 * to the graph and returns a new {@link Tensor}. Operands must be tensors of this context that
 * are not revealed; shapes that do not fit are {@link Status#INVALID_ARGUMENT} naming both. The
 * header states each op's meaning and error bound.
 */
public abstract sealed class Ops extends Handle permits Context {
    Ops(MemorySegment address, Upcalls upcalls) {
        super("Context", address, Native::tfe_context_free, upcalls);
    }

    @FunctionalInterface
    interface Unary {
        int call(MemorySegment ctx, MemorySegment x, MemorySegment out);
    }

    @FunctionalInterface
    interface Binary {
        int call(MemorySegment ctx, MemorySegment x, MemorySegment y, MemorySegment out);
    }

    @FunctionalInterface
    interface WithAxis {
        int call(MemorySegment ctx, MemorySegment x, long axis, MemorySegment out);
    }

    /** One op call with the C arguments other than ctx and out (each acquired for the call). */
    @FunctionalInterface
    interface Call {
        int call(MemorySegment ctx, MemorySegment[] operands, Arena arena, MemorySegment out);
    }

    /** Runs {@code call} with this context and {@code operands} held, and wraps its tensor. */
    final Tensor op(Call call, Tensor... operands) {
        MemorySegment ctx = acquire();
        int held = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment[] addresses = new MemorySegment[operands.length];
            for (; held < operands.length; held++) {
                addresses[held] = operands[held].acquire();
            }
            MemorySegment out = arena.allocate(ADDRESS);
            TfeException.check(call.call(ctx, addresses, arena, out));
            return new Tensor(out.get(ADDRESS, 0));
        } finally {
            for (int i = 0; i < held; i++) {
                operands[i].release();
            }
            release();
        }
    }

    private Tensor unary(Unary f, Tensor x) {
        return op((c, o, a, out) -> f.call(c, o[0], out), x);
    }

    private Tensor binary(Binary f, Tensor x, Tensor y) {
        return op((c, o, a, out) -> f.call(c, o[0], o[1], out), x, y);
    }

    private Tensor axis(WithAxis f, Tensor x, long axis) {
        return op((c, o, a, out) -> f.call(c, o[0], axis, out), x);
    }

    // Elementwise and linear algebra.
    /** {@code x + y} (numpy broadcasting). */
    public Tensor add(Tensor x, Tensor y) { return binary(Native::tfe_add, x, y); }
    /** {@code x - y}. */
    public Tensor sub(Tensor x, Tensor y) { return binary(Native::tfe_sub, x, y); }
    /** {@code x * y} elementwise. */
    public Tensor mul(Tensor x, Tensor y) { return binary(Native::tfe_mul, x, y); }
    /** The matrix product {@code x @ y}. */
    public Tensor matmul(Tensor x, Tensor y) { return binary(Native::tfe_matmul, x, y); }
    /** Assigns {@code value} to {@code variable} when fetched. */
    public Tensor assign(Tensor variable, Tensor value) { return binary(Native::tfe_assign, variable, value); }
    /** {@code -x}. */
    public Tensor neg(Tensor x) { return unary(Native::tfe_neg, x); }
    /** {@code x * x}. */
    public Tensor square(Tensor x) { return unary(Native::tfe_square, x); }
    /** {@code |x|}. */
    public Tensor abs(Tensor x) { return unary(Native::tfe_abs, x); }
    /** {@code x / divisor} for a public divisor. */
    public Tensor divPublic(Tensor x, double divisor) {
        return op((c, o, a, out) -> Native.tfe_div_public(c, o[0], divisor, out), x);
    }

    // Reductions.
    /** The sum of all elements. */
    public Tensor reduceSum(Tensor x) { return unary(Native::tfe_reduce_sum, x); }
    /** The sum along {@code axis}. */
    public Tensor reduceSum(Tensor x, long axis) { return axis(Native::tfe_reduce_sum_axis, x, axis); }
    /** The mean of all elements. */
    public Tensor reduceMean(Tensor x) { return unary(Native::tfe_reduce_mean, x); }
    /** The mean along {@code axis}. */
    public Tensor reduceMean(Tensor x, long axis) { return axis(Native::tfe_reduce_mean_axis, x, axis); }
    /** The maximum along {@code axis}. */
    public Tensor reduceMax(Tensor x, long axis) { return axis(Native::tfe_reduce_max, x, axis); }
    /** The minimum along {@code axis}. */
    public Tensor reduceMin(Tensor x, long axis) { return axis(Native::tfe_reduce_min, x, axis); }
    /** The index of the maximum along {@code axis}. */
    public Tensor argmax(Tensor x, long axis) { return axis(Native::tfe_argmax, x, axis); }
    /** The index of the minimum along {@code axis}. */
    public Tensor argmin(Tensor x, long axis) { return axis(Native::tfe_argmin, x, axis); }
    /** A one-hot of the maximum along {@code axis}. */
    public Tensor argmaxOneHot(Tensor x, long axis) { return axis(Native::tfe_argmax_one_hot, x, axis); }
    /** The cumulative sum along {@code axis}. */
    public Tensor cumsum(Tensor x, long axis, CumsumMode mode) {
        return op((c, o, a, out) -> Native.tfe_cumsum(c, o[0], axis, mode.ordinal(), out), x);
    }
    /** Sorted along {@code axis}. */
    public Tensor sort(Tensor x, long axis, SortOrder order) {
        return op((c, o, a, out) -> Native.tfe_sort(c, o[0], axis, order.ordinal(), out), x);
    }

    // Nonlinear functions.
    /** {@code max(x, 0)}. */
    public Tensor relu(Tensor x) { return unary(Native::tfe_relu, x); }
    /** The logistic sigmoid. */
    public Tensor sigmoid(Tensor x) { return unary(Native::tfe_sigmoid, x); }
    /** {@code clip(0.2 x + 0.5, 0, 1)}. */
    public Tensor hardSigmoid(Tensor x) { return unary(Native::tfe_hard_sigmoid, x); }
    /** {@code e^x}. */
    public Tensor exp(Tensor x) { return unary(Native::tfe_exp, x); }
    /** {@code 1 / x}. */
    public Tensor reciprocal(Tensor x) { return unary(Native::tfe_reciprocal, x); }
    /** {@code 1 / sqrt(x)}. */
    public Tensor invSqrt(Tensor x) { return unary(Native::tfe_inv_sqrt, x); }
    /** The softmax along the last axis. */
    public Tensor softmax(Tensor x) { return unary(Native::tfe_softmax, x); }
    /** {@code tanh(x)}. */
    public Tensor tanh(Tensor x) { return unary(Native::tfe_tanh, x); }
    /** {@code ln(x)}. */
    public Tensor log(Tensor x) { return unary(Native::tfe_log, x); }
    /** {@code sqrt(x)}. */
    public Tensor sqrt(Tensor x) { return unary(Native::tfe_sqrt, x); }

    // Comparisons and selection (1.0 for true, 0.0 for false).
    /** {@code x < y}. */
    public Tensor less(Tensor x, Tensor y) { return binary(Native::tfe_less, x, y); }
    /** {@code x <= y}. */
    public Tensor lessEqual(Tensor x, Tensor y) { return binary(Native::tfe_less_equal, x, y); }
    /** {@code x > y}. */
    public Tensor greater(Tensor x, Tensor y) { return binary(Native::tfe_greater, x, y); }
    /** {@code x >= y}. */
    public Tensor greaterEqual(Tensor x, Tensor y) { return binary(Native::tfe_greater_equal, x, y); }
    /** {@code x == y}. */
    public Tensor equal(Tensor x, Tensor y) { return binary(Native::tfe_equal, x, y); }
    /** The elementwise maximum. */
    public Tensor maximum(Tensor x, Tensor y) { return binary(Native::tfe_maximum, x, y); }
    /** The elementwise minimum. */
    public Tensor minimum(Tensor x, Tensor y) { return binary(Native::tfe_minimum, x, y); }
    /** {@code cond ? a : b} elementwise, for a {@code cond} of 0s and 1s. */
    public Tensor select(Tensor cond, Tensor a, Tensor b) {
        return op((c, o, ar, out) -> Native.tfe_select(c, o[0], o[1], o[2], out), cond, a, b);
    }

    // Layout.
    /** The axes permuted by {@code perm} (null: reversed). */
    public Tensor transpose(Tensor x, long[] perm) {
        return op((c, o, a, out) -> Native.tfe_transpose(c, o[0], Context.longs(a, perm), len(perm), out), x);
    }
    /** The same values in {@code shape}. */
    public Tensor reshape(Tensor x, long[] shape) {
        return op((c, o, a, out) -> Native.tfe_reshape(c, o[0], Context.longs(a, shape), len(shape), out), x);
    }
    /** The block at {@code begin} of {@code size}. */
    public Tensor slice(Tensor x, long[] begin, long[] size) {
        return op((c, o, a, out) -> Native.tfe_slice(c, o[0], Context.longs(a, begin), len(begin),
                Context.longs(a, size), len(size), out), x);
    }
    /** Zero padding: {@code pads} holds (before, after) per axis. */
    public Tensor pad(Tensor x, long[] pads) {
        return op((c, o, a, out) -> Native.tfe_pad(c, o[0], Context.longs(a, pads), len(pads), out), x);
    }
    /** {@code x} and {@code y} joined along {@code axis}. */
    public Tensor concat(Tensor x, Tensor y, long axis) {
        return op((c, o, a, out) -> Native.tfe_concat(c, o[0], o[1], axis, out), x, y);
    }
    /** A new axis of size 1 at {@code axis}. */
    public Tensor expandDims(Tensor x, long axis) { return axis(Native::tfe_expand_dims, x, axis); }
    /** The axis {@code axis} (of size 1) removed. */
    public Tensor squeeze(Tensor x, long axis) { return axis(Native::tfe_squeeze, x, axis); }
    /** The slices {@code indices} (public) along {@code axis}. */
    public Tensor gather(Tensor x, long[] indices, long axis) {
        return op((c, o, a, out) -> Native.tfe_gather(c, o[0], Context.longs(a, indices), len(indices), axis, out), x);
    }
    /** Every axis after the first joined into one. */
    public Tensor flatten(Tensor x) { return unary(Native::tfe_flatten, x); }

    // Convolutional layers (NHWC).
    /** Max or average pooling of {@code x} (NHWC). */
    public Tensor pool2d(Tensor x, Pool pool, long windowH, long windowW, long strideH, long strideW, Padding padding) {
        return op((c, o, a, out) -> Native.tfe_pool2d(c, o[0], pool.ordinal(), windowH, windowW, strideH, strideW,
                padding.ordinal(), out), x);
    }
    /** The average over each channel's plane. */
    public Tensor globalAvgPool2d(Tensor x) { return unary(Native::tfe_global_avg_pool2d, x); }
    /** The convolution of {@code x} (NHWC) with {@code filter} (HWIO). */
    public Tensor conv2d(Tensor x, Tensor filter, long strideH, long strideW, Padding padding) {
        return op((c, o, a, out) -> Native.tfe_conv2d(c, o[0], o[1], strideH, strideW, padding.ordinal(), out),
                x, filter);
    }

    /** Reveals {@code x} to player {@code to} (null: to every server); fetch the result. */
    public Tensor reveal(Tensor x, String to) {
        return op((c, o, a, out) -> Native.tfe_reveal(c, o[0], Strings.of(a, to), out), x);
    }

    private static long len(long[] values) {
        return values == null ? 0 : values.length;
    }
}
