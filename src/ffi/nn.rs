//! Models: a sequential neural network built layer by layer (the layers
//! are in [`super::nn_layers`]) or one of the benchmark networks A–D, its
//! shapes, and plaintext inference for reference. Private inference is in
//! [`super::predict`].

use super::args;
pub use super::enums::tfe_network_t;
use super::error::{Failure, ffi_boundary, tfe_status_t};
use super::handles;
use crate::error::Error;
use crate::nn::{Layer, Model, Sequential, networks};
use crate::onnx::OnnxModel;
use crate::ring::shape::{check_size, fmt_shape};

/// A model for private prediction, of either kind: a sequential model
/// (an input shape, of one sample without the batch axis, and layers
/// applied in order, each checked against the shape it receives when it is
/// added), or a model imported from an ONNX file (`tfe_model_load_onnx`),
/// which may have several outputs and takes no more layers. The weights are
/// the model owner's, in plaintext; `tfe_predictor_new_local` shares them
/// among the servers.
///
/// Thread safety: not thread-safe while layers are added (no other call
/// on the model may run during a `tfe_model_add_*`); a model nobody adds
/// to may be used from several threads at once.
pub struct tfe_model_t {
    kind: ModelKind,
    /// The shape of each output for one sample, cached for the shape getters.
    output_shapes: Vec<Vec<usize>>,
}

/// What a model handle holds.
enum ModelKind {
    /// Built layer by layer: `layers` as added (a batch normalization is
    /// folded into the layer before it when `model` is made, so this keeps
    /// them unfolded), and the checked, folded `model`.
    Layers { layers: Vec<Layer>, model: Sequential },
    /// Imported from an ONNX file.
    Onnx(OnnxModel),
}

handles::registered!(tfe_model_t);

impl tfe_model_t {
    fn new(input_shape: &[usize], layers: Vec<Layer>) -> Result<Self, Failure> {
        let model = Sequential::new(input_shape, layers.clone())?;
        let output_shapes = vec![model.output_shape(1)?[1..].to_vec()];
        Ok(tfe_model_t { kind: ModelKind::Layers { layers, model }, output_shapes })
    }

    /// Wraps an imported model.
    pub(super) fn onnx(model: OnnxModel) -> Self {
        let output_shapes = model.output_shapes().to_vec();
        tfe_model_t { kind: ModelKind::Onnx(model), output_shapes }
    }

    /// The model, of either kind, for building a prediction graph.
    pub(crate) fn model(&self) -> &dyn Model {
        match &self.kind {
            ModelKind::Layers { model, .. } => model,
            ModelKind::Onnx(model) => model,
        }
    }

    /// The sequential model, or an error saying that an imported model has
    /// no layers (`what` names what was asked for).
    fn sequential(&self, what: &str) -> Result<&Sequential, Failure> {
        match &self.kind {
            ModelKind::Layers { model, .. } => Ok(model),
            ModelKind::Onnx(_) => Err(Failure::invalid(format!(
                "the model is imported from ONNX, which has no {what}; expected a model made by tfe_model_new or \
                 tfe_model_network"
            ))),
        }
    }

    /// A model of a checked `Sequential` (its layers as they run).
    pub(super) fn from_sequential(model: &Sequential) -> Result<Self, Failure> {
        tfe_model_t::new(model.input_shape(), model.layers().to_vec())
    }

    /// The layers as added (batch normalizations not folded) and the
    /// checked model, or an error for an imported model (`what` names what
    /// was asked for).
    pub(super) fn layers(&self, what: &str) -> Result<(&[Layer], &Sequential), Failure> {
        match &self.kind {
            ModelKind::Layers { layers, model } => Ok((layers, model)),
            // `sequential` fails for an imported model, with the message.
            ModelKind::Onnx(_) => self.sequential(what).map(|model| (&[][..], model)),
        }
    }

    /// Adds `layer` if the model with it checks; else leaves the model as it was.
    pub(super) fn push(&mut self, layer: Layer) -> Result<(), Failure> {
        let ModelKind::Layers { layers, model } = &self.kind else {
            return Err(Failure::invalid(
                "the model is imported from ONNX and takes no more layers; layers are added to a model made by \
                 tfe_model_new or tfe_model_network",
            ));
        };
        let mut layers = layers.clone();
        layers.push(layer);
        *self = tfe_model_t::new(model.input_shape(), layers)?;
        Ok(())
    }
}

/// Writes a new model to a checked out-param.
pub(super) fn hand_out(model: tfe_model_t, out: args::Out<*mut tfe_model_t>) {
    // SAFETY: callers check `out` before building the model.
    unsafe { out.write(handles::register(Box::new(model))) };
}

