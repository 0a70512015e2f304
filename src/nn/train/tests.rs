//! Private gradients against plaintext f64 gradients (central differences
//! of the f64 loss) on small random networks, one per gradient rule a
//! layer or loss uses, within the bounds `docs/training.md` states.

use super::reference::{self, weights_mut};
use super::step::{self, TrainStep, Vars};
use super::{Loss, Optimizer, STEP_SCALAR, Schedule};
use crate::graph::Graph;
use crate::nn::Layer;
use crate::nn::plain::Batch;
use crate::ring::layout::Padding;
use crate::session::{Feeds, LocalOptions, LocalSession, Transport};
use crate::test_data::{unit_interval, xorshift};

/// Values in [−range, range] on the fixed-point grid (2^−16), so that the
/// f64 reference starts from exactly the values the servers share.
pub(super) fn values(n: usize, seed: u64, range: f64) -> Vec<f64> {
    xorshift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
        .take(n)
        .map(|w| ((unit_interval(w) * 2.0 - 1.0) * range * 65536.0).round() / 65536.0)
        .collect()
}

/// One-hot rows of `classes`.
pub(super) fn one_hot(batch: usize, classes: usize, seed: u64) -> Vec<f64> {
    let picks = values(batch, seed, 1.0);
    let mut y = vec![0.0; batch * classes];
    for (r, p) in picks.iter().enumerate() {
        let c = (((p + 1.0) / 2.0 * classes as f64) as usize).min(classes - 1);
        y[r * classes + c] = 1.0;
    }
    y
}

fn dense(inputs: usize, units: usize, seed: u64) -> Layer {
    let bound = (3.0 / inputs as f64).sqrt();
    Layer::dense(inputs, units, values(inputs * units, seed, bound), values(units, seed + 1, 0.2)).unwrap()
}

fn conv(kernel: [usize; 4], strides: (usize, usize), padding: Padding, seed: u64) -> Layer {
    let bound = (3.0 / (kernel[0] * kernel[1] * kernel[2]) as f64).sqrt();
    let w = values(kernel.iter().product(), seed, bound);
    Layer::conv2d(kernel, w, values(kernel[3], seed + 1, 0.2), strides, padding).unwrap()
}

pub(super) fn options() -> LocalOptions {
    LocalOptions { transport: Transport::Memory, ..LocalOptions::default() }
}

/// The private gradients of the summed loss with respect to every trained
/// weight, revealed.
fn private_gradients(layers: &[Layer], x: &Batch, y: &[f64], loss: Loss) -> Vec<Vec<f64>> {
    let mut g = Graph::default();
    let xi = g.private_input("x", "data-owner", &x.shape).unwrap();
    let outputs = y.len() / x.shape[0];
    let yi = g.private_input("y", "label-owner", &[x.shape[0], outputs]).unwrap();
    let mut vars = Vars::default();
    let bp = step::backprop(&mut g, layers, xi, yi, loss, "model-owner", &mut vars).unwrap();
    let fetches: Vec<_> = bp.grads.iter().map(|&d| g.reveal(d, None).unwrap()).collect();
    let mut session = LocalSession::new(&g, options()).unwrap();
    for (name, v) in vars.initial {
        session.set_variable_values(&name, v).unwrap();
    }
    let mut feeds = Feeds::new();
    feeds.insert("x", x.data.clone()).insert("y", y.to_vec());
    let run = session.run(&fetches, &feeds).unwrap();
    run.outputs.iter().map(|o| o.iter().copied().collect()).collect()
}

/// Checks every gradient within `abs + rel·|want|`.
fn check(what: &str, layers: &[Layer], x: &Batch, y: &[f64], loss: Loss, abs: f64, rel: f64) {
    let got = private_gradients(layers, x, y, loss);
    let want = reference::gradients(loss, layers, x, y);
    assert_eq!(got.len(), want.len(), "{what}: one gradient per weight");
    let mut worst = 0.0f64;
    for (k, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g.len(), w.len(), "{what}: weight {k}");
        for (i, (a, b)) in g.iter().zip(w).enumerate() {
            let err = (a - b).abs();
            worst = worst.max(err / (abs + rel * b.abs()));
            assert!(err <= abs + rel * b.abs(), "{what}: weight {k}[{i}]: private {a}, f64 {b}");
        }
    }
    eprintln!("{what}: worst error {worst:.3} of the bound");
}

