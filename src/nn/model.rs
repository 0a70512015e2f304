//! A sequential model: layers in order, checked and with batch
//! normalizations folded when it is made; built into a graph with its
//! weights as the owner's private variables; evaluated in plaintext too.

use super::Layer;
use super::plain::{self, Batch};
use crate::error::{Error, Result};
use crate::graph::{Graph, TensorId};
use crate::ring::shape::fmt_shape;

/// A model's weights as (private variable name, values).
pub type Weights = Vec<(String, Vec<f64>)>;

/// What private prediction needs of a model: a [`Sequential`] built layer
/// by layer, or a graph imported from a file (`tfe::onnx`).
///
/// Samples must not mix: every output holds the batch axis first, and an
/// output row depends on its input row only ([`super::PrivatePredictor`]
/// pads a batch with zero samples).
pub trait Model {
    /// The shape of one sample (without the batch axis).
    fn input_shape(&self) -> &[usize];

    /// Adds the model to `g` after `x` (of shape `[batch, input_shape...]`);
    /// returns its outputs, each batch first, and the weights as
    /// (variable name, values) for `owner` to provide. Built again into the
    /// same graph (another batch size), it reads the variables it defined
    /// the first time and returns no new weights.
    fn build_outputs(&self, g: &mut Graph, x: TensorId, owner: &str) -> Result<(Vec<TensorId>, Weights)>;
}

/// A model built once per batch size into one graph (see [`build_copies`]).
pub(crate) struct BatchCopies {
    pub(crate) graph: Graph,
    /// Per batch size, in the order asked: the batch and the model's
    /// outputs (private), each with the batch axis first.
    pub(crate) per_batch: Vec<(usize, Vec<TensorId>)>,
    /// What the owner provides: the weights of the first copy, which every
    /// other copy reads.
    pub(crate) weights: Weights,
}

/// `model` once per batch size of `batches` in one new graph, as private
/// prediction needs it: `input(g, batch, shape)` defines a copy's input of
/// `shape` = `[batch, input shape...]`; each copy has at least one output,
/// each with the batch axis first (an error names the first that is not).
pub(crate) fn build_copies(
    model: &dyn Model,
    batches: &[usize],
    owner: &str,
    mut input: impl FnMut(&mut Graph, usize, &[usize]) -> Result<TensorId>,
) -> Result<BatchCopies> {
    let mut graph = Graph::default();
    let (mut per_batch, mut weights) = (Vec::new(), Weights::new());
    for &batch in batches {
        let x = input(&mut graph, batch, &[&[batch][..], model.input_shape()].concat())?;
        // Later copies find the weight variables the first one defined.
        let (outputs, new_weights) = model.build_outputs(&mut graph, x, owner)?;
        if outputs.is_empty() {
            return Err(Error::invalid("the model has no outputs, expected at least one"));
        }
        for (i, &y) in outputs.iter().enumerate() {
            let shape = graph.shape(y)?;
            if shape.first() != Some(&batch) {
                return Err(Error::invalid(format!(
                    "output {i} of shape {} for a batch of {batch}: expected the batch axis first",
                    fmt_shape(shape)
                )));
            }
        }
        weights.extend(new_weights);
        per_batch.push((batch, outputs));
    }
    Ok(BatchCopies { graph, per_batch, weights })
}

impl Model for Sequential {
    fn input_shape(&self) -> &[usize] {
        &self.input_shape
    }

    fn build_outputs(&self, g: &mut Graph, x: TensorId, owner: &str) -> Result<(Vec<TensorId>, Weights)> {
        let (y, weights) = self.build(g, x, owner)?;
        Ok((vec![y], weights))
    }
}

/// Layers applied in order to inputs of `input_shape` (without the batch axis).
#[derive(Clone, Debug, PartialEq)]
pub struct Sequential {
    input_shape: Vec<usize>,
    layers: Vec<Layer>,
}

