//! `tfe bench --only training`: one private training step (`nn::Trainer`,
//! local mode over TCP, the overflow check on) of a logistic regression on
//! 784 features and of network A, batch 128, with SGD and (network A) Adam
//! and `AMSgrad`, and network A's SGD step once more without the overflow
//! check (what the check costs); each next to the plaintext f64 step of the
//! same network and optimizer in the same run, with the step's rounds and
//! bytes at the busiest player.

use std::time::{Duration, Instant};

use ndarray::{Array1, Array2, Axis};
use tfe::nn::Layer;
use tfe::nn::train::{Fit, Loss, Optimizer, Players, Trainer};
use tfe::session::{LocalOptions, Transport};

const BATCH: usize = 128;

/// The benchmarks: (name, optimizer's name, layers, loss, optimizer,
/// overflow check).
pub fn run(quick: bool) -> tfe::Result<()> {
    let lr = || vec![dense(784, 1, 1), Layer::Sigmoid];
    let a = || vec![dense(784, 128, 2), Layer::ReLU, dense(128, 128, 3), Layer::ReLU, dense(128, 10, 4)];
    let bce = Loss::BinaryCrossentropy { from_logits: false };
    let cce = Loss::CategoricalCrossentropy { from_logits: true };
    let mut cases = vec![
        ("logistic_regression", "sgd", lr(), bce, Optimizer::sgd(0.1), true),
        ("network_A", "sgd", a(), cce, Optimizer::sgd(0.1), true),
        ("network_A", "sgd", a(), cce, Optimizer::sgd(0.1), false),
    ];
    if !quick {
        cases.push(("network_A", "adam", a(), cce, Optimizer::adam(0.001), true));
        cases.push(("network_A", "amsgrad", a(), cce, Optimizer::amsgrad(0.001), true));
    }
    let runs = if quick { 3 } else { 11 };
    for (name, opt_name, layers, loss, optimizer, check) in cases {
        let outputs = if name == "network_A" { 10 } else { 1 };
        let x: Vec<f64> = (0..BATCH * 784).map(|i| (i % 256) as f64 / 255.0).collect();
        let y: Vec<f64> =
            (0..BATCH * outputs).map(|i| f64::from(u8::from(i % outputs == (i / outputs) % outputs))).collect();
        let plain_layers = layers.clone();
        let options = LocalOptions { transport: Transport::Tcp, ..LocalOptions::default() };
        let mut trainer = Trainer::new(&[784], layers, Players::default(), options)?;
        trainer.compile(optimizer, loss, &[])?;
        trainer.set_overflow_check(check);
        let fit = Fit { epochs: 1, batch_size: BATCH, validation: None };
        // The first step builds the graph and shares the weights.
        trainer.fit(&x, &y, fit, &mut |_| {})?;
        let mut times: Vec<Duration> = (0..runs)
            .map(|_| {
                let started = Instant::now();
                trainer.fit(&x, &y, fit, &mut |_| {}).map(|_| started.elapsed())
            })
            .collect::<tfe::Result<_>>()?;
        times.sort();
        let private = times[runs / 2];
        let stats = trainer.last_stats().cloned().unwrap_or_default();
        let bytes = stats.players.iter().map(|p| p.counters.bytes_sent).max().unwrap_or(0);
        let rounds = stats.players.iter().map(|p| p.counters.rounds).max().unwrap_or(0);
        let plain = plain_step_time(&plain_layers, &x, &y, opt_name, runs);
        println!(
            "{{\"bench\":\"train_step_{name}\",\"optimizer\":\"{opt_name}\",\"overflow_check\":{check},\
             \"size\":{BATCH},\"transport\":\"tcp\",\
             \"median_s\":{:.6},\"runs\":{runs},\"bytes\":{bytes},\"rounds\":{rounds},\"plaintext_s\":{:.6},\
             \"ratio_to_plaintext\":{:.1}}}",
            private.as_secs_f64(),
            plain.as_secs_f64(),
            private.as_secs_f64() / plain.as_secs_f64().max(1e-9)
        );
    }
    Ok(())
}

/// A dense layer with deterministic small weights.
fn dense(inputs: usize, units: usize, seed: usize) -> Layer {
    let bound = (6.0 / (inputs + units) as f64).sqrt();
    let w = (0..inputs * units).map(|i| (((i * 7919 + seed * 104_729) % 2001) as f64 / 1000.0 - 1.0) * bound).collect();
    Layer::dense(inputs, units, w, vec![0.0; units]).expect("valid sizes")
}

