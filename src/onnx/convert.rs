//! Per-node conversion: the [`Converter`] walks the nodes in order and adds
//! each one's graph ops. Values are either private (in the graph: the
//! client's input and what is computed from it) or known (initializers,
//! constants: the model owner's plaintext). A known value that meets a
//! private one becomes a private variable of the owner (`lift`): its values
//! go to the owner's weights, never into the graph. Known values read as
//! structure (shapes, axes, indices, pads) are public by nature.
//!
//! The op groups live in `convert_nn.rs` (products, convolution, pooling,
//! activations), `convert_layout.rs` (shapes and layout) and
//! `convert_ml.rs` (the `ai.onnx.ml` domain).

use std::collections::{HashMap, HashSet};

use super::decode::{Attributes, Tensor};
use super::proto::NodeProto;
use crate::error::{Error, Result};
use crate::graph::{Graph, TensorId};
use crate::nn::Weights;
use crate::ring::shape::fmt_shape;

/// A value of the ONNX graph during conversion.
#[derive(Clone, Debug)]
pub enum Value {
    /// Secret-shared, in the graph. `argmax` records, for an `ArgMax`
    /// result, the tensor and axis it was taken over (for a class label
    /// looked up from it).
    Private { id: TensorId, argmax: Option<ArgMaxOf> },
    /// The model owner's plaintext, or structure.
    Known(Tensor),
}

/// Where an `ArgMax` result came from.
#[derive(Clone, Copy, Debug)]
pub struct ArgMaxOf {
    pub source: TensorId,
    pub axis: usize,
}

/// The op types the importer converts, by domain (for the error that
/// refuses another).
pub const SUPPORTED: &str = "Gemm, MatMul, Add, Sub, Mul, Div, Neg, Relu, LeakyRelu, Sigmoid, Tanh, Softmax, \
    Conv, MaxPool, AveragePool, GlobalAveragePool, BatchNormalization, Flatten, Reshape, Transpose, Concat, \
    Slice, Gather, Pad, Squeeze, Unsqueeze, Identity, Constant, ReduceMean, ReduceSum, Clip, ArgMax, Cast, Shape; \
    ai.onnx.ml: LinearClassifier, LinearRegressor, Scaler, Normalizer, ArrayFeatureExtractor";

/// Converts the nodes of one model into one graph, for one batch size.
pub struct Converter<'a> {
    pub g: &'a mut Graph,
    owner: &'a str,
    pub opset: i64,
    pub values: HashMap<String, Value>,
    /// Weights newly defined in this graph, for the owner to provide.
    pub weights: Weights,
    /// Lifted known values by key, so that a weight used twice is shared once.
    lifted: HashMap<String, TensorId>,
    /// NHWC twins of NCHW private values: a convolution's result stays
    /// available in the layout the next convolution or pooling takes.
    pub nhwc: HashMap<TensorId, TensorId>,
    /// How many nodes read each value (a batch normalization is folded
    /// into a convolution or Gemm whose result it alone reads).
    pub readers: HashMap<String, usize>,
    /// Nodes already converted as part of an earlier one (folded).
    pub folded: Vec<bool>,
    pub outputs: Vec<String>,
    /// Rows that are probabilities (a softmax's): an L1 normalization
    /// leaves them as they are.
    pub normalized: HashSet<TensorId>,
    /// Whole numbers (labels), which a cast to an integer type keeps.
    pub integral: HashSet<TensorId>,
}

impl<'a> Converter<'a> {
    pub fn new(g: &'a mut Graph, owner: &'a str, opset: i64, nodes: &[NodeProto], outputs: &[String]) -> Self {
        let mut readers = HashMap::new();
        for node in nodes {
            for input in node.input.iter().filter(|i| !i.is_empty()) {
                *readers.entry(input.clone()).or_insert(0) += 1;
            }
        }
        Converter {
            g,
            owner,
            opset,
            values: HashMap::new(),
            weights: Vec::new(),
            lifted: HashMap::new(),
            nhwc: HashMap::new(),
            readers,
            folded: vec![false; nodes.len()],
            outputs: outputs.to_vec(),
            normalized: HashSet::new(),
            integral: HashSet::new(),
        }
    }

    /// Converts every node in order; an error names the node, its op type
    /// and its position.
    pub fn run(&mut self, nodes: &[NodeProto]) -> Result<()> {
        for (index, node) in nodes.iter().enumerate() {
            if self.folded[index] {
                continue;
            }
            self.node(index, node, nodes).map_err(|e| {
                let place =
                    format!("node {index} '{}' ({})", node.name().escape_debug(), op_label(node).escape_debug());
                Error::invalid_in(place, &e)
            })?;
        }
        Ok(())
    }

