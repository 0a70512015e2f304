//! Losses on shares: each builds the loss of a batch (summed over its
//! samples; Keras's per-sample reduction over the outputs) and the seed of
//! the backward pass, the gradient of that sum.
//!
//! A cross-entropy on probabilities that follow a sigmoid or softmax node
//! is computed from that node's input, the logits: its gradient there is
//! `p − y`, exact and cheap, where the gradient with respect to `p` would
//! need reciprocals of small numbers. Elsewhere probabilities are clipped
//! to [ε, 1 − ε] with ε = 2^−5 ([`CLIP`]), the domain of the logarithm and
//! reciprocal approximations; the loss and its gradient are exact inside.

use crate::error::{Error, Result};
use crate::graph::{Graph, Op, TensorId};
use crate::protocol::piecewise;
use crate::ring::shape::fmt_shape;
use crate::vocabulary::Unary;

/// Probabilities are clipped to [CLIP, 1 − CLIP] where no logits are at hand.
pub const CLIP: f64 = 1.0 / 32.0;
/// Logits further than this below a row's maximum count as this far in
/// the categorical cross-entropy's value: e^−16 < 2^−23 is below the
/// fixed-point resolution, and it is the lower end of the exponential's
/// domain.
pub const EXP_FLOOR: f64 = 16.0;

/// A loss between a model's predictions and the labels, Keras's names.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Loss {
    /// −(y log p + (1 − y) log(1 − p)), averaged over the outputs of a sample.
    BinaryCrossentropy {
        /// The predictions are logits z (p = σ(z)).
        from_logits: bool,
    },
    /// −Σ y log p over the classes of a sample (rows of y sum to 1).
    CategoricalCrossentropy {
        /// The predictions are logits z (p = softmax(z)).
        from_logits: bool,
    },
    /// (p − y)², averaged over the outputs of a sample.
    MeanSquaredError,
}

/// A loss in a graph.
#[derive(Clone, Copy, Debug)]
pub struct LossGraph {
    /// The loss of each sample, `[batch]`, private.
    pub per_sample: TensorId,
    /// The node the backward pass starts from and the gradient of the
    /// batch's summed loss with respect to it.
    pub seed: (TensorId, TensorId),
    /// The predictions to read the accuracy from: the model's output, or
    /// where the loss computed the same values itself (a sigmoid before a
    /// binary cross-entropy), the loss's.
    pub pred: TensorId,
}

impl Loss {
    /// The loss's name, as Keras spells it.
    pub fn name(&self) -> &'static str {
        match self {
            Loss::BinaryCrossentropy { .. } => "binary_crossentropy",
            Loss::CategoricalCrossentropy { .. } => "categorical_crossentropy",
            Loss::MeanSquaredError => "mean_squared_error",
        }
    }

    /// Adds the loss of predictions `pred` ([batch, outputs]) against
    /// `target` (the same shape) to `g`.
    pub fn build(&self, g: &mut Graph, pred: TensorId, target: TensorId) -> Result<LossGraph> {
        let shape = g.shape(pred)?.to_vec();
        if shape.len() != 2 || g.shape(target)? != shape.as_slice() {
            return Err(Error::invalid(format!(
                "{}: expected predictions and labels of one shape [batch, outputs], found {} and {}",
                self.name(),
                fmt_shape(&shape),
                fmt_shape(g.shape(target)?)
            )));
        }
        let outputs = shape[1] as f64;
        let logits_of = |g: &Graph, f: Unary| -> Result<Option<TensorId>> {
            let node = g.node(pred)?;
            Ok((node.op == Op::Unary { f }).then(|| node.inputs[0]))
        };
        match *self {
            Loss::MeanSquaredError => {
                let d = g.sub(pred, target)?;
                let sq = g.square(d)?;
                let rows = g.reduce_sum(sq, Some(1))?;
                let per_sample = divided(g, rows, outputs)?;
                let grad = divided(g, d, outputs / 2.0)?;
                Ok(LossGraph { per_sample, seed: (pred, grad), pred })
            }
            Loss::BinaryCrossentropy { from_logits } => {
                let logits = if from_logits { Some(pred) } else { logits_of(g, Unary::Sigmoid)? };
                match logits {
                    Some(z) => {
                        // σ(z) comes with softplus from one batch of ReLUs; a
                        // model's own sigmoid node is left unread, so a run
                        // does not evaluate it (10 rounds).
                        let (p, soft) = sigmoid_and_softplus(g, z)?;
                        let d = g.sub(p, target)?;
                        let grad = divided(g, d, outputs)?;
                        let per_sample = bce_logits(g, z, soft, target, outputs)?;
                        Ok(LossGraph { per_sample, seed: (z, grad), pred: if from_logits { pred } else { p } })
                    }
                    None => bce_probabilities(g, pred, target, outputs),
                }
            }
            Loss::CategoricalCrossentropy { from_logits } => {
                let logits = if from_logits { Some(pred) } else { logits_of(g, Unary::Softmax)? };
                match logits {
                    Some(z) => {
                        let p = if from_logits { g.softmax(z)? } else { pred };
                        let grad = g.sub(p, target)?;
                        let per_sample = cce_logits(g, z, target)?;
                        Ok(LossGraph { per_sample, seed: (z, grad), pred })
                    }
                    None => cce_probabilities(g, pred, target),
                }
            }
        }
    }
}

