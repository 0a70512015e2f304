//! `tfe bench --only onnx --model FILE`: private inference of an ONNX
//! model at batch 1 in local mode over loopback TCP: the median latency of
//! `--runs` predictions after the first (which shares the weights), the
//! rounds and bytes at the busiest server, and the ops that took the most
//! time. `benches/resnet_onnx.py` runs it on ResNet-50 next to onnxruntime.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use tfe::nn::{Model as _, PrivatePredictor};
use tfe::onnx::OnnxModel;
use tfe::session::{LocalOptions, RunStats};

/// The ops shown in the line, most time first.
const TOP_OPS: usize = 5;

pub fn run(model: &Path, runs: usize) -> tfe::Result<()> {
    let started = Instant::now();
    let onnx = OnnxModel::from_file(model)?;
    let imported = started.elapsed();
    let started = Instant::now();
    let mut predictor = PrivatePredictor::local(&onnx, 1, "model-owner", "client", LocalOptions::default())?;
    let len: usize = onnx.input_shape().iter().product();
    let x: Vec<f64> = (0..len).map(|i| (i % 256) as f64 / 255.0).collect();
    predictor.predict(&x)?;
    let setup = started.elapsed();
    let mut times: Vec<Duration> = (0..runs.max(1))
        .map(|_| {
            let started = Instant::now();
            predictor.predict(&x).map(|_| started.elapsed())
        })
        .collect::<tfe::Result<_>>()?;
    times.sort();
    let stats = predictor.last_stats().cloned().unwrap_or_default();
    let busiest = |f: fn(&tfe::Counters) -> u64| stats.players.iter().map(|p| f(&p.counters)).max().unwrap_or(0);
    let name = model.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    println!(
        "{{\"bench\":\"onnx_private\",\"model\":{},\"size\":1,\"transport\":\"tcp\",\"median_s\":{:.6},\"runs\":{},\
         \"bytes\":{},\"rounds\":{},\"import_s\":{:.3},\"first_prediction_s\":{:.3},\"top_ops\":{{{}}}}}",
        serde_json::to_string(&name).unwrap_or_default(),
        times[times.len() / 2].as_secs_f64(),
        times.len(),
        busiest(|c| c.bytes_sent),
        busiest(|c| c.rounds),
        imported.as_secs_f64(),
        setup.as_secs_f64(),
        top_ops(&stats)
    );
    Ok(())
}

/// `"op":seconds` of the ops with the most wall time at the slowest server
/// (the client's time is its wait for the result).
fn top_ops(stats: &RunStats) -> String {
    let servers = stats.players.iter().filter(|p| p.player != "client" && p.player != "model-owner");
    let Some(slowest) = servers.max_by_key(|p| p.wall_time) else { return String::new() };
    let mut ops: Vec<_> = slowest.by_op.iter().map(|(op, s)| (*op, s.wall_time)).collect();
    ops.sort_by_key(|&(_, time)| std::cmp::Reverse(time));
    let mut out = String::new();
    for (i, (op, time)) in ops.into_iter().take(TOP_OPS).enumerate() {
        let _ = write!(out, "{}\"{op}\":{:.3}", if i == 0 { "" } else { "," }, time.as_secs_f64());
    }
    out
}
