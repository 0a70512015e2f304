//! Several data owners: training on data split by rows or by features
//! gives the weights of training on the joined data; wrong splits are
//! errors naming the owner.

use super::tests::{options, values};
use super::{DataOwners, Fit, Loss, Metric, Optimizer, Players, Trainer};
use crate::nn::Layer;

const FEATURES: usize = 4;

/// Four features, label 1 when x0 − x1/2 + x3/4 > 0.1.
fn data(samples: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let x = values(samples * FEATURES, seed, 2.0);
    let y = x.chunks(FEATURES).map(|r| f64::from(u8::from(r[0] - r[1] / 2.0 + r[3] / 4.0 > 0.1))).collect();
    (x, y)
}

fn model() -> Vec<Layer> {
    vec![Layer::dense(FEATURES, 1, vec![0.25, -0.5, 0.125, 0.0], vec![0.0]).unwrap(), Layer::Sigmoid]
}

fn compiled(mut trainer: Trainer) -> Trainer {
    trainer.compile(Optimizer::sgd(0.5), Loss::BinaryCrossentropy { from_logits: false }, &[Metric::Accuracy]).unwrap();
    trainer
}

/// The weights of a model trained on joined data, and of `split`.
fn weights(trainer: &mut Trainer) -> Vec<f64> {
    let model = trainer.export().unwrap();
    let Layer::Dense { weights, bias, .. } = &model.layers()[0] else { panic!("a dense layer") };
    weights.iter().chain(bias).copied().collect()
}

fn assert_close(split: &[f64], joined: &[f64]) {
    for (a, b) in split.iter().zip(joined) {
        // Both are private trainings of the same batches: they differ by
        // the truncations' last units only.
        assert!((a - b).abs() < 1e-3, "split {split:?}, joined {joined:?}");
    }
}

fn columns(x: &[f64], from: usize, to: usize) -> Vec<f64> {
    x.chunks(FEATURES).flat_map(|r| r[from..to].to_vec()).collect()
}

#[test]
fn a_split_by_features_trains_as_the_joined_data() {
    let (x, y) = data(48, 11);
    let (vx, vy) = data(20, 12);
    let fit = Fit { epochs: 2, batch_size: 16, validation: None };
    let mut joined = compiled(Trainer::new(&[FEATURES], model(), Players::default(), options()).unwrap());
    joined.fit(&x, &y, fit, &mut |_| {}).unwrap();

    let owners = DataOwners::Features(vec![("alice".into(), 3), ("bob".into(), 1)]);
    let mut split =
        compiled(Trainer::with_data_owners(&[FEATURES], model(), Players::default(), &owners, options()).unwrap());
    let (a, b) = (columns(&x, 0, 3), columns(&x, 3, 4));
    let (va, vb) = (columns(&vx, 0, 3), columns(&vx, 3, 4));
    let history = split.fit_parts(&[&a, &b], &y, fit, Some((&[&va, &vb], &vy)), &mut |_| {}).unwrap();
    assert_eq!((history.len(), split.steps()), (2, 6));
    assert_close(&weights(&mut split), &weights(&mut joined));
    let (got, want) = (split.evaluate_parts(&[&va, &vb], &vy).unwrap(), joined.evaluate(&vx, &vy).unwrap());
    assert!((got.loss - want.loss).abs() < 1e-3, "{got:?} {want:?}");
    assert_eq!(history[1].validation.unwrap().accuracy, got.accuracy);
    assert_close(&split.predict_parts(&[&va, &vb]).unwrap(), &joined.predict(&vx).unwrap());
}

