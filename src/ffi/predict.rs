//! Private prediction: a model served by a local session (the model owner,
//! the client and the three servers on threads of this process) for batches
//! of 1 to a maximum number of samples. The owner's weights are shared
//! once, at the first prediction, whatever the batch sizes; each
//! prediction's output is revealed to the client alone.

use std::ffi::c_char;
use std::sync::{Mutex, PoisonError};

use super::args;
use super::error::{Failure, ffi_boundary, tfe_status_t};
use super::handles::{self, Registered};
use super::nn::{check_len, tfe_model_t};
use super::result::tfe_result_t;
use super::session::{local_options, tfe_session_options_default, tfe_session_options_t};
use crate::error::Error;
use crate::graph::validate_player_name;
use crate::nn::PrivatePredictor;
use crate::ring::shape::fmt_shape;

/// A model ready for private prediction of batches of 1 to `max_batch`
/// samples: the prediction graph, and a local session whose servers keep
/// the weights' shares between predictions of every batch size.
///
/// Thread safety: thread-safe; predictions from several threads are
/// serialized.
pub struct tfe_predictor_t {
    predictor: Mutex<PrivatePredictor>,
    /// `[max_batch, input shape...]` and `[max_batch, output shape...]`,
    /// outside the lock for the checks and the shape getters.
    input_shape: Vec<usize>,
    output_shape: Vec<usize>,
}

impl tfe_predictor_t {
    /// The samples in `x_len` input values, and the output values they
    /// give; the message names `x` or `out` and what they must hold.
    fn batch(&self, x_len: usize, out_len: usize) -> Result<usize, Failure> {
        let (max, input) = (self.input_shape[0], self.input_shape[1..].iter().product::<usize>());
        if x_len == 0 || !x_len.is_multiple_of(input) || x_len / input > max {
            return Err(Failure::invalid(format!(
                "'x' has {x_len} values, expected 1 to {max} samples of {input} values each (shape {}, batch first)",
                fmt_shape(&self.input_shape)
            )));
        }
        let batch = x_len / input;
        let shape = [&[batch][..], &self.output_shape[1..]].concat();
        check_len("out", out_len, &shape)?;
        Ok(batch)
    }
}

impl Registered for tfe_predictor_t {
    const KIND: &'static handles::Kind = &PREDICTORS;
}

static PREDICTORS: handles::Kind = handles::Kind::new("tfe_predictor_t");

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
        let defaults = tfe_session_options_default();
        let options = if options.is_null() { &defaults } else { unsafe { args::reference(options, "options") }? };
        let options = local_options(options)?;
        let out = args::out(out, "out")?;
        if max_batch == 0 {
            return Err(Failure::invalid("max_batch is 0, expected at least one sample per prediction"));
        }
        // A model without weights never names its owner; check the name anyway.
        validate_player_name(owner).and(validate_player_name(client))?;
        let predictor = PrivatePredictor::local(&model.model, max_batch, owner, client, options)?;
        let predictor = Box::new(tfe_predictor_t {
            input_shape: predictor.input_shape().to_vec(),
            output_shape: predictor.output_shape().to_vec(),
            predictor: Mutex::new(predictor),
        });
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
/// `tfe_predictor_output_shape`). The first prediction also shares the
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
        pred.batch(x.len(), out.len())?;
        let y = pred.predictor.lock().unwrap_or_else(PoisonError::into_inner).predict(x)?;
        if y.len() != out.len() {
            return Err(
                Error::internal(format!("the prediction has {} values, expected {}", y.len(), out.len())).into()
            );
        }
        out.copy_from_slice(&y);
        Ok(())
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
    ffi_boundary! { unsafe { args::read_slice(pred, "pred", (shape, rank), ("shape", "rank"), |pred| &pred.input_shape) } }
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
    ffi_boundary! { unsafe { args::read_slice(pred, "pred", (shape, rank), ("shape", "rank"), |pred| &pred.output_shape) } }
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
