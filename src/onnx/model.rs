//! Model building: a decoded ONNX model checked once (opsets, its one
//! input, every node converted for a batch of one), then built into a graph
//! for each batch size a predictor serves.

use std::collections::HashMap;

use super::convert::{Converter, Value};
use super::decode::{self, Tensor};
use super::proto::{GraphProto, NodeProto, tensor_proto::DataType, tensor_shape_proto::dimension, type_proto};
use crate::error::{Error, Result};
use crate::graph::{Graph, TensorId};
use crate::nn::{Model, Weights};
use crate::ring::shape::fmt_shape;

/// A model imported from an ONNX file, for private prediction: its
/// initializers (and the coefficients of `ai.onnx.ml` nodes) are the model
/// owner's weights, shared as private variables, never in the graph.
///
/// ```no_run
/// use tfe::nn::PrivatePredictor;
/// use tfe::onnx::OnnxModel;
/// use tfe::session::LocalOptions;
///
/// let model = OnnxModel::from_file("model.onnx")?;
/// let mut predictor = PrivatePredictor::local(&model, 16, "model-owner", "client", LocalOptions::default())?;
/// let x = vec![0.0; model.input_shape().iter().product()];
/// let outputs = predictor.predict_outputs(&x)?; // one Vec per model output
/// # Ok::<(), tfe::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct OnnxModel {
    input_name: String,
    input_shape: Vec<usize>,
    output_names: Vec<String>,
    /// The shape of each output for one sample (without the batch axis).
    output_shapes: Vec<Vec<usize>>,
    opset: i64,
    nodes: Vec<NodeProto>,
    initializers: HashMap<String, Tensor>,
}

impl OnnxModel {
    /// Decodes and checks a model: an error names what is malformed, or the
    /// unsupported node (its name, op type and position), attribute or opset.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let proto = decode::model(bytes)?;
        let opset = decode::opset(&proto)?;
        let graph = proto.graph.ok_or_else(|| Error::invalid("the model has no graph"))?;
        let GraphProto { node: nodes, initializer, input, output, sparse_initializer, .. } = graph;
        if !sparse_initializer.is_empty() {
            return Err(Error::invalid("sparse initializers are not supported"));
        }
        let mut initializers = HashMap::new();
        for t in &initializer {
            initializers.insert(t.name().to_string(), decode::tensor(t)?);
        }
        // Older files list the initializers among the inputs too.
        let inputs: Vec<_> = input.iter().filter(|i| !initializers.contains_key(i.name())).collect();
        let [input] = inputs[..] else {
            return Err(Error::invalid(format!(
                "the model has {} inputs besides its initializers, expected one (the samples)",
                inputs.len()
            )));
        };
        let input_shape = sample_shape(input)?;
        let output_names: Vec<String> = output.iter().map(|o| o.name().to_string()).collect();
        if output_names.is_empty() {
            return Err(Error::invalid("the model has no outputs"));
        }
        let mut model = OnnxModel {
            input_name: input.name().to_string(),
            input_shape,
            output_names,
            output_shapes: Vec::new(),
            opset,
            nodes,
            initializers,
        };
        // Nothing half-converted runs: every node converts, or the model is refused.
        let mut g = Graph::default();
        let x = g.private_input("input", "client", &[&[1][..], &model.input_shape].concat())?;
        let (ys, _) = model.build_outputs(&mut g, x, "owner")?;
        for (y, name) in ys.into_iter().zip(&model.output_names) {
            let shape = g.shape(y)?;
            if shape.first() != Some(&1) {
                return Err(Error::invalid(format!(
                    "output '{}' of shape {} for one sample: expected the batch axis first",
                    name.escape_debug(),
                    fmt_shape(shape)
                )));
            }
            model.output_shapes.push(shape[1..].to_vec());
        }
        Ok(model)
    }

    /// Reads and checks a model file (see [`OnnxModel::from_bytes`]); an
    /// error about the model names the file.
    pub fn from_file(path: impl AsRef<std::path::Path>) -> Result<Self> {
        let path = path.as_ref();
        let bytes = std::fs::read(path)
            .map_err(|e| Error::invalid(format!("cannot read the ONNX model {}: {e}", path.display())))?;
        Self::from_bytes(&bytes).map_err(|e| match e {
            Error::InvalidArgument(message) => {
                Error::InvalidArgument(format!("ONNX model {}: {message}", path.display()))
            }
            other => other,
        })
    }

    /// The name of the model's input in the file.
    pub fn input_name(&self) -> &str {
        &self.input_name
    }

    /// The names of the model's outputs, in order.
    pub fn output_names(&self) -> &[String] {
        &self.output_names
    }

    /// The shape of each output for one sample (without the batch axis),
    /// in the order of [`OnnxModel::output_names`].
    pub fn output_shapes(&self) -> &[Vec<usize>] {
        &self.output_shapes
    }
}

impl Model for OnnxModel {
    fn input_shape(&self) -> &[usize] {
        &self.input_shape
    }

    fn build_outputs(&self, g: &mut Graph, x: TensorId, owner: &str) -> Result<(Vec<TensorId>, Weights)> {
        let mut c = Converter::new(g, owner, self.opset, &self.nodes, &self.output_names);
        for (name, t) in &self.initializers {
            c.values.insert(name.clone(), Value::Known(t.clone()));
        }
        c.values.insert(self.input_name.clone(), Value::Private { id: x, argmax: None });
        c.run(&self.nodes)?;
        let mut outputs = Vec::with_capacity(self.output_names.len());
        for name in &self.output_names {
            match c.values.get(name) {
                Some(Value::Private { id, .. }) => outputs.push(*id),
                Some(Value::Known(_)) => {
                    return Err(Error::invalid(format!(
                        "output '{}' is a constant; expected a value computed from the input",
                        name.escape_debug()
                    )));
                }
                None => {
                    return Err(Error::invalid(format!("output '{}' is computed by no node", name.escape_debug())));
                }
            }
        }
        Ok((outputs, c.weights))
    }
}

/// The shape of one sample: the input's axes after the first (the batch,
/// of any size), each a fixed size; float elements.
fn sample_shape(input: &super::proto::ValueInfoProto) -> Result<Vec<usize>> {
    let name = input.name().escape_debug().to_string();
    let Some(type_proto::Value::TensorType(t)) = input.r#type.as_ref().and_then(|t| t.value.as_ref()) else {
        return Err(Error::invalid(format!("input '{name}' is not a tensor")));
    };
    if !matches!(DataType::try_from(t.elem_type()), Ok(DataType::Float | DataType::Double)) {
        return Err(Error::invalid(format!(
            "input '{name}' has element type {}, expected float or double",
            t.elem_type()
        )));
    }
    let dims = t.shape.as_ref().map(|s| s.dim.as_slice()).unwrap_or_default();
    if dims.len() < 2 {
        return Err(Error::invalid(format!(
            "input '{name}' has {} axes, expected a batch axis and the axes of a sample",
            dims.len()
        )));
    }
    let mut shape = Vec::with_capacity(dims.len() - 1);
    for (i, d) in dims.iter().enumerate().skip(1) {
        match d.value {
            Some(dimension::Value::DimValue(v)) if v > 0 => shape.push(v as usize),
            _ => {
                return Err(Error::invalid(format!(
                    "axis {i} of input '{name}' has no fixed size; expected the sizes of a sample after the batch axis"
                )));
            }
        }
    }
    crate::ring::shape::check_size(&shape)
        .map_err(|e| Error::invalid_in(format_args!("input '{name}' of sample shape {}", fmt_shape(&shape)), &e))?;
    Ok(shape)
}
