//! The training graph: the forward pass of a model's layers (batch
//! normalization with batch statistics), the loss, the backward pass
//! ([`Graph::gradients`]) and the optimizer's update, built once for a
//! batch size and run per batch; and the same layers in inference mode
//! for evaluation and prediction, reading the same weight variables.
//!
//! Every weight is a private variable of the model owner named as
//! `Sequential::build` names it (`layer{i}.w`, `layer{i}.b`; batch
//! normalization: `layer{i}.gamma`, `.beta`, `.moving_mean`,
//! `.moving_variance`).

use super::loss::{Loss, LossGraph};
use crate::error::{Error, Result};
use crate::graph::{Graph, SERVERS, TensorId};
use crate::nn::Layer;
use crate::ring::shape::{fmt_shape, numel};

/// A weight of the model: its variable and initial value.
#[derive(Clone, Debug)]
pub struct Param {
    /// The variable's name.
    pub name: String,
    /// The variable.
    pub var: TensorId,
    /// Its shape.
    pub shape: Vec<usize>,
    /// Trained by the optimizer (false: batch normalization's moving
    /// statistics, which the forward pass assigns).
    pub trained: bool,
}

/// Weights created while building, with the values the owner provides.
#[derive(Debug, Default)]
pub struct Vars {
    /// Every weight, in order of creation.
    pub params: Vec<Param>,
    /// Initial values by variable name.
    pub initial: Vec<(String, Vec<f64>)>,
}

impl Vars {
    /// The variable `name` of `owner`, created with `values` unless `g` has it.
    fn get(
        &mut self,
        g: &mut Graph,
        name: &str,
        owner: &str,
        shape: &[usize],
        values: &[f64],
        trained: bool,
    ) -> Result<TensorId> {
        if let Some(id) = g.find_named(name) {
            return Ok(id);
        }
        let var = g.private_variable(name, owner, shape)?;
        self.params.push(Param { name: name.into(), var, shape: shape.to_vec(), trained });
        self.initial.push((name.into(), values.to_vec()));
        Ok(var)
    }
}

/// The forward pass of `layers` after `x`. In `training` mode batch
/// normalization uses the batch's statistics and returns the assignments
/// of its moving statistics.
pub fn forward(
    g: &mut Graph,
    layers: &[Layer],
    x: TensorId,
    owner: &str,
    training: bool,
    vars: &mut Vars,
) -> Result<(TensorId, Vec<TensorId>)> {
    let mut y = x;
    let mut assigns = Vec::new();
    for (i, layer) in layers.iter().enumerate() {
        let prefix = format!("layer{i}");
        let shape = g.shape(y)?.to_vec();
        let step = if let Layer::BatchNormalization { .. } = layer {
            batch_norm(g, layer, y, owner, &prefix, training, vars, &mut assigns)
        } else {
            let mut created = Vec::new();
            let out = layer.build(g, y, owner, &prefix, &mut created);
            for (name, values) in created {
                let var = g.find_named(&name).ok_or_else(|| Error::internal("a weight went missing"))?;
                let shape = g.shape(var)?.to_vec();
                vars.params.push(Param { name: name.clone(), var, shape, trained: true });
                vars.initial.push((name, values));
            }
            out
        };
        y = step.map_err(|e| Error::invalid_in(format_args!("layer {i} on input {}", fmt_shape(&shape)), &e))?;
    }
    Ok((y, assigns))
}

