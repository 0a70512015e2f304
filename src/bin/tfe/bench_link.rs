//! `tfe bench --only link` and `--only rounds`: what the rounds cost.
//!
//! `link` runs the seed program, Network A at batch 1 and 128 and ReLU of
//! 10^6 values over a modeled network link ([`LinkModel`]) at TF
//! Encrypted's published LAN and WAN settings, each next to the same work
//! over in-memory channels with no link and to an estimate from that run:
//! its time, plus half a round trip per round (in a round every server
//! sends and then receives, so a round waits for one message's way, not
//! for a reply), plus the busiest server's bytes at the link's bandwidth.
//!
//! `rounds` measures one round among the three servers in local mode (in
//! memory and over loopback TCP): a chain of dependent multiplications of
//! one value, whose time divided by its rounds is the cost of a round with
//! almost no work in it.

use std::time::{Duration, Instant};

use tfe::graph::{Graph, TensorId};
use tfe::nn::{PrivatePredictor, Sequential, networks};
use tfe::session::{Feeds, LinkModel, LocalOptions, LocalSession, RunStats, Transport};

/// What one measured piece of work reports.
struct Measured {
    median: Duration,
    runs: usize,
    bytes: u64,
    rounds: u64,
}

/// Something to time: runs once per call and returns that run's stats.
type Job = Box<dyn FnMut() -> tfe::Result<RunStats>>;

/// Makes the job for a transport (the setup is not timed).
type Workload = Box<dyn Fn(Transport) -> tfe::Result<Job>>;

pub fn link(quick: bool) -> tfe::Result<()> {
    let relu_size = if quick { 100_000 } else { 1_000_000 };
    let workloads: [(&str, usize, Workload); 7] = [
        ("seed_program", 50, Box::new(seed_program)),
        ("network_A", 1, Box::new(|t| network(networks::network_a, t, 1))),
        ("network_A", 128, Box::new(|t| network(networks::network_a, t, 128))),
        ("network_B", 1, Box::new(|t| network(networks::network_b, t, 1))),
        ("network_C", 1, Box::new(|t| network(networks::network_c, t, 1))),
        ("network_D", 1, Box::new(|t| network(networks::network_d, t, 1))),
        ("private_relu", relu_size, Box::new(move |t| relu(t, relu_size))),
    ];
    for (setting, model) in [("lan", LinkModel::LAN), ("wan", LinkModel::WAN)] {
        for (name, size, workload) in &workloads {
            let size = *size;
            let runs = if size >= 100_000 || (setting == "wan" && size > 1) { 3 } else { 11 };
            let plain = measure(workload(Transport::Memory)?, runs)?;
            let modeled = measure(workload(Transport::Modeled(model))?, runs)?;
            let estimate = plain.median
                + model.rtt / 2 * u32::try_from(modeled.rounds).unwrap_or(u32::MAX)
                + Duration::from_secs_f64(modeled.bytes as f64 * 8.0 / model.bits_per_second as f64);
            println!(
                "{{\"bench\":\"link_{name}\",\"size\":{size},\"setting\":\"{setting}\",\"rtt_ms\":{},\
                 \"bits_per_s\":{},\"median_s\":{:.6},\"runs\":{},\"bytes\":{},\"rounds\":{},\
                 \"memory_s\":{:.6},\"estimate_s\":{:.6}}}",
                model.rtt.as_secs_f64() * 1e3,
                model.bits_per_second,
                modeled.median.as_secs_f64(),
                modeled.runs,
                modeled.bytes,
                modeled.rounds,
                plain.median.as_secs_f64(),
                estimate.as_secs_f64()
            );
        }
    }
    Ok(())
}

/// The time of one round: chains of 16 and 64 dependent multiplications,
/// in memory and over loopback TCP; the difference of the two chains
/// divided by the difference of their rounds leaves out what every run
/// costs once (starting the run, the input, the reveal).
pub fn rounds(quick: bool) -> tfe::Result<()> {
    let runs = if quick { 21 } else { 201 };
    for transport in [Transport::Memory, Transport::Tcp] {
        let short = measure(multiplication_chain(transport, 16)?, runs)?;
        let long = measure(multiplication_chain(transport, 64)?, runs)?;
        let extra_rounds = long.rounds.saturating_sub(short.rounds).max(1);
        let per_round = long.median.saturating_sub(short.median).as_secs_f64() / extra_rounds as f64;
        println!(
            "{{\"bench\":\"round_trip\",\"size\":64,\"transport\":\"{}\",\"median_s\":{:.6},\"runs\":{runs},\
             \"bytes\":{},\"rounds\":{},\"per_round_s\":{per_round:.7}}}",
            if transport == Transport::Tcp { "tcp" } else { "memory" },
            long.median.as_secs_f64(),
            long.bytes,
            long.rounds
        );
    }
    Ok(())
}

