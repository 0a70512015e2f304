//! Private training through the C API: a trainer made from a model's
//! layers (`nn::Trainer` over a local session), compiled with an optimizer
//! and a loss, then `fit` with a progress callback that may stop it,
//! `evaluate`, `predict`, and `export` of the trained model to its owner.

use std::ffi::{c_char, c_int, c_void};
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex, TryLockError};

use super::args;
pub use super::enums::{tfe_loss_t, tfe_metrics_t, tfe_optimizer_kind_t, tfe_schedule_t};
use super::error::{Failure, ffi_boundary, tfe_status_t};
use super::handles;
use super::nn::tfe_model_t;
use super::session::{local_options_or_default, tfe_session_options_t};
use crate::error::Error;
use crate::graph::validate_player_name;
use crate::net::Interrupt;
use crate::nn::Layer;
use crate::nn::train::{Evaluation, Fit, Loss, Metric, Optimizer, Players, Progress, Schedule, Trainer};
use crate::protocol::SeedSource;
use crate::session::LocalOptions;

/// An optimizer and its learning-rate schedule (`tfe_trainer_compile`).
/// Start from `tfe_optimizer_defaults`, which fills Keras's defaults.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct tfe_optimizer_t {
    /// A `tfe_optimizer_kind_t` value.
    pub kind: u32,
    /// A `tfe_schedule_t` value: how the learning rate changes per step.
    pub schedule: u32,
    /// The learning rate (of the first steps, with a schedule), > 0.
    pub learning_rate: f64,
    /// SGD's momentum μ in [0, 1) (0: plain SGD); ignored by Adam and `AMSgrad`.
    pub momentum: f64,
    /// Adam's and `AMSgrad`'s β1 in [0, 1); ignored by SGD.
    pub beta1: f64,
    /// Adam's and `AMSgrad`'s β2 in [0, 1); ignored by SGD.
    pub beta2: f64,
    /// Adam's and `AMSgrad`'s ε, at least 2^−12 (docs/training.md); ignored by SGD.
    pub epsilon: f64,
    /// The schedule's factor: the rate is multiplied by it every
    /// `decay_steps` steps (step), or by `decay^(step / decay_steps)`
    /// (exponential); ignored by the constant schedule.
    pub decay: f64,
    /// The schedule's steps (> 0 with a schedule); ignored by the constant one.
    pub decay_steps: u64,
}

/// What `tfe_trainer_fit` reports after each batch (`batch == batches`
/// at the end of an epoch). Times are in seconds.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct tfe_train_progress_t {
    /// The epoch, from 1.
    pub epoch: usize,
    /// Epochs in all.
    pub epochs: usize,
    /// Batches done in this epoch, from 1.
    pub batch: usize,
    /// Batches per epoch.
    pub batches: usize,
    /// The mean loss per sample of the epoch's batches so far.
    pub loss: f64,
    /// Their accuracy; NaN when compiled without `TFE_METRICS_ACCURACY`.
    pub accuracy: f64,
    /// At the end of an epoch with validation data, its mean loss; else NaN.
    pub val_loss: f64,
    /// At the end of an epoch with validation data and accuracy, its
    /// accuracy; else NaN.
    pub val_accuracy: f64,
    /// Since `tfe_trainer_fit` started.
    pub elapsed_seconds: f64,
    /// The rest of the fit, at the pace so far.
    pub eta_seconds: f64,
}

/// Receives the progress of `tfe_trainer_fit` after each batch, on the
/// thread that called `tfe_trainer_fit`, with the `user_data` given to it.
/// Returns 0 to go on; any other value stops the fit after that batch
/// (`tfe_trainer_fit` returns `TFE_ERR_ABORTED` saying so; the steps taken
/// stay). It must not unwind (no C++ exception or longjmp may leave it),
/// and must not call the trainer (such a call fails with
/// `TFE_ERR_INVALID_ARGUMENT`). `progress` is valid during the call only.
pub type tfe_train_progress_fn =
    Option<unsafe extern "C" fn(user_data: *mut c_void, progress: *const tfe_train_progress_t) -> c_int>;