/// Batch normalization over the last axis: (x − μ)/√(σ² + ε)·γ + β, with
/// the batch's μ and σ² when training (and the moving statistics updated
/// as m ← m + (1 − momentum)(batch − m), momentum 0.99 as Keras), the
/// moving ones otherwise. 1/√(σ² + ε) is the inverse square root
/// approximation: σ² + ε must lie in [2^−6, 2^10).
#[allow(clippy::too_many_arguments)]
fn batch_norm(
    g: &mut Graph,
    layer: &Layer,
    x: TensorId,
    owner: &str,
    prefix: &str,
    training: bool,
    vars: &mut Vars,
    assigns: &mut Vec<TensorId>,
) -> Result<TensorId> {
    let Layer::BatchNormalization { gamma, beta, mean, variance, epsilon } = layer else {
        return Err(Error::internal("not a batch normalization"));
    };
    let shape = g.shape(x)?.to_vec();
    let c = gamma.len();
    if shape.last() != Some(&c) {
        return Err(Error::invalid(format!(
            "BatchNormalization of {c} channels cannot take shape {}",
            fmt_shape(&shape)
        )));
    }
    let gv = vars.get(g, &format!("{prefix}.gamma"), owner, &[c], gamma, true)?;
    let bv = vars.get(g, &format!("{prefix}.beta"), owner, &[c], beta, true)?;
    let mv = vars.get(g, &format!("{prefix}.moving_mean"), owner, &[c], mean, false)?;
    let vv = vars.get(g, &format!("{prefix}.moving_variance"), owner, &[c], variance, false)?;
    let rows = g.reshape(x, &[numel(&shape) / c, c])?;
    let (centred, var) = if training {
        let mu = g.reduce_mean(rows, Some(0))?;
        let centred = g.sub(rows, mu)?;
        let sq = g.square(centred)?;
        let var = g.reduce_mean(sq, Some(0))?;
        for (moving, batch) in [(mv, mu), (vv, var)] {
            let d = g.sub(batch, moving)?;
            let step = g.div_public(d, 100.0)?;
            let next = g.add(moving, step)?;
            assigns.push(g.assign(moving, next)?);
        }
        (centred, var)
    } else {
        (g.sub(rows, mv)?, vv)
    };
    let eps = g.constant(&[], vec![*epsilon])?;
    let shifted = g.add(var, eps)?;
    let inv = g.inv_sqrt(shifted)?;
    let scale = g.mul(inv, gv)?;
    let scaled = g.mul(centred, scale)?;
    let y = g.add(scaled, bv)?;
    g.reshape(y, &shape)
}

/// A model's forward pass, loss and gradients for one batch.
#[derive(Debug)]
pub struct Backprop {
    /// The loss, the seed of the backward pass and the predictions.
    pub loss: LossGraph,
    /// The gradient of the batch's summed loss, one per trained weight of
    /// `vars.params` in order.
    pub grads: Vec<TensorId>,
    /// The moving statistics' assignments.
    pub assigns: Vec<TensorId>,
}

/// Builds forward, loss and backward of `layers` on the private `x` and
/// labels `y`.
pub fn backprop(
    g: &mut Graph,
    layers: &[Layer],
    x: TensorId,
    y: TensorId,
    loss: Loss,
    owner: &str,
    vars: &mut Vars,
) -> Result<Backprop> {
    let (output, assigns) = forward(g, layers, x, owner, true, vars)?;
    let loss = loss.build(g, output, y)?;
    let trained: Vec<TensorId> = vars.params.iter().filter(|p| p.trained).map(|p| p.var).collect();
    let grads = g.gradients(&[loss.seed], &trained)?;
    Ok(Backprop { loss, grads, assigns })
}

/// `parts`, each flattened, concatenated into one vector. Each concat
/// copies both operands, so the two adjacent pieces whose sum is smallest
/// are joined first: a model's large weight matrix is copied once or twice,
/// not once per later part (as a left-to-right chain would).
pub fn flat_concat(g: &mut Graph, parts: &[TensorId]) -> Result<TensorId> {
    let mut pieces = parts
        .iter()
        .map(|&p| {
            let shape = g.shape(p)?;
            let n = numel(shape);
            Ok((if shape.len() == 1 { p } else { g.reshape(p, &[n])? }, n))
        })
        .collect::<Result<Vec<(TensorId, usize)>>>()?;
    while pieces.len() > 1 {
        let at = (0..pieces.len() - 1).min_by_key(|&i| pieces[i].1 + pieces[i + 1].1).unwrap_or(0);
        let (right, n) = pieces.remove(at + 1);
        pieces[at] = (g.concat(pieces[at].0, right, 0)?, pieces[at].1 + n);
    }
    pieces.pop().map(|(flat, _)| flat).ok_or_else(|| Error::invalid("a model without weights has nothing to train"))
}

