//! The graph parts the trainer builds beside the training step: the count
//! of samples predicted right (the accuracy) and the overflow check of a
//! step's logits, gradients and new weights.

use super::super::Loss;
use super::super::step::{self, Param, TrainStep, Vars};
use crate::error::Result;
use crate::graph::{Graph, TensorId};
use crate::protocol::outside_group_size;
use crate::ring::shape::numel;

/// 1.0 for each sample predicted right, [batch].
pub(super) fn correct(g: &mut Graph, pred: TensorId, y: TensorId, loss: Loss) -> Result<TensorId> {
    let outputs = g.shape(pred)?[1];
    if outputs > 1 {
        let hot = g.argmax_one_hot(pred, 1)?;
        let hit = g.mul(hot, y)?;
        return g.reduce_sum(hit, Some(1));
    }
    let logits = matches!(loss, Loss::BinaryCrossentropy { from_logits: true });
    let threshold = g.constant(&[], vec![if logits { 0.0 } else { 0.5 }])?;
    let above = g.greater(pred, threshold)?;
    // b == y for 0/1 labels: 1 − b − y + 2·b·y.
    let by = g.mul(above, y)?;
    let twice = g.add(by, by)?;
    let both = g.add(above, y)?;
    let diff = g.sub(twice, both)?;
    let one = g.constant(&[], vec![1.0])?;
    let right = g.add(diff, one)?;
    g.reduce_sum(right, Some(1))
}

/// The overflow check of a training step, as built into its graph.
pub(super) struct OverflowCheck {
    /// The counts' reveals, one per player group.
    pub reveals: Vec<TensorId>,
    /// The checked tensors, in the counts' order, named for the error.
    pub names: Vec<String>,
    /// How many values each count counts as one (`outside_group_size`).
    pub group: usize,
}

impl OverflowCheck {
    /// What a non-zero `count` of the tensor `name` means, for the error:
    /// it left the range ±2^`int_bits`.
    pub(super) fn describe(&self, name: &str, count: f64, int_bits: u32) -> String {
        let range = format!("{name} left the fixed-point range ±2^{int_bits}");
        if self.group == 1 {
            format!("{range} ({count} of its values)")
        } else {
            format!("{range} (in {count} of its blocks of {} values)", self.group)
        }
    }
}

/// The overflow check of a step: the logits (the loss's seed), every
/// gradient and every new weight, named for the error. The gradients and
/// the new weights are checked in the flat vectors the step made of them.
pub(super) fn overflow_check(g: &mut Graph, train: &TrainStep, vars: &Vars) -> Result<OverflowCheck> {
    let trained: Vec<&Param> = vars.params.iter().filter(|p| p.trained).collect();
    let seed = train.backprop.loss.seed.0;
    let what = if seed == train.backprop.loss.pred { "the model's output" } else { "the logits" };
    let sizes: Vec<usize> = trained.iter().map(|p| numel(&p.shape)).collect();
    let segments: Vec<usize> =
        [numel(g.shape(seed)?)].into_iter().chain(sizes.iter().copied()).chain(sizes.iter().copied()).collect();
    let names: Vec<String> = [what.to_string()]
        .into_iter()
        .chain(trained.iter().map(|p| format!("the gradient of {}", p.name)))
        .chain(trained.iter().map(|p| format!("the new value of {}", p.name)))
        .collect();
    let reveals = step::overflow_counts(g, &[seed, train.grads, train.new_weights], &segments)?;
    Ok(OverflowCheck { reveals, names, group: outside_group_size(&segments) })
}
