//! Private prediction: a model owner's weights and a client's input stay
//! secret while the three servers compute; only the client learns the output.
//!
//! The owner's weights are private variables initialized from a provider
//! that runs at the owner, the first time a prediction needs them; later
//! predictions reuse the servers' shares. The client's input is a private
//! input, and the output is revealed to the client alone.

use std::sync::Arc;

use super::Sequential;
use crate::error::Result;
use crate::graph::{Graph, TensorId};
use crate::session::{Feeds, LocalOptions, LocalSession, RunStats};

/// The name of the client's input in the prediction graph.
pub const INPUT: &str = "input";

/// A model served by a local session (all players on threads).
pub struct PrivatePredictor {
    session: LocalSession,
    output: TensorId,
    output_shape: Vec<usize>,
}

impl PrivatePredictor {
    /// Builds the prediction graph for batches of `batch` inputs: the
    /// weights belong to `owner`, the input and output to `client`.
    pub fn local(model: &Sequential, batch: usize, owner: &str, client: &str, options: LocalOptions) -> Result<Self> {
        let mut g = Graph::default();
        let x = g.private_input(INPUT, client, &model.batch_shape(batch))?;
        let (y, weights) = model.build(&mut g, x, owner)?;
        let output_shape = g.shape(y)?.to_vec();
        let output = g.reveal(y, Some(client))?;
        let mut session = LocalSession::new(&g, options)?;
        for (name, values) in weights {
            let values = Arc::new(values);
            session.set_provider(&name, Arc::new(move |_| Ok(values.as_ref().clone())))?;
        }
        Ok(PrivatePredictor { session, output, output_shape })
    }

    /// The outputs for one batch of inputs (row-major, batch first), as
    /// the client receives them.
    pub fn predict(&mut self, x: &[f64]) -> Result<Vec<f64>> {
        let mut feeds = Feeds::new();
        feeds.insert(INPUT, x.to_vec());
        let result = self.session.run(&[self.output], &feeds)?;
        Ok(result.outputs[0].iter().copied().collect())
    }

    pub fn output_shape(&self) -> &[usize] {
        &self.output_shape
    }

    /// Bytes, messages and rounds of the last prediction, per player and op.
    pub fn last_stats(&self) -> Option<&RunStats> {
        self.session.last_stats()
    }
}
