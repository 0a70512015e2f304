//! Private prediction: a model served by a local session (the model owner,
//! the client and the three servers on threads of this process) for batches
//! of 1 to a maximum number of samples. The owner's weights are shared
//! once, at the first prediction, whatever the batch sizes; each
//! prediction's output is revealed to the client alone.

use std::ffi::c_char;
use std::sync::{Mutex, PoisonError};

use super::args;
use super::batches::BatchShapes;
use super::error::{Failure, ffi_boundary, tfe_status_t};
use super::handles;
use super::nn::{output_at, tfe_model_t};
use super::result::tfe_result_t;
use super::session::{local_options_or_default, tfe_session_options_t};
use crate::graph::validate_player_name;
use crate::nn::PrivatePredictor;

/// A model ready for private prediction of batches of 1 to `max_batch`
/// samples: the prediction graph, and a local session whose servers keep
/// the weights' shares between predictions of every batch size.
///
/// Thread safety: thread-safe; predictions from several threads are
/// serialized.
pub struct tfe_predictor_t {
    predictor: Mutex<PrivatePredictor>,
    /// Outside the lock, for the checks and the shape getters.
    shapes: BatchShapes,
}

impl tfe_predictor_t {
    fn predict_outputs(&self, x: &[f64]) -> crate::error::Result<Vec<Vec<f64>>> {
        self.predictor.lock().unwrap_or_else(PoisonError::into_inner).predict_outputs(x)
    }
}

handles::registered!(tfe_predictor_t);

/// Makes a predictor of `model` for batches of 1 to `max_batch` samples
/// (every batch size shares the weights once, with one session), all players
/// on threads of this process: `owner` (the model owner, who provides the
/// weights in plaintext once), `client` (who provides each batch and alone
/// learns the outputs) and the servers `server0` to `server2`. `options`
/// (NULL: the defaults) choose the transport and timeouts.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (a `max_batch` of 0, a bad player name),
/// `TFE_ERR_CONFIG` (bad options), or the statuses of `tfe_session_new_local`
/// (`TFE_ERR_NETWORK`, `TFE_ERR_TIMEOUT`, `TFE_ERR_INTERNAL`) when the players
/// cannot connect.
///
/// Ownership: `model`, `owner`, `client` and `options` are borrowed for the
/// call (the predictor keeps a copy of the weights: the model may be freed).
///
/// Thread safety: any thread; `model` must not be changed during the call.
///
/// # Safety
/// `owner` and `client` are NUL-terminated strings; `options` is NULL or
/// points to a `tfe_session_options_t`; `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_predictor_new_local(
    model: *const tfe_model_t,
    max_batch: usize,
    owner: *const c_char,
    client: *const c_char,
    options: *const tfe_session_options_t,
    out: *mut *mut tfe_predictor_t,
) -> tfe_status_t {
    ffi_boundary! {
        let model = unsafe { handles::get(model, "model") }?;
        let owner = unsafe { args::string(owner, "owner") }?;
        let client = unsafe { args::string(client, "client") }?;
        let options = unsafe { local_options_or_default(options) }?;
        let out = args::out(out, "out")?;
        if max_batch == 0 {
            return Err(Failure::invalid("max_batch is 0, expected at least one sample per prediction"));
        }
        // A model without weights never names its owner; check the name anyway.
        validate_player_name(owner).and(validate_player_name(client))?;
        let predictor = PrivatePredictor::local(model.model(), max_batch, owner, client, options)?;
        let shapes =
            BatchShapes { input: predictor.input_shape().to_vec(), outputs: predictor.output_shapes().to_vec() };
        let predictor = Box::new(tfe_predictor_t { shapes, predictor: Mutex::new(predictor) });
        unsafe { out.write(handles::register(predictor)) };
        Ok(())
    }
}

/// Stops the predictor's players and frees it. `tfe_predictor_free(NULL)` does
/// nothing.
///
/// Returns once its players have stopped.
///
/// # Safety
/// No other thread is using `pred`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_predictor_free(pred: *mut tfe_predictor_t) {
    ffi_boundary! { drop(handles::unregister(pred)) }
}

/// Predicts one batch privately: the client provides `x` (row-major, batch
/// first; `x_len` = batch x the model's input size, for a batch of 1 to
/// `max_batch` samples), the servers compute on shares, and the output is
/// revealed to the client only, which writes it to `out` (`out_len` =
/// batch x the output size of one sample; see
/// `tfe_predictor_output_shape`). Of a model with several outputs, only the
/// first is written (`tfe_predictor_predict_outputs` writes each). The first prediction also shares the
/// owner's weights; later ones, of any batch size, reuse the shares. A failed prediction leaves
/// the predictor usable unless a connection was lost.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (`x_len` not 1 to `max_batch` whole
/// samples, or `out_len` not what the batch needs, with the expected counts; an
/// input outside the fixed-point range), or the run statuses of
/// `tfe_session_run` (`TFE_ERR_TIMEOUT`, `TFE_ERR_NETWORK`, `TFE_ERR_PROTOCOL`,
/// `TFE_ERR_INTERNAL`, `TFE_ERR_PANIC`).
///
/// # Safety
/// `x` points to `x_len` doubles and `out` to `out_len` writable doubles.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_predictor_predict(
    pred: *mut tfe_predictor_t,
    x: *const f64,
    x_len: usize,
    out: *mut f64,
    out_len: usize,
) -> tfe_status_t {
    ffi_boundary! {
        let pred = unsafe { handles::get(pred.cast_const(), "pred") }?;
        let x = unsafe { args::slice(x, x_len, "x") }?;
        let out = unsafe { args::slice_mut(out, out_len, "out") }?;
        pred.shapes.predict_first(x, out, |x| pred.predict_outputs(x))
    }
}