impl Sequential {
    /// Checks every layer's shapes (errors name the layer and shapes) and
    /// folds each batch normalization that follows a Dense or Conv2D layer
    /// into that layer's weights and bias.
    pub fn new(input_shape: &[usize], layers: Vec<Layer>) -> Result<Self> {
        let mut folded: Vec<Layer> = Vec::with_capacity(layers.len());
        for layer in layers {
            if let (Some((scale, shift)), Some(prev)) = (layer.bn_affine(), folded.last_mut())
                && fold_into(prev, &scale, &shift)
            {
                continue;
            }
            folded.push(layer);
        }
        let model = Sequential { input_shape: input_shape.to_vec(), layers: folded };
        model.output_shape(1)?;
        Ok(model)
    }

    /// The layers, in order (batch normalizations folded in).
    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// The shape of one example (without the batch axis).
    pub fn input_shape(&self) -> &[usize] {
        &self.input_shape
    }

    /// The output shape for a batch of `batch` inputs.
    pub fn output_shape(&self, batch: usize) -> Result<Vec<usize>> {
        let mut g = Graph::default();
        let x = g.private_input("input", "client", &self.batch_shape(batch))?;
        let (y, _) = self.build(&mut g, x, "owner")?;
        Ok(g.shape(y)?.to_vec())
    }

    /// [batch, `input_shape`...].
    pub fn batch_shape(&self, batch: usize) -> Vec<usize> {
        [&[batch][..], &self.input_shape].concat()
    }

    /// Adds the model to `g` after `x`; returns the output and the weights
    /// as (variable name, values) for the owner to provide.
    pub fn build(&self, g: &mut Graph, x: TensorId, owner: &str) -> Result<(TensorId, Weights)> {
        let mut weights = Vec::new();
        let mut y = x;
        for (i, layer) in self.layers.iter().enumerate() {
            let shape = g.shape(y)?.to_vec();
            y = layer.build(g, y, owner, &format!("layer{i}"), &mut weights).map_err(|e| {
                Error::invalid_in(format_args!("layer {i} ({}) on input {}", layer_name(layer), fmt_shape(&shape)), &e)
            })?;
        }
        Ok((y, weights))
    }

    /// Plaintext inference of `batch` inputs (row-major, batch first).
    pub fn predict_plain(&self, x: &[f64], batch: usize) -> Result<Vec<f64>> {
        let shape = self.batch_shape(batch);
        if x.len() != shape.iter().product::<usize>() {
            return Err(Error::invalid(format!("{} input values do not fill shape {}", x.len(), fmt_shape(&shape))));
        }
        let mut b = Batch { shape, data: x.to_vec() };
        for layer in &self.layers {
            b = plain::forward(layer, &b)?;
        }
        Ok(b.data)
    }
}

/// Folds a per-channel affine map into a Dense or Conv2D layer.
fn fold_into(layer: &mut Layer, scale: &[f64], shift: &[f64]) -> bool {
    let (Layer::Dense { weights, bias, .. } | Layer::Conv2D { weights, bias, .. }) = layer else { return false };
    if bias.len() != scale.len() {
        return false;
    }
    let c = scale.len();
    weights.iter_mut().enumerate().for_each(|(i, w)| *w *= scale[i % c]);
    bias.iter_mut().enumerate().for_each(|(o, b)| *b = *b * scale[o] + shift[o]);
    true
}

fn layer_name(layer: &Layer) -> &'static str {
    match layer {
        Layer::Dense { .. } => "Dense",
        Layer::Conv2D { .. } => "Conv2D",
        Layer::ReLU => "ReLU",
        Layer::Sigmoid => "Sigmoid",
        Layer::Softmax => "Softmax",
        Layer::MaxPooling2D { .. } => "MaxPooling2D",
        Layer::AveragePooling2D { .. } => "AveragePooling2D",
        Layer::GlobalAveragePooling2D => "GlobalAveragePooling2D",
        Layer::Flatten => "Flatten",
        Layer::BatchNormalization { .. } => "BatchNormalization",
    }
}
