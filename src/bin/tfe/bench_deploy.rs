//! `tfe bench --only deploy`: work with every player its own process (this
//! executable's `party` command) on loopback, next to the same graph in
//! local mode measured in the same run: the seed program, a private
//! 1024x1024 matmul, and Network A at batch 1 and 128, over plaintext TCP
//! and over TLS, many runs over the same connections, with the servers'
//! thread pools at each size that fits this host (`--threads`).
//!
//! Each process line reports the median time of one run at the player that
//! learns the result and, as `per_run_s`, its total over all runs divided by
//! the runs: the owners of the inputs run ahead, so many results are already
//! there when the receiver asks (a median near zero), and the steady-state
//! time per run is the honest figure. The local line times each run of a
//! `LocalSession` over loopback TCP; `ratio` is per-run time over local.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use tfe::deploy::data::write_values;
use tfe::deploy::{Hostmap, certs};
use tfe::graph::{Graph, Op, TensorId};
use tfe::nn::{networks, prediction_graph};
use tfe::session::{Feeds, LocalOptions, LocalSession};

/// One deployed workload: its graph, the players (the hostmap's names),
/// each player's inputs and variables (name, values), and who learns the
/// result.
struct Workload {
    bench: &'static str,
    size: usize,
    graph: Graph,
    /// The revealed results.
    fetches: Vec<TensorId>,
    inputs: Vec<(String, String, Vec<f64>)>,
    receiver: &'static str,
    runs: u32,
}

/// What one way of running a workload measured, per run (seconds).
struct Timing {
    median_s: f64,
    per_run_s: f64,
    bytes: u64,
    rounds: u64,
}

pub fn run(quick: bool) -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!("tfe-bench-deploy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let outcome = workloads(quick).and_then(|workloads| {
        for workload in &workloads {
            measure_workload(&dir, workload, quick)?;
        }
        Ok(())
    });
    // Kept when a player failed: the error points at its log there.
    if outcome.is_ok() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    outcome
}

#[allow(clippy::needless_pass_by_value)] // for map_err(text)
pub(crate) fn text(e: tfe::Error) -> String {
    e.to_string()
}

/// The seed program, then (unless `quick`) the matmul and Network A.
fn workloads(quick: bool) -> Result<Vec<Workload>, String> {
    let mut seed = Graph::default();
    let x = seed.private_input("x", "input-provider", &[5, 10]).map_err(text)?;
    let w = seed.private_variable("w", "server0", &[10, 10]).map_err(text)?;
    let y = seed.matmul(x, w).map_err(text)?;
    let out = seed.reveal(y, Some("result-receiver")).map_err(text)?;
    let mut list = vec![Workload {
        bench: "deploy_seed",
        size: 50,
        graph: seed,
        fetches: vec![out],
        inputs: vec![
            ("input-provider".into(), "x".into(), vec![1.0; 50]),
            ("server0".into(), "w".into(), vec![1.0; 100]),
        ],
        receiver: "result-receiver",
        runs: if quick { 50 } else { 500 },
    }];
    if quick {
        return Ok(list);
    }
    let n = 1024;
    let mut matmul = Graph::default();
    let x = matmul.private_input("x", "input-provider", &[n, n]).map_err(text)?;
    let w = matmul.private_variable("w", "input-provider", &[n, n]).map_err(text)?;
    let y = matmul.matmul(x, w).map_err(text)?;
    let out = matmul.reveal(y, Some("result-receiver")).map_err(text)?;
    let values = |seed: usize| (0..n * n).map(|i| ((i * 7919 + seed) % 2001) as f64 / 1000.0 - 1.0).collect();
    list.push(Workload {
        bench: "deploy_matmul",
        size: n,
        graph: matmul,
        fetches: vec![out],
        inputs: vec![
            ("input-provider".into(), "x".into(), values(1)),
            ("input-provider".into(), "w".into(), values(2)),
        ],
        receiver: "result-receiver",
        runs: 10,
    });
    let model = networks::network_a(1).map_err(text)?;
    for (batch, runs) in [(1, 200), (128, 30)] {
        let p = prediction_graph(&model, batch, "input-provider", "result-receiver").map_err(text)?;
        let mut inputs: Vec<_> = p.weights.into_iter().map(|(name, v)| ("input-provider".into(), name, v)).collect();
        let pixels = (0..batch * 784).map(|i| (i % 256) as f64 / 255.0).collect();
        inputs.push(("result-receiver".into(), p.input, pixels));
        list.push(Workload {
            bench: "deploy_network_A",
            size: batch,
            graph: p.graph,
            fetches: p.outputs,
            inputs,
            receiver: "result-receiver",
            runs,
        });
    }
    Ok(list)
}

