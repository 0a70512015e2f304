//! The operations a graph is made of: the op table (each op's wire code,
//! name, operand count and fields, written once), and the shape and kind of
//! each one's result: shape inference happens here, while the graph is
//! built.

use super::op_table::op_table;
use crate::error::{Error, Result};
use crate::ring::layout::{Padding, Window};
use crate::ring::shape::{self, fmt_shape, numel};
use crate::vocabulary::{Comparison, Pool, Reduce, SortOrder, Unary};

op_table! {
    /// A private value provided by `owner` at run time, as a feed or through
    /// a provider callback that runs at the owner only.
    PrivateInput = 1, "input", 0 operands { name: String as Str, owner: usize as U32, shape: Vec<usize> as Dims };
    /// A private value that keeps its shares across runs. It is initialized
    /// by `owner` from its feed or provider under `name` the first time a
    /// run needs it: its initial value never enters the graph, which every
    /// player receives.
    PrivateVariable = 2, "variable", 0 operands { name: String as Str, owner: usize as U32, shape: Vec<usize> as Dims };
    /// A public constant known to every player.
    Constant = 3, "constant", 0 operands { shape: Vec<usize> as Dims, values: Vec<f64> as Values };
    /// Elementwise sum (broadcasting).
    Add = 4, "add", 2 operands;
    /// Elementwise difference (broadcasting).
    Sub = 5, "sub", 2 operands;
    /// Elementwise negation.
    Neg = 6, "neg", 1 operands;
    /// Elementwise product with broadcasting.
    Mul = 7, "mul", 2 operands;
    /// Product of two matrices.
    MatMul = 8, "matmul", 2 operands;
    /// Elementwise square.
    Square = 9, "square", 1 operands;
    /// Sum along one axis, or over everything.
    Sum = 10, "sum", 1 operands { axis: Option<usize> as OptIndex };
    /// Permutes the axes by `perm`.
    Transpose = 11, "transpose", 1 operands { perm: Vec<usize> as Dims };
    /// The same values in `shape`.
    Reshape = 12, "reshape", 1 operands { shape: Vec<usize> as Dims };
    /// Makes a value known to every server (`to = None`) or to one player.
    Reveal = 13, "reveal", 1 operands { to: Option<usize> as OptIndex };
    /// Stores the value of input 1 in the variable of input 0.
    Assign = 14, "assign", 2 operands;
    /// An elementwise function of a private value (softmax: along the last axis).
    Unary = 15, "unary", 1 operands { f: Unary as Code };
    /// A comparison of two values (broadcasting), at least one private;
    /// the result is private fixed-point 0.0 or 1.0.
    Compare = 16, "compare", 2 operands { c: Comparison as Code };
    /// Elementwise maximum (broadcasting), at least one operand private.
    Maximum = 17, "maximum", 2 operands;
    /// Maximum or argmax along `axis`, which is removed (kept by the
    /// one-hot argmax).
    Reduce = 18, "reduce", 1 operands { r: Reduce as Code, axis: usize as Index };
    /// Max or average pooling of a private NHWC tensor.
    Pool2d = 19, "pool2d", 1 operands { p: Pool as Code, window: Window as WindowDims };
    /// Mean over the spatial axes of a private NHWC tensor, to [N, C].
    GlobalAvgPool2d = 20, "global_avg_pool2d", 1 operands;
    /// Convolution of a private NHWC input with a [KH, KW, C, O] filter.
    Conv2d = 21, "conv2d", 2 operands { strides: (usize, usize) as Pair, padding: Padding as Code };
    /// `x[begin .. begin + size]` on every axis.
    Slice = 22, "slice", 1 operands { begin: Vec<usize> as Dims, size: Vec<usize> as Dims };
    /// Zero padding, `(before, after)` per axis.
    Pad = 23, "pad", 1 operands { pads: Vec<(usize, usize)> as Pairs };
    /// Concatenation of the two operands along `axis`.
    Concat = 24, "concat", 2 operands { axis: usize as Index };
    /// Inserts a unit axis.
    ExpandDims = 25, "expand_dims", 1 operands { axis: usize as Index };
    /// Removes a unit axis.
    Squeeze = 26, "squeeze", 1 operands { axis: usize as Index };
    /// Elements `indices` (public) along `axis`.
    Gather = 27, "gather", 1 operands { indices: Vec<usize> as Indices, axis: usize as Index };
    /// `cond ? a : b` elementwise (operands cond, a, b; broadcasting), at
    /// least one private: b + cond·(a − b), exact when cond is 0.0 or 1.0
    /// (a comparison result); other conds interpolate, within one unit.
    Select = 28, "select", 3 operands;
    /// Mean along one axis, or over everything: the sum divided by the
    /// count as [`Op::DivPublic`] divides.
    Mean = 29, "reduce_mean", 1 operands { axis: Option<usize> as OptIndex };
    /// Division by a public value: the product with its scaled reciprocal,
    /// one truncation (see `protocol::reciprocal_encoding`).
    DivPublic = 30, "div_public", 1 operands { divisor: f64 as Bits };
    /// Elementwise minimum (broadcasting), at least one operand private.
    Minimum = 31, "minimum", 2 operands;
    /// Cumulative sum along `axis` (`exclusive`: without the element
    /// itself; `reverse`: from the end).
    CumSum = 32, "cumsum", 1 operands { axis: usize as Index, exclusive: bool as Flag, reverse: bool as Flag };
    /// Sort along `axis` by an oblivious network of compare-and-swap steps.
    Sort = 33, "sort", 1 operands { axis: usize as Index, order: SortOrder as Code };
    /// The windows of an NHWC tensor as [N, OH, OW, KH·KW, C] (see
    /// `ring::layout::patches_map`): offsets outside the input are zero
    /// (`zero_outside`) or repeat the window's first element inside it.
    /// A layout op: free on shares. Backward passes of convolution and
    /// pooling read windows through it.
    Patches = 34, "patches", 1 operands { window: Window as WindowDims, zero_outside: bool as Flag };
    /// The transpose of [`Op::Patches`] over an input of shape `input`:
    /// each window element is added to the input element it was read from.
    /// Linear, free on shares: the input gradient of a convolution or a
    /// pooling.
    PatchesAdd = 35, "patches_add", 1 operands { window: Window as WindowDims, zero_outside: bool as Flag, input: Vec<usize> as Dims };
    /// For each segment of a private vector (consecutive lengths summing to
    /// its length), how many of its values lie outside [−`bound`, `bound`)
    /// (`bound` a power of two), counted per block of 64 values (the blocks
    /// holding one) beyond 4,096 values (`protocol::outside_group_size`):
    /// training's overflow check, exact for every value the ring holds
    /// (`protocol::aby3::outside`).
    CountOutside = 36, "count_outside", 1 operands { bound: f64 as Bits, segments: Vec<usize> as Indices };
    /// A private value that arrives as three additive parts in the ring,
    /// one fed at each server under `name` by a client outside the mesh
    /// (`crate::serve`): the servers reshare them in one round, 8 bytes per
    /// element each.
    InputParts = 37, "input_parts", 0 operands { name: String as Str, shape: Vec<usize> as Dims };
}