/// `x / divisor`, or `x` itself for a divisor of 1 (one output): a
/// division by a public value takes 2 rounds and a truncation's error.
fn divided(g: &mut Graph, x: TensorId, divisor: f64) -> Result<TensorId> {
    if divisor == 1.0 { Ok(x) } else { g.div_public(x, divisor) }
}

/// softplus(z) − y·z = log(1 + e^z) − y·z, averaged over the outputs,
/// with `soft` = softplus(z).
fn bce_logits(g: &mut Graph, z: TensorId, soft: TensorId, y: TensorId, outputs: f64) -> Result<TensorId> {
    let yz = g.mul(y, z)?;
    let all = g.sub(soft, yz)?;
    let rows = g.reduce_sum(all, Some(1))?;
    divided(g, rows, outputs)
}

/// The knots of softplus: every [`SOFTPLUS_STEP`] from −[`SOFTPLUS_RANGE`]
/// to [`SOFTPLUS_RANGE`].
const SOFTPLUS_RANGE: f64 = 8.0;
/// The spacing of softplus's knots.
const SOFTPLUS_STEP: f64 = 0.5;

/// log(1 + e^t), computed without overflow for large t.
fn softplus_f64(t: f64) -> f64 {
    t.max(0.0) + (-t.abs()).exp().ln_1p()
}

/// σ(z) and softplus(z) = log(1 + e^z) from one batch of ReLUs: both are
/// piecewise linear, so `relu(z − b_j)` over softplus's knots (which hold
/// the sigmoid's) times a public matrix of two columns of slope changes
/// gives both, in the 10 rounds each took alone (`exp` and `log` would
/// take 39).
///
/// The sigmoid's column holds the protocol's own coefficients
/// (`protocol::piecewise::sigmoid`), zero at the knots beyond ±6, so σ
/// here is the `sigmoid` op's value up to the truncation's one unit. Softplus is exact at the knots every
/// 1/2 on [−8, 8] and linear between them, softplus(−8) below them and
/// z + softplus(−8) above. Its error is at most 0.012: 0.0078 between knots
/// (the curvature is at most 1/4, so a chord of length h lies within
/// h²/32), 3.4·10⁻⁴ outside the knots, and the slopes' encoding (each
/// within 2^−17, their sum exactly 1).
fn sigmoid_and_softplus(g: &mut Graph, z: TensorId) -> Result<(TensorId, TensorId)> {
    let shape = g.shape(z)?.to_vec();
    let scale = g.fixed().scale();
    let steps = (2.0 * SOFTPLUS_RANGE / SOFTPLUS_STEP) as usize;
    let knots: Vec<f64> = (0..=steps).map(|i| -SOFTPLUS_RANGE + i as f64 * SOFTPLUS_STEP).collect();
    // Softplus's slope on each segment, then each knot's change of slope,
    // encoded so that they add up to exactly 1 (the slope above the last knot).
    let segments: Vec<f64> =
        knots.windows(2).map(|t| (softplus_f64(t[1]) - softplus_f64(t[0])) / SOFTPLUS_STEP).collect();
    let mut softplus: Vec<f64> = (0..steps)
        .map(|i| {
            let before = if i == 0 { 0.0 } else { segments[i - 1] };
            ((segments[i] - before) * scale).round() / scale
        })
        .collect();
    softplus.push(1.0 - softplus.iter().sum::<f64>());
    let sigmoid = piecewise::sigmoid();
    let start = g.fixed().encode_value(sigmoid.values[0])?;
    let sigmoid_changes = piecewise::slope_changes(scale, &sigmoid.knots, &sigmoid.values, start);
    let decode = |word: u64| word as i64 as f64 / scale;
    let offset = knots
        .windows(sigmoid.knots.len())
        .position(|run| run == sigmoid.knots.as_slice())
        .ok_or_else(|| Error::internal("the sigmoid's knots are not among softplus's"))?;
    let count = knots.len();
    let mut slopes = vec![0.0; count * 2];
    for (j, &change) in sigmoid_changes.iter().enumerate() {
        slopes[2 * (offset + j)] = decode(change);
    }
    for (j, &change) in softplus.iter().enumerate() {
        slopes[2 * j + 1] = change;
    }
    let n: usize = shape.iter().product();
    let column = g.reshape(z, &[n, 1])?;
    let at_knots = g.constant(&[count], knots)?;
    let past = g.sub(column, at_knots)?;
    let past = g.relu(past)?;
    let slopes = g.constant(&[count, 2], slopes)?;
    let both = g.matmul(past, slopes)?;
    let floors = g.constant(&[2], vec![decode(start), softplus_f64(-SOFTPLUS_RANGE)])?;
    let both = g.add(both, floors)?;
    let p = g.slice(both, &[0, 0], &[n, 1])?;
    let soft = g.slice(both, &[0, 1], &[n, 1])?;
    Ok((g.reshape(p, &shape)?, g.reshape(soft, &shape)?))
}

