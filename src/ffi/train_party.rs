//! Private training as one player of a deployment: every player of the
//! hostmap makes the same trainer (`tfe_trainer_new_party`), compiles it
//! the same way, and calls `tfe_trainer_fit_party` with the same sample
//! count, the data owner with the features, the label owner with the
//! labels, the others with neither (and `tfe_trainer_evaluate_party`,
//! `tfe_trainer_predict_party` likewise); `tfe_trainer_export` gives the
//! model owner the trained model, and `tfe_trainer_finish` waits for the
//! others.

use std::ffi::{c_char, c_void};
use std::sync::Arc;

use super::args;
use super::error::{Failure, ffi_boundary, tfe_status_t};
use super::handles;
use super::nn::tfe_model_t;
use super::train::{Inner, evaluate_into, players, report_progress, tfe_train_progress_fn, tfe_trainer_t};
use crate::deploy::Hostmap;
use crate::deploy::party::{ChannelSecurity, open_cancellable};
use crate::error::Error;
use crate::net::Cancel;
use crate::nn::train::{Fit, PlayerData, Trainer};
use crate::session::LocalOptions;

/// Makes a trainer of `model`'s layers (as `tfe_trainer_new_local`) as
/// player `me` of the deployment the hostmap file at `hostmap_path`
/// describes, over TLS 1.3 with `me`'s private key at `tls_key_path` (as
/// `tfe_party_open`). Every player of the hostmap makes the same trainer
/// with the same players; the initial weights count at `model_owner` only.
/// The players connect at the first fit, evaluation or export (each waits
/// up to the hostmap's connect timeout for the others).
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (a bad player name; a model whose
/// output is not one vector per sample), `TFE_ERR_CONFIG` (a bad hostmap or
/// key; `me` missing from it).
///
/// Ownership: every argument is borrowed for the call (the trainer keeps a
/// copy of the layers and of the hostmap).
///
/// # Safety
/// The strings are NUL-terminated; `out` points to writable memory.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn tfe_trainer_new_party(
    model: *const tfe_model_t,
    hostmap_path: *const c_char,
    me: *const c_char,
    tls_key_path: *const c_char,
    model_owner: *const c_char,
    data_owner: *const c_char,
    label_owner: *const c_char,
    out: *mut *mut tfe_trainer_t,
) -> tfe_status_t {
    ffi_boundary! {
        let security = unsafe { super::party::tls_security(tls_key_path) }?;
        unsafe { new_party(model, hostmap_path, me, security, (model_owner, data_owner, label_owner), out) }
    }
}

/// As `tfe_trainer_new_party`, over plaintext TCP: anyone on the network
/// path can read and change the shares. For tests and isolated networks
/// only.
///
/// # Safety
/// As `tfe_trainer_new_party`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_trainer_new_party_insecure_plaintext(
    model: *const tfe_model_t,
    hostmap_path: *const c_char,
    me: *const c_char,
    model_owner: *const c_char,
    data_owner: *const c_char,
    label_owner: *const c_char,
    out: *mut *mut tfe_trainer_t,
) -> tfe_status_t {
    ffi_boundary! {
        let security = ChannelSecurity::InsecurePlaintext;
        unsafe { new_party(model, hostmap_path, me, security, (model_owner, data_owner, label_owner), out) }
    }
}