fn batch(shape: &[usize], seed: u64, range: f64) -> Batch {
    Batch { shape: shape.to_vec(), data: values(shape.iter().product(), seed, range) }
}

/// Bound of the networks of exact ops and of the approximations that only
/// reach the loss's value or work on values inside their domain (the
/// cross-entropies' clipped log and reciprocal, batch normalization's
/// inverse square root): 2^−10 absolute (64 units of the last place,
/// truncations summed over a batch of up to 8 and fan-ins up to 18) plus
/// 2^−10 relative.
const EXACT: f64 = 1.0 / 1024.0;
/// Bound where a sigmoid's 0.003 (`protocol::bounds`) reaches a weight's
/// gradient through a sum over a batch of 4 inputs of |x| ≤ 2: 0.024.
const SIGMOID: f64 = 0.03;
/// Bound where a softmax's 0.01 per probability reaches a weight's
/// gradient through a product with the probabilities and the batch's sum.
const SOFTMAX: f64 = 0.03;

#[test]
fn dense_relu_and_mean_squared_error_gradients_match_f64() {
    let layers = [dense(3, 5, 1), Layer::ReLU, dense(5, 2, 3)];
    let x = batch(&[4, 3], 5, 2.0);
    check("dense-relu-dense mse", &layers, &x, &values(8, 6, 1.0), Loss::MeanSquaredError, EXACT, EXACT);
}

#[test]
fn convolution_max_pooling_flatten_and_cross_entropy_from_logits_match_f64() {
    let layers = [
        conv([3, 3, 1, 2], (1, 1), Padding::Same, 1),
        Layer::ReLU,
        Layer::MaxPooling2D { size: (2, 2), strides: (2, 2), padding: Padding::Valid },
        Layer::Flatten,
        dense(8, 3, 7),
    ];
    let x = batch(&[2, 4, 4, 1], 9, 2.0);
    let y = one_hot(2, 3, 11);
    let loss = Loss::CategoricalCrossentropy { from_logits: true };
    check("conv-relu-maxpool-flatten-dense cce(logits)", &layers, &x, &y, loss, EXACT, EXACT);
}

#[test]
fn strided_convolution_average_pooling_and_global_average_pooling_match_f64() {
    let layers = [
        conv([3, 3, 2, 3], (2, 2), Padding::Same, 2),
        Layer::AveragePooling2D { size: (2, 2), strides: (1, 1), padding: Padding::Same },
        Layer::GlobalAveragePooling2D,
        dense(3, 2, 4),
    ];
    let x = batch(&[2, 5, 5, 2], 13, 2.0);
    check(
        "conv(stride 2)-avgpool(same)-gap-dense mse",
        &layers,
        &x,
        &values(4, 14, 1.0),
        Loss::MeanSquaredError,
        EXACT,
        EXACT,
    );
}

#[test]
fn max_pooling_with_same_padding_ignores_the_padding_for_negative_inputs() {
    // Every input negative: a padded zero must never take the gradient.
    let layers =
        [Layer::MaxPooling2D { size: (3, 3), strides: (2, 2), padding: Padding::Same }, Layer::Flatten, dense(4, 1, 5)];
    let mut x = batch(&[2, 4, 4, 1], 15, 1.0);
    x.data.iter_mut().for_each(|v| *v = -v.abs() - 0.25);
    check("maxpool(same) on negatives", &layers, &x, &values(2, 16, 1.0), Loss::MeanSquaredError, EXACT, EXACT);
}