/// The median time of one plaintext f64 step (forward, the loss's
/// gradient, backward, update) of the same dense network.
fn plain_step_time(layers: &[Layer], x: &[f64], y: &[f64], optimizer: &str, runs: usize) -> Duration {
    let mut weights: Vec<(Array2<f64>, Array1<f64>)> = layers
        .iter()
        .filter_map(|l| match l {
            Layer::Dense { inputs, units, weights, bias } => Some((
                Array2::from_shape_vec((*inputs, *units), weights.clone()).expect("a matrix"),
                Array1::from(bias.clone()),
            )),
            _ => None,
        })
        .collect();
    let mut state: Vec<State> = weights
        .iter()
        .map(|(w, b)| {
            (Array2::zeros(w.raw_dim()), Array2::zeros(w.raw_dim()), Array1::zeros(b.len()), Array1::zeros(b.len()))
        })
        .collect();
    let xb = Array2::from_shape_vec((BATCH, 784), x.to_vec()).expect("a batch");
    let outputs = y.len() / BATCH;
    let yb = Array2::from_shape_vec((BATCH, outputs), y.to_vec()).expect("labels");
    let mut times: Vec<Duration> = (0..runs)
        .map(|step| {
            let started = Instant::now();
            let mut inputs = Vec::new();
            let mut a = xb.clone();
            for (i, (w, b)) in weights.iter().enumerate() {
                inputs.push(a.clone());
                let z = a.dot(w) + b;
                a = if i + 1 < weights.len() { z.mapv(|v| v.max(0.0)) } else { z };
            }
            let p = if outputs == 1 {
                a.mapv(|z| 1.0 / (1.0 + (-z).exp()))
            } else {
                let mut e = a.clone();
                for mut row in e.rows_mut() {
                    let m = row.fold(f64::MIN, |m, &v| m.max(v));
                    row.mapv_inplace(|v| (v - m).exp());
                    let s = row.sum();
                    row /= s;
                }
                e
            };
            let mut d = (p - &yb) / BATCH as f64;
            for i in (0..weights.len()).rev() {
                let gw = inputs[i].t().dot(&d);
                let gb = d.sum_axis(Axis(0));
                if i > 0 {
                    d = d.dot(&weights[i].0.t()) * inputs[i].mapv(|v| f64::from(u8::from(v > 0.0)));
                }
                update(&mut weights[i], &mut state[i], &gw, &gb, optimizer, step + 1);
            }
            std::hint::black_box(&weights);
            started.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

type State = (Array2<f64>, Array2<f64>, Array1<f64>, Array1<f64>);

/// SGD, or Adam / `AMSgrad` (for timing, the running maximum is kept in
/// place of v: the same operations as `AMSgrad`'s).
fn update(
    (w, b): &mut (Array2<f64>, Array1<f64>),
    (mw, vw, mb, vb): &mut State,
    gw: &Array2<f64>,
    gb: &Array1<f64>,
    optimizer: &str,
    t: usize,
) {
    if optimizer == "sgd" {
        w.scaled_add(-0.1, gw);
        b.scaled_add(-0.1, gb);
        return;
    }
    let (b1, b2, eps, lr) = (0.9, 0.999, 1.0 / 256.0, 0.001);
    let scale = lr * (1.0 - f64::powi(b2, t as i32)).sqrt() / (1.0 - f64::powi(b1, t as i32));
    let ams = optimizer == "amsgrad";
    *mw = &*mw * b1 + gw * (1.0 - b1);
    let vnew = &*vw * b2 + gw.mapv(|g| g * g) * (1.0 - b2);
    if ams {
        vw.zip_mut_with(&vnew, |a, &b| *a = a.max(b));
    } else {
        *vw = vnew;
    }
    *w -= &(&*mw / vw.mapv(|v| (v + eps * eps).sqrt()) * scale);
    *mb = &*mb * b1 + gb * (1.0 - b1);
    *vb = &*vb * b2 + gb.mapv(|g| g * g) * (1.0 - b2);
    *b -= &(&*mb / vb.mapv(|v| (v + eps * eps).sqrt()) * scale);
}
