//! The gradient rule of each op kind: given a node `y = op(x…)` and the
//! objective's gradient `dy` with respect to it, the gradients with respect
//! to the operands that need one, built from graph ops.
//!
//! Costs (see `docs/training.md`): linear ops and layout ops stay free;
//! a product's rule is a product per operand; ReLU's is a comparison and a
//! product; max pooling's is a one-hot argmax over each window (the
//! comparisons of the forward pass again) and a product; convolution's are
//! two matrix products over the windows ([`Op::Patches`] and its transpose
//! [`Op::PatchesAdd`], free on shares).

use super::{Graph, Node, Op, TensorId};
use crate::error::{Error, Result};
use crate::ring::layout::{self, Window};
use crate::ring::shape::{fmt_shape, numel};
use crate::vocabulary::{Pool, Reduce, Unary};

/// The gradient of each operand of `node` (whose result is `y`) that
/// `needs` marks, from the gradient `dy` of its result.
#[expect(clippy::too_many_lines, reason = "one arm per op kind: the table of rules")]
pub(super) fn backward(
    g: &mut Graph,
    node: &Node,
    y: TensorId,
    dy: TensorId,
    needs: &[bool],
) -> Result<Vec<Option<TensorId>>> {
    let x = node.inputs.first().copied();
    let shape_of = |g: &Graph, i: usize| -> Result<Vec<usize>> { Ok(g.shape(node.inputs[i])?.to_vec()) };
    let only = |v: TensorId| Ok(vec![Some(v)]);
    match &node.op {
        Op::Add => {
            let a = needs[0].then(|| unbroadcast(g, dy, &shape_of(g, 0)?)).transpose()?;
            let b = needs[1].then(|| unbroadcast(g, dy, &shape_of(g, 1)?)).transpose()?;
            Ok(vec![a, b])
        }
        Op::Sub => {
            let a = needs[0].then(|| unbroadcast(g, dy, &shape_of(g, 0)?)).transpose()?;
            let b = if needs[1] {
                let n = g.neg(dy)?;
                Some(unbroadcast(g, n, &shape_of(g, 1)?)?)
            } else {
                None
            };
            Ok(vec![a, b])
        }
        Op::Neg => only(g.neg(dy)?),
        Op::Mul => {
            let (a, b) = (node.inputs[0], node.inputs[1]);
            let da = if needs[0] {
                let p = g.mul(dy, b)?;
                Some(unbroadcast(g, p, &shape_of(g, 0)?)?)
            } else {
                None
            };
            let db = if needs[1] {
                let p = g.mul(dy, a)?;
                Some(unbroadcast(g, p, &shape_of(g, 1)?)?)
            } else {
                None
            };
            Ok(vec![da, db])
        }
        Op::MatMul => {
            let (a, b) = (node.inputs[0], node.inputs[1]);
            let da = if needs[0] {
                let bt = g.transpose(b, None)?;
                Some(g.matmul(dy, bt)?)
            } else {
                None
            };
            let db = if needs[1] { Some(left_transposed_product(g, a, dy)?) } else { None };
            Ok(vec![da, db])
        }
        Op::Square => {
            let x = x.expect("one operand");
            let two_x = g.add(x, x)?;
            only(g.mul(dy, two_x)?)
        }
        Op::Sum { axis } => only(spread(g, dy, &shape_of(g, 0)?, *axis)?),
        Op::Mean { axis } => {
            let shape = shape_of(g, 0)?;
            let count = crate::ring::shape::reduced_count(&shape, *axis)?;
            let d = g.div_public(dy, count as f64)?;
            only(spread(g, d, &shape, *axis)?)
        }
        Op::DivPublic { divisor } => only(g.div_public(dy, *divisor)?),
        Op::CumSum { axis, exclusive, reverse } => only(g.cumsum(dy, *axis, *exclusive, !*reverse)?),
        Op::Transpose { perm } => {
            let mut inverse = vec![0; perm.len()];
            for (i, &p) in perm.iter().enumerate() {
                inverse[p] = i;
            }
            only(g.transpose(dy, Some(&inverse))?)
        }
        Op::Reshape { .. } | Op::ExpandDims { .. } | Op::Squeeze { .. } => only(g.reshape(dy, &shape_of(g, 0)?)?),
        Op::Slice { begin, size } => {
            let shape = shape_of(g, 0)?;
            let pads: Vec<(usize, usize)> =
                (0..shape.len()).map(|a| (begin[a], shape[a] - begin[a] - size[a])).collect();
            only(g.pad(dy, &pads)?)
        }
        Op::Pad { pads } => {
            let begin: Vec<usize> = pads.iter().map(|p| p.0).collect();
            only(g.slice(dy, &begin, &shape_of(g, 0)?)?)
        }
        Op::Concat { axis } => {
            let (a, b) = (shape_of(g, 0)?, shape_of(g, 1)?);
            let mut begin = vec![0; a.len()];
            let da = needs[0].then(|| g.slice(dy, &begin, &a)).transpose()?;
            begin[*axis] = a[*axis];
            let db = needs[1].then(|| g.slice(dy, &begin, &b)).transpose()?;
            Ok(vec![da, db])
        }
        Op::Unary { f } => only(unary(g, *f, x.expect("one operand"), y, dy)?),
        Op::Maximum | Op::Minimum => {
            let (a, b) = (node.inputs[0], node.inputs[1]);
            // The operand that won takes the gradient (b on ties).
            let won = if node.op == Op::Maximum { g.greater(a, b)? } else { g.less(a, b)? };
            let to_a = g.mul(dy, won)?;
            let to_b = g.sub(dy, to_a)?;
            let da = needs[0].then(|| unbroadcast(g, to_a, &shape_of(g, 0)?)).transpose()?;
            let db = needs[1].then(|| unbroadcast(g, to_b, &shape_of(g, 1)?)).transpose()?;
            Ok(vec![da, db])
        }
        Op::Select => {
            let c = node.inputs[0];
            let to_a = g.mul(dy, c)?;
            let to_b = g.sub(dy, to_a)?;
            let da = needs[1].then(|| unbroadcast(g, to_a, &shape_of(g, 1)?)).transpose()?;
            let db = needs[2].then(|| unbroadcast(g, to_b, &shape_of(g, 2)?)).transpose()?;
            Ok(vec![None, da, db])
        }
        Op::Compare { .. }
        | Op::CountOutside { .. }
        | Op::Reduce { r: Reduce::ArgMax | Reduce::ArgMin | Reduce::ArgMaxOneHot, .. } => {
            Ok(vec![None; node.inputs.len()])
        }
        Op::Reduce { r: r @ (Reduce::Max | Reduce::Min), axis } => {
            let x = x.expect("one operand");
            let shape = shape_of(g, 0)?;
            // The first extreme element of each lane takes the lane's gradient.
            let pick = if *r == Reduce::Max { x } else { g.neg(x)? };
            let hot = g.argmax_one_hot(pick, *axis)?;
            let d = spread(g, dy, &shape, Some(*axis))?;
            only(g.mul(hot, d)?)
        }
        Op::Conv2d { strides, padding } => conv2d(g, node, dy, *strides, *padding, needs),
        Op::Pool2d { p, window } => only(pool2d(g, *p, x.expect("one operand"), dy, *window)?),
        Op::GlobalAvgPool2d => {
            let shape = shape_of(g, 0)?;
            let d = g.div_public(dy, (shape[1] * shape[2]) as f64)?;
            let d = g.reshape(d, &[shape[0], 1, 1, shape[3]])?;
            only(broadcast_to(g, d, &shape)?)
        }
        Op::Patches { window, zero_outside } => only(g.patches_add(dy, *window, *zero_outside, &shape_of(g, 0)?)?),
        Op::PatchesAdd { window, zero_outside, .. } => only(g.patches(dy, *window, *zero_outside)?),
        other => Err(Error::invalid(format!("{} has no gradient rule", other.name()))),
    }
}