    fn node(&mut self, index: usize, node: &NodeProto, nodes: &[NodeProto]) -> Result<()> {
        let outputs = match node.domain() {
            "" | "ai.onnx" => self.default_domain(index, node, nodes)?,
            "ai.onnx.ml" => self.ml_domain(node)?,
            other => return Err(Error::invalid(format!("domain '{other}' is not supported (supported: {SUPPORTED})"))),
        };
        let wanted = node.output.iter().filter(|o| !o.is_empty()).count();
        if outputs.len() < wanted {
            return Err(Error::invalid(format!(
                "{wanted} outputs requested, the conversion computes {}: the optional outputs are not supported",
                outputs.len()
            )));
        }
        for (name, value) in node.output.iter().zip(outputs) {
            if !name.is_empty() {
                self.values.insert(name.clone(), value);
            }
        }
        Ok(())
    }

    fn default_domain(&mut self, index: usize, node: &NodeProto, nodes: &[NodeProto]) -> Result<Vec<Value>> {
        let op = node.op_type();
        let one = |v: Value| Ok(vec![v]);
        match op {
            "Shape" => one(self.shape_node(node)?),
            "Identity" => {
                Attributes::of(node).only(&[])?;
                one(self.input(node, 0)?)
            }
            "Constant" => one(Value::Known(Self::constant(node)?)),
            "Cast" => one(self.cast(node)?),
            "Add" | "Sub" | "Mul" | "Div" => one(self.arithmetic(node)?),
            "Neg" | "Relu" | "Sigmoid" | "Tanh" => one(self.elementwise(node)?),
            "LeakyRelu" => one(self.leaky_relu(node)?),
            "Clip" => one(self.clip(node)?),
            "Softmax" => one(self.softmax(node)?),
            "MatMul" => one(self.matmul(node)?),
            "Gemm" => self.gemm(index, node, nodes),
            "Conv" => self.conv(index, node, nodes),
            "MaxPool" | "AveragePool" => one(self.pool(node)?),
            "GlobalAveragePool" => one(self.global_average_pool(node)?),
            "BatchNormalization" => one(self.batch_norm(node)?),
            "ArgMax" => one(self.argmax(node)?),
            "ReduceMean" | "ReduceSum" => one(self.reduce(node)?),
            "Flatten" => one(self.flatten(node)?),
            "Reshape" => one(self.reshape(node)?),
            "Transpose" => one(self.transpose(node)?),
            "Concat" => one(self.concat(node)?),
            "Slice" => one(self.slice(node)?),
            "Gather" => one(self.gather(node)?),
            "Pad" => one(self.pad(node)?),
            "Squeeze" | "Unsqueeze" => one(self.squeeze(node)?),
            "ZipMap" => Err(Error::invalid(
                "ZipMap is not supported: export the scikit-learn model with zipmap=False \
                 (skl2onnx: options={id(model): {'zipmap': False}})",
            )),
            other => Err(Error::invalid(format!("op type {other} is not supported (supported: {SUPPORTED})"))),
        }
    }

    /// Input `i` of `node` (an error when it is missing or not yet defined).
    pub fn input(&self, node: &NodeProto, i: usize) -> Result<Value> {
        self.opt_input(node, i)?.ok_or_else(|| Error::invalid(format!("input {i} is missing")))
    }

    /// Input `i` of `node`, or `None` when it is absent (an empty name).
    pub fn opt_input(&self, node: &NodeProto, i: usize) -> Result<Option<Value>> {
        match node.input.get(i).filter(|n| !n.is_empty()) {
            None => Ok(None),
            Some(name) => self.values.get(name).cloned().map(Some).ok_or_else(|| {
                Error::invalid(format!(
                    "input '{}' is not defined before the node (nodes out of order, or a missing value)",
                    name.escape_debug()
                ))
            }),
        }
    }

    /// Input `i`, which must be known when the model is converted.
    pub fn known_input(&self, node: &NodeProto, i: usize, what: &str) -> Result<Option<Tensor>> {
        match self.opt_input(node, i)? {
            None => Ok(None),
            Some(Value::Known(t)) => Ok(Some(t)),
            Some(Value::Private { .. }) => Err(Error::invalid(format!(
                "input {i} ({what}) is computed from the model's input; expected a constant"
            ))),
        }
    }

    /// Input `i` as a private graph value (a known one is lifted).
    pub fn private_input(&mut self, node: &NodeProto, i: usize) -> Result<TensorId> {
        let value = self.input(node, i)?;
        let key = node.input[i].clone();
        self.private(&key, value)
    }

    /// A value in the graph: a known one becomes an owner's variable.
    pub fn private(&mut self, key: &str, value: Value) -> Result<TensorId> {
        match value {
            Value::Private { id, .. } => Ok(id),
            Value::Known(t) => self.lift(key, &t),
        }
    }

    /// A private variable of the owner holding `t`, made once per `key`.
    pub fn lift(&mut self, key: &str, t: &Tensor) -> Result<TensorId> {
        if let Some(&id) = self.lifted.get(key) {
            return Ok(id);
        }
        // The name depends on the order of lifting only, which is the same
        // for every batch size: later builds into the same graph find it.
        let name = format!("onnx.w{}", self.lifted.len());
        let id = if let Some(id) = self.g.find_named(&name) {
            id
        } else {
            self.g.fixed().check_values(&t.data, &t.shape).map_err(|e| {
                Error::invalid_in(
                    format_args!("the weight '{}' does not fit the fixed-point range", key.escape_debug()),
                    &e,
                )
            })?;
            let id = self.g.private_variable(&name, self.owner, &t.shape)?;
            self.weights.push((name, t.data.clone()));
            id
        };
        self.lifted.insert(key.to_string(), id);
        Ok(id)
    }

