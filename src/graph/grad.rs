//! Reverse-mode differentiation over a graph's nodes: the backward pass of
//! training, built from graph ops like the forward pass.
//!
//! [`Graph::gradients`] walks the nodes from the objective back to the
//! values to differentiate, and adds for each node on the way the ops of
//! its kind's rule (`grad_rules.rs`), summing the gradients of a node used
//! more than once. Only nodes that depend on a value to differentiate get a
//! gradient, so no product is spent on the gradient of a model's input.

use std::collections::HashMap;

use super::{Graph, TensorId, grad_rules};
use crate::error::{Error, Result};
use crate::ring::shape::fmt_shape;

impl Graph {
    /// The gradients, with respect to each of `wrt`, of an objective given
    /// by `seeds`: pairs (node, the objective's gradient with respect to
    /// that node, of the node's shape), summed where several seeds or uses
    /// reach one node. The result holds one private node per `wrt`, of its
    /// shape; a `wrt` the objective does not depend on is an error naming it.
    ///
    /// Every op a model or a loss is made of has a rule (see
    /// `docs/training.md`); an op without one (`sort`, `gather`,
    /// `hard_sigmoid`) on the way is an error naming it. Comparisons and
    /// argmax are piecewise constant: no gradient flows through them.
    pub fn gradients(&mut self, seeds: &[(TensorId, TensorId)], wrt: &[TensorId]) -> Result<Vec<TensorId>> {
        let n = self.nodes.len();
        for &id in wrt.iter().chain(seeds.iter().flat_map(|(a, b)| [a, b])) {
            self.node(id)?;
        }
        // The nodes that depend on a value to differentiate.
        let mut active = vec![false; n];
        for w in wrt {
            active[w.0 as usize] = true;
        }
        for i in 0..n {
            if !active[i] && self.nodes[i].inputs.iter().any(|x| active[x.0 as usize]) {
                active[i] = true;
            }
        }
        let mut grads: HashMap<usize, TensorId> = HashMap::new();
        for &(node, grad) in seeds {
            if self.shape(node)? != self.shape(grad)? {
                return Err(Error::invalid(format!(
                    "gradients: the seed of node {} has shape {}, expected the node's shape {}",
                    node.0,
                    fmt_shape(self.shape(grad)?),
                    fmt_shape(self.shape(node)?)
                )));
            }
            self.accumulate(&mut grads, node, grad)?;
        }
        for i in (0..n).rev() {
            let Some(&dy) = grads.get(&i) else { continue };
            let node = self.nodes[i].clone();
            let needs: Vec<bool> = node.inputs.iter().map(|x| active[x.0 as usize]).collect();
            if !active[i] || !needs.contains(&true) {
                continue;
            }
            let dxs = grad_rules::backward(self, &node, TensorId(i as u32), dy, &needs)
                .map_err(|e| Error::invalid_in(format_args!("gradient of {} (node {i})", node.op.name()), &e))?;
            for (input, dx) in node.inputs.iter().zip(dxs) {
                if let Some(dx) = dx {
                    self.accumulate(&mut grads, *input, dx)?;
                }
            }
        }
        wrt.iter()
            .map(|w| {
                grads.get(&(w.0 as usize)).copied().ok_or_else(|| {
                    Error::invalid(format!(
                        "gradients: the objective does not depend on node {} ({})",
                        w.0,
                        self.nodes[w.0 as usize].op.name()
                    ))
                })
            })
            .collect()
    }

    fn accumulate(&mut self, grads: &mut HashMap<usize, TensorId>, node: TensorId, grad: TensorId) -> Result<()> {
        let sum = match grads.get(&(node.0 as usize)) {
            Some(&prev) => self.add(prev, grad)?,
            None => grad,
        };
        grads.insert(node.0 as usize, sum);
        Ok(())
    }
}