/// A model being trained privately: its layers with their initial weights
/// (the model owner's), the players, and, once compiled and fitted, a
/// local session whose servers keep the weights' and the optimizer's
/// shares across calls.
///
/// Thread safety: one call at a time; a call while another call on the
/// same trainer runs (from another thread, or from a progress callback)
/// fails with `TFE_ERR_INVALID_ARGUMENT` rather than wait.
pub struct tfe_trainer_t {
    pub(super) inner: Mutex<Inner>,
    /// The trainer's interrupter, reached without the lock a call holds.
    pub(super) interrupt: Arc<Interrupt>,
}

pub(super) struct Inner {
    pub(super) trainer: Trainer,
    /// Made by `tfe_trainer_new_party`: one player of a deployment.
    pub(super) deployed: bool,
    /// This player's name, in a deployment.
    pub(super) me: Option<String>,
    /// What `tfe_trainer_set_insecure_test_seed` remakes the trainer from.
    input_shape: Vec<usize>,
    layers: Vec<Layer>,
    pub(super) players: Players,
    options: LocalOptions,
    compiled: bool,
    /// Input values per sample and outputs per sample.
    pub(super) inputs: usize,
    pub(super) outputs: usize,
}

handles::registered!(tfe_trainer_t);

// Trainers are shared between C threads behind a lock: the inside must be `Send`.
const _: fn() = || {
    fn assert_send<T: Send>() {}
    assert_send::<Trainer>();
};

impl tfe_trainer_t {
    /// The handle's object for `inner`.
    pub(super) fn new(inner: Inner) -> Box<Self> {
        Box::new(tfe_trainer_t { interrupt: inner.trainer.interrupter(), inner: Mutex::new(inner) })
    }

    /// The trainer, unless another call holds it.
    pub(super) fn lock(&self) -> Result<std::sync::MutexGuard<'_, Inner>, Failure> {
        match self.inner.try_lock() {
            Ok(inner) => Ok(inner),
            // A panic inside a call left the trainer as it was between steps.
            Err(TryLockError::Poisoned(poisoned)) => Ok(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) => Err(Failure::invalid(
                "the trainer is busy with another call (from another thread, or a progress callback calling \
                 the trainer): expected one call at a time",
            )),
        }
    }
}

impl Inner {
    /// A trainer of `model`'s layers: `make` builds it from the input
    /// shape, the layers and the players.
    pub(super) fn new(
        model: &tfe_model_t,
        players: Players,
        options: LocalOptions,
        deployed: bool,
        make: impl FnOnce(&[usize], Vec<Layer>, Players) -> crate::error::Result<Trainer>,
    ) -> Result<Self, Failure> {
        let (layers, sequential) = model.layers("layers to train")?;
        let (input_shape, layers) = (sequential.input_shape().to_vec(), layers.to_vec());
        let trainer = make(&input_shape, layers.clone(), players.clone())?;
        let outputs = sequential.output_shape(1)?.iter().product();
        Ok(Inner {
            trainer,
            deployed,
            me: None,
            inputs: input_shape.iter().product(),
            input_shape,
            layers,
            players,
            options,
            compiled: false,
            outputs,
        })
    }

    /// Refuses a call that a trainer of the other kind (local or deployed)
    /// makes instead: `instead` names it.
    pub(super) fn expect_deployed(&self, deployed: bool, instead: &str) -> Result<(), Failure> {
        if self.deployed == deployed {
            return Ok(());
        }
        let kind = if self.deployed { "a deployed player (tfe_trainer_new_party)" } else { "local" };
        Err(Failure::invalid(format!("this trainer is {kind}: call {instead} instead")))
    }

    /// The samples of `x` and `y` (names as the parameters).
    fn samples(&self, (x, x_param): (&[f64], &str), (y, y_param): (&[f64], &str)) -> Result<usize, Failure> {
        let samples = x.len() / self.inputs;
        if x.is_empty() || samples * self.inputs != x.len() || y.len() != samples * self.outputs {
            return Err(Failure::invalid(format!(
                "'{x_param}' has {} and '{y_param}' {} values, expected the same number of samples of {} \
                 features and {} labels each (batch first)",
                x.len(),
                y.len(),
                self.inputs,
                self.outputs
            )));
        }
        Ok(samples)
    }
}

