//! The operations a graph is made of, and the shape and kind of each one's
//! result: shape inference happens here, while the graph is built.

use crate::error::{Error, Result};
use crate::ring::layout::{Padding, Window};
use crate::ring::shape::{self, fmt_shape, numel};
use crate::vocabulary::{Comparison, Pool, Reduce, SortOrder, Unary};

/// What a node computes. Inputs are the node's operands, in order.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// A private value provided by `owner` at run time, as a feed or through
    /// a provider callback that runs at the owner only.
    PrivateInput {
        name: String,
        owner: usize,
        shape: Vec<usize>,
    },
    /// A private value that keeps its shares across runs. It is initialized
    /// by `owner` from its feed or provider under `name` the first time a
    /// run needs it: its initial value never enters the graph, which every
    /// player receives.
    PrivateVariable {
        name: String,
        owner: usize,
        shape: Vec<usize>,
    },
    /// A public constant known to every player.
    Constant {
        shape: Vec<usize>,
        values: Vec<f64>,
    },
    Add,
    Sub,
    Neg,
    /// Elementwise product with broadcasting.
    Mul,
    /// Product of two matrices.
    MatMul,
    Square,
    /// Sum along one axis, or over everything.
    Sum {
        axis: Option<usize>,
    },
    Transpose {
        perm: Vec<usize>,
    },
    Reshape {
        shape: Vec<usize>,
    },
    /// Makes a value known to every server (`to = None`) or to one player.
    Reveal {
        to: Option<usize>,
    },
    /// Stores the value of input 1 in the variable of input 0.
    Assign,
    /// An elementwise function of a private value (softmax: along the last axis).
    Unary {
        f: Unary,
    },
    /// A comparison of two values (broadcasting), at least one private;
    /// the result is private fixed-point 0.0 or 1.0.
    Compare {
        c: Comparison,
    },
    /// Elementwise maximum (broadcasting), at least one operand private.
    Maximum,
    /// `cond ? a : b` elementwise (operands cond, a, b; broadcasting), at
    /// least one private: b + cond·(a − b), exact when cond is 0.0 or 1.0
    /// (a comparison result); other conds interpolate, within one unit.
    Select,
    /// Maximum or argmax along `axis`, which is removed (kept by the
    /// one-hot argmax).
    Reduce {
        r: Reduce,
        axis: usize,
    },
    /// Max or average pooling of a private NHWC tensor.
    Pool2d {
        p: Pool,
        window: Window,
    },
    /// Mean over the spatial axes of a private NHWC tensor, to [N, C].
    GlobalAvgPool2d,
    /// Convolution of a private NHWC input with a [KH, KW, C, O] filter.
    Conv2d {
        strides: (usize, usize),
        padding: Padding,
    },
    /// `x[begin .. begin + size]` on every axis.
    Slice {
        begin: Vec<usize>,
        size: Vec<usize>,
    },
    /// Zero padding, `(before, after)` per axis.
    Pad {
        pads: Vec<(usize, usize)>,
    },
    /// Concatenation of the two operands along `axis`.
    Concat {
        axis: usize,
    },
    /// Inserts a unit axis.
    ExpandDims {
        axis: usize,
    },
    /// Removes a unit axis.
    Squeeze {
        axis: usize,
    },
    /// Elements `indices` (public) along `axis`.
    Gather {
        indices: Vec<usize>,
        axis: usize,
    },
    /// Mean along one axis, or over everything: the sum divided by the
    /// count as [`Op::DivPublic`] divides.
    Mean {
        axis: Option<usize>,
    },
    /// Division by a public value: the product with its scaled reciprocal,
    /// one truncation (see [`crate::protocol::reciprocal_encoding`]).
    DivPublic {
        divisor: f64,
    },
    /// Elementwise minimum (broadcasting), at least one operand private.
    Minimum,
    /// Cumulative sum along `axis` (`exclusive`: without the element
    /// itself; `reverse`: from the end).
    CumSum {
        axis: usize,
        exclusive: bool,
        reverse: bool,
    },
    /// Sort along `axis` by an oblivious network of compare-and-swap steps.
    Sort {
        axis: usize,
        order: SortOrder,
    },
}

/// Who can see a node's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Secret-shared among the servers.
    Private,
    /// Known to every player.
    Public,
    /// A revealed result: fetch it; it cannot be computed on.
    Revealed,
    /// An assignment: fetch it to make it happen.
    Action,
}