#[test]
fn sigmoid_with_binary_cross_entropy_and_from_logits_match_f64() {
    let layers = [dense(4, 3, 21), Layer::Sigmoid];
    let x = batch(&[4, 4], 22, 2.0);
    let y: Vec<f64> = values(12, 23, 1.0).iter().map(|v| f64::from(u8::from(*v > 0.0))).collect();
    let fused = Loss::BinaryCrossentropy { from_logits: false };
    check("dense-sigmoid bce", &layers, &x, &y, fused, SIGMOID, SIGMOID);
    let logits = Loss::BinaryCrossentropy { from_logits: true };
    check("dense bce(logits)", &layers[..1], &x, &y, logits, SIGMOID, SIGMOID);
    // Sigmoid's own rule, σ(1 − σ), under a mean squared error.
    let deeper = [dense(4, 3, 24), Layer::Sigmoid, dense(3, 2, 25)];
    check("dense-sigmoid-dense mse", &deeper, &x, &values(8, 26, 1.0), Loss::MeanSquaredError, SIGMOID, SIGMOID);
}

#[test]
fn the_binary_cross_entropy_value_is_within_its_bound_over_the_logits() {
    // Logits every 1/16 across the knots of the piecewise-linear softplus
    // (on [−8, 8]) and beyond them, then far outside, with labels 0 and 1:
    // each sample's loss is within softplus's 0.012 (`loss.rs`).
    let mut z: Vec<f64> = (-400..=400).map(|i| f64::from(i) / 16.0).collect();
    z.extend(values(200, 7, 1000.0));
    let y: Vec<f64> = (0..z.len()).map(|i| (i % 2) as f64).collect();
    let mut g = Graph::default();
    let zi = g.private_input("z", "data-owner", &[z.len(), 1]).unwrap();
    let yi = g.private_input("y", "label-owner", &[z.len(), 1]).unwrap();
    let loss = Loss::BinaryCrossentropy { from_logits: true }.build(&mut g, zi, yi).unwrap();
    let out = g.reveal(loss.per_sample, None).unwrap();
    let mut session = LocalSession::new(&g, options()).unwrap();
    let mut feeds = Feeds::new();
    feeds.insert("z", z.clone()).insert("y", y.clone());
    let run = session.run(&[out], &feeds).unwrap();
    for ((got, z), y) in run.outputs[0].iter().zip(&z).zip(&y) {
        let want = z.max(0.0) + (-z.abs()).exp().ln_1p() - y * z;
        assert!((got - want).abs() <= 0.012, "z {z}, y {y}: private {got}, f64 {want}");
    }
}

#[test]
fn the_binary_cross_entropy_takes_the_sigmoid_op_values_and_its_relus_once() {
    // The loss computes σ(z) from the ReLUs it takes for softplus: the
    // values of the model's `sigmoid` op (the same coefficients; each
    // output's truncation may differ by one unit), in the rounds of one
    // sigmoid, the model's own sigmoid node left unrun: one batch of ReLUs.
    let z: Vec<f64> = (-160..=160).map(|i| f64::from(i) / 16.0).collect();
    let y: Vec<f64> = (0..z.len()).map(|i| (i % 2) as f64).collect();
    let mut g = Graph::default();
    let zi = g.private_input("z", "data-owner", &[z.len(), 1]).unwrap();
    let yi = g.private_input("y", "label-owner", &[z.len(), 1]).unwrap();
    let sigmoid = g.sigmoid(zi).unwrap();
    let loss = Loss::BinaryCrossentropy { from_logits: false }.build(&mut g, sigmoid, yi).unwrap();
    assert_ne!(loss.pred, sigmoid);
    let fetches = [
        g.reveal(sigmoid, None).unwrap(),
        g.reveal(loss.pred, None).unwrap(),
        g.reveal(loss.per_sample, None).unwrap(),
    ];
    let mut session = LocalSession::new(&g, options()).unwrap();
    let mut feeds = Feeds::new();
    feeds.insert("z", z.clone()).insert("y", y.clone());
    let run = session.run(&fetches, &feeds).unwrap();
    let unit = 1.0 / 65536.0;
    for ((op, loss), z) in run.outputs[0].iter().zip(&run.outputs[1]).zip(&z) {
        assert!((op - loss).abs() <= unit, "z {z}: the sigmoid op gives {op}, the loss {loss}");
    }
    let loss_only = session.run(&fetches[1..], &feeds).unwrap();
    for player in &loss_only.stats.players {
        assert!(!player.by_op.contains_key("sigmoid"), "{} ran the model's sigmoid", player.player);
        assert!(player.by_op.get("relu").is_none_or(|relu| relu.count == 1), "{}: {:?}", player.player, player.by_op);
    }
}

