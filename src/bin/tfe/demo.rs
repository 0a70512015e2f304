//! `tfe demo`: the seed program of TF Encrypted with three local servers and
//! an input provider, each on its own thread, over loopback TCP.

use std::sync::Arc;

use tfe::graph::Graph;
use tfe::session::{Feeds, LocalOptions, LocalSession, Transport};

pub fn run(args: &[String]) -> Result<(), String> {
    super::check_args(args, &[], &["--transport", "--trace"])?;
    let transport = match super::option(args, "--transport")? {
        None | Some("tcp") => Transport::Tcp,
        Some("memory") => Transport::Memory,
        Some("tls") => Transport::Tls,
        Some(other) => return Err(format!("--transport {other}: expected tcp, tls or memory")),
    };
    let text = |e: tfe::Error| e.to_string();
    let mut graph = Graph::default();
    let w = graph.private_variable("w", "server0", &[10, 10], Some(vec![1.0; 100])).map_err(text)?;
    let x = graph.private_input("x", "input-provider", &[5, 10]).map_err(text)?;
    let y = graph.matmul(x, w).map_err(text)?;
    let revealed = graph.reveal(y, None).map_err(text)?;

    let options = LocalOptions { transport, ..LocalOptions::default() };
    let mut session = LocalSession::new(&graph, options).map_err(text)?;
    session.set_provider("x", Arc::new(|request| Ok(vec![1.0; request.shape.iter().product()]))).map_err(text)?;
    let result = session.run(&[revealed], &Feeds::new()).map_err(text)?;

    println!("tfe {} demo: y = x · w over {transport:?}, ABY3 with three servers", env!("CARGO_PKG_VERSION"));
    println!("x: 5x10 of 1.0, private input of 'input-provider'; w: 10x10 of 1.0, private variable of 'server0'");
    println!("\nrevealed y:\n{:.1}\n", result.outputs[0]);
    print!("{}", result.stats);
    if let Some(path) = super::option(args, "--trace")? {
        std::fs::write(path, result.stats.chrome_trace()).map_err(|e| format!("cannot write {path}: {e}"))?;
        println!("\nwrote a Chrome trace of the run to {path} (open it in chrome://tracing or Perfetto)");
    }
    Ok(())
}