/// The shape of a full batch of inputs: `[max_batch, input shape...]`; a batch
/// of fewer samples fills its first rows.
///
/// # Safety
/// `shape` and `rank` point to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_predictor_input_shape(
    pred: *const tfe_predictor_t,
    shape: *mut *const usize,
    rank: *mut usize,
) -> tfe_status_t {
    ffi_boundary! { unsafe { args::read_slice(pred, "pred", (shape, rank), ("shape", "rank"), |pred| &pred.shapes.input) } }
}

/// The shape of the output of a full batch: `[max_batch, output shape...]`; a
/// batch of fewer samples has as many rows as it has samples.
///
/// # Safety
/// `shape` and `rank` point to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_predictor_output_shape(
    pred: *const tfe_predictor_t,
    shape: *mut *const usize,
    rank: *mut usize,
) -> tfe_status_t {
    ffi_boundary! { unsafe { args::read_slice(pred, "pred", (shape, rank), ("shape", "rank"), |pred| &pred.shapes.outputs[0]) } }
}

/// The number of outputs each prediction gives (as `tfe_model_output_count`
/// of the model).
///
/// # Safety
/// `count` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_predictor_output_count(pred: *const tfe_predictor_t, count: *mut usize) -> tfe_status_t {
    ffi_boundary! { unsafe { args::read(pred, "pred", count, "count", |pred| pred.shapes.outputs.len()) } }
}

/// The shape of output `index` (0 to `tfe_predictor_output_count` - 1) for
/// a full batch: `[max_batch, output shape...]`.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (an `index` past the last output).
///
/// # Safety
/// `shape` and `rank` point to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_predictor_output_shape_at(
    pred: *const tfe_predictor_t,
    index: usize,
    shape: *mut *const usize,
    rank: *mut usize,
) -> tfe_status_t {
    ffi_boundary! {
        output_at(&unsafe { handles::get(pred, "pred") }?.shapes.outputs, index)?;
        unsafe { args::read_slice(pred, "pred", (shape, rank), ("shape", "rank"), |pred| &pred.shapes.outputs[index]) }
    }
}

/// As `tfe_predictor_predict`, writing every output of the model: output
/// `i` goes to `outs[i]`, which holds `out_lens[i]` doubles (batch x the
/// size of output `i` for one sample; see `tfe_predictor_output_shape_at`),
/// and `count` is `tfe_predictor_output_count`. Nothing is written unless
/// the prediction succeeds.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (`count` not the number of outputs;
/// a buffer of the wrong length, named `outs[i]`; as
/// `tfe_predictor_predict`), or the run statuses of `tfe_predictor_predict`.
///
/// # Safety
/// `x` points to `x_len` doubles; `outs` and `out_lens` point to `count`
/// pointers and lengths, each `outs[i]` to `out_lens[i]` writable doubles,
/// no two of them overlapping.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_predictor_predict_outputs(
    pred: *mut tfe_predictor_t,
    x: *const f64,
    x_len: usize,
    outs: *const *mut f64,
    out_lens: *const usize,
    count: usize,
) -> tfe_status_t {
    ffi_boundary! {
        let pred = unsafe { handles::get(pred.cast_const(), "pred") }?;
        let x = unsafe { args::slice(x, x_len, "x") }?;
        unsafe { pred.shapes.predict_outputs(x, (outs, out_lens, count), |x| pred.predict_outputs(x)) }
    }
}

/// What the last successful prediction cost each player (bytes, messages,
/// rounds, wall time, per op kind), as a result without values
/// (`tfe_result_count` is 0): read it with `tfe_result_player_stats`,
/// `tfe_result_op_stats`, `tfe_result_stats_table` and the like.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (no prediction has succeeded yet).
///
/// Thread safety: any thread; waits for a prediction in progress.
///
/// # Safety
/// `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_predictor_last_stats(
    pred: *const tfe_predictor_t,
    out: *mut *mut tfe_result_t,
) -> tfe_status_t {
    ffi_boundary! {
        let pred = unsafe { handles::get(pred, "pred") }?;
        let out = args::out(out, "out")?;
        let stats = pred
            .predictor
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .last_stats()
            .cloned()
            .ok_or_else(|| Failure::invalid("no prediction has succeeded yet, so there are no stats"))?;
        unsafe { out.write(handles::register(Box::new(tfe_result_t::from_stats(stats)))) };
        Ok(())
    }
}
