//! The trainer of the C API against `nn::Trainer`: the same model, data,
//! hyperparameters and insecure test seed give the same weights bit for
//! bit (so every field of `tfe_optimizer_t` and every argument reaches the
//! Rust trainer), for each optimizer and schedule; a callback that stops
//! fit is a status naming it.

use std::ffi::{c_int, c_void};
use std::ptr;

use super::enums::{tfe_loss_t, tfe_metrics_t, tfe_optimizer_kind_t, tfe_schedule_t};
use super::nn::{tfe_model_free, tfe_model_new, tfe_model_weight};
use super::nn_layers::{tfe_model_add_dense, tfe_model_add_sigmoid};
use super::session::{tfe_session_options_default, tfe_session_options_t};
use super::tests::last_message;
use super::train::*;
use super::{tfe_model_t, tfe_status_t, tfe_transport_t};
use crate::nn::Layer;
use crate::nn::train::{Fit, Loss, Metric, Optimizer, Players, Schedule, Trainer};
use crate::protocol::SeedSource;
use crate::session::{LocalOptions, Transport};

const W: [f64; 2] = [0.25, -0.5];
const SEED: u64 = 5;

fn data() -> (Vec<f64>, Vec<f64>) {
    let x: Vec<f64> = (0..32).map(|i| f64::from((i * 37) % 17) / 8.0 - 1.0).collect();
    let y = x.chunks(2).map(|r| f64::from(u8::from(r[0] - r[1] / 2.0 > 0.1))).collect();
    (x, y)
}

pub(super) fn ok(status: tfe_status_t) {
    assert_eq!(status, tfe_status_t::TFE_OK, "{}", last_message());
}

/// A logistic regression on 2 features, weights [`W`] and bias 0.
pub(super) fn logistic_model() -> *mut tfe_model_t {
    let mut model = ptr::null_mut();
    // SAFETY: valid pointers and lengths.
    unsafe {
        ok(tfe_model_new([2].as_ptr(), 1, &raw mut model));
        ok(tfe_model_add_dense(model, 2, 1, W.as_ptr(), 2, [0.0].as_ptr(), 1));
        ok(tfe_model_add_sigmoid(model));
    }
    model
}

/// The defaults of an optimizer kind.
pub(super) fn optimizer_defaults(kind: tfe_optimizer_kind_t) -> tfe_optimizer_t {
    let mut o = std::mem::MaybeUninit::uninit();
    // SAFETY: a writable out-param.
    ok(unsafe { tfe_optimizer_defaults(kind as u32, o.as_mut_ptr()) });
    // SAFETY: written on success.
    unsafe { o.assume_init() }
}

/// `tfe_trainer_fit` of all of `x` and `y`, with no validation data.
///
/// # Safety
/// `trainer` is live or NULL; `progress` is NULL or takes `user_data`.
pub(super) unsafe fn fit_all(
    trainer: *mut tfe_trainer_t,
    (x, y): (&[f64], &[f64]),
    (epochs, batch_size): (usize, usize),
    (progress, user_data): (tfe_train_progress_fn, *mut c_void),
) -> tfe_status_t {
    let (none, (x, n), (y, m)) = (ptr::null(), (x.as_ptr(), x.len()), (y.as_ptr(), y.len()));
    // SAFETY: the slices' pointers and lengths, no validation data; the caller's contract.
    unsafe { tfe_trainer_fit(trainer, x, n, y, m, epochs, batch_size, none, 0, none, 0, progress, user_data) }
}

/// The weights after two epochs of batches of 4 through the C API.
fn through_c(optimizer: &tfe_optimizer_t) -> Vec<f64> {
    let (x, y) = data();
    let model = logistic_model();
    let mut trainer: *mut tfe_trainer_t = ptr::null_mut();
    let options = tfe_session_options_t {
        transport: tfe_transport_t::TFE_TRANSPORT_MEMORY as u32,
        ..tfe_session_options_default()
    };
    // SAFETY: valid pointers and NUL-terminated names throughout.
    unsafe {
        let (owner, data, labels) = (c"model-owner".as_ptr(), c"data-owner".as_ptr(), c"label-owner".as_ptr());
        ok(tfe_trainer_new_local(model, owner, data, labels, &raw const options, &raw mut trainer));
        tfe_model_free(model);
        ok(tfe_trainer_set_insecure_test_seed(trainer, SEED));
        let (loss, metrics) = (tfe_loss_t::TFE_LOSS_BINARY_CROSSENTROPY, tfe_metrics_t::TFE_METRICS_ACCURACY);
        ok(tfe_trainer_compile(trainer, optimizer, loss as u32, metrics as u32));
        ok(fit_all(trainer, (&x, &y), (2, 4), (None, ptr::null_mut())));
        let mut exported: *mut tfe_model_t = ptr::null_mut();
        ok(tfe_trainer_export(trainer, &raw mut exported));
        let mut weights = Vec::new();
        for i in 0..2 {
            let (mut values, mut len) = (ptr::null(), 0);
            ok(tfe_model_weight(exported, i, &raw mut values, &raw mut len));
            weights.extend_from_slice(std::slice::from_raw_parts(values, len));
        }
        tfe_model_free(exported);
        tfe_trainer_free(trainer);
        weights
    }
}