#[test]
fn softmax_with_categorical_cross_entropy_and_softmax_alone_match_f64() {
    let layers = [dense(4, 3, 31), Layer::Softmax];
    let x = batch(&[4, 4], 32, 2.0);
    let y = one_hot(4, 3, 33);
    check("dense-softmax cce", &layers, &x, &y, Loss::CategoricalCrossentropy { from_logits: false }, EXACT, EXACT);
    // Softmax's own rule under a mean squared error.
    check("dense-softmax mse", &layers, &x, &values(12, 34, 1.0), Loss::MeanSquaredError, SOFTMAX, SOFTMAX);
}

#[test]
fn cross_entropies_on_probabilities_without_their_activation_match_f64() {
    // A ReLU's output shifted into (0, 1): no sigmoid or softmax to fuse
    // with, so the losses clip and divide.
    let shift = Layer::dense(3, 3, vec![0.2, 0.0, 0.0, 0.0, 0.2, 0.0, 0.0, 0.0, 0.2], vec![0.3, 0.4, 0.5]).unwrap();
    let layers = [dense(3, 3, 41), Layer::ReLU, shift];
    let x = batch(&[4, 3], 42, 1.0);
    let y: Vec<f64> = values(12, 43, 1.0).iter().map(|v| f64::from(u8::from(*v > 0.0))).collect();
    check("bce(probabilities)", &layers, &x, &y, Loss::BinaryCrossentropy { from_logits: false }, EXACT, EXACT);
    let y = one_hot(4, 3, 44);
    check("cce(probabilities)", &layers, &x, &y, Loss::CategoricalCrossentropy { from_logits: false }, EXACT, EXACT);
}

#[test]
fn batch_normalization_trains_with_batch_statistics_like_f64() {
    let bn = Layer::batch_norm(vec![1.2, 0.8, 1.0, 0.5], vec![0.1, -0.2, 0.0, 0.3], vec![0.0; 4], vec![1.0; 4], 1e-3)
        .unwrap();
    let layers = [dense(3, 4, 51), bn, Layer::ReLU, dense(4, 2, 52)];
    let x = batch(&[8, 3], 53, 2.0);
    check("dense-bn-relu-dense mse", &layers, &x, &values(16, 54, 1.0), Loss::MeanSquaredError, EXACT, EXACT);
}

/// Three steps of each optimizer from the same weights and batches as the
/// f64 reference (whose gradients are exact), the weights compared after.
#[test]
fn sgd_momentum_adam_and_amsgrad_steps_match_f64() {
    let layers = vec![dense(3, 2, 61)];
    let batches: Vec<Batch> = (0..3).map(|i| batch(&[4, 3], 62 + i, 1.5)).collect();
    let labels: Vec<Vec<f64>> = (0..3).map(|i| values(8, 70 + i, 1.0)).collect();
    let schedule = Schedule::Step { initial: 0.2, factor: 0.5, every: 2 };
    for opt in [
        Optimizer::Sgd { lr: schedule, momentum: 0.0 },
        Optimizer::Sgd { lr: Schedule::Exponential { initial: 0.2, rate: 0.5, steps: 2 }, momentum: 0.9 },
        Optimizer::Adam { lr: schedule, beta1: 0.9, beta2: 0.999, epsilon: 1.0 / 256.0 },
        Optimizer::Amsgrad { lr: Schedule::Constant(0.05), beta1: 0.9, beta2: 0.99, epsilon: 1.0 / 256.0 },
    ] {
        let mut want = layers.clone();
        let mut state = reference::State::default();
        for (step, (x, y)) in batches.iter().zip(&labels).enumerate() {
            let grads = reference::gradients(Loss::MeanSquaredError, &want, x, y);
            let mut flat: Vec<f64> = weights_mut(&mut want).iter().flat_map(|w| w.iter().copied()).collect();
            let g: Vec<f64> = grads.concat();
            reference::update(opt, &mut state, &mut flat, &g, 4, step);
            let mut at = 0;
            for w in weights_mut(&mut want) {
                let n = w.len();
                w.copy_from_slice(&flat[at..at + n]);
                at += n;
            }
        }
        let got = train_steps(&layers, &batches, &labels, opt);
        let mut want_flat: Vec<f64> = weights_mut(&mut want).iter().flat_map(|w| w.iter().copied()).collect();
        want_flat.truncate(got.len());
        for (i, (a, b)) in got.iter().zip(&want_flat).enumerate() {
            assert!((a - b).abs() <= 2e-3, "{}: weight {i}: private {a}, f64 {b}", opt.name());
        }
    }
}

