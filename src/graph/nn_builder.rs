//! Builder methods of the nonlinear, pooling, convolution and layout ops.

use super::{Graph, Op, TensorId};
use crate::error::Result;
use crate::ring::layout::{Padding, Window};
use crate::vocabulary::{Comparison, Pool, Reduce, SortOrder, Unary};

impl Graph {
    /// An elementwise function of a private value (softmax: along the last axis).
    pub fn unary(&mut self, f: Unary, x: TensorId) -> Result<TensorId> {
        self.push(Op::Unary { f }, &[x])
    }

    /// Exact ReLU (in the fixed-point range): 3 rounds on up to 256
    /// elements, else 8.
    pub fn relu(&mut self, x: TensorId) -> Result<TensorId> {
        self.unary(Unary::Relu, x)
    }

    /// Sigmoid within 0.003.
    pub fn sigmoid(&mut self, x: TensorId) -> Result<TensorId> {
        self.unary(Unary::Sigmoid, x)
    }

    /// TF Encrypted's piecewise-linear sigmoid, clamp(0.2x + 0.5, 0, 1).
    pub fn hard_sigmoid(&mut self, x: TensorId) -> Result<TensorId> {
        self.unary(Unary::HardSigmoid, x)
    }

    /// e^x for −16 ≤ x ≤ 10 (relative error 2·10^−3).
    pub fn exp(&mut self, x: TensorId) -> Result<TensorId> {
        self.unary(Unary::Exp, x)
    }

    /// 1/x for 2^−6 ≤ |x| < 2^10, either sign.
    pub fn reciprocal(&mut self, x: TensorId) -> Result<TensorId> {
        self.unary(Unary::Reciprocal, x)
    }

    /// 1/√x for 2^−6 ≤ x < 2^10.
    pub fn inv_sqrt(&mut self, x: TensorId) -> Result<TensorId> {
        self.unary(Unary::InvSqrt, x)
    }

    /// Softmax along the last axis, within 0.01 per probability.
    pub fn softmax(&mut self, x: TensorId) -> Result<TensorId> {
        self.unary(Unary::Softmax, x)
    }

    /// tanh within 0.004 (domains and bounds: `protocol::bounds`).
    pub fn tanh(&mut self, x: TensorId) -> Result<TensorId> {
        self.unary(Unary::Tanh, x)
    }

    /// Natural logarithm for 2^−6 ≤ x < 2^10, within 3·10^−4.
    pub fn log(&mut self, x: TensorId) -> Result<TensorId> {
        self.unary(Unary::Log, x)
    }

    /// √x for 0 ≤ x < 2^10.
    pub fn sqrt(&mut self, x: TensorId) -> Result<TensorId> {
        self.unary(Unary::Sqrt, x)
    }

    /// A comparison (broadcasting): private fixed-point 0.0 or 1.0.
    pub fn compare(&mut self, c: Comparison, x: TensorId, y: TensorId) -> Result<TensorId> {
        self.push(Op::Compare { c }, &[x, y])
    }

    /// `[x < y]` as private 0.0 / 1.0.
    pub fn less(&mut self, x: TensorId, y: TensorId) -> Result<TensorId> {
        self.compare(Comparison::Less, x, y)
    }

    /// [x ≤ y] as private 0.0 / 1.0.
    pub fn less_equal(&mut self, x: TensorId, y: TensorId) -> Result<TensorId> {
        self.compare(Comparison::LessEqual, x, y)
    }

    /// `[x > y]` as private 0.0 / 1.0.
    pub fn greater(&mut self, x: TensorId, y: TensorId) -> Result<TensorId> {
        self.compare(Comparison::Greater, x, y)
    }

    /// [x ≥ y] as private 0.0 / 1.0.
    pub fn greater_equal(&mut self, x: TensorId, y: TensorId) -> Result<TensorId> {
        self.compare(Comparison::GreaterEqual, x, y)
    }

    /// [x = y] as private 0.0 / 1.0.
    pub fn equal(&mut self, x: TensorId, y: TensorId) -> Result<TensorId> {
        self.compare(Comparison::Equal, x, y)
    }

