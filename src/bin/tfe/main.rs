//! The `tfe` command line: `tfe demo` runs the seed program with three
//! local servers and an input provider over TCP; `tfe bench` prints one
//! JSON line per measurement; `tfe party`, `tfe keygen`, `tfe hostmap pin`
//! and `tfe graph` run and prepare a deployment with one process per player
//! (`tfe certs` prepares one on a single machine, for tests); `tfe serve`
//! answers prediction requests of clients that connect; `tfe predict` and
//! `tfe train` predict and train privately with local players.

mod bench;
mod bench_deploy;
mod bench_forms;
mod bench_link;
mod bench_nn;
mod bench_onnx;
mod bench_serve;
mod bench_train;
mod bench_train_plain;
mod bench_train_processes;
mod demo;
mod deploy_tools;
mod party;
mod player_args;
mod predict;
mod predict_deployed;
mod serve;
mod train;
mod train_deployed;
mod train_spec;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// TF Encrypted in Rust: privacy-preserving machine learning on
/// secret-shared data (ABY3, three servers).
#[derive(Parser)]
#[command(name = "tfe", version, arg_required_else_help = true)]
struct Cli {
    /// Worker threads of this process's compute pool (default: one per
    /// core). Players that share a host share its cores: three servers on
    /// two cores run best with 1 each (BENCHMARKS.md, deploy).
    #[arg(long, global = true, value_name = "N", env = "TFE_THREADS",
          value_parser = clap::value_parser!(u16).range(1..=1024))]
    threads: Option<u16>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the seed program (a 5x10 input times 10x10 ones) with three local
    /// servers and an input provider; print the result and each player's costs.
    Demo(demo::Args),
    /// Run the benchmarks: one JSON line per measurement.
    Bench(bench::Args),
    /// Run one player of a deployment (see docs/deployment.md).
    Party(party::Args),
    /// Predict privately with an ONNX model (three local servers, or as one
    /// player of a hostmap): print the predicted classes, write each output as .npy.
    Predict(predict::Args),
    /// Serve predictions of a model (three local servers) to clients that
    /// connect over TCP (see docs/serving.md).
    Serve(serve::Args),
    /// Make this player's private key and self-signed certificate, on the
    /// player's own machine: only the certificate (.pem) leaves it.
    Keygen(deploy_tools::KeygenArgs),
    /// Edit a hostmap: pin the players' certificates into it.
    #[command(subcommand)]
    Hostmap(deploy_tools::HostmapCommand),
    /// Train a model privately (three local servers, the data owners, the
    /// label owner and the model owner): print the loss per epoch, write the
    /// trained weights and the loss history.
    Train(train::Args),
    /// For local tests only: make every player's key and certificate here and
    /// pin them in the hostmap (whoever runs it holds every key; a deployment
    /// uses tfe keygen at each player and tfe hostmap pin).
    Certs(deploy_tools::CertsArgs),
    /// Write the seed program's graph, or show a graph file.
    #[command(subcommand)]
    Graph(deploy_tools::GraphCommand),
    /// Print the version (as `tfe --version`).
    Version,
}

fn main() -> ExitCode {
    keep_freed_memory();
    end_quietly_when_output_is_closed();
    // Help, --version and usage errors are printed (and the exit code set)
    // by clap: errors go to stderr with a hint, help to stdout.
    let cli = Cli::parse();
    // A benchmark's deployments would each log the link they assume.
    start_logging(if matches!(cli.command, Command::Bench(_)) {
        "warn"
    } else {
        "warn,tfe::deploy=info,tfe::run=info"
    });
    if let Err(message) = start_thread_pool(cli.threads) {
        eprintln!("tfe: {message}");
        return ExitCode::FAILURE;
    }
    let outcome = match cli.command {
        Command::Demo(args) => demo::run(&args),
        Command::Bench(args) => bench::run(&args),
        Command::Party(args) => party::run(&args),
        Command::Predict(args) => predict::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Keygen(args) => deploy_tools::run_keygen(&args),
        Command::Hostmap(command) => deploy_tools::run_hostmap(command),
        Command::Train(args) => train::run(&args),
        Command::Certs(args) => deploy_tools::run_certs(args),
        Command::Graph(command) => deploy_tools::run_graph(command),
        Command::Version => {
            println!("tfe {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("tfe: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Log records go to standard error through `env_logger`, filtered by
/// `RUST_LOG`, or else by `default`: for every command but `bench`,
/// warnings (such as a refused connection or `--insecure-plaintext`), the
/// link a deployment assumes (target `tfe::deploy`) and each run's summary
/// (target `tfe::run`); for `bench`, warnings only. `RUST_LOG=info` adds
/// every connection, `RUST_LOG=off` silences all. A run's summary is its
/// message alone; other records say their level and target.
fn start_logging(default: &str) {
    use std::io::Write;
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or(default))
        .format(|out, record| {
            if record.target() == "tfe::run" {
                writeln!(out, "{}", record.args())
            } else {
                writeln!(out, "[{} {}] {}", record.level(), record.target(), record.args())
            }
        })
        .init();
}

/// Sizes the compute pool (rayon's global pool, which every kernel of the
/// library uses) before any work starts, and logs its size (`RUST_LOG=info`).
fn start_thread_pool(threads: Option<u16>) -> Result<(), String> {
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(threads) = threads {
        pool = pool.num_threads(threads.into());
    }
    pool.build_global().map_err(|e| format!("--threads: the compute pool could not start: {e}"))?;
    log::info!("worker threads in the compute pool: {}", rayon::current_num_threads());
    Ok(())
}

/// `tfe bench | head -1`: when the reader of standard output goes away, the
/// command ends at its next write, as other Unix tools do, instead of
/// panicking in `println!` (Rust starts programs with SIGPIPE ignored).
/// Sockets never raise SIGPIPE: tfe sends with `MSG_NOSIGNAL`, which
/// tests/sigpipe.rs checks with the default disposition restored.
fn end_quietly_when_output_is_closed() {
    #[cfg(unix)]
    // SAFETY: restores the default disposition of one signal before any
    // other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Runs allocate and free tensors of megabytes every time. glibc would hand
/// each one back to the kernel (munmap, heap trimming) and fault it in again
/// on the next run, which costs more than the arithmetic on it. A party
/// process keeps them: tensors up to 32 MiB come from the heap, and freed
/// heap memory stays. (A host that links the library chooses its own
/// allocator policy; see BENCHMARKS.md.)
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator parameters; called before any
    // other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX);
        libc::mallopt(libc::M_TOP_PAD, 64 << 20);
    }
}
