//! The model API: fit, evaluate, predict and export against an f64
//! training from the same weights and batches; overflow reported; misuse
//! named.

use super::reference::{self, weights_mut};
use super::tests::{options, values};
use super::{Fit, Loss, Metric, Optimizer, Players, Progress, Trainer};
use crate::error::Error;
use crate::nn::Layer;
use crate::nn::plain::Batch;

/// Two features, label 1 when x0 − x1/2 > 0.1.
fn data(samples: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let x = values(samples * 2, seed, 2.0);
    let y = x.chunks(2).map(|r| f64::from(u8::from(r[0] - r[1] / 2.0 > 0.1))).collect();
    (x, y)
}

fn model() -> Vec<Layer> {
    vec![Layer::dense(2, 1, vec![0.25, -0.5], vec![0.0]).unwrap(), Layer::Sigmoid]
}

#[test]
fn fit_follows_an_f64_training_and_evaluate_predict_export_agree() {
    let (x, y) = data(64, 1);
    let (vx, vy) = data(50, 2);
    let opt = Optimizer::sgd(0.5);
    let loss = Loss::BinaryCrossentropy { from_logits: false };
    let mut trainer = Trainer::new(&[2], model(), Players::default(), options()).unwrap();
    trainer.compile(opt, loss, &[Metric::Accuracy]).unwrap();
    let mut reports: Vec<Progress> = Vec::new();
    let fit = Fit { epochs: 3, batch_size: 16, validation: Some((&vx, &vy)) };
    let history = trainer.fit(&x, &y, fit, &mut |p| reports.push(p.clone())).unwrap();
    assert_eq!((reports.len(), history.len(), trainer.steps()), (12, 3, 12));
    assert!(reports.iter().all(|p| p.validation.is_some() == p.end_of_epoch && p.train.accuracy.is_some()));
    assert_eq!((reports[5].epoch, reports[5].batch, reports[5].batches), (2, 2, 4));
    assert!(history[2].train.loss < history[0].train.loss, "{history:?}");

    // The same steps in f64 from the same weights and batches.
    let mut want = model();
    let mut state = reference::State::default();
    for step in 0..12 {
        let b = step % 4;
        let xb = Batch { shape: vec![16, 2], data: x[b * 32..(b + 1) * 32].to_vec() };
        let grads = reference::gradients(loss, &want, &xb, &y[b * 16..(b + 1) * 16]);
        let mut flat: Vec<f64> = weights_mut(&mut want).iter().flat_map(|w| w.iter().copied()).collect();
        reference::update(opt, &mut state, &mut flat, &grads.concat(), 16, step);
        let mut at = 0;
        for w in weights_mut(&mut want) {
            let n = w.len();
            w.copy_from_slice(&flat[at..at + n]);
            at += n;
        }
    }
    let trained = trainer.export().unwrap();
    let Layer::Dense { weights, bias, .. } = &trained.layers()[0] else { panic!("a dense layer") };
    let Layer::Dense { weights: w0, bias: b0, .. } = &want[0] else { panic!("a dense layer") };
    for (got, want) in weights.iter().chain(bias).zip(w0.iter().chain(b0)) {
        // 12 steps of lr 0.5 over the sigmoid's 0.003: see docs/training.md.
        assert!((got - want).abs() < 0.03, "weight {got}, f64 {want}");
    }

    let eval = trainer.evaluate(&vx, &vy).unwrap();
    let last = history[2].validation.unwrap();
    assert!((eval.loss - last.loss).abs() < 1e-3 && eval.accuracy == last.accuracy, "{eval:?} {last:?}");
    assert!(eval.accuracy.unwrap() >= 0.9, "{eval:?}");
    let private = trainer.predict(&vx).unwrap();
    let plain = trained.predict_plain(&vx, 50).unwrap();
    assert_eq!(private.len(), 50);
    for (a, b) in private.iter().zip(&plain) {
        assert!((a - b).abs() < 0.01, "private {a}, exported model {b}");
    }
    let mean_loss: f64 = plain
        .iter()
        .zip(&vy)
        .map(|(p, y)| {
            let p = p.clamp(1e-7, 1.0 - 1e-7);
            -(y * p.ln() + (1.0 - y) * (1.0 - p).ln())
        })
        .sum::<f64>()
        / 50.0;
    assert!((eval.loss - mean_loss).abs() < 0.02, "private {}, f64 {mean_loss}", eval.loss);
}

