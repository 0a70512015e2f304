//! The `tfe` command line: `tfe demo` runs the seed program with three
//! local servers and an input provider over TCP; `tfe bench` prints one
//! JSON line per measurement; `tfe party`, `tfe certs` and `tfe graph`
//! run and prepare a deployment with one process per player.

mod bench;
mod bench_deploy;
mod bench_nn;
mod demo;
mod deploy_tools;
mod party;

use std::process::ExitCode;

const USAGE: &str = "\
usage: tfe <command> [options]

commands:
  demo [--transport tcp|tls|memory] [--trace FILE]
                                  run the seed program (5x10 input times 10x10 ones)
                                  with three local servers and an input provider,
                                  print the result and each player's costs
  bench [--quick] [--only NAME]   run the benchmarks, one JSON line per measurement
                                  (NAME: gemm, matmul, mul, tls, deploy,
                                  relu, networks)
  party --config HOSTS --name NAME --graph FILE (--key KEY | --insecure-plaintext)
        [--input NAME=FILE.npy|.csv]... [--output DIR] [--runs N]
                                  run one player of a deployment (see docs/deployment.md)
  certs --config HOSTS [--out DIR]
                                  make a certificate and key per player, pin them in HOSTS
  graph seed --out FILE [--receiver NAME]
                                  write the seed program's graph (result to one receiver)
  graph show FILE                 print a graph file's players, digest and nodes
  version                         print the version";

fn main() -> ExitCode {
    keep_freed_memory();
    end_quietly_when_output_is_closed();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        Some("demo") => demo::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("party") => party::run(&args[1..]),
        Some("certs") => deploy_tools::run_certs(&args[1..]),
        Some("graph") => deploy_tools::run_graph(&args[1..]),
        Some("version" | "--version") => {
            println!("tfe {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        Some("help" | "--help" | "-h") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command '{other}'\n\n{USAGE}")),
        None => Err(USAGE.to_string()),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("tfe: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The value after `--name` in `args`, if present.
fn option<'a>(args: &'a [String], name: &str) -> Result<Option<&'a str>, String> {
    match args.iter().position(|a| a == name) {
        None => Ok(None),
        Some(i) => args.get(i + 1).map(|v| Some(v.as_str())).ok_or_else(|| format!("{name} needs a value")),
    }
}

/// Rejects arguments that are not among `known` (flags) or values of `with_value`.
fn check_args(args: &[String], flags: &[&str], with_value: &[&str]) -> Result<(), String> {
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        if with_value.contains(&a) {
            i += 2;
        } else if flags.contains(&a) {
            i += 1;
        } else {
            return Err(format!("unexpected argument '{a}' (see tfe --help)"));
        }
    }
    Ok(())
}

/// `tfe bench | head -1`: when the reader of standard output goes away, the
/// command ends at its next write, as other Unix tools do, instead of
/// panicking in `println!` (Rust starts programs with SIGPIPE ignored).
/// Sockets never raise SIGPIPE: tfe sends with MSG_NOSIGNAL, which
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