/// The rules of the elementwise functions, from the input `x`, the result
/// `y` and its gradient `dy`.
fn unary(g: &mut Graph, f: Unary, x: TensorId, y: TensorId, dy: TensorId) -> Result<TensorId> {
    let one = g.constant(&[], vec![1.0])?;
    match f {
        Unary::Relu => {
            let zero = g.constant(&[], vec![0.0])?;
            let mask = g.greater(x, zero)?;
            g.mul(dy, mask)
        }
        Unary::Abs => {
            let zero = g.constant(&[], vec![0.0])?;
            let mask = g.greater(x, zero)?;
            let twice = g.add(mask, mask)?;
            let sign = g.sub(twice, one)?;
            g.mul(dy, sign)
        }
        // σ' = σ(1 − σ), from the forward result.
        Unary::Sigmoid => {
            let rest = g.sub(one, y)?;
            let slope = g.mul(y, rest)?;
            g.mul(dy, slope)
        }
        Unary::Tanh => {
            let sq = g.square(y)?;
            let slope = g.sub(one, sq)?;
            g.mul(dy, slope)
        }
        Unary::Exp => g.mul(dy, y),
        Unary::Log => {
            let r = g.reciprocal(x)?;
            g.mul(dy, r)
        }
        Unary::Sqrt => {
            let r = g.reciprocal(y)?;
            let d = g.mul(dy, r)?;
            g.div_public(d, 2.0)
        }
        // (x^−1/2)' = −y³/2; (1/x)' = −y².
        Unary::InvSqrt => {
            let sq = g.square(y)?;
            let cube = g.mul(sq, y)?;
            let d = g.mul(dy, cube)?;
            let half = g.div_public(d, 2.0)?;
            g.neg(half)
        }
        Unary::Reciprocal => {
            let sq = g.square(y)?;
            let d = g.mul(dy, sq)?;
            g.neg(d)
        }
        // y ⊙ (dy − Σ dy ⊙ y) along the last axis.
        Unary::Softmax => {
            let shape = g.shape(y)?.to_vec();
            let last = shape.len() - 1;
            let p = g.mul(dy, y)?;
            let s = g.reduce_sum(p, Some(last))?;
            let mut kept = shape.clone();
            kept[last] = 1;
            let s = g.reshape(s, &kept)?;
            let centred = g.sub(dy, s)?;
            g.mul(y, centred)
        }
        Unary::HardSigmoid => Err(Error::invalid("hard_sigmoid has no gradient rule")),
    }
}

