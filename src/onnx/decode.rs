//! Decoding: the protobuf bytes of a model (through prost and the official
//! schema, `proto.rs`), its opsets, and its tensors and attributes as plain
//! values. Every malformed or unsupported piece is an error that names it.

use prost::Message;

use super::proto::{AttributeProto, ModelProto, NodeProto, TensorProto, tensor_proto::DataType};
use crate::error::{Error, Result};
use crate::ring::shape::{self, fmt_shape};

/// The opsets of the default domain the importer supports: 11 to the
/// newest of onnx 1.23.
pub const OPSETS: std::ops::RangeInclusive<i64> = 11..=28;

/// The opsets of `ai.onnx.ml` (the scikit-learn converters' domain).
pub const ML_OPSETS: std::ops::RangeInclusive<i64> = 1..=5;

/// A tensor known when the model is converted: an initializer, a
/// `Constant`, or what the importer computed from them. `integer` records
/// an integer element type (shapes, axes, indices).
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    pub shape: Vec<usize>,
    pub data: Vec<f64>,
    pub integer: bool,
}

impl Tensor {
    /// A float tensor; checks that the values fill the shape.
    pub fn new(shape: Vec<usize>, data: Vec<f64>) -> Result<Tensor> {
        if shape::checked_numel(&shape) != Some(data.len()) {
            return Err(Error::invalid(format!("{} values do not fill shape {}", data.len(), fmt_shape(&shape))));
        }
        Ok(Tensor { shape, data, integer: false })
    }

    /// The values as integers (an error when one is not a whole number).
    pub fn ints(&self, what: &str) -> Result<Vec<i64>> {
        self.data
            .iter()
            .map(|&v| {
                if v.fract() == 0.0 && v.abs() < 9.0e15 {
                    Ok(v as i64)
                } else {
                    Err(Error::invalid(format!("{what}: expected integers, found {v}")))
                }
            })
            .collect()
    }
}

/// Decodes a model file.
pub fn model(bytes: &[u8]) -> Result<ModelProto> {
    ModelProto::decode(bytes)
        .map_err(|e| Error::invalid(format!("not an ONNX model: the protobuf does not decode ({e})")))
}

/// The opset of the default domain the model imports, checked with every
/// other import against those supported; the domains its nodes use must be
/// imported.
pub fn opset(model: &ModelProto) -> Result<i64> {
    let mut default = None;
    let mut ml = false;
    for import in &model.opset_import {
        let version = import.version();
        let (range, is_default) = match import.domain() {
            "" | "ai.onnx" => (&OPSETS, true),
            "ai.onnx.ml" => (&ML_OPSETS, false),
            // A domain no node uses does no harm; a node of it is refused
            // as an unsupported op.
            _ => continue,
        };
        if !range.contains(&version) {
            return Err(Error::invalid(format!(
                "opset {version} of domain '{}': expected {} to {}",
                import.domain(),
                range.start(),
                range.end()
            )));
        }
        if is_default {
            default = Some(version);
        } else {
            ml = true;
        }
    }
    let nodes = model.graph.as_ref().map(|g| g.node.as_slice()).unwrap_or_default();
    if !ml && nodes.iter().any(|n| n.domain() == "ai.onnx.ml") {
        return Err(Error::invalid("nodes of domain ai.onnx.ml, but the model imports no opset of it"));
    }
    match default {
        Some(v) => Ok(v),
        None if nodes.iter().all(|n| !matches!(n.domain(), "" | "ai.onnx")) => Ok(*OPSETS.end()),
        None => Err(Error::invalid("the model imports no opset of the default domain (ai.onnx)")),
    }
}