/// Makes a trainer of `model`'s layers as added (batch normalizations stay
/// layers of their own, trained with batch statistics), all players on
/// threads of this process: `model_owner` (owns the weights and learns the
/// losses, metrics, predictions and the trained weights), `data_owner`
/// (provides the features) and `label_owner` (provides the labels), and
/// the servers `server0` to `server2`. `options` (NULL: the defaults)
/// choose the transport and timeouts. The players start at the first fit,
/// evaluation or prediction.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (a bad player name; a model whose
/// output is not one vector per sample: end it with Dense or Flatten) or
/// `TFE_ERR_CONFIG` (bad options).
///
/// Ownership: every argument is borrowed for the call (the trainer keeps a
/// copy of the layers: the model may be freed).
///
/// # Safety
/// The names are NUL-terminated strings; `options` is NULL or points to a
/// `tfe_session_options_t`; `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_trainer_new_local(
    model: *const tfe_model_t,
    model_owner: *const c_char,
    data_owner: *const c_char,
    label_owner: *const c_char,
    options: *const tfe_session_options_t,
    out: *mut *mut tfe_trainer_t,
) -> tfe_status_t {
    ffi_boundary! {
        let model = unsafe { handles::get(model, "model") }?;
        let model_owner = unsafe { args::string(model_owner, "model_owner") }?;
        let data_owner = unsafe { args::string(data_owner, "data_owner") }?;
        let label_owner = unsafe { args::string(label_owner, "label_owner") }?;
        let options = unsafe { local_options_or_default(options) }?;
        let out = args::out(out, "out")?;
        let players = players(model_owner, data_owner, label_owner)?;
        let inner = Inner::new(model, players, options.clone(), false, |input_shape, layers, players| {
            Trainer::new(input_shape, layers, players, options)
        })?;
        unsafe { out.write(handles::register(tfe_trainer_t::new(inner))) };
        Ok(())
    }
}

/// The players of a trainer, their names checked (named as the parameters).
pub(super) fn players(model_owner: &str, data_owner: &str, label_owner: &str) -> Result<Players, Failure> {
    for (param, name) in [("model_owner", model_owner), ("data_owner", data_owner), ("label_owner", label_owner)] {
        validate_player_name(name).map_err(|e| Failure::invalid(format!("'{param}': {e}")))?;
    }
    Ok(Players { model_owner: model_owner.into(), data_owner: data_owner.into(), label_owner: label_owner.into() })
}

/// Stops the trainer's players and frees it. `tfe_trainer_free(NULL)` does
/// nothing. Models it exported stay valid.
///
/// # Safety
/// No other thread is using `trainer`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_trainer_free(trainer: *mut tfe_trainer_t) {
    ffi_boundary! { drop(handles::unregister(trainer)) }
}

/// FOR TESTS ONLY, INSECURE: the servers' pairwise seeds and every player's
/// own randomness come from `seed` instead of OS entropy, so two trainings
/// of the same model on the same data give the same weights bit for bit
/// (and anyone who knows `seed` can undo the secret sharing). Call it
/// before `tfe_trainer_compile`.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (the trainer is compiled already).
///
/// # Safety
/// The exports' contract.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_trainer_set_insecure_test_seed(trainer: *mut tfe_trainer_t, seed: u64) -> tfe_status_t {
    ffi_boundary! {
        let trainer = unsafe { handles::get(trainer.cast_const(), "trainer") }?;
        let mut inner = trainer.lock()?;
        if inner.deployed {
            return Err(Failure::invalid(
                "this trainer is a deployed player (tfe_trainer_new_party), whose seeds come from OS entropy: a \
                 test seed is for local trainers",
            ));
        }
        if inner.compiled {
            return Err(Failure::invalid("the trainer is compiled already: set the test seed before tfe_trainer_compile"));
        }
        let options = LocalOptions { seeds: SeedSource::InsecureDeterministicForTests(seed), ..inner.options.clone() };
        inner.trainer = Trainer::new(&inner.input_shape, inner.layers.clone(), inner.players.clone(), options.clone())?;
        inner.trainer.set_interrupter(trainer.interrupt.clone());
        inner.options = options;
        Ok(())
    }
}