/// Local mode, then five processes over TCP with 1 and with 2 threads per
/// process, then over TLS with the best of those; one line each.
fn measure_workload(dir: &Path, w: &Workload, quick: bool) -> Result<(), String> {
    let local = measure_local(w)?;
    print_line(w, "local", "tcp", None, &local, &local);
    let players = w.graph.players().to_vec();
    let hostmap = prepare(dir, &players)?;
    let graph_file = dir.join(format!("{}-{}.tfe", w.bench, w.size));
    w.graph.save(&graph_file).map_err(text)?;
    let inputs = write_inputs(dir, w)?;
    let mut best: Option<(usize, f64)> = None;
    for threads in if quick { vec![1] } else { vec![1, 2] } {
        let t = measure_processes(dir, &hostmap, &graph_file, &inputs, w, false, threads)?;
        print_line(w, "processes", "tcp", Some(threads), &t, &local);
        if best.is_none_or(|(_, s)| t.per_run_s < s) {
            best = Some((threads, t.per_run_s));
        }
    }
    let threads = best.map_or(1, |(t, _)| t);
    let t = measure_processes(dir, &hostmap, &graph_file, &inputs, w, true, threads)?;
    print_line(w, "processes", "tls", Some(threads), &t, &local);
    Ok(())
}

fn print_line(w: &Workload, mode: &str, transport: &str, threads: Option<usize>, t: &Timing, local: &Timing) {
    let processes = if mode == "local" { 1 } else { w.graph.players().len() };
    let threads = threads.map_or_else(|| rayon::current_num_threads().to_string(), |t| t.to_string());
    println!(
        "{{\"bench\":\"{}\",\"size\":{},\"mode\":\"{mode}\",\"transport\":\"{transport}\",\"processes\":{processes},\
         \"threads_per_process\":{threads},\"median_s\":{:.6},\"runs\":{},\"bytes\":{},\"rounds\":{},\
         \"per_run_s\":{:.6},\"ratio_to_local\":{:.2}}}",
        w.bench,
        w.size,
        t.median_s,
        w.runs,
        t.bytes,
        t.rounds,
        t.per_run_s,
        t.per_run_s / local.per_run_s.max(1e-9)
    );
}

/// The workload's graph as a `LocalSession` over loopback TCP in this
/// process (its thread pool: `tfe --threads`, or one thread per core).
fn measure_local(w: &Workload) -> Result<Timing, String> {
    let mut session = LocalSession::new(&w.graph, LocalOptions::default()).map_err(text)?;
    let mut feeds = Feeds::new();
    for (_, name, values) in &w.inputs {
        if is_variable(&w.graph, name) {
            session.set_variable_values(name, values.clone()).map_err(text)?;
        } else {
            feeds.insert(name, values.clone());
        }
    }
    let fetches = &w.fetches;
    session.run(fetches, &feeds).map_err(text)?;
    let mut times = Vec::with_capacity(w.runs as usize);
    let mut last = None;
    for _ in 0..w.runs {
        let started = Instant::now();
        last = Some(session.run(fetches, &feeds).map_err(text)?.stats);
        times.push(started.elapsed().as_secs_f64());
    }
    let stats = last.unwrap_or_default();
    let servers = stats.players.iter().filter(|p| p.player.starts_with("server"));
    let (bytes, rounds) = servers.fold((0, 0), |(b, r), p| (b.max(p.counters.bytes_sent), r.max(p.counters.rounds)));
    let per_run_s = times.iter().sum::<f64>() / times.len() as f64;
    times.sort_by(f64::total_cmp);
    Ok(Timing { median_s: times[times.len() / 2], per_run_s, bytes, rounds })
}

fn is_variable(graph: &Graph, wanted: &str) -> bool {
    graph.nodes().iter().any(|n| matches!(&n.op, Op::PrivateVariable { name, .. } if name == wanted))
}

/// A hostmap of `players` on free loopback ports, with certificates.
pub(crate) fn prepare(dir: &Path, players: &[String]) -> Result<PathBuf, String> {
    let hostmap = loopback_hostmap(dir, players)?;
    let hostmap = certs::generate(&hostmap, &dir.join("certs")).map_err(text)?;
    let port = hostmap.players[0].address.rsplit(':').next().unwrap_or_default();
    let path = dir.join(format!("hosts-{port}.json"));
    std::fs::write(&path, hostmap.to_json()).map_err(|e| e.to_string())?;
    Ok(path)
}