/// Steps of `opt` on the batches through the training graph; the flat
/// weights after them.
fn train_steps(layers: &[Layer], batches: &[Batch], labels: &[Vec<f64>], opt: Optimizer) -> Vec<f64> {
    let mut g = Graph::default();
    let xi = g.private_input("x", "data-owner", &batches[0].shape).unwrap();
    let yi =
        g.private_input("y", "label-owner", &[batches[0].shape[0], labels[0].len() / batches[0].shape[0]]).unwrap();
    let mut vars = Vars::default();
    let loss = Loss::MeanSquaredError;
    let step = TrainStep::build(&mut g, layers, xi, yi, loss, &opt, "model-owner", &mut vars).unwrap();
    let weights = g.reveal(step.weights, None).unwrap();
    let mut session = LocalSession::new(&g, options()).unwrap();
    for (name, v) in vars.initial {
        session.set_variable_values(&name, v).unwrap();
    }
    for (i, (x, y)) in batches.iter().zip(labels).enumerate() {
        let mut feeds = Feeds::new();
        feeds.insert("x", x.data.clone()).insert("y", y.clone());
        feeds.insert(STEP_SCALAR, vec![opt.step_scalar(i, x.shape[0])]);
        session.run(&step.assigns, &feeds).unwrap();
    }
    let run = session.run(&[weights], &Feeds::new()).unwrap();
    run.outputs[0].iter().copied().collect()
}

#[test]
fn gradients_name_an_op_without_a_rule_and_a_weight_the_loss_ignores() {
    let mut g = Graph::default();
    let x = g.private_input("x", "data-owner", &[2, 3]).unwrap();
    let w = g.private_variable("w", "model-owner", &[3, 3]).unwrap();
    let unused = g.private_variable("unused", "model-owner", &[3]).unwrap();
    let y = g.matmul(x, w).unwrap();
    let sorted = g.sort(y, 1, crate::vocabulary::SortOrder::Ascending).unwrap();
    let seed = g.private_input("seed", "data-owner", &[2, 3]).unwrap();
    let err = g.gradients(&[(sorted, seed)], &[w]).unwrap_err().to_string();
    assert!(err.contains("gradient of sort") && err.contains("no gradient rule"), "{err}");
    let err = g.gradients(&[(y, seed)], &[w, unused]).unwrap_err().to_string();
    assert!(err.contains("does not depend on node") && err.contains("variable"), "{err}");
    let small = g.private_input("small", "data-owner", &[3]).unwrap();
    let err = g.gradients(&[(y, small)], &[w]).unwrap_err().to_string();
    assert!(err.contains("[3]") && err.contains("[2, 3]"), "{err}");
}

#[test]
fn a_step_scalar_fixed_point_cannot_hold_is_an_error_naming_the_learning_rate() {
    let fixed = crate::fixed::FixedConfig::default();
    assert_eq!(Optimizer::sgd(0.5).checked_step_scalar(0, 4, fixed).unwrap(), 0.125);
    assert_eq!(Optimizer::sgd(0.0).checked_step_scalar(0, 4, fixed).unwrap(), 0.0);
    // One unit, 2^-16, is the smallest scalar held; half of it would round to 0 or to 1.
    assert_eq!(Optimizer::sgd(1.0 / 1024.0).checked_step_scalar(0, 64, fixed).unwrap(), 1.0 / 65536.0);
    let small = Optimizer::sgd(0.001).checked_step_scalar(0, 128, fixed).unwrap_err().to_string();
    assert!(small.contains("SGD, step 1: the learning rate 0.001 / batch_size 128 is 7.8125e-6"), "{small}");
    assert!(small.contains("from 2^-16 to 2^20") && small.contains("raise the learning rate"), "{small}");
    let schedule = Schedule::Step { initial: 0.5, factor: 1e-4, every: 3 };
    let decayed = Optimizer::Sgd { lr: schedule, momentum: 0.0 };
    assert!(decayed.checked_step_scalar(2, 4, fixed).is_ok());
    assert!(decayed.checked_step_scalar(3, 4, fixed).unwrap_err().to_string().contains("step 4"));
    let large = Optimizer::adam(1e9).checked_step_scalar(0, 4, fixed).unwrap_err().to_string();
    assert!(large.contains("Adam, step 1: the learning rate 1000000000 times the bias correction"), "{large}");
    assert!(large.contains("lower the learning rate"), "{large}");
}