/// A short name of the op's kind, for stats and errors.
pub fn op_name(op: &Op) -> &'static str {
    match op {
        Op::PrivateInput { .. } => "input",
        Op::PrivateVariable { .. } => "variable",
        Op::Constant { .. } => "constant",
        Op::Add => "add",
        Op::Sub => "sub",
        Op::Neg => "neg",
        Op::Mul => "mul",
        Op::MatMul => "matmul",
        Op::Square => "square",
        Op::Sum { .. } => "sum",
        Op::Transpose { .. } => "transpose",
        Op::Reshape { .. } => "reshape",
        Op::Reveal { .. } => "reveal",
        Op::Assign => "assign",
        Op::Unary { f } => match f {
            Unary::Relu => "relu",
            Unary::Sigmoid => "sigmoid",
            Unary::HardSigmoid => "hard_sigmoid",
            Unary::Exp => "exp",
            Unary::Reciprocal => "reciprocal",
            Unary::InvSqrt => "inv_sqrt",
            Unary::Softmax => "softmax",
            Unary::Abs => "abs",
            Unary::Tanh => "tanh",
            Unary::Log => "log",
            Unary::Sqrt => "sqrt",
        },
        Op::Compare { c } => match c {
            Comparison::Less => "less",
            Comparison::LessEqual => "less_equal",
            Comparison::Greater => "greater",
            Comparison::GreaterEqual => "greater_equal",
            Comparison::Equal => "equal",
        },
        Op::Maximum => "maximum",
        Op::Select => "select",
        Op::Reduce { r: Reduce::Max, .. } => "reduce_max",
        Op::Reduce { r: Reduce::ArgMax, .. } => "argmax",
        Op::Reduce { r: Reduce::ArgMaxOneHot, .. } => "argmax_one_hot",
        Op::Reduce { r: Reduce::Min, .. } => "reduce_min",
        Op::Reduce { r: Reduce::ArgMin, .. } => "argmin",
        Op::Pool2d { p: Pool::Max, .. } => "max_pool2d",
        Op::Pool2d { p: Pool::Average, .. } => "avg_pool2d",
        Op::GlobalAvgPool2d => "global_avg_pool2d",
        Op::Conv2d { .. } => "conv2d",
        Op::Slice { .. } => "slice",
        Op::Pad { .. } => "pad",
        Op::Concat { .. } => "concat",
        Op::ExpandDims { .. } => "expand_dims",
        Op::Squeeze { .. } => "squeeze",
        Op::Gather { .. } => "gather",
        Op::Mean { .. } => "reduce_mean",
        Op::DivPublic { .. } => "div_public",
        Op::Minimum => "minimum",
        Op::CumSum { .. } => "cumsum",
        Op::Sort { .. } => "sort",
    }
}

/// The number of operands an op takes.
pub fn arity(op: &Op) -> usize {
    match op {
        Op::PrivateInput { .. } | Op::PrivateVariable { .. } | Op::Constant { .. } => 0,
        Op::Neg | Op::Square | Op::Sum { .. } | Op::Transpose { .. } | Op::Reshape { .. } | Op::Reveal { .. } => 1,
        Op::Add | Op::Sub | Op::Mul | Op::MatMul | Op::Assign => 2,
        Op::Unary { .. }
        | Op::Reduce { .. }
        | Op::Pool2d { .. }
        | Op::GlobalAvgPool2d
        | Op::Slice { .. }
        | Op::Pad { .. }
        | Op::ExpandDims { .. }
        | Op::Squeeze { .. }
        | Op::Gather { .. }
        | Op::Mean { .. }
        | Op::DivPublic { .. }
        | Op::CumSum { .. }
        | Op::Sort { .. } => 1,
        Op::Compare { .. } | Op::Maximum | Op::Minimum | Op::Conv2d { .. } | Op::Concat { .. } => 2,
        Op::Select => 3,
    }
}