    /// `cond ? a : b` elementwise, with broadcasting: `cond` is private or
    /// public 0.0 / 1.0, such as a comparison's result; 2 rounds, exact.
    pub fn select(&mut self, cond: TensorId, a: TensorId, b: TensorId) -> Result<TensorId> {
        self.push(Op::Select, &[cond, a, b])
    }

    /// Elementwise maximum (broadcasting).
    pub fn maximum(&mut self, x: TensorId, y: TensorId) -> Result<TensorId> {
        self.push(Op::Maximum, &[x, y])
    }

    /// Elementwise minimum (broadcasting), exact: 3 rounds on up to 256
    /// elements, else 8.
    pub fn minimum(&mut self, x: TensorId, y: TensorId) -> Result<TensorId> {
        self.push(Op::Minimum, &[x, y])
    }

    /// Exact |x|: 3 rounds on up to 256 elements, else 8.
    pub fn abs(&mut self, x: TensorId) -> Result<TensorId> {
        self.unary(Unary::Abs, x)
    }

    /// The mean along `axis` (removed), or of every element when `axis` is
    /// `None`: the sum divided by the public n as [`Graph::div_public`]
    /// divides, 2 rounds; within |sum|·2^−(f+k+1) + 2^−f of the true mean
    /// (|sum|·2^−26 + 2^−16 by default). At most 2^f elements per mean.
    pub fn reduce_mean(&mut self, x: TensorId, axis: Option<usize>) -> Result<TensorId> {
        self.push(Op::Mean { axis }, &[x])
    }

    /// `x / divisor` for a public divisor with 2^−i ≤ |divisor| ≤ 2^f: 2
    /// rounds, within |x|·2^−(f+k+1) + 2^−f of the quotient, k =
    /// the division's extra bits (|x|·2^−26 + 2^−16 by default).
    pub fn div_public(&mut self, x: TensorId, divisor: f64) -> Result<TensorId> {
        self.push(Op::DivPublic { divisor }, &[x])
    }

    /// Cumulative sum along `axis`, exact and free (no communication):
    /// `exclusive` leaves each element out of its own sum, `reverse` sums
    /// from the end, as TensorFlow's `cumsum`.
    pub fn cumsum(&mut self, x: TensorId, axis: usize, exclusive: bool, reverse: bool) -> Result<TensorId> {
        self.push(Op::CumSum { axis, exclusive, reverse }, &[x])
    }

    /// Sorts a private value along `axis` with an oblivious network (Batcher's
    /// odd-even merge sort), exact: one sign (3 or 8 rounds) per layer, k(k+1)/2 layers for
    /// 2^(k−1) < n ≤ 2^k elements along the axis.
    pub fn sort(&mut self, x: TensorId, axis: usize, order: SortOrder) -> Result<TensorId> {
        self.push(Op::Sort { axis, order }, &[x])
    }

    /// A reduction along `axis` that needs comparisons.
    pub fn reduce(&mut self, r: Reduce, x: TensorId, axis: usize) -> Result<TensorId> {
        self.push(Op::Reduce { r, axis }, &[x])
    }

    /// The maximum along `axis`, which is removed.
    pub fn reduce_max(&mut self, x: TensorId, axis: usize) -> Result<TensorId> {
        self.reduce(Reduce::Max, x, axis)
    }

    /// The index of the first maximum along `axis`, as a fixed-point integer.
    pub fn argmax(&mut self, x: TensorId, axis: usize) -> Result<TensorId> {
        self.reduce(Reduce::ArgMax, x, axis)
    }

    /// The minimum along `axis`, which is removed.
    pub fn reduce_min(&mut self, x: TensorId, axis: usize) -> Result<TensorId> {
        self.reduce(Reduce::Min, x, axis)
    }

    /// The index of the first minimum along `axis`, as a fixed-point integer.
    pub fn argmin(&mut self, x: TensorId, axis: usize) -> Result<TensorId> {
        self.reduce(Reduce::ArgMin, x, axis)
    }

    /// The first maximum along `axis` as a one-hot tensor of the shape of
    /// `x`: 1.0 there, 0.0 elsewhere.
    pub fn argmax_one_hot(&mut self, x: TensorId, axis: usize) -> Result<TensorId> {
        self.reduce(Reduce::ArgMaxOneHot, x, axis)
    }

