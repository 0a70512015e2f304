//! `tfe bench --only deploy`: the seed program with every player its own
//! process (this executable's `party` command) on loopback, over plaintext
//! TCP and over TLS, many runs over the same connections. Reports the
//! median time of one run at the result receiver and, as `per_run_s`, its
//! total over all runs divided by the runs: the input provider runs ahead,
//! so many results are already there when the receiver asks (a median near
//! zero), and the steady-state time per run is the honest figure.

use std::path::Path;
use std::process::{Child, Command, Stdio};

use tfe::deploy::{Hostmap, certs};

const PLAYERS: [&str; 5] = ["server0", "server1", "server2", "input-provider", "result-receiver"];

pub fn run(quick: bool) -> Result<(), String> {
    let runs = if quick { 50 } else { 500 };
    let dir = std::env::temp_dir().join(format!("tfe-bench-deploy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let outcome = (|| {
        prepare(&dir)?;
        for tls in [false, true] {
            let (median_s, per_run_s, bytes, rounds) = measure(&dir, tls, runs)?;
            println!(
                "{{\"bench\":\"deploy_seed\",\"size\":50,\"transport\":\"{}\",\"processes\":5,\"median_s\":{median_s:.6},\
                 \"runs\":{runs},\"bytes\":{bytes},\"rounds\":{rounds},\"per_run_s\":{per_run_s:.6}}}",
                if tls { "tls" } else { "tcp" }
            );
        }
        Ok(())
    })();
    // Kept when a player failed: the error points at its log there.
    if outcome.is_ok() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    outcome
}

/// A hostmap on free loopback ports, certificates, the seed graph, the
/// input and the variable's initial value.
fn prepare(dir: &Path) -> Result<(), String> {
    let listeners: Vec<_> = PLAYERS.iter().map(|_| std::net::TcpListener::bind("127.0.0.1:0")).collect();
    let ports: Vec<u16> = listeners
        .iter()
        .map(|l| {
            l.as_ref().map_err(std::string::ToString::to_string).and_then(|l| l.local_addr().map_err(|e| e.to_string()))
        })
        .map(|a| a.map(|a| a.port()))
        .collect::<Result<_, _>>()?;
    drop(listeners);
    let players: Vec<String> = PLAYERS
        .iter()
        .zip(&ports)
        .map(|(name, port)| format!("{{\"name\": \"{name}\", \"address\": \"127.0.0.1:{port}\"}}"))
        .collect();
    let json = format!("{{\"players\": [{}], \"recv_timeout_ms\": 10000}}", players.join(", "));
    let hostmap = Hostmap::parse(&json, dir.to_path_buf()).map_err(|e| e.to_string())?;
    let hostmap = certs::generate(&hostmap, &dir.join("certs")).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("hosts.json"), hostmap.to_json()).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("x.csv"), "1,1,1,1,1,1,1,1,1,1\n".repeat(5)).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("w.csv"), "1,1,1,1,1,1,1,1,1,1\n".repeat(10)).map_err(|e| e.to_string())?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let status = Command::new(exe)
        .args(["graph", "seed", "--out", "seed.tfe"])
        .current_dir(dir)
        .stdout(Stdio::null())
        .status()
        .map_err(|e| e.to_string())?;
    if status.success() { Ok(()) } else { Err("tfe graph seed failed".into()) }
}

/// Runs the five players for `runs` runs; returns the receiver's median
/// run time, its mean, and the most any server sent and its rounds in one run.
fn measure(dir: &Path, tls: bool, runs: u32) -> Result<(f64, f64, u64, u64), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut children: Vec<(String, Child)> = Vec::new();
    for name in PLAYERS {
        let mut cmd = Command::new(&exe);
        cmd.current_dir(dir)
            .args(["party", "--config", "hosts.json", "--name", name, "--graph", "seed.tfe"])
            .args(["--runs", &runs.to_string()])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join(format!("{name}.err"))).map_err(|e| e.to_string())?);
        if tls {
            cmd.args(["--key", &format!("certs/{name}.key")]);
        } else {
            cmd.arg("--insecure-plaintext");
        }
        match name {
            "input-provider" => cmd.args(["--input", "x=x.csv"]),
            "server0" => cmd.args(["--input", "w=w.csv"]),
            _ => &mut cmd,
        };
        children.push((name.to_string(), cmd.spawn().map_err(|e| e.to_string())?));
    }
    let mut failed = Vec::new();
    for (name, mut child) in children {
        if !child.wait().map_err(|e| e.to_string())?.success() {
            failed.push(name);
        }
    }
    if !failed.is_empty() {
        return Err(format!("players failed: {} (logs in {})", failed.join(", "), dir.display()));
    }
    let mut times = run_times(&dir.join("result-receiver.err"))?;
    times.sort_by(f64::total_cmp);
    let server = std::fs::read_to_string(dir.join("server0.err")).map_err(|e| e.to_string())?;
    let last = server.lines().last().unwrap_or_default();
    let number_after = |key: &str| -> u64 {
        last.split(key).next().and_then(|s| s.split_whitespace().last()).and_then(|n| n.parse().ok()).unwrap_or(0)
    };
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    Ok((times[times.len() / 2] / 1e3, mean / 1e3, number_after(" bytes"), number_after(" rounds")))
}

/// The per-run times (ms) a player printed: "...: run N: sent ... , X ms".
fn run_times(log: &Path) -> Result<Vec<f64>, String> {
    let text = std::fs::read_to_string(log).map_err(|e| e.to_string())?;
    let times: Vec<f64> = text
        .lines()
        .filter_map(|l| l.strip_suffix(" ms"))
        .filter_map(|l| l.rsplit(' ').next())
        .filter_map(|t| t.parse().ok())
        .collect();
    if times.is_empty() { Err(format!("no run times in {}", log.display())) } else { Ok(times) }
}