/// Fills `out` with Keras's defaults for optimizer `kind` (a
/// `tfe_optimizer_kind_t`): a constant learning rate of 0.01 (SGD) or 0.001
/// (Adam, `AMSgrad`), no momentum, β1 = 0.9, β2 = 0.999, ε = 2^−8 (Keras's
/// 10^−7 is below what fixed point allows: docs/training.md), and a decay
/// of 1 every step for a schedule set later.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (an unknown kind).
///
/// # Safety
/// `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_optimizer_defaults(kind: u32, out: *mut tfe_optimizer_t) -> tfe_status_t {
    ffi_boundary! {
        let out = args::out(out, "out")?;
        let kind = optimizer_kind(kind)?;
        let learning_rate = if kind == tfe_optimizer_kind_t::TFE_OPTIMIZER_SGD { 0.01 } else { 0.001 };
        let defaults = tfe_optimizer_t {
            kind: kind as u32,
            schedule: tfe_schedule_t::TFE_SCHEDULE_CONSTANT as u32,
            learning_rate,
            momentum: 0.0,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1.0 / 256.0,
            decay: 1.0,
            decay_steps: 1,
        };
        unsafe { out.write(defaults) };
        Ok(())
    }
}

fn optimizer_kind(kind: u32) -> Result<tfe_optimizer_kind_t, Failure> {
    match kind {
        0 => Ok(tfe_optimizer_kind_t::TFE_OPTIMIZER_SGD),
        1 => Ok(tfe_optimizer_kind_t::TFE_OPTIMIZER_ADAM),
        2 => Ok(tfe_optimizer_kind_t::TFE_OPTIMIZER_AMSGRAD),
        other => Err(Failure::invalid(format!(
            "optimizer kind {other}: expected TFE_OPTIMIZER_SGD (0), TFE_OPTIMIZER_ADAM (1) or TFE_OPTIMIZER_AMSGRAD (2)"
        ))),
    }
}

/// The Rust optimizer of a C one; messages name the field.
fn optimizer(o: &tfe_optimizer_t) -> Result<Optimizer, Failure> {
    let kind = optimizer_kind(o.kind)?;
    let positive = |name: &str, v: f64| {
        if v.is_finite() && v > 0.0 {
            Ok(v)
        } else {
            Err(Failure::invalid(format!("optimizer.{name} is {v}, expected a finite value > 0")))
        }
    };
    let unit = |name: &str, v: f64| {
        if (0.0..1.0).contains(&v) {
            Ok(v)
        } else {
            Err(Failure::invalid(format!("optimizer.{name} is {v}, expected a value in [0, 1)")))
        }
    };
    let initial = positive("learning_rate", o.learning_rate)?;
    let steps = || -> Result<usize, Failure> {
        match usize::try_from(o.decay_steps) {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(Failure::invalid(format!("optimizer.decay_steps is {}, expected at least 1", o.decay_steps))),
        }
    };
    let lr = match o.schedule {
        0 => Schedule::Constant(initial),
        1 => Schedule::Step { initial, factor: positive("decay", o.decay)?, every: steps()? },
        2 => Schedule::Exponential { initial, rate: positive("decay", o.decay)?, steps: steps()? },
        other => {
            return Err(Failure::invalid(format!(
                "optimizer.schedule is {other}: expected TFE_SCHEDULE_CONSTANT (0), TFE_SCHEDULE_STEP (1) or \
                 TFE_SCHEDULE_EXPONENTIAL (2)"
            )));
        }
    };
    let optimizer = match kind {
        tfe_optimizer_kind_t::TFE_OPTIMIZER_SGD => Optimizer::Sgd { lr, momentum: unit("momentum", o.momentum)? },
        tfe_optimizer_kind_t::TFE_OPTIMIZER_ADAM | tfe_optimizer_kind_t::TFE_OPTIMIZER_AMSGRAD => {
            let (beta1, beta2) = (unit("beta1", o.beta1)?, unit("beta2", o.beta2)?);
            let epsilon = positive("epsilon", o.epsilon)?;
            if kind == tfe_optimizer_kind_t::TFE_OPTIMIZER_ADAM {
                Optimizer::Adam { lr, beta1, beta2, epsilon }
            } else {
                Optimizer::Amsgrad { lr, beta1, beta2, epsilon }
            }
        }
    };
    optimizer.validate()?;
    Ok(optimizer)
}