#[test]
fn a_step_that_leaves_the_fixed_point_range_is_reported_with_the_tensor() {
    // Inputs of 100 and a learning rate of 200: the first step's update of
    // the weight is about 2^21, past the range.
    let x = vec![100.0; 8];
    let y = vec![0.0; 8];
    let layers = || vec![Layer::dense(1, 1, vec![0.5], vec![0.0]).unwrap()];
    let fit = Fit { epochs: 2, batch_size: 4, validation: None };
    let mut trainer = Trainer::new(&[1], layers(), Players::default(), options()).unwrap();
    trainer.compile(Optimizer::sgd(200.0), Loss::MeanSquaredError, &[]).unwrap();
    let err = trainer.fit(&x, &y, fit, &mut |_| {}).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, Error::OutOfRange(_)), "{msg}");
    assert!(msg.contains("training step 1") && msg.contains("the new value of layer0.w"), "{msg}");
    // Eight values checked in all (under 4,096): each counted on its own.
    assert!(msg.contains("±2^20 (1 of its values)"), "{msg}");
    // Without the check the run goes on with the wrong weight until a
    // revealed loss leaves the range, a step later, naming no tensor.
    let mut unchecked = Trainer::new(&[1], layers(), Players::default(), options()).unwrap();
    unchecked.compile(Optimizer::sgd(200.0), Loss::MeanSquaredError, &[]).unwrap();
    unchecked.set_overflow_check(false);
    let msg = unchecked.fit(&x, &y, fit, &mut |_| {}).unwrap_err().to_string();
    assert!(msg.contains("out of range") && !msg.contains("layer0.w"), "{msg}");
    assert_eq!(unchecked.steps(), 1, "the first step passed unnoticed");
}