/// # Safety
/// As `tfe_trainer_new_party`.
unsafe fn new_party(
    model: *const tfe_model_t,
    hostmap_path: *const c_char,
    me: *const c_char,
    security: ChannelSecurity,
    (model_owner, data_owner, label_owner): (*const c_char, *const c_char, *const c_char),
    out: *mut *mut tfe_trainer_t,
) -> Result<(), Failure> {
    let model = unsafe { handles::get(model, "model") }?;
    let hostmap_path = unsafe { args::string(hostmap_path, "hostmap_path") }?;
    let me = unsafe { args::string(me, "me") }?.to_string();
    let owner = me.clone();
    let model_owner = unsafe { args::string(model_owner, "model_owner") }?;
    let data_owner = unsafe { args::string(data_owner, "data_owner") }?;
    let label_owner = unsafe { args::string(label_owner, "label_owner") }?;
    let out = args::out(out, "out")?;
    let players = players(model_owner, data_owner, label_owner)?;
    let hostmap = Arc::new(Hostmap::load(hostmap_path)?);
    hostmap.entry(&me)?;
    let mut inner = Inner::new(model, players, LocalOptions::default(), true, |input_shape, layers, players| {
        let connect =
            Box::new(move |graph, cancel: Cancel<'_>| open_cancellable(&hostmap, graph, &me, &security, cancel));
        Trainer::player(input_shape, layers, players, None, connect)
    })?;
    inner.me = Some(owner);
    unsafe { out.write(handles::register(tfe_trainer_t::new(inner))) };
    Ok(())
}

/// This player's view of `samples` samples: the features where it is the
/// data owner (`x`, whole samples), the labels where it is the label owner
/// (`y`), checked against the count.
fn view<'a>(inner: &Inner, samples: usize, (x, y): (&'a [f64], &'a [f64])) -> Result<PlayerData<'a>, Failure> {
    for (param, values, per_sample) in [("x", x, inner.inputs), ("y", y, inner.outputs)] {
        if !values.is_empty() && values.len() != samples * per_sample {
            return Err(Failure::invalid(format!(
                "'{param}' has {} values, expected none (another player owns them) or the {samples} samples' {} \
                 ({per_sample} each)",
                values.len(),
                samples * per_sample
            )));
        }
    }
    if samples == 0 {
        return Err(Failure::invalid("samples is 0, expected the number of samples every player trains on"));
    }
    let some = |v: &'a [f64]| (!v.is_empty()).then_some(v);
    Ok(PlayerData { samples: vec![samples], x: vec![some(x)], y: some(y) })
}

/// Trains a deployed trainer as `tfe_trainer_fit` does a local one: every
/// player calls it with the same `samples` (public), `epochs` and
/// `batch_size`; the data owner passes its features `x` (`samples` x the
/// input size), the label owner its labels `y`, every other player NULL
/// with length 0 for what it does not own. `progress` (NULL: none) runs at
/// every player after each batch; the losses and accuracies are the model
/// owner's (NaN at the others). A nonzero return stops this player, and
/// the others with `TFE_ERR_ABORTED` naming it.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (a local trainer; not compiled; `x` or
/// `y` not empty and not `samples` whole samples; a batch size of 0 or
/// larger than `samples`, or other than the first fit's; 0 epochs),
/// `TFE_ERR_ABORTED`, `TFE_ERR_OUT_OF_RANGE` (as `tfe_trainer_fit`), or the
/// statuses of `tfe_party_open` and `tfe_party_run` (a player that cannot
/// connect, a dead or silent player, named).
///
/// # Safety
/// `x` and `y` point to their lengths of doubles (or are NULL with length
/// 0); `progress`, if not NULL, follows `tfe_train_progress_fn`.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn tfe_trainer_fit_party(
    trainer: *mut tfe_trainer_t,
    samples: usize,
    x: *const f64,
    x_len: usize,
    y: *const f64,
    y_len: usize,
    epochs: usize,
    batch_size: usize,
    progress: tfe_train_progress_fn,
    user_data: *mut c_void,
) -> tfe_status_t {
    ffi_boundary! {
        let trainer = unsafe { handles::get(trainer.cast_const(), "trainer") }?;
        let x = unsafe { args::slice(x, x_len, "x") }?;
        let y = unsafe { args::slice(y, y_len, "y") }?;
        let mut inner = trainer.lock()?;
        inner.expect_deployed(true, "tfe_trainer_fit")?;
        let data = view(&inner, samples, (x, y))?;
        if epochs == 0 {
            return Err(Failure::invalid("epochs is 0, expected at least 1"));
        }
        if batch_size == 0 || batch_size > samples {
            return Err(Failure::invalid(format!("batch_size is {batch_size}, expected 1 to the {samples} samples")));
        }
        let fit = Fit { epochs, batch_size, validation: None };
        inner.trainer.fit_as_player(&data, None, fit, &mut |p| unsafe { report_progress(progress, user_data, p) })?;
        Ok(())
    }
}