    /// Pooling of an NHWC tensor with a `size` window.
    pub fn pool2d(
        &mut self,
        p: Pool,
        x: TensorId,
        size: (usize, usize),
        strides: (usize, usize),
        padding: Padding,
    ) -> Result<TensorId> {
        let window = Window { kh: size.0, kw: size.1, sh: strides.0, sw: strides.1, padding };
        self.push(Op::Pool2d { p, window }, &[x])
    }

    /// Max pooling of an NHWC tensor with a `size` window.
    pub fn max_pool2d(
        &mut self,
        x: TensorId,
        size: (usize, usize),
        strides: (usize, usize),
        padding: Padding,
    ) -> Result<TensorId> {
        self.pool2d(Pool::Max, x, size, strides, padding)
    }

    /// Average pooling of an NHWC tensor (SAME: over elements inside the input).
    pub fn avg_pool2d(
        &mut self,
        x: TensorId,
        size: (usize, usize),
        strides: (usize, usize),
        padding: Padding,
    ) -> Result<TensorId> {
        self.pool2d(Pool::Average, x, size, strides, padding)
    }

    /// Average over the whole height and width of an NHWC tensor: [N, 1, 1, C].
    pub fn global_avg_pool2d(&mut self, x: TensorId) -> Result<TensorId> {
        self.push(Op::GlobalAvgPool2d, &[x])
    }

    /// NHWC convolution with a [KH, KW, C, O] filter (private or public).
    pub fn conv2d(
        &mut self,
        x: TensorId,
        filter: TensorId,
        strides: (usize, usize),
        padding: Padding,
    ) -> Result<TensorId> {
        self.push(Op::Conv2d { strides, padding }, &[x, filter])
    }

    /// The block of `size` elements starting at `begin` along each axis.
    pub fn slice(&mut self, x: TensorId, begin: &[usize], size: &[usize]) -> Result<TensorId> {
        self.push(Op::Slice { begin: begin.to_vec(), size: size.to_vec() }, &[x])
    }

    /// Pads each axis with `(before, after)` zeros.
    pub fn pad(&mut self, x: TensorId, pads: &[(usize, usize)]) -> Result<TensorId> {
        self.push(Op::Pad { pads: pads.to_vec() }, &[x])
    }

    /// `x` and `y` joined along `axis` (the other axes must match).
    pub fn concat(&mut self, x: TensorId, y: TensorId, axis: usize) -> Result<TensorId> {
        self.push(Op::Concat { axis }, &[x, y])
    }

    /// Inserts an axis of length 1 at `axis`.
    pub fn expand_dims(&mut self, x: TensorId, axis: usize) -> Result<TensorId> {
        self.push(Op::ExpandDims { axis }, &[x])
    }

    /// Removes the axis `axis`, which must have length 1.
    pub fn squeeze(&mut self, x: TensorId, axis: usize) -> Result<TensorId> {
        self.push(Op::Squeeze { axis }, &[x])
    }

    /// The slices of `x` at `indices` along `axis`, in that order.
    pub fn gather(&mut self, x: TensorId, indices: &[usize], axis: usize) -> Result<TensorId> {
        self.push(Op::Gather { indices: indices.to_vec(), axis }, &[x])
    }

    /// The windows of an NHWC tensor as [N, OH, OW, KH·KW, C]; offsets
    /// outside the input are zero (`zero_outside`) or repeat the window's
    /// first element inside it. Free on shares.
    pub fn patches(&mut self, x: TensorId, window: Window, zero_outside: bool) -> Result<TensorId> {
        self.push(Op::Patches { window, zero_outside }, &[x])
    }

    /// The transpose of [`Graph::patches`]: windows [N, OH, OW, KH·KW, C]
    /// of an input of shape `input` added back into it. Free on shares.
    pub fn patches_add(
        &mut self,
        windows: TensorId,
        window: Window,
        zero_outside: bool,
        input: &[usize],
    ) -> Result<TensorId> {
        self.push(Op::PatchesAdd { window, zero_outside, input: input.to_vec() }, &[windows])
    }

    /// `x` reshaped to [N, everything else].
    pub fn flatten(&mut self, x: TensorId) -> Result<TensorId> {
        let shape = self.shape(x)?.to_vec();
        let batch = shape.first().copied().unwrap_or(1);
        let rest: usize = shape.iter().skip(1).product();
        self.reshape(x, &[batch, rest])
    }
}
