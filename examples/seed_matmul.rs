//! The seed program of TF Encrypted: a private 5x10 input from an input
//! provider times a private 10x10 variable of ones, revealed: 5x10 of 10.0.
//!
//! Run with `cargo run --release --example seed_matmul`.

use std::sync::Arc;

use tfe::graph::Graph;
use tfe::session::{Feeds, LocalOptions, LocalSession};

fn main() -> tfe::Result<()> {
    let mut graph = Graph::default();
    let w = graph.private_variable("w", "server0", &[10, 10], Some(vec![1.0; 100]))?;
    let x = graph.private_input("x", "input-provider", &[5, 10])?;
    let y = graph.matmul(x, w)?;
    let result = graph.reveal(y, None)?;

    let mut session = LocalSession::new(&graph, LocalOptions::default())?;
    // The callback runs on the input provider's thread only.
    session.set_provider("x", Arc::new(|request| Ok(vec![1.0; request.shape.iter().product()])))?;
    let run = session.run(&[result], &Feeds::new())?;

    println!("{:.1}", run.outputs[0]);
    print!("{}", run.stats);
    Ok(())
}
