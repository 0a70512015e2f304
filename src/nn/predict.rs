//! Private prediction: a model owner's weights and a client's input stay
//! secret while the three servers compute; only the client learns the output.
//!
//! The owner's weights are private variables initialized from a provider
//! that runs at the owner, the first time a prediction needs them; later
//! predictions reuse the servers' shares. The client's input is a private
//! input, and the output is revealed to the client alone.
//!
//! A predictor serves any batch of 1 to `max_batch` samples with one
//! session and one copy of the shared weights: its graph holds the model
//! once per batch size in 1, 2, 4, ... (the powers of two below
//! `max_batch`) and `max_batch`, every copy reading the same weight
//! variables. A batch runs the smallest copy that holds it, padded with
//! zero samples (samples never mix: every layer works per sample), so a
//! batch costs at most twice what a graph of its exact size would, and no
//! batch size shares the weights again.

use super::Model;
use super::model::{BatchCopies, build_copies};
use crate::error::{Error, Result};
use crate::graph::TensorId;
use crate::ring::shape::fmt_shape;
use crate::session::{Feeds, LocalOptions, LocalSession, RunStats};

/// The name of the client's input for batches of `batch` samples.
pub fn input_name(batch: usize) -> String {
    format!("input.batch{batch}")
}

/// The model for one batch size.
struct BatchGraph {
    batch: usize,
    input: String,
    /// The model's outputs, each revealed to the client.
    outputs: Vec<TensorId>,
}

/// A model served by a local session (all players on threads).
///
/// The model owner's weights and the client's input are shared; only the
/// client learns the prediction:
///
/// ```
/// use tfe::nn::{Layer, PrivatePredictor, Sequential};
/// use tfe::session::{LocalOptions, Transport};
///
/// // y = 2·x0 − x1 + 0.5
/// let model = Sequential::new(&[2], vec![Layer::dense(2, 1, vec![2.0, -1.0], vec![0.5])?])?;
/// let options = LocalOptions { transport: Transport::Memory, ..LocalOptions::default() };
/// let mut predictor = PrivatePredictor::local(&model, 1, "model-owner", "client", options)?;
/// let y = predictor.predict(&[1.0, 3.0])?;
/// assert!((y[0] - -0.5).abs() < 1e-3);
/// # Ok::<(), tfe::Error>(())
/// ```
pub struct PrivatePredictor {
    session: LocalSession,
    /// By increasing batch size; the last is `max_batch`.
    graphs: Vec<BatchGraph>,
    /// Values per sample of the input and of each output.
    input_len: usize,
    output_lens: Vec<usize>,
    /// `[max_batch, ...]`, of the input and of each output.
    input_shape: Vec<usize>,
    output_shapes: Vec<Vec<usize>>,
}

/// 1, 2, 4, ... below `max_batch`, then `max_batch`.
fn batch_sizes(max_batch: usize) -> Vec<usize> {
    let mut sizes: Vec<usize> =
        std::iter::successors(Some(1usize), |b| b.checked_mul(2)).take_while(|&b| b < max_batch).collect();
    sizes.push(max_batch);
    sizes
}

impl PrivatePredictor {
    /// Builds the prediction graph for batches of 1 to `max_batch` inputs:
    /// the weights belong to `owner`, the input and outputs to `client`.
    /// A model's outputs must keep the batch axis first (an error says
    /// which does not).
    pub fn local(
        model: &dyn Model,
        max_batch: usize,
        owner: &str,
        client: &str,
        options: LocalOptions,
    ) -> Result<Self> {
        if max_batch == 0 {
            return Err(Error::invalid("max_batch is 0, expected at least one sample per prediction"));
        }
        let BatchCopies { graph: mut g, per_batch, weights } =
            build_copies(model, &batch_sizes(max_batch), owner, |g, batch, shape| {
                g.private_input(&input_name(batch), client, shape)
            })?;
        let mut graphs = Vec::with_capacity(per_batch.len());
        for (batch, ys) in per_batch {
            let outputs = ys.iter().map(|&y| g.reveal(y, Some(client))).collect::<Result<_>>()?;
            graphs.push(BatchGraph { batch, input: input_name(batch), outputs });
        }
        // `[max_batch, ...]`: the shapes of the last copy's outputs.
        let output_shapes =
            graphs[graphs.len() - 1].outputs.iter().map(|&y| Ok(g.shape(y)?.to_vec())).collect::<Result<Vec<_>>>()?;
        let mut session = LocalSession::new(&g, options)?;
        for (name, values) in weights {
            session.set_variable_values(&name, values)?;
        }
        let input_shape = [&[max_batch][..], model.input_shape()].concat();
        let input_len = input_shape[1..].iter().product();
        let output_lens = output_shapes.iter().map(|s| s[1..].iter().product()).collect();
        Ok(PrivatePredictor { session, graphs, input_len, output_lens, input_shape, output_shapes })
    }

    /// The largest batch a prediction takes.
    pub fn max_batch(&self) -> usize {
        self.input_shape[0]
    }

    /// The number of samples in `len` input values: 1 to `max_batch`
    /// whole samples, or an error saying what was expected.
    pub fn batch_of(&self, len: usize) -> Result<usize> {
        let (per_sample, max) = (self.input_len, self.max_batch());
        if len == 0 || !len.is_multiple_of(per_sample) || len / per_sample > max {
            return Err(Error::invalid(format!(
                "{len} input values, expected 1 to {max} samples of {per_sample} values each (shape {}, batch first)",
                fmt_shape(&self.input_shape)
            )));
        }
        Ok(len / per_sample)
    }

    /// The (first) output for one batch of 1 to `max_batch` inputs
    /// (row-major, batch first), as the client receives it: `batch` x the
    /// output size of one sample.
    pub fn predict(&mut self, x: &[f64]) -> Result<Vec<f64>> {
        let mut outputs = self.predict_outputs(x)?;
        Ok(outputs.swap_remove(0))
    }

    /// Every output of the model for one batch (an imported model may have
    /// several: class labels and probabilities), in the model's order.
    pub fn predict_outputs(&mut self, x: &[f64]) -> Result<Vec<Vec<f64>>> {
        let batch = self.batch_of(x.len())?;
        let graph = self
            .graphs
            .iter()
            .find(|g| g.batch >= batch)
            .ok_or_else(|| Error::internal("no graph holds a batch that batch_of accepted"))?;
        let mut padded = x.to_vec();
        padded.resize(graph.batch * self.input_len, 0.0);
        let mut feeds = Feeds::new();
        feeds.insert(&graph.input, padded);
        let result = self.session.run(&graph.outputs, &feeds)?;
        Ok(result
            .outputs
            .iter()
            .zip(&self.output_lens)
            .map(|(y, len)| y.iter().copied().take(batch * len).collect())
            .collect())
    }

    /// `[max_batch, input shape...]`: a batch fills the first rows.
    pub fn input_shape(&self) -> &[usize] {
        &self.input_shape
    }

    /// `[max_batch, output shape...]` of the (first) output: a batch's
    /// output has as many rows as its input.
    pub fn output_shape(&self) -> &[usize] {
        &self.output_shapes[0]
    }

    /// `[max_batch, output shape...]` of each output.
    pub fn output_shapes(&self) -> &[Vec<usize>] {
        &self.output_shapes
    }

    /// Bytes, messages and rounds of the last prediction, per player and op.
    pub fn last_stats(&self) -> Option<&RunStats> {
        self.session.last_stats()
    }
}
