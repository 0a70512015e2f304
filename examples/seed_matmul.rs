//! The seed program of TF Encrypted: a private 5x10 input from an input
//! provider times a private 10x10 variable of ones, revealed: 5x10 of 10.0.
//! The README shows this program; tests/readme.rs checks that every line
//! of the README's Rust block is here, in order.
//!
//! Run with `cargo run --release --example seed_matmul`.

use std::sync::Arc;
use tfe::graph::Graph;
use tfe::session::{Feeds, LocalOptions, LocalSession};

fn main() -> tfe::Result<()> {
    let mut graph = Graph::default();
    let w = graph.private_variable("w", "server0", &[10, 10])?; // the graph holds its shape only
    let x = graph.private_input("x", "input-provider", &[5, 10])?;
    let y = graph.matmul(x, w)?;
    let result = graph.reveal(y, None)?; // to every server; Some("name") for one player

    let mut session = LocalSession::new(&graph, LocalOptions::default())?;
    // w's value stays at server0, its owner, which shares it in the first run.
    session.set_variable_values("w", vec![1.0; 100])?;
    // Runs on the thread of x's owner, "tfe-input-provider" (a server's, for an input a server owns).
    session.set_provider("x", Arc::new(|req| Ok(vec![1.0; req.shape.iter().product()])))?;
    let run = session.run(&[result], &Feeds::new())?;
    println!("{:.1}", run.outputs[0]); // 5x10 of 10.0
    print!("{}", run.stats); // bytes, messages, rounds, wall time per player
    Ok(())
}