/// A hostmap of `players` on free loopback ports, without certificates,
/// its paths relative to `dir`.
pub(crate) fn loopback_hostmap(dir: &Path, players: &[String]) -> Result<Hostmap, String> {
    let listeners: Vec<_> = players.iter().map(|_| std::net::TcpListener::bind("127.0.0.1:0")).collect();
    let ports: Vec<u16> = listeners
        .iter()
        .map(|l| l.as_ref().map_err(ToString::to_string).and_then(|l| l.local_addr().map_err(|e| e.to_string())))
        .map(|a| a.map(|a| a.port()))
        .collect::<Result<_, _>>()?;
    drop(listeners);
    let entries: Vec<String> = players
        .iter()
        .zip(&ports)
        .map(|(name, port)| format!("{{\"name\": \"{name}\", \"address\": \"127.0.0.1:{port}\"}}"))
        .collect();
    let json = format!("{{\"players\": [{}], \"recv_timeout_ms\": 30000}}", entries.join(", "));
    Hostmap::parse(&json, dir.to_path_buf()).map_err(text)
}

/// Each player's `--input NAME=FILE` arguments, the files written as `.npy`.
fn write_inputs(dir: &Path, w: &Workload) -> Result<Vec<(String, String)>, String> {
    let shape_of = |wanted: &str| {
        w.graph.nodes().iter().find_map(|n| match &n.op {
            Op::PrivateInput { name, shape, .. } | Op::PrivateVariable { name, shape, .. } if name == wanted => {
                Some(shape.clone())
            }
            _ => None,
        })
    };
    let mut args = Vec::new();
    for (player, name, values) in &w.inputs {
        let shape = shape_of(name).ok_or_else(|| format!("{}: no input named {name}", w.bench))?;
        let file = dir.join(format!("{}-{}-{name}.npy", w.bench, w.size));
        write_values(&file, &shape, values).map_err(text)?;
        args.push((player.clone(), format!("{name}={}", file.display())));
    }
    Ok(args)
}

/// Runs every player as its own process for the workload's runs; returns
/// the receiver's median run time, its mean, and the most any server sent
/// and its rounds in one run.
fn measure_processes(
    dir: &Path,
    hostmap: &Path,
    graph: &Path,
    inputs: &[(String, String)],
    w: &Workload,
    tls: bool,
    threads: usize,
) -> Result<Timing, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut children: Vec<(String, Child)> = Vec::new();
    for name in w.graph.players() {
        let log = dir.join(format!("{name}.err"));
        let mut cmd = Command::new(&exe);
        cmd.current_dir(dir)
            .args(["--threads", &threads.to_string(), "party", "--quiet", "--name", name])
            .arg("--config")
            .arg(hostmap)
            .arg("--graph")
            .arg(graph)
            .args(["--runs", &w.runs.to_string()])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).map_err(|e| e.to_string())?);
        if tls {
            cmd.args(["--key", &format!("certs/{name}.key")]);
        } else {
            cmd.arg("--insecure-plaintext");
        }
        for (_, arg) in inputs.iter().filter(|(player, _)| player == name) {
            cmd.args(["--input", arg]);
        }
        children.push((name.clone(), cmd.spawn().map_err(|e| e.to_string())?));
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
    let mut times = run_times(&dir.join(format!("{}.err", w.receiver)))?;
    let per_run_s = times.iter().sum::<f64>() / times.len() as f64 / 1e3;
    times.sort_by(f64::total_cmp);
    let (mut bytes, mut rounds) = (0, 0);
    for server in w.graph.players().iter().filter(|p| p.starts_with("server")) {
        let log = std::fs::read_to_string(dir.join(format!("{server}.err"))).map_err(|e| e.to_string())?;
        let last = log.lines().rev().find(|l| l.contains(" rounds")).unwrap_or_default();
        let number_after = |key: &str| -> u64 {
            last.split(key).next().and_then(|s| s.split_whitespace().last()).and_then(|n| n.parse().ok()).unwrap_or(0)
        };
        bytes = bytes.max(number_after(" bytes"));
        rounds = rounds.max(number_after(" rounds"));
    }
    Ok(Timing { median_s: times[times.len() / 2] / 1e3, per_run_s, bytes, rounds })
}

/// The per-run times (ms) a player printed: "...: run N: sent ..., X ms
/// over <transport>".
fn run_times(log: &Path) -> Result<Vec<f64>, String> {
    let text = std::fs::read_to_string(log).map_err(|e| e.to_string())?;
    let times: Vec<f64> = text
        .lines()
        .filter(|l| l.contains(": run "))
        .filter_map(|l| l.split(" ms").next())
        .filter_map(|l| l.rsplit(' ').next())
        .filter_map(|t| t.parse().ok())
        .collect();
    if times.is_empty() { Err(format!("no run times in {}", log.display())) } else { Ok(times) }
}
