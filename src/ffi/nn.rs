//! Models: a sequential neural network built layer by layer (the layers
//! are in [`super::nn_layers`]) or one of the benchmark networks A–D, its
//! shapes, and plaintext inference for reference. Private inference is in
//! [`super::predict`].

use super::args;
pub use super::enums::tfe_network_t;
use super::error::{Failure, ffi_boundary, tfe_status_t};
use super::handles::{self, Registered};
use crate::error::Error;
use crate::nn::{Layer, Sequential, networks};
use crate::ring::shape::{check_size, fmt_shape};

/// A sequential model: an input shape (of one sample, without the batch
/// axis) and layers applied in order, each checked against the shape it
/// receives when it is added. The weights are the model owner's, in
/// plaintext; `tfe_predictor_new_local` shares them among the servers.
///
/// Thread safety: not thread-safe while layers are added (no other call
/// on the model may run during a `tfe_model_add_*`); a model nobody adds
/// to may be used from several threads at once.
pub struct tfe_model_t {
    /// The layers as added (a batch normalization is folded into the layer
    /// before it when `model` is made, so this keeps them unfolded).
    layers: Vec<Layer>,
    /// The checked, folded model of `layers`.
    pub(crate) model: Sequential,
    /// The output shape of one sample, cached for `tfe_model_output_shape`.
    output_shape: Vec<usize>,
}

impl Registered for tfe_model_t {
    const KIND: &'static handles::Kind = &MODELS;
}

static MODELS: handles::Kind = handles::Kind::new("tfe_model_t");

impl tfe_model_t {
    fn new(input_shape: &[usize], layers: Vec<Layer>) -> Result<Self, Failure> {
        let model = Sequential::new(input_shape, layers.clone())?;
        let output_shape = model.output_shape(1)?[1..].to_vec();
        Ok(tfe_model_t { layers, model, output_shape })
    }

    /// Adds `layer` if the model with it checks; else leaves the model as it was.
    pub(super) fn push(&mut self, layer: Layer) -> Result<(), Failure> {
        let mut layers = self.layers.clone();
        layers.push(layer);
        *self = tfe_model_t::new(self.model.input_shape(), layers)?;
        Ok(())
    }
}

/// Writes a new model to a checked out-param.
fn hand_out(model: tfe_model_t, out: args::Out<*mut tfe_model_t>) {
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
    ffi_boundary! { unsafe { args::read_slice(model, "model", (shape, rank), ("shape", "rank"), |model| model.model.input_shape()) } }
}

/// The shape of the output for one sample (without the batch axis), after the
/// layers added so far.
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
    ffi_boundary! { unsafe { args::read_slice(model, "model", (shape, rank), ("shape", "rank"), |model| &model.output_shape) } }
}

/// The number of layers of the model as it runs: a batch normalization that
/// follows a Dense or Conv2D layer is folded into it and does not count.
///
/// # Safety
/// `count` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_model_layer_count(model: *const tfe_model_t, count: *mut usize) -> tfe_status_t {
    ffi_boundary! { unsafe { args::read(model, "model", count, "count", |model| model.model.layers().len()) } }
}

/// Plaintext inference in f64 of `batch` samples `x` (row-major, batch
/// first: `x_len` = batch x the input size) into `out` (`out_len` = batch x
/// the output size). This is what private prediction approximates; in a
/// deployment nobody holds both the weights and the input in plaintext.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (a batch of 0; `x_len` or `out_len` not
/// what the batch needs, with the expected count in the message).
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
        let model = unsafe { handles::get(model, "model") }?;
        let x = unsafe { args::slice(x, x_len, "x") }?;
        if batch == 0 {
            return Err(Failure::invalid("batch is 0, expected at least one sample"));
        }
        let input = model.model.batch_shape(batch);
        check_len("x", x.len(), &input)?;
        let output = [&[batch][..], &model.output_shape].concat();
        check_len("out", out_len, &output)?;
        let out = unsafe { args::slice_mut(out, out_len, "out") }?;
        let y = model.model.predict_plain(x, batch)?;
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