/// The inverse of [`flat_concat`]: the part of `flat` for each shape.
pub fn split_flat(g: &mut Graph, flat: TensorId, shapes: &[Vec<usize>]) -> Result<Vec<TensorId>> {
    let mut at = 0;
    shapes
        .iter()
        .map(|shape| {
            let n = numel(shape);
            let part = g.slice(flat, &[at], &[n])?;
            at += n;
            if shape.len() == 1 { Ok(part) } else { g.reshape(part, shape) }
        })
        .collect()
}

/// The overflow check of a training step: for each segment of `parts`
/// (flattened and concatenated in order; `segments` are the lengths of
/// the tensors they hold, in order, and add up to their length), how many
/// of its values lie outside [−2^i, 2^i) (the fixed-point range), or of
/// its blocks of 64 values hold one beyond 4,096 values in all
/// (`protocol::outside_group_size`), one count per segment. The parts are
/// vectors the step already has (the flat gradients and new weights), so
/// that the check copies each value once rather than concatenating every
/// tensor again. The counts are revealed to every player of the graph (one
/// reveal to the servers, one to each other player), so that in a
/// deployment each player stops at the same step: fetch all the returned
/// reveals; each player learns the counts from one of them. The check
/// ([`Graph::count_outside`]) is exact for every value the ring holds, and
/// the counts, not values, are all the players learn.
pub fn overflow_counts(g: &mut Graph, parts: &[TensorId], segments: &[usize]) -> Result<Vec<TensorId>> {
    let bound = g.fixed().bound();
    let flat = flat_concat(g, parts)?;
    let counts = g.count_outside(flat, bound, segments)?;
    let others: Vec<String> = g.players().iter().filter(|p| !SERVERS.contains(&p.as_str())).cloned().collect();
    let mut reveals = vec![g.reveal(counts, None)?];
    for player in others {
        reveals.push(g.reveal(counts, Some(&player))?);
    }
    Ok(reveals)
}

/// A training step in a graph: forward, loss, backward, the optimizer's
/// update assigned to every trained weight, and the moving statistics'
/// assignments.
#[derive(Debug)]
pub struct TrainStep {
    /// Forward, loss and gradients.
    pub backprop: Backprop,
    /// Every assignment of one step: fetch them all to take the step.
    pub assigns: Vec<TensorId>,
    /// The trained weights before the step, flattened and concatenated.
    pub weights: TensorId,
    /// Their gradients, flattened and concatenated as `weights`.
    pub grads: TensorId,
    /// The weights after the step, flattened and concatenated.
    pub new_weights: TensorId,
}

impl TrainStep {
    /// Builds the step of `layers` on `x` and `y`; `vars` receives the
    /// model's weights and the optimizer's state with their initial values.
    #[allow(clippy::too_many_arguments)]
    pub fn build(
        g: &mut Graph,
        layers: &[Layer],
        x: TensorId,
        y: TensorId,
        loss: Loss,
        optimizer: &super::Optimizer,
        owner: &str,
        vars: &mut Vars,
    ) -> Result<Self> {
        let batch = g.shape(x)?[0];
        let backprop = backprop(g, layers, x, y, loss, owner, vars)?;
        let trained: Vec<(TensorId, Vec<usize>)> =
            vars.params.iter().filter(|p| p.trained).map(|p| (p.var, p.shape.clone())).collect();
        let ids: Vec<TensorId> = trained.iter().map(|t| t.0).collect();
        let shapes: Vec<Vec<usize>> = trained.iter().map(|t| t.1.clone()).collect();
        let weights = flat_concat(g, &ids)?;
        let grads = flat_concat(g, &backprop.grads)?;
        let update = optimizer.build(g, weights, grads, batch, owner)?;
        vars.initial.extend(update.state);
        let mut assigns = update.assigns;
        for (var, value) in ids.iter().zip(split_flat(g, update.new_weights, &shapes)?) {
            assigns.push(g.assign(*var, value)?);
        }
        assigns.extend(backprop.assigns.iter().copied());
        Ok(TrainStep { backprop, assigns, weights, grads, new_weights: update.new_weights })
    }
}