/// Convolution: the filter's gradient is the windows of the input times
/// the result's gradient, the input's is the result's gradient times the
/// filter, added back over the windows.
fn conv2d(
    g: &mut Graph,
    node: &Node,
    dy: TensorId,
    strides: (usize, usize),
    padding: layout::Padding,
    needs: &[bool],
) -> Result<Vec<Option<TensorId>>> {
    let (x, filter) = (node.inputs[0], node.inputs[1]);
    let xs = g.shape(x)?.to_vec();
    let [kh, kw, c, o] = <[usize; 4]>::try_from(g.shape(filter)?).map_err(|_| Error::internal("filter rank"))?;
    let window = Window { kh, kw, sh: strides.0, sw: strides.1, padding };
    let ys = g.shape(dy)?.to_vec();
    let rows = ys[0] * ys[1] * ys[2];
    let dy_rows = g.reshape(dy, &[rows, o])?;
    let dx = if needs[0] {
        let f = g.reshape(filter, &[kh * kw * c, o])?;
        let ft = g.transpose(f, None)?;
        let cols = g.matmul(dy_rows, ft)?;
        let windows = g.reshape(cols, &[ys[0], ys[1], ys[2], kh * kw, c])?;
        Some(g.patches_add(windows, window, true, &xs)?)
    } else {
        None
    };
    let df = if needs[1] {
        let p = g.patches(x, window, true)?;
        let p = g.reshape(p, &[rows, kh * kw * c])?;
        let pt = g.transpose(p, None)?;
        let d = g.matmul(pt, dy_rows)?;
        Some(g.reshape(d, &[kh, kw, c, o])?)
    } else {
        None
    };
    Ok(vec![dx, df])
}