/// The shape and kind of an op's result, given its operands' shapes and
/// kinds; an error names the op and the shapes that do not fit.
pub fn infer(op: &Op, operands: &[(&[usize], Kind)], is_variable: &[bool]) -> Result<(Vec<usize>, Kind)> {
    let name = op_name(op);
    for (shape, kind) in operands {
        if matches!(kind, Kind::Revealed | Kind::Action) {
            return Err(Error::invalid(format!(
                "{name}: an operand of shape {} is a revealed result or an assignment; \
                 expected a private or public value",
                fmt_shape(shape)
            )));
        }
    }
    let combined = |kinds: &[(&[usize], Kind)]| {
        if kinds.iter().any(|(_, k)| *k == Kind::Private) { Kind::Private } else { Kind::Public }
    };
    if let Op::PrivateInput { shape, .. }
    | Op::PrivateVariable { shape, .. }
    | Op::Constant { shape, .. }
    | Op::Reshape { shape } = op
    {
        shape::check_size(shape).map_err(|e| Error::invalid(format!("{name}: {}", strip(e))))?;
    }
    match op {
        Op::PrivateInput { shape, .. } | Op::PrivateVariable { shape, .. } => Ok((shape.clone(), Kind::Private)),
        Op::Constant { shape, values } => {
            check_values(name, shape, values)?;
            Ok((shape.clone(), Kind::Public))
        }
        Op::Add | Op::Sub | Op::Mul => {
            let out = shape::broadcast_shapes(operands[0].0, operands[1].0)
                .map_err(|e| Error::invalid(format!("{name}: {}", strip(e))))?;
            Ok((out, combined(operands)))
        }
        Op::MatMul => {
            let out = shape::matmul_shape(operands[0].0, operands[1].0)?;
            Ok((out, combined(operands)))
        }
        Op::Neg | Op::Square => Ok((operands[0].0.to_vec(), operands[0].1)),
        Op::Sum { axis } => Ok((shape::sum_shape(operands[0].0, *axis)?, operands[0].1)),
        Op::Transpose { perm } => Ok((shape::transpose_shape(operands[0].0, perm)?, operands[0].1)),
        Op::Reshape { shape } => {
            shape::check_reshape(operands[0].0, shape)?;
            Ok((shape.clone(), operands[0].1))
        }
        Op::Reveal { .. } => {
            if operands[0].1 != Kind::Private {
                return Err(Error::invalid("reveal: the operand is public already; fetch it directly"));
            }
            Ok((operands[0].0.to_vec(), Kind::Revealed))
        }
        Op::Assign => {
            if !is_variable[0] {
                return Err(Error::invalid("assign: the first operand must be a private variable"));
            }
            if operands[0].0 != operands[1].0 || operands[1].1 != Kind::Private {
                return Err(Error::invalid(format!(
                    "assign: expected a private value of the variable's shape {}, found a {} value of shape {}",
                    fmt_shape(operands[0].0),
                    if operands[1].1 == Kind::Private { "private" } else { "public" },
                    fmt_shape(operands[1].0)
                )));
            }
            Ok((vec![0], Kind::Action))
        }
        _ => super::infer_nn::infer(name, op, operands),
    }
}

/// Checks that the inferred result shape of `op` stays within
/// [`shape::MAX_ELEMENTS`]; the error names the op, its operands' shapes
/// and the result's.
pub fn check_result_size(op: &Op, operands: &[(&[usize], Kind)], out: &[usize]) -> Result<()> {
    if shape::checked_numel(out).is_some_and(|n| n <= shape::MAX_ELEMENTS) {
        return Ok(());
    }
    let elements = match shape::checked_numel(out) {
        Some(n) => n.to_string(),
        None => "more than 2^64".to_string(),
    };
    let from = if operands.is_empty() {
        String::new()
    } else {
        let shapes: Vec<String> = operands.iter().map(|(s, _)| fmt_shape(s)).collect();
        format!(" of operands {}", shapes.join(", "))
    };
    Err(Error::invalid(format!(
        "{}{from}: the result of shape {} has {elements} elements, expected at most {}",
        op_name(op),
        fmt_shape(out),
        shape::MAX_ELEMENTS
    )))
}

fn check_values(name: &str, shape: &[usize], values: &[f64]) -> Result<()> {
    if numel(shape) != values.len() {
        return Err(Error::invalid(format!(
            "{name}: shape {} needs {} values, found {}",
            fmt_shape(shape),
            numel(shape),
            values.len()
        )));
    }
    Ok(())
}

/// The message of an invalid-argument error without its prefix.
fn strip(e: Error) -> String {
    match e {
        Error::InvalidArgument(m) => m,
        other => other.to_string(),
    }
}