/// The median time of `runs` runs after a first untimed one, with the
/// busiest server's bytes and rounds of the last run.
fn measure(mut job: Job, runs: usize) -> tfe::Result<Measured> {
    job()?;
    let mut times = Vec::with_capacity(runs);
    let mut last = RunStats::default();
    for _ in 0..runs {
        let started = Instant::now();
        last = job()?;
        times.push(started.elapsed());
    }
    times.sort();
    let bytes = last.players.iter().map(|p| p.counters.bytes_sent).max().unwrap_or(0);
    let rounds = last.players.iter().map(|p| p.counters.rounds).max().unwrap_or(0);
    Ok(Measured { median: times[runs / 2], runs, bytes, rounds })
}

fn options(transport: Transport) -> LocalOptions {
    LocalOptions { transport, ..LocalOptions::default() }
}

/// A session of `graph` whose runs fetch `out`, with `x` fed by the
/// input provider.
fn session_job(graph: &Graph, out: TensorId, x: Vec<f64>, transport: Transport) -> tfe::Result<Job> {
    let mut session = LocalSession::new(graph, options(transport))?;
    let mut feeds = Feeds::new();
    feeds.insert("x", x);
    Ok(Box::new(move || session.run(&[out], &feeds).map(|r| r.stats)))
}

/// The seed program: a 5x10 input times server0's 10x10 ones, revealed.
fn seed_program(transport: Transport) -> tfe::Result<Job> {
    let mut g = Graph::default();
    let w = g.private_variable("w", "server0", &[10, 10])?;
    let x = g.private_input("x", "input-provider", &[5, 10])?;
    let y = g.matmul(x, w)?;
    let out = g.reveal(y, Some("result-receiver"))?;
    let mut session = LocalSession::new(&g, options(transport))?;
    session.set_variable_values("w", vec![1.0; 100])?;
    let mut feeds = Feeds::new();
    feeds.insert("x", vec![1.0; 50]);
    Ok(Box::new(move || session.run(&[out], &feeds).map(|r| r.stats)))
}

/// Private inference of the network `make` builds (seed 1) at `batch`.
fn network(make: fn(u64) -> tfe::Result<Sequential>, transport: Transport, batch: usize) -> tfe::Result<Job> {
    let model = make(1)?;
    let len: usize = model.batch_shape(batch).iter().product();
    let x: Vec<f64> = (0..len).map(|i| (i % 256) as f64 / 255.0).collect();
    let mut predictor = PrivatePredictor::local(&model, batch, "model-owner", "client", options(transport))?;
    Ok(Box::new(move || {
        predictor.predict(&x)?;
        Ok(predictor.last_stats().cloned().unwrap_or_default())
    }))
}

/// Private ReLU of `n` values in [-1, 1], revealed.
fn relu(transport: Transport, n: usize) -> tfe::Result<Job> {
    let mut g = Graph::default();
    let x = g.private_input("x", "input-provider", &[n])?;
    let y = g.relu(x)?;
    let out = g.reveal(y, Some("result-receiver"))?;
    let values = (0..n).map(|i| ((i * 7919) % 2001) as f64 / 1000.0 - 1.0).collect();
    session_job(&g, out, values, transport)
}

/// `length` dependent multiplications of one private value by itself
/// (kept near 1, so the fixed-point value never leaves its range).
fn multiplication_chain(transport: Transport, length: usize) -> tfe::Result<Job> {
    let mut g = Graph::default();
    let x = g.private_input("x", "input-provider", &[1])?;
    let mut y = x;
    for _ in 0..length {
        y = g.mul(y, x)?;
    }
    let out = g.reveal(y, Some("result-receiver"))?;
    session_job(&g, out, vec![1.0], transport)
}