fn loss(loss: u32) -> Result<Loss, Failure> {
    Ok(match loss {
        0 => Loss::BinaryCrossentropy { from_logits: false },
        1 => Loss::BinaryCrossentropy { from_logits: true },
        2 => Loss::CategoricalCrossentropy { from_logits: false },
        3 => Loss::CategoricalCrossentropy { from_logits: true },
        4 => Loss::MeanSquaredError,
        other => {
            return Err(Failure::invalid(format!(
                "loss {other}: expected TFE_LOSS_BINARY_CROSSENTROPY (0), TFE_LOSS_BINARY_CROSSENTROPY_FROM_LOGITS \
                 (1), TFE_LOSS_CATEGORICAL_CROSSENTROPY (2), TFE_LOSS_CATEGORICAL_CROSSENTROPY_FROM_LOGITS (3) or \
                 TFE_LOSS_MEAN_SQUARED_ERROR (4)"
            )));
        }
    })
}

/// Sets the optimizer (`optimizer`, see `tfe_optimizer_defaults`), the
/// loss (`loss`, a `tfe_loss_t`) and the metrics (`metrics`, a
/// `tfe_metrics_t`), before the first fit, evaluation or prediction; a
/// second compile before those replaces the first.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (an unknown kind, schedule, loss or
/// metrics value; a learning rate, momentum, β, ε, decay or decay steps out
/// of its domain, the message naming the field; the trainer has run
/// already).
///
/// # Safety
/// `optimizer` points to a `tfe_optimizer_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_trainer_compile(
    trainer: *mut tfe_trainer_t,
    optimizer: *const tfe_optimizer_t,
    loss: u32,
    metrics: u32,
) -> tfe_status_t {
    ffi_boundary! {
        let trainer = unsafe { handles::get(trainer.cast_const(), "trainer") }?;
        let optimizer = self::optimizer(unsafe { args::reference(optimizer, "optimizer") }?)?;
        let loss = self::loss(loss)?;
        let metrics: &[Metric] = match metrics {
            0 => &[],
            1 => &[Metric::Accuracy],
            other => {
                return Err(Failure::invalid(format!(
                    "metrics {other}: expected TFE_METRICS_NONE (0) or TFE_METRICS_ACCURACY (1)"
                )));
            }
        };
        let mut inner = trainer.lock()?;
        inner.trainer.compile(optimizer, loss, metrics)?;
        inner.compiled = true;
        Ok(())
    }
}

/// Hands `p` to the caller's `progress` callback (NULL: none); its nonzero
/// return stops the fit.
///
/// # Safety
/// `progress` follows `tfe_train_progress_fn`.
pub(super) unsafe fn report_progress(
    progress: tfe_train_progress_fn,
    user_data: *mut c_void,
    p: &Progress,
) -> ControlFlow<String> {
    let Some(callback) = progress else { return ControlFlow::Continue(()) };
    let report = c_progress(p);
    // SAFETY: `progress` follows `tfe_train_progress_fn`: the caller's contract.
    match unsafe { callback(user_data, &raw const report) } {
        0 => ControlFlow::Continue(()),
        code => ControlFlow::Break(format!(
            "the progress callback returned {code} after batch {} of {} in epoch {} of {}: fit stopped",
            p.batch, p.batches, p.epoch, p.epochs
        )),
    }
}

fn c_progress(p: &Progress) -> tfe_train_progress_t {
    let (val_loss, val_accuracy) = match p.validation {
        Some(v) => (v.loss, v.accuracy.unwrap_or(f64::NAN)),
        None => (f64::NAN, f64::NAN),
    };
    tfe_train_progress_t {
        epoch: p.epoch,
        epochs: p.epochs,
        batch: p.batch,
        batches: p.batches,
        loss: p.train.loss,
        accuracy: p.train.accuracy.unwrap_or(f64::NAN),
        val_loss,
        val_accuracy,
        elapsed_seconds: p.elapsed.as_secs_f64(),
        eta_seconds: p.eta.as_secs_f64(),
    }
}