#[test]
fn a_split_by_rows_trains_as_the_joined_batches() {
    // Alice holds 24 samples, Bob 8: each batch of 8 takes 6 of Alice's
    // and 2 of Bob's; the labels are Alice's samples' then Bob's.
    let (x, y) = data(32, 21);
    let (a, b) = (&x[..24 * FEATURES], &x[24 * FEATURES..]);
    let mut jx = Vec::new();
    let mut jy = Vec::new();
    for k in 0..4 {
        jx.extend_from_slice(&a[k * 6 * FEATURES..(k + 1) * 6 * FEATURES]);
        jx.extend_from_slice(&b[k * 2 * FEATURES..(k + 1) * 2 * FEATURES]);
        jy.extend_from_slice(&y[k * 6..(k + 1) * 6]);
        jy.extend_from_slice(&y[24 + k * 2..24 + (k + 1) * 2]);
    }
    let fit = Fit { epochs: 2, batch_size: 8, validation: None };
    let mut joined = compiled(Trainer::new(&[FEATURES], model(), Players::default(), options()).unwrap());
    joined.fit(&jx, &jy, fit, &mut |_| {}).unwrap();

    let owners = DataOwners::Rows(vec!["alice".into(), "bob".into()]);
    let mut split =
        compiled(Trainer::with_data_owners(&[FEATURES], model(), Players::default(), &owners, options()).unwrap());
    split.fit_parts(&[a, b], &y, fit, None, &mut |_| {}).unwrap();
    assert_eq!(split.steps(), 8);
    assert_close(&weights(&mut split), &weights(&mut joined));
    // Evaluation and prediction take any counts (padded batches); the
    // outputs come in the owners' order of samples.
    let (vx, vy) = data(13, 22);
    let (va, vb) = (&vx[..10 * FEATURES], &vx[10 * FEATURES..]);
    assert_close(&split.predict_parts(&[va, vb]).unwrap(), &joined.predict(&vx).unwrap());
    let (got, want) = (split.evaluate_parts(&[va, vb], &vy).unwrap(), joined.evaluate(&vx, &vy).unwrap());
    assert!((got.loss - want.loss).abs() < 1e-3 && got.accuracy == want.accuracy, "{got:?} {want:?}");
}

#[test]
fn wrong_splits_name_the_owner() {
    let (x, y) = data(33, 31);
    let fit = Fit { epochs: 1, batch_size: 8, validation: None };
    let rows = DataOwners::Rows(vec!["alice".into(), "bob".into()]);
    let new =
        |owners: &DataOwners| Trainer::with_data_owners(&[FEATURES], model(), Players::default(), owners, options());
    let mut trainer = compiled(new(&rows).unwrap());
    let err = |r: crate::Result<Vec<super::Progress>>| r.unwrap_err().to_string();

    // Rows: 25 and 8 of 33 samples are not whole shares of a batch of 8.
    let (a, b) = (&x[..25 * FEATURES], &x[25 * FEATURES..]);
    let msg = err(trainer.fit_parts(&[a, b], &y, fit, None, &mut |_| {}));
    assert!(msg.contains("data owner 'alice'") && msg.contains("25 of the 33 samples"), "{msg}");
    // A part that is not whole samples, the wrong number of parts, labels.
    let msg = err(trainer.fit_parts(&[a, &b[1..]], &y, fit, None, &mut |_| {}));
    assert!(msg.contains("data owner 'bob'") && msg.contains("31 values"), "{msg}");
    let msg = err(trainer.fit_parts(&[a], &y, fit, None, &mut |_| {}));
    assert!(msg.contains("1 data parts for 2 data owners ('alice', 'bob')"), "{msg}");
    let msg = err(trainer.fit_parts(&[a, b], &y[1..], fit, None, &mut |_| {}));
    assert!(msg.contains("label owner 'label-owner': 32 label values, expected 33"), "{msg}");

    // Features: the columns must add up to the input's, on the same samples.
    let cols = |n: usize| DataOwners::Features(vec![("alice".into(), 3), ("bob".into(), n)]);
    let msg = new(&cols(2)).err().unwrap().to_string();
    assert!(msg.contains("5 features ('alice' 3, 'bob' 2), expected the 4"), "{msg}");
    let msg = new(&cols(0)).err().unwrap().to_string();
    assert!(msg.contains("data owner 'bob' holds 0 features"), "{msg}");
    let mut trainer = compiled(new(&cols(1)).unwrap());
    let (a, b) = (columns(&x, 0, 3), columns(&x[..32 * FEATURES], 3, 4));
    let msg = err(trainer.fit_parts(&[&a, &b], &y, fit, None, &mut |_| {}));
    assert!(msg.contains("data owner 'bob' has 32 samples and 'alice' 33"), "{msg}");
}
