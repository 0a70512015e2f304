//! `tfe bench --only training`: one private training step (`nn::Trainer`,
//! local mode over TCP, the overflow check on) of a logistic regression on
//! 784 features (also over in-memory channels, the other local transport)
//! and of networks A to D, batch 128, with SGD and (network A) Adam and
//! `AMSgrad`, and network A's SGD step once more without the overflow
//! check (what the check costs), after warm-up steps; each next
//! to the plaintext f64 step of the same network and optimizer in the same
//! run (`bench_train_plain`), with the step's rounds and bytes at the
//! busiest player.

use std::time::{Duration, Instant};

use tfe::nn::train::{Fit, Loss, Optimizer, Players, Trainer};
use tfe::nn::{Layer, networks};
use tfe::session::{LocalOptions, Transport};

use super::bench_train_plain;

const BATCH: usize = 128;

/// One benchmark.
struct Case {
    name: &'static str,
    optimizer_name: &'static str,
    layers: Vec<Layer>,
    loss: Loss,
    optimizer: Optimizer,
    overflow_check: bool,
    transport: Transport,
}

/// The benchmarks.
pub fn run(quick: bool) -> tfe::Result<()> {
    let lr = || vec![dense(784, 1, 1), Layer::Sigmoid];
    let a = || vec![dense(784, 128, 2), Layer::ReLU, dense(128, 128, 3), Layer::ReLU, dense(128, 10, 4)];
    let bce = Loss::BinaryCrossentropy { from_logits: false };
    let cce = Loss::CategoricalCrossentropy { from_logits: true };
    let sgd = || Optimizer::sgd(0.1);
    let case = |name, optimizer_name, layers, loss, optimizer| Case {
        name,
        optimizer_name,
        layers,
        loss,
        optimizer,
        overflow_check: true,
        transport: Transport::Tcp,
    };
    let mut cases = vec![
        case("logistic_regression", "sgd", lr(), bce, sgd()),
        Case { transport: Transport::Memory, ..case("logistic_regression", "sgd", lr(), bce, sgd()) },
        case("network_A", "sgd", a(), cce, sgd()),
        Case { overflow_check: false, ..case("network_A", "sgd", a(), cce, sgd()) },
    ];
    if !quick {
        cases.push(case("network_A", "adam", a(), cce, Optimizer::adam(0.001)));
        cases.push(case("network_A", "amsgrad", a(), cce, Optimizer::amsgrad(0.001)));
        for (name, network) in [
            ("network_B", networks::network_b as fn(u64) -> tfe::Result<_>),
            ("network_C", networks::network_c),
            ("network_D", networks::network_d),
        ] {
            cases.push(case(name, "sgd", network(5)?.layers().to_vec(), cce, sgd()));
        }
    }
    for Case { name, optimizer_name, layers, loss, optimizer, overflow_check, transport } in cases {
        // Timed steps, and steps before them: the first builds the graph and
        // shares the weights; the next ones are slower than a long training's
        // steps too, while the endpoints' buffer pools fill up to their bound
        // and the rest of the process draws fresh pages meanwhile (network
        // A's settle after about ten; the logistic regression's, which take
        // a few megabytes from the pools each, fault fewer than 100 pages a
        // step after about 90 and settle after about 150: BENCHMARKS.md).
        // The convolutional networks take a second or more per step.
        let (runs, warmup) = match (quick, name) {
            (true, _) => (3, 1),
            (false, "network_B" | "network_C" | "network_D") => (5, 2),
            (false, "logistic_regression") => (11, 150),
            (false, _) => (11, 10),
        };
        let input: &[usize] = if name.starts_with("network_") && name != "network_A" { &[28, 28, 1] } else { &[784] };
        let outputs = if name.starts_with("network_") { 10 } else { 1 };
        let x: Vec<f64> = (0..BATCH * 784).map(|i| (i % 256) as f64 / 255.0).collect();
        let y: Vec<f64> =
            (0..BATCH * outputs).map(|i| f64::from(u8::from(i % outputs == (i / outputs) % outputs))).collect();
        let plain_layers = layers.clone();
        let options = LocalOptions { transport, ..LocalOptions::default() };
        let mut trainer = Trainer::new(input, layers, Players::default(), options)?;
        trainer.compile(optimizer, loss, &[])?;
        trainer.set_overflow_check(overflow_check);
        let fit = Fit { epochs: 1, batch_size: BATCH, validation: None };
        for _ in 0..warmup {
            trainer.fit(&x, &y, fit, &mut |_| {})?;
        }
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
        let plain = bench_train_plain::step_time(&plain_layers, input, BATCH, &x, &y, optimizer_name, runs);
        println!(
            "{{\"bench\":\"train_step_{name}\",\"optimizer\":\"{optimizer_name}\",\"overflow_check\":{overflow_check},\
             \"size\":{BATCH},\"transport\":\"{}\",\"warmup_steps\":{warmup},\
             \"median_s\":{:.6},\"runs\":{runs},\"bytes\":{bytes},\"rounds\":{rounds},\"plaintext_s\":{:.6},\
             \"ratio_to_plaintext\":{:.1}}}",
            super::bench::transport_name(transport),
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