/// max z + log Σ e^(z − max z) − Σ y·z per row (rows of y sum to 1).
fn cce_logits(g: &mut Graph, z: TensorId, y: TensorId) -> Result<TensorId> {
    let shape = g.shape(z)?.to_vec();
    let scale = log_sum_scale(shape[1])?;
    let m = g.reduce_max(z, 1)?;
    let mcol = g.reshape(m, &[shape[0], 1])?;
    let centred = g.sub(z, mcol)?;
    let floor = g.constant(&[], vec![-EXP_FLOOR])?;
    let centred = g.maximum(centred, floor)?;
    let e = g.exp(centred)?;
    let mut total = g.reduce_sum(e, Some(1))?;
    if scale > 0 {
        total = g.div_public(total, f64::from(1u32 << scale))?;
    }
    let mut lse = g.log(total)?;
    if scale > 0 {
        let octaves = g.constant(&[], vec![f64::from(scale) * std::f64::consts::LN_2])?;
        lse = g.add(lse, octaves)?;
    }
    let lse = g.add(lse, m)?;
    let yz = g.mul(y, z)?;
    let yz = g.reduce_sum(yz, Some(1))?;
    g.sub(lse, yz)
}

/// The most classes a categorical cross-entropy's value takes.
pub const CCE_MAX_CLASSES: usize = 1 << 15;

/// The k with which log Σ is computed as log(Σ·2^−k) + k·ln 2 over rows of
/// `classes` logits: Σ lies between 1 (the row's maximum) and the classes
/// (up to the exponential's error, under 1 %), and Σ·2^−k must lie in the
/// logarithm's domain [2^−6, 2^10). 0 up to 1,013 classes; 6 at the most.
fn log_sum_scale(classes: usize) -> Result<u32> {
    if classes > CCE_MAX_CLASSES {
        return Err(Error::invalid(format!(
            "categorical cross-entropy over {classes} classes, expected at most {CCE_MAX_CLASSES}"
        )));
    }
    let mut scale = 0;
    while 1.01 * classes as f64 >= 1024.0 * f64::from(1u32 << scale) {
        scale += 1;
    }
    Ok(scale)
}

/// p clipped to [CLIP, 1 − CLIP].
fn clip(g: &mut Graph, p: TensorId) -> Result<TensorId> {
    let lo = g.constant(&[], vec![CLIP])?;
    let hi = g.constant(&[], vec![1.0 - CLIP])?;
    let p = g.maximum(p, lo)?;
    g.minimum(p, hi)
}

fn bce_probabilities(g: &mut Graph, p: TensorId, y: TensorId, outputs: f64) -> Result<LossGraph> {
    let pc = clip(g, p)?;
    let one = g.constant(&[], vec![1.0])?;
    let q = g.sub(one, pc)?;
    let lp = g.log(pc)?;
    let lq = g.log(q)?;
    // −(y·log p + (1 − y)·log q) = −(log q + y·(log p − log q)).
    let diff = g.sub(lp, lq)?;
    let ydiff = g.mul(y, diff)?;
    let pos = g.add(lq, ydiff)?;
    let rows = g.reduce_sum(pos, Some(1))?;
    let mean = divided(g, rows, outputs)?;
    let per_sample = g.neg(mean)?;
    // d/dp = (p − y) / (p (1 − p)), divided by the outputs.
    let pq = g.mul(pc, q)?;
    let r = g.reciprocal(pq)?;
    let d = g.sub(pc, y)?;
    let d = g.mul(d, r)?;
    let grad = divided(g, d, outputs)?;
    Ok(LossGraph { per_sample, seed: (p, grad), pred: p })
}

fn cce_probabilities(g: &mut Graph, p: TensorId, y: TensorId) -> Result<LossGraph> {
    let lo = g.constant(&[], vec![CLIP])?;
    let pc = g.maximum(p, lo)?;
    let lp = g.log(pc)?;
    let ylp = g.mul(y, lp)?;
    let rows = g.reduce_sum(ylp, Some(1))?;
    let per_sample = g.neg(rows)?;
    let r = g.reciprocal(pc)?;
    let yr = g.mul(y, r)?;
    let grad = g.neg(yr)?;
    Ok(LossGraph { per_sample, seed: (p, grad), pred: p })
}
