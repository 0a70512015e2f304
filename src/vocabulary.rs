//! The op vocabulary: the kinds of elementwise function, comparison,
//! pooling, reduction and sort order an op can name. Graph ops carry them
//! and protocols implement them, so they sit below both: this module
//! imports nothing from the layers above the ring.

/// Elementwise (softmax: along the last axis) functions of a private value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Unary {
    /// Exact max(x, 0).
    Relu,
    /// Sigmoid within 0.003 (piecewise linear, 25 knots; `protocol/bounds.rs`).
    Sigmoid,
    /// TF Encrypted's piecewise-linear sigmoid: clamp(0.2x + 0.5, 0, 1).
    HardSigmoid,
    Exp,
    Reciprocal,
    InvSqrt,
    Softmax,
    /// Exact |x| = x − 2·msb(x)·x: 8 rounds.
    Abs,
    // Approximations with a stated domain and bound (`protocol/bounds.rs`).
    Tanh,
    /// Natural logarithm.
    Log,
    Sqrt,
}

/// Comparisons; results are private fixed-point 0.0 / 1.0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Comparison {
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    Equal,
}

/// Pooling over 2-D windows of an NHWC tensor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pool {
    Max,
    Average,
}

/// Reductions along one axis that need comparisons.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reduce {
    Max,
    /// The index of the first maximum, as a fixed-point integer.
    ArgMax,
    /// The first maximum as a one-hot vector (fixed-point 1.0 there, 0.0
    /// elsewhere); unlike the others it keeps the axis.
    ArgMaxOneHot,
    /// The minimum: −max(−x), exact.
    Min,
    /// The index of the first minimum, as a fixed-point integer: argmax(−x).
    ArgMin,
}

/// The order of a sort.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SortOrder {
    Ascending,
    Descending,
}