/// Makes a model without layers for samples of shape `(input_shape, rank)`
/// (without the batch axis: `{784}` for flat images, `{28, 28, 1}` for NHWC
/// ones). Add layers with the `tfe_model_add_*` functions.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (rank 0, a zero or too large size).
///
/// # Safety
/// `input_shape` points to `rank` sizes; `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_model_new(
    input_shape: *const usize,
    rank: usize,
    out: *mut *mut tfe_model_t,
) -> tfe_status_t {
    ffi_boundary! {
        let input_shape = unsafe { args::slice(input_shape, rank, "input_shape") }?;
        let out = args::out(out, "out")?;
        if input_shape.is_empty() || input_shape.contains(&0) {
            return Err(Failure::invalid(format!(
                "input_shape {} has a zero size or no axes, expected the nonzero sizes of one sample",
                fmt_shape(input_shape)
            )));
        }
        check_size(input_shape)?;
        hand_out(tfe_model_t::new(input_shape, Vec::new())?, out);
        Ok(())
    }
}

/// Makes benchmark network `network` (a `tfe_network_t`) with weights
/// drawn from `seed`. More layers may be added to it.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (an unknown network).
///
/// # Safety
/// `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_model_network(network: u32, seed: u64, out: *mut *mut tfe_model_t) -> tfe_status_t {
    ffi_boundary! {
        let out = args::out(out, "out")?;
        let make = match network {
            0 => networks::network_a,
            1 => networks::network_b,
            2 => networks::network_c,
            3 => networks::network_d,
            other => {
                return Err(Failure::invalid(format!(
                    "network {other}: expected TFE_NETWORK_A (0), TFE_NETWORK_B (1), TFE_NETWORK_C (2) or \
                     TFE_NETWORK_D (3)"
                )));
            }
        };
        let model = make(seed)?;
        hand_out(tfe_model_t::new(model.input_shape(), model.layers().to_vec())?, out);
        Ok(())
    }
}

/// Frees a model. Predictors made from it stay valid. `tfe_model_free(NULL)`
/// does nothing.
///
/// # Safety
/// No other thread is using `model`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_model_free(model: *mut tfe_model_t) {
    ffi_boundary! { drop(handles::unregister(model)) }
}

/// The shape of one sample the model takes (without the batch axis).
///
/// # Safety
/// `shape` and `rank` point to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_model_input_shape(
    model: *const tfe_model_t,
    shape: *mut *const usize,
    rank: *mut usize,
) -> tfe_status_t {
    ffi_boundary! { unsafe { args::read_slice(model, "model", (shape, rank), ("shape", "rank"), |model| model.model().input_shape()) } }
}

/// The shape of the output for one sample (without the batch axis), after the
/// layers added so far; of an imported model with several outputs, the
/// first output's (see `tfe_model_output_shape_at`).
///
/// Ownership: `*shape` receives a pointer to `*rank` sizes owned by the
/// model, valid until the next `tfe_model_add_*` or `tfe_model_free`.
///
/// # Safety
/// `shape` and `rank` point to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_model_output_shape(
    model: *const tfe_model_t,
    shape: *mut *const usize,
    rank: *mut usize,
) -> tfe_status_t {
    ffi_boundary! { unsafe { args::read_slice(model, "model", (shape, rank), ("shape", "rank"), |model| &model.output_shapes[0]) } }
}

/// The number of outputs of the model: 1 for a sequential model; an
/// imported model may have several (class labels and probabilities).
///
/// # Safety
/// `count` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_model_output_count(model: *const tfe_model_t, count: *mut usize) -> tfe_status_t {
    ffi_boundary! { unsafe { args::read(model, "model", count, "count", |model| model.output_shapes.len()) } }
}

/// The shape of output `index` (0 to `tfe_model_output_count` - 1) for one
/// sample, without the batch axis.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (an `index` past the last output).
///
/// Ownership: as `tfe_model_output_shape`.
///
/// # Safety
/// `shape` and `rank` point to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_model_output_shape_at(
    model: *const tfe_model_t,
    index: usize,
    shape: *mut *const usize,
    rank: *mut usize,
) -> tfe_status_t {
    ffi_boundary! {
        output_at(&unsafe { handles::get(model, "model") }?.output_shapes, index)?;
        unsafe { args::read_slice(model, "model", (shape, rank), ("shape", "rank"), |model| &model.output_shapes[index]) }
    }
}

/// `shapes[index]`, or an error naming `index` and the count.
pub(super) fn output_at(shapes: &[Vec<usize>], index: usize) -> Result<&[usize], Failure> {
    shapes.get(index).map(Vec::as_slice).ok_or_else(|| {
        Failure::invalid(format!(
            "index {index} is past the last output, expected 0 to {} ({} outputs)",
            shapes.len().saturating_sub(1),
            shapes.len()
        ))
    })
}

/// The number of layers of the model as it runs: a batch normalization that
/// follows a Dense or Conv2D layer is folded into it and does not count.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (an imported model, which has no layers).
///
/// # Safety
/// `count` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_model_layer_count(model: *const tfe_model_t, count: *mut usize) -> tfe_status_t {
    ffi_boundary! {
        let layers = unsafe { handles::get(model, "model") }?.sequential("layers")?.layers().len();
        let count = args::out(count, "count")?;
        unsafe { count.write(layers) };
        Ok(())
    }
}

