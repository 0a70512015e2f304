//! `tfe certs` (a certificate set for a hostmap) and `tfe graph` (write the
//! seed graph, show a graph file): the tools a new deployment starts with.

use std::path::{Path, PathBuf};

use tfe::deploy::{Hostmap, certs};
use tfe::graph::Graph;

pub fn run_certs(args: &[String]) -> Result<(), String> {
    super::check_args(args, &[], &["--config", "--out"])?;
    let config = super::option(args, "--config")?.ok_or("--config is required")?;
    let hostmap = Hostmap::load(config).map_err(|e| e.to_string())?;
    let dir = match super::option(args, "--out")? {
        Some(d) => PathBuf::from(d),
        None => hostmap.base_dir.join("certs"),
    };
    let updated = certs::generate(&hostmap, &dir).map_err(|e| e.to_string())?;
    std::fs::write(config, updated.to_json()).map_err(|e| format!("cannot rewrite {config}: {e}"))?;
    println!("wrote a certificate and a private key per player to {}", dir.display());
    println!("updated {config} with the certificate paths; give each player only its own .key file");
    Ok(())
}

pub fn run_graph(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        Some("seed") => {
            super::check_args(&args[1..], &[], &["--out", "--receiver"])?;
            let out = super::option(args, "--out")?.ok_or("--out is required")?;
            let receiver = super::option(args, "--receiver")?.unwrap_or("result-receiver");
            let graph = seed_graph(receiver).map_err(|e| e.to_string())?;
            graph.save(out).map_err(|e| e.to_string())?;
            println!("wrote the seed graph to {out} (digest {})", hex(&graph.digest()[..8]));
            Ok(())
        }
        Some("show") => {
            let path = args.get(1).ok_or("tfe graph show FILE")?;
            let graph = Graph::load(Path::new(path)).map_err(|e| e.to_string())?;
            println!("players: {}", graph.players().join(", "));
            println!("digest:  {}", hex(&graph.digest()));
            for (i, node) in graph.nodes().iter().enumerate() {
                println!("  {i:>3}: {:<60} {:?} {:?}", format!("{:?}", short(&node.op)), node.shape, node.kind);
            }
            Ok(())
        }
        _ => Err("usage: tfe graph seed --out FILE [--receiver NAME] | tfe graph show FILE".into()),
    }
}

/// The seed program: x (5x10 of the input provider) times w (10x10 of ones
/// of server0), revealed to the result receiver only.
fn seed_graph(receiver: &str) -> tfe::Result<Graph> {
    let mut g = Graph::default();
    let w = g.private_variable("w", "server0", &[10, 10], Some(vec![1.0; 100]))?;
    let x = g.private_input("x", "input-provider", &[5, 10])?;
    let y = g.matmul(x, w)?;
    g.reveal(y, Some(receiver))?;
    Ok(g)
}

/// An op without its (possibly long) values.
fn short(op: &tfe::graph::Op) -> String {
    use tfe::graph::Op;
    match op {
        Op::Constant { shape, .. } => format!("Constant {shape:?}"),
        Op::PrivateVariable { name, owner, initial, .. } => {
            format!(
                "PrivateVariable '{name}' of player {owner}{}",
                if initial.is_some() { " (initialized)" } else { "" }
            )
        }
        other => format!("{other:?}"),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