/// Pooling: max pooling sends each window's gradient to its first maximum
/// (a one-hot argmax over the window), average pooling spreads it over the
/// window's elements inside the input.
fn pool2d(g: &mut Graph, p: Pool, x: TensorId, dy: TensorId, window: Window) -> Result<TensorId> {
    let xs = g.shape(x)?.to_vec();
    let ys = g.shape(dy)?.to_vec();
    let k = window.kh * window.kw;
    let d = g.reshape(dy, &[ys[0], ys[1], ys[2], 1, ys[3]])?;
    match p {
        Pool::Max => {
            let windows = g.patches(x, window, false)?;
            let hot = g.argmax_one_hot(windows, 3)?;
            let spread = g.mul(hot, d)?;
            g.patches_add(spread, window, false, &xs)
        }
        Pool::Average => {
            let counts = layout::window_counts(&xs, window)?;
            let per_image = ys[1] * ys[2];
            let mut share = Vec::with_capacity(per_image * k);
            for &count in &counts[..per_image] {
                share.extend(std::iter::repeat_n(1.0 / count as f64, k));
            }
            let share = g.constant(&[1, ys[1], ys[2], k, 1], share)?;
            let spread = g.mul(d, share)?;
            g.patches_add(spread, window, true, &xs)
        }
    }
}

/// The gradient of a broadcast operand: `dy` summed over the axes the
/// operand of `shape` was broadcast along.
fn unbroadcast(g: &mut Graph, dy: TensorId, shape: &[usize]) -> Result<TensorId> {
    let mut d = dy;
    while g.shape(d)?.len() > shape.len() {
        d = g.reduce_sum(d, Some(0))?;
    }
    for (axis, &want) in shape.iter().enumerate() {
        let have = g.shape(d)?[axis];
        if want == 1 && have != 1 {
            let mut kept = g.shape(d)?.to_vec();
            kept[axis] = 1;
            let s = g.reduce_sum(d, Some(axis))?;
            d = g.reshape(s, &kept)?;
        }
    }
    if g.shape(d)? != shape {
        return Err(Error::internal(format!(
            "a gradient of shape {} does not reduce to shape {}",
            fmt_shape(g.shape(dy)?),
            fmt_shape(shape)
        )));
    }
    Ok(d)
}

/// The gradient of a sum along `axis` (or of everything): `dy` repeated
/// along the summed axes, back to `shape`.
fn spread(g: &mut Graph, dy: TensorId, shape: &[usize], axis: Option<usize>) -> Result<TensorId> {
    let kept: Vec<usize> = match axis {
        Some(a) => shape.iter().enumerate().map(|(i, &n)| if i == a { 1 } else { n }).collect(),
        None => vec![1; shape.len()],
    };
    let d = g.reshape(dy, &kept)?;
    broadcast_to(g, d, shape)
}

/// `x` (of the rank of `shape`, with 1 where it differs) repeated to
/// `shape`: the sum with public zeros, free on shares.
pub(super) fn broadcast_to(g: &mut Graph, x: TensorId, shape: &[usize]) -> Result<TensorId> {
    let have = g.shape(x)?.to_vec();
    if have == shape {
        return Ok(x);
    }
    let zeros: Vec<usize> = shape.iter().zip(&have).map(|(&want, &h)| if h == want { 1 } else { want }).collect();
    let zero = g.constant(&zeros, vec![0.0; numel(&zeros)])?;
    g.add(x, zero)
}

/// aᵀ·dy for `a` of shape [m, k] and `dy` of [m, n]. Transposing moves every
/// element of the transposed matrix, so when dy and the product together
/// are smaller than a (few columns n: a logistic regression's features X,
/// or a last layer of 10 classes), (dyᵀ·a)ᵀ moves n·(m + k) elements
/// instead of a's m·k.
fn left_transposed_product(g: &mut Graph, a: TensorId, dy: TensorId) -> Result<TensorId> {
    let (a_shape, dy_shape) = (g.shape(a)?, g.shape(dy)?);
    let (m, k, n) = (a_shape[0], a_shape[1], dy_shape[1]);
    if n * (m + k) < m * k {
        let dyt = g.transpose(dy, None)?;
        let product = g.matmul(dyt, a)?;
        g.transpose(product, None)
    } else {
        let at = g.transpose(a, None)?;
        g.matmul(at, dy)
    }
}