/// Plaintext inference in f64 of `batch` samples `x` (row-major, batch
/// first: `x_len` = batch x the input size) into `out` (`out_len` = batch x
/// the output size). This is what private prediction approximates; in a
/// deployment nobody holds both the weights and the input in plaintext.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (a batch of 0; `x_len` or `out_len` not
/// what the batch needs, with the expected count in the message; an imported
/// model, which has no plaintext inference here: onnxruntime has).
///
/// # Safety
/// `x` points to `x_len` doubles and `out` to `out_len` writable doubles.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_model_predict_plain(
    model: *const tfe_model_t,
    x: *const f64,
    x_len: usize,
    batch: usize,
    out: *mut f64,
    out_len: usize,
) -> tfe_status_t {
    ffi_boundary! {
        let handle = unsafe { handles::get(model, "model") }?;
        let model = handle.sequential("plaintext inference")?;
        let x = unsafe { args::slice(x, x_len, "x") }?;
        if batch == 0 {
            return Err(Failure::invalid("batch is 0, expected at least one sample"));
        }
        let input = model.batch_shape(batch);
        check_len("x", x.len(), &input)?;
        let output = [&[batch][..], &handle.output_shapes[0]].concat();
        check_len("out", out_len, &output)?;
        let out = unsafe { args::slice_mut(out, out_len, "out") }?;
        let y = model.predict_plain(x, batch)?;
        if y.len() != out.len() {
            return Err(Error::internal(format!(
                "plaintext inference gave {} values, expected {}",
                y.len(),
                out.len()
            ))
            .into());
        }
        out.copy_from_slice(&y);
        Ok(())
    }
}

/// Checks that a buffer holds the values of `shape`; the message names it
/// and both counts.
pub(super) fn check_len(param: &str, len: usize, shape: &[usize]) -> Result<(), Failure> {
    let want = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
    if want != Some(len) {
        let want = want.map_or_else(|| "more than fits in memory".to_string(), |n| n.to_string());
        return Err(Failure::invalid(format!(
            "'{param}' has {len} values, expected {want} (shape {})",
            fmt_shape(shape)
        )));
    }
    Ok(())
}

/// The weight arrays of layers as they run, in order: a Dense's or
/// Conv2D's weights then bias, a batch normalization's gamma, beta, mean
/// and variance.
fn weights(layers: &[Layer]) -> Vec<&[f64]> {
    let mut out: Vec<&[f64]> = Vec::new();
    for layer in layers {
        match layer {
            Layer::Dense { weights, bias, .. } | Layer::Conv2D { weights, bias, .. } => {
                out.extend([weights.as_slice(), bias.as_slice()]);
            }
            Layer::BatchNormalization { gamma, beta, mean, variance, .. } => {
                out.extend([gamma.as_slice(), beta.as_slice(), mean.as_slice(), variance.as_slice()]);
            }
            _ => {}
        }
    }
    out
}

/// The number of weight arrays of the model as it runs (a batch
/// normalization after a Dense or Conv2D layer is folded into it): two per
/// Dense or Conv2D layer (weights, bias), four per batch normalization of
/// its own (gamma, beta, mean, variance), in layer order.
///
/// # Safety
/// `count` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_model_weight_count(model: *const tfe_model_t, count: *mut usize) -> tfe_status_t {
    ffi_boundary! {
        let model = unsafe { handles::get(model, "model") }?;
        let count = args::out(count, "count")?;
        let n = weights(model.sequential("weight arrays")?.layers()).len();
        unsafe { count.write(n) };
        Ok(())
    }
}

/// Weight array `index` (counted as `tfe_model_weight_count` counts them)
/// of the model as it runs: a Dense layer's weights are its inputs x units
/// matrix, row-major; a Conv2D's its KH x KW x C x O filter.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (`index` not below the count).
///
/// Ownership: `*values` receives a pointer to `*len` doubles owned by the
/// model, valid until the next `tfe_model_add_*` or `tfe_model_free`.
///
/// # Safety
/// `values` and `len` point to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_model_weight(
    model: *const tfe_model_t,
    index: usize,
    values: *mut *const f64,
    len: *mut usize,
) -> tfe_status_t {
    ffi_boundary! {
        let model = unsafe { handles::get(model, "model") }?;
        let out = args::out_slice(values, "values", len, "len")?;
        let all = weights(model.sequential("weight arrays")?.layers());
        let Some(weight) = all.get(index) else {
            return Err(Failure::invalid(format!(
                "index {index}: the model has {} weight arrays (tfe_model_weight_count)",
                all.len()
            )));
        };
        unsafe { out.write(weight) };
        Ok(())
    }
}