impl Op {
    /// A short name of the op, for stats and errors: its kind's, or for the
    /// kinds that name a function, comparison, reduction or pooling, that
    /// one's (`relu`, `less`, `argmax`, `max_pool2d`).
    pub fn name(&self) -> &'static str {
        match self {
            Op::Unary { f } => f.name(),
            Op::Compare { c } => c.name(),
            Op::Reduce { r, .. } => r.name(),
            Op::Pool2d { p, .. } => p.name(),
            _ => self.kind().name(),
        }
    }

    /// The number of operands the op takes.
    pub fn arity(&self) -> usize {
        self.kind().arity()
    }
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

/// The shape and kind of an op's result, given its operands' shapes and
/// kinds; an error names the op and the shapes that do not fit.
pub fn infer(op: &Op, operands: &[(&[usize], Kind)], is_variable: &[bool]) -> Result<(Vec<usize>, Kind)> {
    let name = op.name();
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
    | Op::InputParts { shape, .. }
    | Op::Constant { shape, .. }
    | Op::Reshape { shape } = op
    {
        shape::check_size(shape).map_err(|e| Error::invalid_in(name, &e))?;
    }
    match op {
        Op::PrivateInput { shape, .. } | Op::PrivateVariable { shape, .. } | Op::InputParts { shape, .. } => {
            Ok((shape.clone(), Kind::Private))
        }
        Op::Constant { shape, values } => {
            check_values(name, shape, values)?;
            Ok((shape.clone(), Kind::Public))
        }
        Op::Add | Op::Sub | Op::Mul => {
            let out = shape::broadcast_shapes(operands[0].0, operands[1].0).map_err(|e| Error::invalid_in(name, &e))?;
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
/// the ring's limit on elements (`ring::shape::MAX_ELEMENTS`); the error names the op, its operands' shapes
/// and the result's.
pub(crate) fn check_result_size(op: &Op, operands: &[(&[usize], Kind)], out: &[usize]) -> Result<()> {
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
        op.name(),
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
