//! Builder methods of the nonlinear, pooling, convolution and layout ops.

use super::{Graph, Op, TensorId};
use crate::error::Result;
use crate::protocol::{Comparison, Pool, Reduce, Unary};
use crate::ring::layout::{Padding, Window};

/// Methods that fix the variant of a general builder method: each
/// `name => Variant` becomes `pub fn name(args) { self.general(Kind::Variant, args) }`.
macro_rules! shortcuts {
    ($general:ident($kind:ident, $($arg:ident: $ty:ty),*) {}) => {};
    ($general:ident($kind:ident, $($arg:ident: $ty:ty),*) {
        $(#[$doc:meta])* $name:ident => $variant:ident, $($rest:tt)*
    }) => {
        $(#[$doc])*
        pub fn $name(&mut self, $($arg: $ty),*) -> Result<TensorId> {
            self.$general($kind::$variant, $($arg),*)
        }
        shortcuts!($general($kind, $($arg: $ty),*) { $($rest)* });
    };
}

impl Graph {
    /// An elementwise function of a private value (softmax: along the last axis).
    pub fn unary(&mut self, f: Unary, x: TensorId) -> Result<TensorId> {
        self.push(Op::Unary { f }, &[x])
    }

    shortcuts!(unary(Unary, x: TensorId) {
        /// Exact ReLU (in the fixed-point range): 9 rounds.
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
        /// Softmax along the last axis.
        softmax => Softmax,
    });

    /// A comparison (broadcasting): private fixed-point 0.0 or 1.0.
    pub fn compare(&mut self, c: Comparison, x: TensorId, y: TensorId) -> Result<TensorId> {
        self.push(Op::Compare { c }, &[x, y])
    }

    shortcuts!(compare(Comparison, x: TensorId, y: TensorId) {
        /// [x < y] as private 0.0 / 1.0.
        less => Less,
        /// [x ≤ y] as private 0.0 / 1.0.
        less_equal => LessEqual,
        /// [x > y] as private 0.0 / 1.0.
        greater => Greater,
        /// [x ≥ y] as private 0.0 / 1.0.
        greater_equal => GreaterEqual,
        /// [x = y] as private 0.0 / 1.0.
        equal => Equal,
    });

    /// `cond ? a : b` elementwise, with broadcasting: `cond` is private or
    /// public 0.0 / 1.0, such as a comparison's result; 2 rounds, exact.
    pub fn select(&mut self, cond: TensorId, a: TensorId, b: TensorId) -> Result<TensorId> {
        self.push(Op::Select, &[cond, a, b])
    }

    /// Elementwise maximum (broadcasting).
    pub fn maximum(&mut self, x: TensorId, y: TensorId) -> Result<TensorId> {
        self.push(Op::Maximum, &[x, y])
    }

    /// A reduction along `axis` that needs comparisons.
    pub fn reduce(&mut self, r: Reduce, x: TensorId, axis: usize) -> Result<TensorId> {
        self.push(Op::Reduce { r, axis }, &[x])
    }

    shortcuts!(reduce(Reduce, x: TensorId, axis: usize) {
        /// The maximum along `axis`, which is removed.
        reduce_max => Max,
        /// The index of the first maximum along `axis`, as a fixed-point integer.
        argmax => ArgMax,
        /// The first maximum along `axis` as a one-hot tensor of the shape of
        /// `x`: 1.0 there, 0.0 elsewhere.
        argmax_one_hot => ArgMaxOneHot,
    });

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

    shortcuts!(pool2d(Pool, x: TensorId, size: (usize, usize), strides: (usize, usize), padding: Padding) {
        /// Max pooling of an NHWC tensor with a `size` window.
        max_pool2d => Max,
        /// Average pooling of an NHWC tensor (SAME: over elements inside the input).
        avg_pool2d => Average,
    });

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

    pub fn slice(&mut self, x: TensorId, begin: &[usize], size: &[usize]) -> Result<TensorId> {
        self.push(Op::Slice { begin: begin.to_vec(), size: size.to_vec() }, &[x])
    }

    pub fn pad(&mut self, x: TensorId, pads: &[(usize, usize)]) -> Result<TensorId> {
        self.push(Op::Pad { pads: pads.to_vec() }, &[x])
    }

    pub fn concat(&mut self, x: TensorId, y: TensorId, axis: usize) -> Result<TensorId> {
        self.push(Op::Concat { axis }, &[x, y])
    }

    pub fn expand_dims(&mut self, x: TensorId, axis: usize) -> Result<TensorId> {
        self.push(Op::ExpandDims { axis }, &[x])
    }

    pub fn squeeze(&mut self, x: TensorId, axis: usize) -> Result<TensorId> {
        self.push(Op::Squeeze { axis }, &[x])
    }

    pub fn gather(&mut self, x: TensorId, indices: &[usize], axis: usize) -> Result<TensorId> {
        self.push(Op::Gather { indices: indices.to_vec(), axis }, &[x])
    }

    /// `x` reshaped to [N, everything else].
    pub fn flatten(&mut self, x: TensorId) -> Result<TensorId> {
        let shape = self.shape(x)?.to_vec();
        let batch = shape.first().copied().unwrap_or(1);
        let rest: usize = shape.iter().skip(1).product();
        self.reshape(x, &[batch, rest])
    }
}