/// The categorical cross-entropy's value over many classes: log Σ e^… is
/// scaled into the logarithm's domain (Σ reaches the number of classes),
/// and the value is within its stated bound (docs/training.md): log(1 +
/// k·e^−16) for the floor of −16 below a row's maximum, which adds up to
/// e^−16 per class, plus 0.005 for the rest. Rows of every kind: logits
/// close together (Σ near k), spread over ±8, one far above the rest (the
/// floor's whole error), two levels, and the rest just above the floor.
#[test]
fn the_categorical_cross_entropy_of_wide_rows_is_within_its_bound() {
    for classes in [10, 1000, 2000, 32768] {
        let batch = 2;
        let near_floor = |i: usize| if i.is_multiple_of(classes) { 0.0 } else { -15.9 };
        let one_above = |i: usize| if i.is_multiple_of(classes) { 20.0 } else { (i % 7) as f64 * 0.1 };
        let rows: [(&str, Vec<f64>); 5] = [
            ("close together", values(batch * classes, classes as u64, 0.5)),
            ("spread", values(batch * classes, classes as u64 + 1, 8.0)),
            ("one far above", (0..batch * classes).map(one_above).collect()),
            ("two levels", (0..batch * classes).map(|i| if i % 2 == 0 { 3.0 } else { -14.0 }).collect()),
            ("near the floor", (0..batch * classes).map(near_floor).collect()),
        ];
        let bound = (classes as f64 * (-16f64).exp()).ln_1p() + 0.005;
        for (kind, z) in rows {
            let y = one_hot(batch, classes, 7);
            let mut g = Graph::default();
            let zi = g.private_input("z", "data-owner", &[batch, classes]).unwrap();
            let yi = g.private_input("y", "label-owner", &[batch, classes]).unwrap();
            let loss = Loss::CategoricalCrossentropy { from_logits: true }.build(&mut g, zi, yi).unwrap();
            let out = g.reveal(loss.per_sample, None).unwrap();
            let mut session = LocalSession::new(&g, options()).unwrap();
            let mut feeds = Feeds::new();
            feeds.insert("z", z.clone()).insert("y", y.clone());
            let got: Vec<f64> = session.run(&[out], &feeds).unwrap().outputs[0].iter().copied().collect();
            for r in 0..batch {
                let row = &z[r * classes..(r + 1) * classes];
                let m = row.iter().copied().fold(f64::MIN, f64::max);
                let lse = m + row.iter().map(|v| (v - m).exp()).sum::<f64>().ln();
                let want = lse - row.iter().zip(&y[r * classes..]).map(|(z, y)| z * y).sum::<f64>();
                let error = (got[r] - want).abs();
                assert!(
                    error <= bound,
                    "{classes} classes, {kind}, sample {r}: got {}, want {want} (bound {bound})",
                    got[r]
                );
            }
        }
    }
    let mut g = Graph::default();
    let zi = g.private_input("z", "data-owner", &[1, 32769]).unwrap();
    let yi = g.private_input("y", "label-owner", &[1, 32769]).unwrap();
    let err = Loss::CategoricalCrossentropy { from_logits: true }.build(&mut g, zi, yi).unwrap_err().to_string();
    assert!(err.contains("categorical cross-entropy over 32769 classes, expected at most 32768"), "{err}");
}