/// The same training with `nn::Trainer`.
fn in_rust(optimizer: Optimizer) -> Vec<f64> {
    let (x, y) = data();
    let layers = vec![Layer::dense(2, 1, W.to_vec(), vec![0.0]).unwrap(), Layer::Sigmoid];
    let options = LocalOptions {
        transport: Transport::Memory,
        seeds: SeedSource::InsecureDeterministicForTests(SEED),
        ..LocalOptions::default()
    };
    let mut trainer = Trainer::new(&[2], layers, Players::default(), options).unwrap();
    trainer.compile(optimizer, Loss::BinaryCrossentropy { from_logits: false }, &[Metric::Accuracy]).unwrap();
    trainer.fit(&x, &y, Fit { epochs: 2, batch_size: 4, validation: None }, &mut |_| {}).unwrap();
    let model = trainer.export().unwrap();
    let Layer::Dense { weights, bias, .. } = &model.layers()[0] else { panic!("a dense layer") };
    [weights.as_slice(), bias].concat()
}

#[test]
fn the_c_trainer_gives_the_rust_trainers_weights_bit_for_bit() {
    let c = optimizer_defaults;
    let sgd = tfe_optimizer_t {
        learning_rate: 0.5,
        momentum: 0.5,
        schedule: tfe_schedule_t::TFE_SCHEDULE_STEP as u32,
        decay: 0.5,
        decay_steps: 3,
        ..c(tfe_optimizer_kind_t::TFE_OPTIMIZER_SGD)
    };
    let rust_sgd = Optimizer::Sgd { lr: Schedule::Step { initial: 0.5, factor: 0.5, every: 3 }, momentum: 0.5 };
    let adam = tfe_optimizer_t {
        learning_rate: 0.05,
        beta1: 0.8,
        beta2: 0.99,
        schedule: tfe_schedule_t::TFE_SCHEDULE_EXPONENTIAL as u32,
        decay: 0.9,
        decay_steps: 2,
        ..c(tfe_optimizer_kind_t::TFE_OPTIMIZER_ADAM)
    };
    let lr = Schedule::Exponential { initial: 0.05, rate: 0.9, steps: 2 };
    let rust_adam = Optimizer::Adam { lr, beta1: 0.8, beta2: 0.99, epsilon: 1.0 / 256.0 };
    let amsgrad = tfe_optimizer_t { kind: tfe_optimizer_kind_t::TFE_OPTIMIZER_AMSGRAD as u32, ..adam };
    let rust_amsgrad = Optimizer::Amsgrad { lr, beta1: 0.8, beta2: 0.99, epsilon: 1.0 / 256.0 };
    for (c, rust) in [(sgd, rust_sgd), (adam, rust_adam), (amsgrad, rust_amsgrad)] {
        let (got, want) = (through_c(&c), in_rust(rust));
        assert_eq!(got, want, "{rust:?}");
        assert_ne!(got, [W[0], W[1], 0.0], "{rust:?} trained");
    }
}

unsafe extern "C" fn stop(_: *mut c_void, _: *const tfe_train_progress_t) -> c_int {
    1
}

#[test]
fn a_stopping_callback_is_an_aborted_status_naming_it() {
    let (x, y) = data();
    let mut model: *mut tfe_model_t = ptr::null_mut();
    let mut trainer: *mut tfe_trainer_t = ptr::null_mut();
    // SAFETY: valid pointers and NUL-terminated names throughout.
    unsafe {
        ok(tfe_model_new([2].as_ptr(), 1, &raw mut model));
        ok(tfe_model_add_dense(model, 2, 1, W.as_ptr(), 2, [0.0].as_ptr(), 1));
        ok(tfe_trainer_new_local(model, c"o".as_ptr(), c"d".as_ptr(), c"l".as_ptr(), ptr::null(), &raw mut trainer));
        tfe_model_free(model);
        let sgd = optimizer_defaults(tfe_optimizer_kind_t::TFE_OPTIMIZER_SGD);
        ok(tfe_trainer_compile(trainer, &raw const sgd, tfe_loss_t::TFE_LOSS_MEAN_SQUARED_ERROR as u32, 0));
        let status = fit_all(trainer, (&x, &y), (1, 16), (Some(stop), ptr::null_mut()));
        assert_eq!(status, tfe_status_t::TFE_ERR_ABORTED);
        let message = last_message();
        assert!(message.contains("player 'o' aborted") && message.contains("callback returned 1"), "{message}");
        tfe_trainer_free(trainer);
    }
}
