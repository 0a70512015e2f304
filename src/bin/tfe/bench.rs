//! `tfe bench`: one JSON line per measurement, every line with `bench`,
//! `size`, `median_s`, `runs`, `bytes` and `rounds`. Private benchmarks run
//! in local mode over loopback TCP and are reported next to the plaintext
//! ring GEMM of the same size measured in the same run, as a ratio.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use tfe::graph::Graph;
use tfe::internals::gemm::Factor::Matrix;
use tfe::internals::gemm::{self, Kernel, Threads};
use tfe::internals::random_words;
use tfe::session::{Feeds, LocalOptions, LocalSession, RunStats, Transport};

/// `tfe bench`'s options.
#[derive(clap::Args)]
pub struct Args {
    /// Fewer sizes and runs (seconds instead of minutes).
    #[arg(long)]
    quick: bool,
    /// Run one benchmark only.
    #[arg(long, value_name = "NAME", value_parser = ["gemm", "matmul", "mul", "tls", "deploy", "relu", "networks", "rounds", "link", "forms", "serve", "training", "onnx"])]
    only: Option<String>,
    /// The ONNX model of `--only onnx` (`benches/resnet_onnx.py` makes ResNet-50).
    #[arg(long, value_name = "FILE", required_if_eq("only", "onnx"))]
    model: Option<std::path::PathBuf>,
    /// Timed predictions of `--only onnx`, after the first.
    #[arg(long, value_name = "N", default_value_t = 3)]
    runs: usize,
}