/// Trains for `epochs` passes over the samples `x` (the data owner's,
/// row-major, batch first: whole samples of the model's input size) with
/// labels `y` (the label owner's: one row of the model's output size per
/// sample, one-hot or 0/1), `batch_size` samples per step (a last partial
/// batch is dropped, as Keras's `drop_remainder`), in the order given.
/// With `val_x` and `val_y` (both NULL with length 0 for none), evaluates
/// them after each epoch. After each batch, calls `progress` (NULL: none)
/// with `user_data`; a nonzero return stops the fit there.
///
/// The graph is built at the first fit for its batch size: later fits must
/// use the same batch size. Losses and accuracies are revealed to the
/// model owner only; so are the values of an overflow report.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (not compiled; counts that are not
/// whole samples, or of features and labels for different numbers of
/// samples, the message naming the parameters; a batch size of 0, larger
/// than the samples, or other than the first fit's; 0 epochs; a value out
/// of the fixed-point range; a learning rate whose step scalar, lr/batch
/// for SGD, fixed point cannot hold: nonzero below 2^−f, where it would
/// round to 0, or beyond 2^i; the message names the step; a categorical
/// cross-entropy from logits over more than 32,768 classes),
/// `TFE_ERR_ABORTED` (the progress callback returned nonzero: the message
/// gives its value, the epoch and batch),
/// `TFE_ERR_OUT_OF_RANGE` (a step's values left the fixed-point range: the
/// message names the step and the tensor; lower the learning rate or
/// scale the data), or the run statuses of `tfe_session_run`.
///
/// # Safety
/// `x`, `y`, `val_x`, `val_y` point to their lengths of doubles (or are
/// NULL with length 0); `progress`, if not NULL, follows `tfe_train_progress_fn`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_trainer_fit(
    trainer: *mut tfe_trainer_t,
    x: *const f64,
    x_len: usize,
    y: *const f64,
    y_len: usize,
    epochs: usize,
    batch_size: usize,
    val_x: *const f64,
    val_x_len: usize,
    val_y: *const f64,
    val_y_len: usize,
    progress: tfe_train_progress_fn,
    user_data: *mut c_void,
) -> tfe_status_t {
    ffi_boundary! {
        let trainer = unsafe { handles::get(trainer.cast_const(), "trainer") }?;
        let x = unsafe { args::slice(x, x_len, "x") }?;
        let y = unsafe { args::slice(y, y_len, "y") }?;
        let val_x = unsafe { args::slice(val_x, val_x_len, "val_x") }?;
        let val_y = unsafe { args::slice(val_y, val_y_len, "val_y") }?;
        let mut inner = trainer.lock()?;
        inner.expect_deployed(false, "tfe_trainer_fit_party")?;
        let samples = inner.samples((x, "x"), (y, "y"))?;
        let validation = if val_x.is_empty() && val_y.is_empty() {
            None
        } else {
            inner.samples((val_x, "val_x"), (val_y, "val_y"))?;
            Some((val_x, val_y))
        };
        if epochs == 0 {
            return Err(Failure::invalid("epochs is 0, expected at least 1"));
        }
        if batch_size == 0 || batch_size > samples {
            return Err(Failure::invalid(format!("batch_size is {batch_size}, expected 1 to the {samples} samples of 'x'")));
        }
        let fit = Fit { epochs, batch_size, validation };
        inner.trainer.fit_until(x, y, fit, &mut |p| unsafe { report_progress(progress, user_data, p) })?;
        Ok(())
    }
}

