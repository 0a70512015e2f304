//! `tfe demo`: the seed program of TF Encrypted with three local servers and
//! an input provider, each on its own thread, over loopback TCP.

use std::sync::Arc;

use tfe::graph::Graph;
use tfe::session::{Feeds, LocalOptions, LocalSession, Transport};

/// `tfe demo`'s options.
#[derive(clap::Args)]
pub struct Args {
    /// How the players talk: loopback TCP, TCP with TLS 1.3, or in-memory channels.
    #[arg(long, value_enum, default_value = "tcp")]
    transport: DemoTransport,
    /// Write a Chrome trace of the run to FILE (open it in Perfetto or at about:tracing in Chrome).
    #[arg(long, value_name = "FILE")]
    trace: Option<String>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum DemoTransport {
    Tcp,
    Tls,
    Memory,
}

pub fn run(args: &Args) -> Result<(), String> {
    let transport = match args.transport {
        DemoTransport::Tcp => Transport::Tcp,
        DemoTransport::Memory => Transport::Memory,
        DemoTransport::Tls => Transport::Tls,
    };
    let text = |e: tfe::Error| e.to_string();
    let mut graph = Graph::default();
    let w = graph.private_variable("w", "server0", &[10, 10]).map_err(text)?;
    let x = graph.private_input("x", "input-provider", &[5, 10]).map_err(text)?;
    let y = graph.matmul(x, w).map_err(text)?;
    let revealed = graph.reveal(y, None).map_err(text)?;

    let options = LocalOptions { transport, ..LocalOptions::default() };
    let mut session = LocalSession::new(&graph, options).map_err(text)?;
    // w's value stays at server0, x's at the input provider: neither is in the graph.
    session.set_variable_values("w", vec![1.0; 100]).map_err(text)?;
    session.set_provider("x", Arc::new(|request| Ok(vec![1.0; request.shape.iter().product()]))).map_err(text)?;
    let result = session.run(&[revealed], &Feeds::new()).map_err(text)?;

    println!("tfe {} demo: y = x · w over {transport:?}, ABY3 with three servers", env!("CARGO_PKG_VERSION"));
    println!(
        "x: 5x10 of 1.0, private input of 'input-provider'; w: 10x10 of 1.0, private variable of 'server0' \
         (its value given at server0, never in the graph)"
    );
    println!("\nrevealed y:\n{:.1}\n", result.outputs[0]);
    print!("{}", result.stats);
    if let Some(path) = &args.trace {
        std::fs::write(path, result.stats.chrome_trace()).map_err(|e| format!("cannot write {path}: {e}"))?;
        println!("\nwrote a Chrome trace of the run to {path} (open it in chrome://tracing or Perfetto)");
    }
    Ok(())
}
