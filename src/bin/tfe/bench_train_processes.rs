//! `tfe bench --only training` (not `--quick`): network A's SGD step at
//! batch 128 with every player its own process — this executable's `train
//! --config`, five processes: three servers, the model owner, and a data
//! owner holding the features and the labels — over plaintext TCP and over
//! TLS, next to the same `tfe train` command in local mode in the same run.
//! A step's time is the median difference of `steps.csv`'s `elapsed_s`
//! after the first [`WARMUP`] steps (the first also shares the weights;
//! the next few are slower than the steady state too, as in
//! `bench_train`).

use std::path::Path;
use std::process::{Child, Command, Stdio};

use tfe::deploy::data::write_values;

use super::bench_deploy::prepare;

const BATCH: usize = 128;
const STEPS: usize = 24;
const WARMUP: usize = 10;
const SPEC: &str = "dense:128,relu,dense:128,relu,dense:10";
const PLAYERS: [&str; 5] = ["server0", "server1", "server2", "model-owner", "data-owner"];

pub fn run() -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!("tfe-bench-train-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    measure(&dir).map_err(|e| format!("{e} (logs in {})", dir.display()))?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn measure(dir: &Path) -> Result<(), String> {
    let samples = BATCH * STEPS;
    let x: Vec<f64> = (0..samples * 784).map(|i| (i % 256) as f64 / 255.0).collect();
    let y: Vec<f64> = (0..samples).map(|i| (i % 10) as f64).collect();
    let text = |e: tfe::Error| e.to_string();
    write_values(&dir.join("x.npy"), &[samples, 784], &x).map_err(text)?;
    write_values(&dir.join("y.npy"), &[samples], &y).map_err(text)?;
    let players: Vec<String> = PLAYERS.iter().map(ToString::to_string).collect();
    let hostmap = prepare(dir, &players)?;

    let local = step_time(&dir.join("local"), &mut [("local", train(dir, None, None, "local")?)])?;
    for tls in [false, true] {
        let out = if tls { "processes-tls" } else { "processes-tcp" };
        let mut children = Vec::new();
        for name in PLAYERS {
            children.push((name, train(dir, Some((&hostmap, name)), Some(tls), out)?));
        }
        let time = step_time(&dir.join(out), &mut children)?;
        println!(
            "{{\"bench\":\"train_step_network_A_processes\",\"optimizer\":\"sgd\",\"size\":{BATCH},\
             \"transport\":\"{}\",\"processes\":5,\"median_s\":{time:.6},\"steps\":{STEPS},\"warmup_steps\":{WARMUP},\
             \"local_median_s\":{local:.6},\"ratio_to_local\":{:.2}}}",
            if tls { "tls" } else { "tcp" },
            time / local
        );
    }
    Ok(())
}

/// `tfe train` of network A on the data, in local mode (`player` None)
/// or as one player of the hostmap; the model owner writes `out`.
fn train(dir: &Path, player: Option<(&Path, &str)>, tls: Option<bool>, out: &str) -> Result<Child, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut cmd = Command::new(exe);
    cmd.current_dir(dir).args(["train", "--model", SPEC, "--epochs", "1", "--batch-size", &BATCH.to_string()]);
    cmd.args(["--learning-rate", "0.1", "--from-logits", "--seed-for-tests", "1", "--quiet"]);
    let owns = player.is_none_or(|(_, name)| name == "data-owner");
    let samples = BATCH * STEPS;
    if owns {
        cmd.args(["--data", "data-owner=x.npy", "--labels", "data-owner=y.npy"]);
    } else {
        cmd.args(["--data", &format!("data-owner={samples}x784"), "--labels", &format!("data-owner={samples}")]);
    }
    if let Some((hostmap, name)) = player {
        cmd.arg("--config").arg(hostmap).args(["--name", name]);
        match tls {
            Some(true) => cmd.args(["--key", &format!("certs/{name}.key")]),
            _ => cmd.arg("--insecure-plaintext"),
        };
    }
    if player.is_none_or(|(_, name)| name == "model-owner") {
        cmd.args(["--output", out]);
    }
    let log = std::fs::File::create(dir.join(format!("{out}-{}.err", player.map_or("local", |p| p.1))))
        .map_err(|e| e.to_string())?;
    cmd.stdout(Stdio::null()).stderr(log).spawn().map_err(|e| e.to_string())
}

/// Waits for the processes, then the median time of a step after the
/// warm-up from `out`/steps.csv.
fn step_time(out: &Path, children: &mut [(&str, Child)]) -> Result<f64, String> {
    let mut failed = Vec::new();
    for (name, child) in children.iter_mut() {
        if !child.wait().map_err(|e| e.to_string())?.success() {
            failed.push(name.to_string());
        }
    }
    if !failed.is_empty() {
        return Err(format!("tfe train failed at {}", failed.join(", ")));
    }
    let csv = std::fs::read_to_string(out.join("steps.csv")).map_err(|e| format!("{}: {e}", out.display()))?;
    let elapsed: Vec<f64> =
        csv.lines().skip(1).filter_map(|l| l.rsplit(',').next()).filter_map(|v| v.parse().ok()).collect();
    let mut steps: Vec<f64> = elapsed.windows(2).skip(WARMUP - 1).map(|w| w[1] - w[0]).collect();
    if steps.is_empty() {
        return Err(format!("{}: {} steps, expected more than {WARMUP}", out.display(), elapsed.len()));
    }
    steps.sort_by(f64::total_cmp);
    Ok(steps[steps.len() / 2])
}