/// The body of the evaluate exports: `evaluate` on the trainer, which must
/// be deployed or not as `deployed` says (`instead` names the call for the
/// other kind), its loss and accuracy (NaN when not measured) written to
/// the out-params.
///
/// # Safety
/// The exports' contract (see `ffi_boundary!`).
pub(super) unsafe fn evaluate_into(
    trainer: *mut tfe_trainer_t,
    (loss, accuracy): (*mut f64, *mut f64),
    (deployed, instead): (bool, &str),
    evaluate: impl FnOnce(&mut Inner) -> Result<Evaluation, Failure>,
) -> Result<(), Failure> {
    let trainer = unsafe { handles::get(trainer.cast_const(), "trainer") }?;
    let loss = args::out(loss, "loss")?;
    let accuracy = args::out(accuracy, "accuracy")?;
    let mut inner = trainer.lock()?;
    inner.expect_deployed(deployed, instead)?;
    let evaluation = evaluate(&mut inner)?;
    unsafe {
        loss.write(evaluation.loss);
        accuracy.write(evaluation.accuracy.unwrap_or(f64::NAN));
    }
    Ok(())
}

/// The mean loss per sample and the accuracy of the samples `x` with labels
/// `y` (as for `tfe_trainer_fit`), with the weights as trained so far, into
/// `*loss` and `*accuracy` (NaN when compiled without
/// `TFE_METRICS_ACCURACY`); revealed to the model owner only. Before any
/// fit, the graph is built for batches of 32.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (not compiled; counts that are not
/// whole samples, or for different numbers of samples), or the run
/// statuses of `tfe_session_run`.
///
/// # Safety
/// `x` and `y` point to their lengths of doubles; `loss` and `accuracy` to
/// writable doubles.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_trainer_evaluate(
    trainer: *mut tfe_trainer_t,
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
            evaluate_into(trainer, (loss, accuracy), (false, "tfe_trainer_evaluate_party"), |inner| {
                inner.samples((x, "x"), (y, "y"))?;
                Ok(inner.trainer.evaluate(x, y)?)
            })
        }
    }
}

/// The model's outputs for the samples `x` (whole samples, batch first)
/// into `out` (`out_len` = samples x the model's output size), with the
/// weights as trained so far, revealed to the model owner only.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (not compiled; `x_len` not whole
/// samples or `out_len` not what they need, with the expected counts), or
/// the run statuses of `tfe_session_run`.
///
/// # Safety
/// `x` points to `x_len` doubles and `out` to `out_len` writable doubles.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_trainer_predict(
    trainer: *mut tfe_trainer_t,
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
        inner.expect_deployed(false, "tfe_trainer_predict_party")?;
        let (inputs, outputs) = (inner.inputs, inner.outputs);
        let samples = x.len() / inputs;
        if x.is_empty() || samples * inputs != x.len() {
            return Err(Failure::invalid(format!(
                "'x' has {} values, expected whole samples of {inputs} values each",
                x.len()
            )));
        }
        if out.len() != samples * outputs {
            return Err(Failure::invalid(format!(
                "'out' has {} values, expected {} ({samples} samples of {outputs} outputs)",
                out.len(),
                samples * outputs
            )));
        }
        let y = inner.trainer.predict(x)?;
        if y.len() != out.len() {
            return Err(Error::internal(format!("the prediction has {} values, expected {}", y.len(), out.len())).into());
        }
        out.copy_from_slice(&y);
        Ok(())
    }
}

/// The trained model: a new `tfe_model_t` with the weights as trained so
/// far, revealed to the model owner only (batch normalizations folded, as
/// `tfe_model_layer_count` counts them). Read them with
/// `tfe_model_weight`; predict with it in plaintext or privately. Free it
/// with `tfe_model_free`. Of a deployed trainer (`tfe_trainer_new_party`)
/// every player calls it; the model owner receives the model, every other
/// player NULL.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (not compiled), or the run statuses
/// of `tfe_session_run`.
///
/// # Safety
/// `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_trainer_export(trainer: *mut tfe_trainer_t, out: *mut *mut tfe_model_t) -> tfe_status_t {
    ffi_boundary! {
        let trainer = unsafe { handles::get(trainer.cast_const(), "trainer") }?;
        let out = args::out(out, "out")?;
        let mut inner = trainer.lock()?;
        let model = if inner.deployed { inner.trainer.export_as_player()? } else { Some(inner.trainer.export()?) };
        let model = match model {
            Some(model) => handles::register(Box::new(tfe_model_t::from_sequential(&model)?)),
            None => std::ptr::null_mut(),
        };
        unsafe { out.write(model) };
        Ok(())
    }
}