#[test]
fn misuse_is_named() {
    let (x, y) = data(8, 3);
    let mut trainer = Trainer::new(&[2], model(), Players::default(), options()).unwrap();
    let fit = Fit { epochs: 1, batch_size: 4, validation: None };
    let msg = trainer.fit(&x, &y, fit, &mut |_| {}).unwrap_err().to_string();
    assert!(msg.contains("not compiled"), "{msg}");
    trainer.compile(Optimizer::sgd(0.1), Loss::MeanSquaredError, &[]).unwrap();
    let msg = trainer.fit(&x, &y[..7], fit, &mut |_| {}).unwrap_err().to_string();
    assert!(msg.contains("16 feature and 7 label values"), "{msg}");
    trainer.fit(&x, &y, fit, &mut |_| {}).unwrap();
    let msg = trainer.fit(&x, &y, Fit { batch_size: 2, ..fit }, &mut |_| {}).unwrap_err().to_string();
    assert!(msg.contains("built for batches of 4"), "{msg}");
    assert!(trainer.compile(Optimizer::sgd(0.1), Loss::MeanSquaredError, &[]).is_err());
    let msg = Trainer::new(&[2, 2], vec![], Players::default(), options()).err().unwrap().to_string();
    assert!(msg.contains("[1, 2, 2]"), "{msg}");
    let bad = Optimizer::Adam { lr: super::Schedule::Constant(0.1), beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
    assert!(bad.validate().unwrap_err().to_string().contains("2^−12"));
}

#[test]
fn fit_until_stops_where_the_callback_says() {
    let (x, y) = data(16, 4);
    let mut trainer = Trainer::new(&[2], model(), Players::default(), options()).unwrap();
    trainer.compile(Optimizer::sgd(0.1), Loss::MeanSquaredError, &[]).unwrap();
    let fit = Fit { epochs: 2, batch_size: 4, validation: None };
    let mut calls = 0;
    let err = trainer
        .fit_until(&x, &y, fit, &mut |p| {
            calls += 1;
            if p.batch == 2 {
                std::ops::ControlFlow::Break("enough".into())
            } else {
                std::ops::ControlFlow::Continue(())
            }
        })
        .unwrap_err();
    assert!(matches!(err, Error::Aborted { .. }) && err.to_string().contains("enough"), "{err}");
    assert_eq!((calls, trainer.steps()), (2, 2));
}

#[test]
fn an_interrupt_ends_the_call_in_progress_at_its_next_run_and_no_later_call() {
    let (x, y) = data(16, 4);
    let mut trainer = Trainer::new(&[2], model(), Players::default(), options()).unwrap();
    trainer.compile(Optimizer::sgd(0.1), Loss::MeanSquaredError, &[]).unwrap();
    let interrupter = trainer.interrupter();
    interrupter.interrupt(); // between calls: reaches none
    let fit = Fit { epochs: 2, batch_size: 4, validation: None };
    let mut calls = 0;
    let err = trainer
        .fit(&x, &y, fit, &mut |p| {
            calls += 1;
            if p.batch == 2 {
                interrupter.interrupt(); // between two runs of the fit
            }
        })
        .unwrap_err();
    assert!(matches!(err, Error::Aborted { .. }) && err.to_string().contains(crate::net::interrupt::REASON), "{err}");
    assert_eq!((calls, trainer.steps()), (2, 2));
    assert!(trainer.evaluate(&x, &y).unwrap().loss.is_finite());
    trainer.fit(&x, &y, Fit { epochs: 1, ..fit }, &mut |_| {}).unwrap();
    assert_eq!(trainer.steps(), 6);
    // From the last report's callback: no run is left to fail, the call does.
    let last = |p: &Progress| {
        if p.batch == p.batches {
            interrupter.interrupt();
        }
    };
    let err = trainer.fit(&x, &y, Fit { epochs: 1, ..fit }, &mut { last }).unwrap_err();
    assert!(err.to_string().contains(crate::net::interrupt::REASON), "{err}");
    assert_eq!(trainer.steps(), 10);
    trainer.fit(&x, &y, Fit { epochs: 1, ..fit }, &mut |_| {}).unwrap();
}

#[test]
fn a_logistic_regression_step_takes_the_rounds_docs_training_md_states() {
    // `tfe bench`'s logistic regression: 784 features, batch 128, SGD, the
    // overflow check on (per value: 1,920 values padded). Server 0 takes
    // 3 rounds in the input, 9 in the check, 8 in the ReLUs of the sigmoid
    // and softplus, 6 in three matrix products and their truncations, 4 in
    // two elementwise ones, 5 in the reveals (the loss, and the check's
    // counts to every player), and 1 to agree on the weights' writes
    // (`session/commit.rs`).
    let x = values(128 * 784, 3, 1.0);
    let y: Vec<f64> = (0..128).map(|i| f64::from(u8::from(i % 3 == 0))).collect();
    let layers = vec![Layer::dense(784, 1, values(784, 4, 0.05), vec![0.0]).unwrap(), Layer::Sigmoid];
    let mut trainer = Trainer::new(&[784], layers, Players::default(), options()).unwrap();
    trainer.compile(Optimizer::sgd(0.1), Loss::BinaryCrossentropy { from_logits: false }, &[]).unwrap();
    let fit = Fit { epochs: 1, batch_size: 128, validation: None };
    // The first step also shares the weights (2 rounds).
    for _ in 0..2 {
        trainer.fit(&x, &y, fit, &mut |_| {}).unwrap();
    }
    let stats = trainer.last_stats().unwrap();
    let rounds = stats.players.iter().map(|p| p.counters.rounds).max().unwrap();
    assert_eq!(rounds, 36, "{:?}", stats.players.iter().map(|p| (&p.player, p.counters.rounds)).collect::<Vec<_>>());
}
