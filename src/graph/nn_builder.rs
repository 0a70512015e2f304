//! Builder methods of the nonlinear, pooling, convolution and layout ops.

use super::{Graph, Op, TensorId};
use crate::error::Result;
use crate::ring::layout::{Padding, Window};
use crate::vocabulary::{Comparison, Pool, Reduce, SortOrder, Unary};

/// One documented builder method per function of a kind, for the table
/// `name => Variant`: `fn name(&mut self, params)` is `self.via(Kind::Variant, params)`.
macro_rules! shorthands {
    ($via:ident($kind:ident; $params:tt) { $($(#[$doc:meta])* $name:ident => $variant:ident,)+ }) => {
        $(shorthands!(@one $via $kind $params $(#[$doc])* $name $variant);)+
    };
    (@one $via:ident $kind:ident ($($param:ident: $ty:ty),+) $(#[$doc:meta])* $name:ident $variant:ident) => {
        $(#[$doc])*
        pub fn $name(&mut self, $($param: $ty),+) -> Result<TensorId> {
            self.$via($kind::$variant, $($param),+)
        }
    };
}

impl Graph {
    /// An elementwise function of a private value (softmax: along the last axis).
    pub fn unary(&mut self, f: Unary, x: TensorId) -> Result<TensorId> {
        self.push(Op::Unary { f }, &[x])
    }

    shorthands! {
        unary(Unary; (x: TensorId)) {
            /// Exact ReLU (in the fixed-point range): 3 rounds on up to 256
            /// elements, else 8.
            relu => Relu,
            /// Sigmoid within 0.003.
            sigmoid => Sigmoid,
            /// TF Encrypted's piecewise-linear sigmoid, clamp(0.2x + 0.5, 0, 1).
            hard_sigmoid => HardSigmoid,
            /// e^x for −16 ≤ x ≤ 10 (relative error 2·10^−3).
            exp => Exp,
            /// 1/x for 2^−6 ≤ |x| < 2^10, either sign.
            reciprocal => Reciprocal,
            /// 1/√x for 2^−6 ≤ x < 2^10.
            inv_sqrt => InvSqrt,
            /// Softmax along the last axis, within 0.01 per probability.
            softmax => Softmax,
            /// tanh within 0.004 (domains and bounds: `protocol::bounds`).
            tanh => Tanh,
            /// Natural logarithm for 2^−6 ≤ x < 2^10, within 3·10^−4.
            log => Log,
            /// √x for 0 ≤ x < 2^10.
            sqrt => Sqrt,
            /// Exact |x|: 3 rounds on up to 256 elements, else 8.
            abs => Abs,
        }
    }

    /// A comparison (broadcasting): private fixed-point 0.0 or 1.0.
    pub fn compare(&mut self, c: Comparison, x: TensorId, y: TensorId) -> Result<TensorId> {
        self.push(Op::Compare { c }, &[x, y])
    }

    shorthands! {
        compare(Comparison; (x: TensorId, y: TensorId)) {
            /// `[x < y]` as private 0.0 / 1.0.
            less => Less,
            /// [x ≤ y] as private 0.0 / 1.0.
            less_equal => LessEqual,
            /// `[x > y]` as private 0.0 / 1.0.
            greater => Greater,
            /// [x ≥ y] as private 0.0 / 1.0.
            greater_equal => GreaterEqual,
            /// [x = y] as private 0.0 / 1.0.
            equal => Equal,
        }
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

    /// For each segment of the private vector `x` (consecutive lengths
    /// summing to its length), the number of its values outside
    /// [−`bound`, `bound`), `bound` a power of two from 2^−f to 2^i, when
    /// the segments hold at most 4,096 values padded to blocks of 64, else
    /// the number of its blocks of 64 values that hold one
    /// (`protocol::outside_group_size`): 0 exactly when every value of the
    /// segment lies within. Exact for every value the ring holds, far past
    /// the fixed-point range; 9 rounds and about 50 bytes per value, or 15
    /// rounds and about 27 bytes per value for blocks (default
    /// configuration, bound 2^20). Training's overflow check.
    pub fn count_outside(&mut self, x: TensorId, bound: f64, segments: &[usize]) -> Result<TensorId> {
        self.push(Op::CountOutside { bound, segments: segments.to_vec() }, &[x])
    }

    /// A reduction along `axis` that needs comparisons.
    pub fn reduce(&mut self, r: Reduce, x: TensorId, axis: usize) -> Result<TensorId> {
        self.push(Op::Reduce { r, axis }, &[x])
    }

    shorthands! {
        reduce(Reduce; (x: TensorId, axis: usize)) {
            /// The maximum along `axis`, which is removed.
            reduce_max => Max,
            /// The index of the first maximum along `axis`, as a fixed-point integer.
            argmax => ArgMax,
            /// The minimum along `axis`, which is removed.
            reduce_min => Min,
            /// The index of the first minimum along `axis`, as a fixed-point integer.
            argmin => ArgMin,
            /// The first maximum along `axis` as a one-hot tensor of the shape of
            /// `x`: 1.0 there, 0.0 elsewhere.
            argmax_one_hot => ArgMaxOneHot,
        }
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

    shorthands! {
        pool2d(Pool; (x: TensorId, size: (usize, usize), strides: (usize, usize), padding: Padding)) {
            /// Max pooling of an NHWC tensor with a `size` window.
            max_pool2d => Max,
            /// Average pooling of an NHWC tensor (SAME: over elements inside the input).
            avg_pool2d => Average,
        }
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