/// The values of a tensor, by its element type. External data and element
/// types that are not numbers are refused, naming the tensor.
pub fn tensor(t: &TensorProto) -> Result<Tensor> {
    let name = t.name();
    let fail = |m: String| Error::invalid(format!("tensor '{name}': {m}"));
    let mut dims = Vec::with_capacity(t.dims.len());
    for &d in &t.dims {
        dims.push(usize::try_from(d).map_err(|_| fail(format!("negative size {d} in its shape {:?}", t.dims)))?);
    }
    let n = shape::checked_numel(&dims)
        .filter(|&n| n <= shape::MAX_ELEMENTS)
        .ok_or_else(|| fail(format!("shape {} has too many elements", fmt_shape(&dims))))?;
    if t.data_location() == super::proto::tensor_proto::DataLocation::External {
        return Err(fail("its data is in an external file; save the model with its data inside".into()));
    }
    let ty = DataType::try_from(t.data_type()).map_err(|_| fail(format!("unknown element type {}", t.data_type())))?;
    let (width, integer) = match ty {
        DataType::Float => (4, false),
        DataType::Double => (8, false),
        DataType::Int64 | DataType::Uint64 => (8, true),
        DataType::Int32 | DataType::Uint32 => (4, true),
        DataType::Int16 | DataType::Uint16 => (2, true),
        DataType::Int8 | DataType::Uint8 | DataType::Bool => (1, true),
        other => return Err(fail(format!("element type {} is not supported", other.as_str_name()))),
    };
    let data: Vec<f64> = match &t.raw_data {
        Some(raw) if !raw.is_empty() || n == 0 => {
            if raw.len() != n * width {
                return Err(fail(format!(
                    "{} bytes of data, expected {} for shape {} of {}",
                    raw.len(),
                    n * width,
                    fmt_shape(&dims),
                    ty.as_str_name()
                )));
            }
            raw.chunks_exact(width).map(|b| from_le(ty, b)).collect()
        }
        _ => match ty {
            DataType::Float => t.float_data.iter().map(|&v| f64::from(v)).collect(),
            DataType::Double => t.double_data.clone(),
            DataType::Int64 => t.int64_data.iter().map(|&v| v as f64).collect(),
            DataType::Uint64 | DataType::Uint32 => t.uint64_data.iter().map(|&v| v as f64).collect(),
            _ => t.int32_data.iter().map(|&v| f64::from(v)).collect(),
        },
    };
    if data.len() != n {
        return Err(fail(format!("{} values, expected {} for shape {}", data.len(), n, fmt_shape(&dims))));
    }
    if let Some(v) = data.iter().find(|v| !v.is_finite()) {
        return Err(fail(format!("a value is {v}, expected finite numbers")));
    }
    Ok(Tensor { shape: dims, data, integer })
}

fn from_le(ty: DataType, b: &[u8]) -> f64 {
    let mut word = [0u8; 8];
    word[..b.len()].copy_from_slice(b);
    let bits = u64::from_le_bytes(word);
    match ty {
        DataType::Float => f64::from(f32::from_bits(bits as u32)),
        DataType::Double => f64::from_bits(bits),
        DataType::Int64 => bits as i64 as f64,
        DataType::Int32 => f64::from(bits as u32 as i32),
        DataType::Int16 => f64::from(bits as u16 as i16),
        DataType::Int8 => f64::from(bits as u8 as i8),
        _ => bits as f64,
    }
}

/// The attributes of one node, read by name with their ONNX defaults.
pub struct Attributes<'a> {
    node: &'a NodeProto,
}

impl<'a> Attributes<'a> {
    pub fn of(node: &'a NodeProto) -> Self {
        Attributes { node }
    }

    pub fn get(&self, name: &str) -> Option<&'a AttributeProto> {
        self.node.attribute.iter().find(|a| a.name() == name)
    }

    pub fn int(&self, name: &str, default: i64) -> i64 {
        self.get(name).and_then(|a| a.i).unwrap_or(default)
    }

    pub fn opt_int(&self, name: &str) -> Option<i64> {
        self.get(name).and_then(|a| a.i)
    }

    pub fn float(&self, name: &str, default: f64) -> f64 {
        self.get(name).and_then(|a| a.f).map_or(default, f64::from)
    }

    pub fn ints(&self, name: &str) -> Option<&'a [i64]> {
        self.get(name).map(|a| a.ints.as_slice())
    }

    pub fn floats(&self, name: &str) -> Option<Vec<f64>> {
        self.get(name).map(|a| a.floats.iter().map(|&v| f64::from(v)).collect())
    }

    pub fn string(&self, name: &str) -> Option<String> {
        self.get(name).and_then(|a| a.s.as_ref()).map(|s| String::from_utf8_lossy(s).into_owned())
    }

    /// Refuses attributes the conversion does not read: an attribute that
    /// could change the result is never ignored silently.
    pub fn only(&self, known: &[&str]) -> Result<()> {
        match self.node.attribute.iter().find(|a| !known.contains(&a.name())) {
            Some(a) => Err(Error::invalid(format!("attribute '{}' is not supported", a.name().escape_debug()))),
            None => Ok(()),
        }
    }
}