    /// A public scalar constant (structure: bounds, slopes).
    pub fn scalar(&mut self, v: f64) -> Result<TensorId> {
        self.g.constant(&[], vec![v])
    }

    pub fn shape(&self, id: TensorId) -> Result<Vec<usize>> {
        Ok(self.g.shape(id)?.to_vec())
    }

    /// The shape of a value.
    pub fn shape_of(&self, v: &Value) -> Result<Vec<usize>> {
        match v {
            Value::Private { id, .. } => self.shape(*id),
            Value::Known(t) => Ok(t.shape.clone()),
        }
    }

    fn constant(node: &NodeProto) -> Result<Tensor> {
        let a = Attributes::of(node);
        let attribute = node.attribute.first().ok_or_else(|| Error::invalid("no value attribute"))?;
        if node.attribute.len() != 1 {
            return Err(Error::invalid("expected exactly one value attribute"));
        }
        match attribute.name() {
            "value" => {
                let t = attribute.t.as_ref().ok_or_else(|| Error::invalid("attribute 'value' holds no tensor"))?;
                super::decode::tensor(t)
            }
            "value_float" => Ok(Tensor::new(vec![], vec![a.float("value_float", 0.0)])?),
            "value_floats" => {
                let v = a.floats("value_floats").unwrap_or_default();
                Tensor::new(vec![v.len()], v)
            }
            "value_int" => Ok(Tensor { shape: vec![], data: vec![a.int("value_int", 0) as f64], integer: true }),
            "value_ints" => {
                let v: Vec<f64> = a.ints("value_ints").unwrap_or_default().iter().map(|&i| i as f64).collect();
                Ok(Tensor { shape: vec![v.len()], data: v, integer: true })
            }
            other => Err(Error::invalid(format!("attribute '{}' is not supported", other.escape_debug()))),
        }
    }

    /// The (public) shape of a value, from `start` to `end`.
    fn shape_node(&self, node: &NodeProto) -> Result<Value> {
        let a = Attributes::of(node);
        a.only(&["start", "end"])?;
        let shape = self.shape_of(&self.input(node, 0)?)?;
        let rank = shape.len() as i64;
        let bound = |v: i64| (if v < 0 { v + rank } else { v }).clamp(0, rank) as usize;
        let (start, end) = (bound(a.int("start", 0)), bound(a.int("end", rank)));
        let dims: Vec<f64> = shape[start..end.max(start)].iter().map(|&d| d as f64).collect();
        Ok(Value::Known(Tensor { shape: vec![dims.len()], data: dims, integer: true }))
    }

    fn cast(&self, node: &NodeProto) -> Result<Value> {
        let a = Attributes::of(node);
        a.only(&["to", "saturate", "round_mode"])?;
        let to = a.int("to", 0);
        // FLOAT, FLOAT16, DOUBLE, BFLOAT16: a fixed-point value is all of them.
        let float = matches!(to, 1 | 10 | 11 | 16);
        let integer = matches!(to, 2..=7 | 9 | 12 | 13);
        if !float && !integer {
            return Err(Error::invalid(format!("cast to element type {to} is not supported")));
        }
        match self.input(node, 0)? {
            Value::Known(mut t) => {
                if integer {
                    t.data.iter_mut().for_each(|v| *v = v.trunc());
                }
                t.integer = integer;
                Ok(Value::Known(t))
            }
            Value::Private { id, argmax } => {
                if integer && argmax.is_none() && !self.integral.contains(&id) {
                    return Err(Error::invalid(
                        "a cast of a private value to an integer type is supported after ArgMax only",
                    ));
                }
                Ok(Value::Private { id, argmax })
            }
        }
    }
}

/// `Conv`, or `ai.onnx.ml:Scaler`, for messages.
fn op_label(node: &NodeProto) -> String {
    match node.domain() {
        "" | "ai.onnx" => node.op_type().to_string(),
        domain => format!("{domain}:{}", node.op_type()),
    }
}

/// An axis in `-rank..rank`, as an index.
pub fn axis(a: i64, rank: usize, what: &str) -> Result<usize> {
    let r = rank as i64;
    if a < -r || a >= r {
        return Err(Error::invalid(format!("{what} {a} is outside -{r}..{r} for a tensor of rank {rank}")));
    }
    Ok(if a < 0 { (a + r) as usize } else { a as usize })
}

/// The message of a shape that does not fit what an op takes.
pub fn shape_error(what: &str, shape: &[usize]) -> Error {
    Error::invalid(format!("expected {what}, found shape {}", fmt_shape(shape)))
}