/// Evaluates a deployed trainer as `tfe_trainer_evaluate` does a local one,
/// `samples`, `x` and `y` as for `tfe_trainer_fit_party`: the model owner
/// receives the mean loss per sample and the accuracy (NaN without
/// `TFE_METRICS_ACCURACY`), every other player NaN for both.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (a local trainer; not compiled; counts
/// as for `tfe_trainer_fit_party`), or the statuses of `tfe_party_run`.
///
/// # Safety
/// `x` and `y` point to their lengths of doubles (or are NULL with length
/// 0); `loss` and `accuracy` to writable doubles.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn tfe_trainer_evaluate_party(
    trainer: *mut tfe_trainer_t,
    samples: usize,
    x: *const f64,
    x_len: usize,
    y: *const f64,
    y_len: usize,
    loss: *mut f64,
    accuracy: *mut f64,
) -> tfe_status_t {
    ffi_boundary! {
        let x = unsafe { args::slice(x, x_len, "x") }?;
        let y = unsafe { args::slice(y, y_len, "y") }?;
        unsafe {
            evaluate_into(trainer, (loss, accuracy), (true, "tfe_trainer_evaluate"), |inner| {
                let data = view(inner, samples, (x, y))?;
                Ok(inner.trainer.evaluate_as_player(&data)?)
            })
        }
    }
}

/// The model's outputs for `samples` samples at a deployed trainer, as
/// `tfe_trainer_predict` for a local one: every player calls it with the
/// same `samples`; the data owner passes its features `x`, every other
/// player NULL with length 0. The model owner receives the outputs in `out`
/// (`out_len` = `samples` x the model's output size); every other player
/// passes NULL with length 0 and receives nothing.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (a local trainer; not compiled; `x`
/// not empty and not `samples` whole samples; `out_len` not what this
/// player receives), or the statuses of `tfe_party_run`.
///
/// # Safety
/// `x` points to `x_len` doubles and `out` to `out_len` writable doubles
/// (either NULL with length 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_trainer_predict_party(
    trainer: *mut tfe_trainer_t,
    samples: usize,
    x: *const f64,
    x_len: usize,
    out: *mut f64,
    out_len: usize,
) -> tfe_status_t {
    ffi_boundary! {
        let trainer = unsafe { handles::get(trainer.cast_const(), "trainer") }?;
        let x = unsafe { args::slice(x, x_len, "x") }?;
        let out = unsafe { args::slice_mut(out, out_len, "out") }?;
        let mut inner = trainer.lock()?;
        inner.expect_deployed(true, "tfe_trainer_predict")?;
        let data = view(&inner, samples, (x, &[]))?;
        let learns = inner.me.as_deref() == Some(inner.players.model_owner.as_str());
        let expected = if learns { samples * inner.outputs } else { 0 };
        if out.len() != expected {
            let why = if learns {
                format!("{expected}: the {samples} samples' {} outputs each", inner.outputs)
            } else {
                format!("none: only the model owner '{}' receives the outputs", inner.players.model_owner)
            };
            return Err(Failure::invalid(format!("'out' has {} values, expected {why}", out.len())));
        }
        match inner.trainer.predict_as_player(&data)? {
            Some(y) if y.len() == out.len() => out.copy_from_slice(&y),
            None if !learns => {}
            _ => return Err(Error::internal("the model owner's predictions do not have the checked length").into()),
        }
        Ok(())
    }
}

/// At a deployed trainer, after this player's last call: says it runs no
/// more and waits until every other player has completed the same calls,
/// so that no player's connections close under another's last run. Does
/// nothing for a local trainer.
///
/// Returns `TFE_ERR_NETWORK` or `TFE_ERR_TIMEOUT` (a player stopped first or
/// never finished; named), or `TFE_ERR_ABORTED` (a player aborted its last
/// run; `tfe_trainer_interrupt` ends the wait).
///
/// # Safety
/// None beyond a live or NULL `trainer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_trainer_finish(trainer: *mut tfe_trainer_t) -> tfe_status_t {
    ffi_boundary! {
        let trainer = unsafe { handles::get(trainer.cast_const(), "trainer") }?;
        trainer.lock()?.trainer.finish()?;
        Ok(())
    }
}
