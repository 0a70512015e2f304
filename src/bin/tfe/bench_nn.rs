//! `tfe bench --only relu` and `--only networks`: private ReLU of 10^6
//! values and of sizes on each side of the three-round sign's limit, and
//! private inference of networks A-D of the SecureNN / TF
//! Encrypted benchmarks at batch 1 and 128, each next to plaintext inference
//! of the same network in the same run. Local mode over TCP.

use std::time::{Duration, Instant};

use tfe::graph::Graph;
use tfe::nn::PrivatePredictor;
use tfe::nn::networks;
use tfe::session::{Feeds, LocalOptions, LocalSession, RunStats, Transport};

/// Private ReLU of `n` values in [-1, 1], the op's time at the slowest server.
pub fn relu(n: usize, runs: usize) -> tfe::Result<()> {
    let values: Vec<f64> = (0..n).map(|i| ((i * 7919) % 2001) as f64 / 1000.0 - 1.0).collect();
    let mut g = Graph::default();
    let x = g.private_variable("x", "server0", &[n])?;
    let y = g.relu(x)?;
    let out = g.reveal(y, None)?;
    let mut session = LocalSession::new(&g, LocalOptions::default())?;
    session.set_variable_values("x", values)?;
    session.run(&[out], &Feeds::new())?;
    let mut times = Vec::new();
    let mut last = RunStats::default();
    for _ in 0..runs {
        last = session.run(&[out], &Feeds::new())?.stats;
        times.push(slowest(&last, |p| p.by_op.get("relu").map(|s| s.wall_time).unwrap_or_default()));
    }
    times.sort();
    let op = |f: fn(&tfe::Counters) -> u64| {
        last.players.iter().filter_map(|p| p.by_op.get("relu")).map(|s| f(&s.counters)).max().unwrap_or(0)
    };
    println!(
        "{{\"bench\":\"private_relu\",\"size\":{n},\"transport\":\"tcp\",\"median_s\":{:.6},\"runs\":{runs},\
         \"bytes\":{},\"rounds\":{}}}",
        times[runs / 2].as_secs_f64(),
        op(|c| c.bytes_sent),
        op(|c| c.rounds)
    );
    Ok(())
}

/// Networks A-D at the given batches: private latency (the median of
/// predictions after the first, which shares the weights), rounds and
/// bytes at the busiest server,
/// and plaintext inference time of the same network.
pub fn networks(batches: &[usize], names: &[&str]) -> tfe::Result<()> {
    for &name in names {
        let model = match name {
            "A" => networks::network_a(1)?,
            "B" => networks::network_b(1)?,
            "C" => networks::network_c(1)?,
            _ => networks::network_d(1)?,
        };
        // At batch 1 the in-memory transport shows what the network costs.
        let variants = batches.iter().flat_map(|&batch| {
            let transports: &[Transport] =
                if batch == 1 { &[Transport::Tcp, Transport::Memory] } else { &[Transport::Tcp] };
            transports.iter().map(move |&t| (batch, t))
        });
        for (batch, transport) in variants {
            let len: usize = model.batch_shape(batch).iter().product();
            let x: Vec<f64> = (0..len).map(|i| (i % 256) as f64 / 255.0).collect();
            let options = LocalOptions { transport, ..LocalOptions::default() };
            let mut predictor = PrivatePredictor::local(&model, batch, "model-owner", "client", options)?;
            predictor.predict(&x)?;
            let runs = if batch == 1 { 21 } else { 3 };
            let mut times: Vec<Duration> = (0..runs)
                .map(|_| {
                    let started = Instant::now();
                    predictor.predict(&x).map(|_| started.elapsed())
                })
                .collect::<tfe::Result<_>>()?;
            times.sort();
            let private = times[runs / 2];
            let stats = predictor.last_stats().cloned().unwrap_or_default();
            let started = Instant::now();
            model.predict_plain(&x, batch)?;
            let plain = started.elapsed();
            let bytes = stats.players.iter().map(|p| p.counters.bytes_sent).max().unwrap_or(0);
            let rounds = stats.players.iter().map(|p| p.counters.rounds).max().unwrap_or(0);
            println!(
                "{{\"bench\":\"network_{name}\",\"size\":{batch},\"transport\":\"{}\",\"median_s\":{:.6},\"runs\":{runs},\
                 \"bytes\":{bytes},\"rounds\":{rounds},\"plaintext_s\":{:.6},\"ratio_to_plaintext\":{:.1}}}",
                if transport == Transport::Memory { "memory" } else { "tcp" },
                private.as_secs_f64(),
                plain.as_secs_f64(),
                private.as_secs_f64() / plain.as_secs_f64().max(1e-9)
            );
        }
    }
    Ok(())
}

fn slowest(stats: &RunStats, metric: impl Fn(&tfe::session::PlayerStats) -> Duration) -> Duration {
    stats.players.iter().map(metric).max().unwrap_or_default()
}
