//! The graph of a private prediction for a deployment, where every player
//! is its own process and must hold the same graph: one batch size, the
//! model owner's weights as private variables (their values are never in
//! the graph: the owner provides them at the first run), the client's
//! input, and each model output revealed to the client alone. The graph
//! holds the model's structure only, so the model owner can publish it to
//! the servers and the client (`tfe predict --export-graph`).

use super::model::{BatchCopies, build_copies};
use super::{Model, Weights, input_name};
use crate::error::{Error, Result};
use crate::graph::{Graph, TensorId};

/// A prediction graph for batches of exactly `batch` samples (a smaller
/// batch is padded with zero samples by the client).
#[derive(Debug)]
pub struct PredictionGraph {
    /// The graph every player runs.
    pub graph: Graph,
    /// The name of the client's input, of shape `[batch, input shape...]`.
    pub input: String,
    /// The model's outputs as revealed to the client, in the model's order.
    pub outputs: Vec<TensorId>,
    /// The owner's weights: what the owner feeds as the private variables'
    /// initial values. Never part of the graph.
    pub weights: Weights,
}

/// Builds `model`'s prediction graph for `batch` samples: the weights belong
/// to `owner`, the input and outputs to `client`. A model's outputs must
/// keep the batch axis first (an error says which does not).
pub fn prediction_graph(model: &dyn Model, batch: usize, owner: &str, client: &str) -> Result<PredictionGraph> {
    if batch == 0 {
        return Err(Error::invalid("batch is 0, expected at least one sample per prediction"));
    }
    let input = input_name(batch);
    let BatchCopies { mut graph, mut per_batch, weights } =
        build_copies(model, &[batch], owner, |g, _, shape| g.private_input(&input, client, shape))?;
    let (_, ys) = per_batch.pop().ok_or_else(|| Error::internal("no copy of the model for the batch"))?;
    let outputs = ys.into_iter().map(|y| graph.reveal(y, Some(client))).collect::<Result<_>>()?;
    Ok(PredictionGraph { graph, input, outputs, weights })
}