pub fn run(args: &Args) -> Result<(), String> {
    let quick = args.quick;
    let only = args.only.as_deref();
    let wanted = |name: &str| only.is_none_or(|o| o == name);
    let sizes: &[usize] = if quick { &[256] } else { &[256, 1024] };
    if wanted("gemm") {
        for &n in sizes {
            bench_gemm(n, quick);
        }
    }
    if wanted("matmul") {
        for &n in sizes {
            bench_private_matmul(n, quick).map_err(|e| e.to_string())?;
        }
    }
    if wanted("tls") {
        bench_tls(quick).map_err(|e| e.to_string())?;
    }
    if wanted("relu") {
        super::bench_nn::relu(if quick { 100_000 } else { 1_000_000 }, 3).map_err(|e| e.to_string())?;
        // Each side of the three-round sign's limit (256 elements): the
        // three-round form and the eight-round form on about the same work.
        for n in [1, 128, 256, 257] {
            super::bench_nn::relu(n, if quick { 21 } else { 201 }).map_err(|e| e.to_string())?;
        }
    }
    if wanted("networks") {
        let (batches, names): (&[usize], &[&str]) =
            if quick { (&[1], &["A"]) } else { (&[1, 128], &["A", "B", "C", "D"]) };
        super::bench_nn::networks(batches, names).map_err(|e| e.to_string())?;
    }
    if wanted("serve") {
        super::bench_serve::run(quick).map_err(|e| e.to_string())?;
    }
    if wanted("training") {
        super::bench_train::run(quick).map_err(|e| e.to_string())?;
        if !quick {
            super::bench_train_processes::run()?;
        }
    }
    if wanted("deploy") {
        super::bench_deploy::run(quick)?;
    }
    if wanted("rounds") {
        super::bench_link::rounds(quick).map_err(|e| e.to_string())?;
    }
    if wanted("link") {
        super::bench_link::link(quick).map_err(|e| e.to_string())?;
    }
    if wanted("forms") {
        super::bench_forms::run(quick)?;
    }
    // Only when asked: it needs a model file.
    if let (Some("onnx"), Some(model)) = (only, &args.model) {
        super::bench_onnx::run(model, args.runs).map_err(|e| format!("{}: {e}", model.display()))?;
    }
    if wanted("mul") {
        bench_private_mul(if quick { 100_000 } else { 1_000_000 }, quick).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Median of `runs` timings of `f`.
fn median_time(runs: usize, mut f: impl FnMut() -> Duration) -> Duration {
    let mut times: Vec<Duration> = (0..runs).map(|_| f()).collect();
    times.sort();
    times[runs / 2]
}

fn timed(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

/// Times one all-core plaintext ring GEMM of n x n by n x n per call.
fn plaintext_gemm(n: usize) -> impl FnMut() -> Duration {
    let (a, b) = (random_words(n * n, 1), random_words(n * n, 2));
    let mut c = vec![0u64; n * n];
    move || timed(|| gemm::gemm(n, n, n, &a, &b, &mut c, false))
}

fn bench_gemm(n: usize, quick: bool) {
    let (a, b) = (random_words(n * n, 1), random_words(n * n, 2));
    let mut c = vec![0u64; n * n];
    let runs = if quick || n <= 256 { 5 } else { 3 };
    for kernel in gemm::available_kernels() {
        for threads in [Threads::Single, Threads::All] {
            let t = median_time(runs, || {
                timed(|| gemm::gemm_with(kernel, threads, n, n, n, Matrix(&a), Matrix(&b), &mut c, false))
            });
            let gmacs = (n * n * n) as f64 / t.as_secs_f64() / 1e9;
            println!(
                "{{\"bench\":\"ring_gemm\",\"size\":{n},\"kernel\":\"{}\",\"threads\":\"{}\",\"median_s\":{:.6},\
                 \"runs\":{runs},\"bytes\":0,\"rounds\":0,\"gmac_per_s\":{gmacs:.2}}}",
                kernel_name(kernel),
                if threads == Threads::Single { "single" } else { "all" },
                t.as_secs_f64()
            );
        }
    }
}

fn kernel_name(kernel: Kernel) -> &'static str {
    match kernel {
        Kernel::Portable => "portable",
        Kernel::Avx2 => "avx2",
        Kernel::Avx512 => "avx512",
    }
}

/// Values in [-1, 1] on a coarse grid, so products stay in range.
fn values(len: usize, seed: u64) -> Vec<f64> {
    random_words(len, seed).iter().map(|w| (w % 2049) as f64 / 1024.0 - 1.0).collect()
}

/// Runs `op_kind` (`matmul` of two n x n matrices, or `mul` of two vectors
/// of n) between two private variables `runs` times after one warm-up run
/// (which shares the variables), and reports the op's time at the slowest
/// server, and the whole run's. A `baseline` is timed once before each
/// run, so that both medians see the same state of a noisy machine, and
/// reported with the ratio of the medians.
fn bench_private_op(
    op_kind: &str,
    size: usize,
    runs: usize,
    mut baseline: Option<&mut dyn FnMut() -> Duration>,
    transport: Transport,
) -> tfe::Result<()> {
    let bench = format!("private_{op_kind}");
    let shape = if op_kind == "matmul" { vec![size, size] } else { vec![size] };
    let len = shape.iter().product();
    let mut graph = Graph::default();
    let a = graph.private_variable("a", "server0", &shape)?;
    let b = graph.private_variable("b", "server1", &shape)?;
    let y = if op_kind == "matmul" { graph.matmul(a, b)? } else { graph.mul(a, b)? };
    let revealed = graph.reveal(y, None)?;
    let mut session = LocalSession::new(&graph, LocalOptions { transport, ..LocalOptions::default() })?;
    session.set_variable_values("a", values(len, 3))?;
    session.set_variable_values("b", values(len, 4))?;
    session.run(&[revealed], &Feeds::new())?;
    let mut op_times = Vec::new();
    let mut run_times = Vec::new();
    let mut last = RunStats::default();
    let mut cpu_times = Vec::new();
    let mut baseline_times = Vec::new();
    for _ in 0..runs {
        if let Some(time_baseline) = baseline.as_mut() {
            baseline_times.push(time_baseline());
        }
        let (started, cpu_before) = (Instant::now(), process_cpu_time());
        let result = session.run(&[revealed], &Feeds::new())?;
        run_times.push(started.elapsed());
        cpu_times.push(process_cpu_time().saturating_sub(cpu_before));
        op_times.push(slowest_server(&result.stats, op_kind, |s| s.wall_time));
        last = result.stats;
    }
    op_times.sort();
    run_times.sort();
    cpu_times.sort();
    let median = op_times[runs / 2];
    let bytes = slowest_server(&last, op_kind, |s| Duration::from_nanos(s.counters.bytes_sent)).as_nanos();
    let rounds = slowest_server(&last, op_kind, |s| Duration::from_nanos(s.counters.rounds)).as_nanos();
    let mut line = format!(
        "{{\"bench\":\"{bench}\",\"size\":{size},\"transport\":\"{}\",\"median_s\":{:.6},\"runs\":{runs},\
         \"bytes\":{bytes},\"rounds\":{rounds},\"run_median_s\":{:.6},\"run_cpu_s\":{:.6}",
        transport_name(transport),
        median.as_secs_f64(),
        run_times[runs / 2].as_secs_f64(),
        cpu_times[runs / 2].as_secs_f64()
    );
    if !baseline_times.is_empty() {
        baseline_times.sort();
        let base = baseline_times[runs / 2];
        // Writing to a String cannot fail.
        let _ = write!(
            line,
            ",\"plaintext_gemm_s\":{:.6},\"ratio_to_plaintext\":{:.2}",
            base.as_secs_f64(),
            median.as_secs_f64() / base.as_secs_f64()
        );
    } else if op_kind == "mul" {
        let _ = write!(line, ",\"products_per_s\":{:.0}", size as f64 / median.as_secs_f64());
    }
    println!("{line}}}");
    Ok(())
}

/// CPU time (user and system) of every thread of this process so far. Less
/// sensitive to other load on the machine than wall time.
fn process_cpu_time() -> Duration {
    // SAFETY: getrusage fills the zeroed struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &raw mut usage);
        usage
    };
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// The largest value of `metric` for `op_kind` over the three servers.
fn slowest_server(stats: &RunStats, op_kind: &str, metric: impl Fn(&tfe::session::OpStats) -> Duration) -> Duration {
    stats.players.iter().filter_map(|p| p.by_op.get(op_kind)).map(metric).max().unwrap_or_default()
}

fn bench_private_matmul(n: usize, quick: bool) -> tfe::Result<()> {
    let runs = if quick { 5 } else { 9 };
    let mut baseline = plaintext_gemm(n);
    // One product first, so that the pool threads are up and the first
    // timed one is not the odd one out.
    baseline();
    bench_private_op("matmul", n, runs, Some(&mut baseline), Transport::Tcp)
}

fn bench_private_mul(n: usize, quick: bool) -> tfe::Result<()> {
    let runs = if quick { 3 } else { 5 };
    for transport in [Transport::Tcp, Transport::Memory] {
        bench_private_op("mul", n, runs, None, transport)?;
    }
    Ok(())
}

/// A transport's name in the JSON lines.
pub(crate) fn transport_name(transport: Transport) -> &'static str {
    match transport {
        Transport::Tcp => "tcp",
        Transport::Tls => "tls",
        Transport::Memory => "memory",
        Transport::Modeled(_) => "modeled link",
    }
}

/// What TLS costs, measured next to plaintext TCP in the same run: the seed
/// program's latency and a private matmul.
fn bench_tls(quick: bool) -> tfe::Result<()> {
    let runs = if quick { 21 } else { 101 };
    for transport in [Transport::Tcp, Transport::Tls] {
        let mut g = Graph::default();
        let w = g.private_variable("w", "server0", &[10, 10])?;
        let x = g.private_input("x", "input-provider", &[5, 10])?;
        let y = g.matmul(x, w)?;
        let out = g.reveal(y, Some("result-receiver"))?;
        let mut session = LocalSession::new(&g, LocalOptions { transport, ..LocalOptions::default() })?;
        session.set_variable_values("w", vec![1.0; 100])?;
        let mut feeds = Feeds::new();
        feeds.insert("x", vec![1.0; 50]);
        session.run(&[out], &feeds)?;
        let mut last = RunStats::default();
        let t = median_time(runs, || {
            let started = Instant::now();
            last = session.run(&[out], &feeds).expect("seed run").stats;
            started.elapsed()
        });
        let bytes = last.players.iter().map(|p| p.counters.bytes_sent).max().unwrap_or(0);
        let rounds = last.players.iter().map(|p| p.counters.rounds).max().unwrap_or(0);
        println!(
            "{{\"bench\":\"seed_latency\",\"size\":50,\"transport\":\"{}\",\"median_s\":{:.6},\"runs\":{runs},\
             \"bytes\":{bytes},\"rounds\":{rounds}}}",
            transport_name(transport),
            t.as_secs_f64()
        );
    }
    let n = if quick { 256 } else { 1024 };
    for transport in [Transport::Tcp, Transport::Tls] {
        bench_private_op("matmul", n, 3, None, transport)?;
    }
    Ok(())
}
