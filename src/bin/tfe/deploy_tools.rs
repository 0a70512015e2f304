//! `tfe certs` (a certificate set for a hostmap) and `tfe graph` (write the
//! seed graph, show a graph file): the tools a new deployment starts with.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use tfe::deploy::{Hostmap, certs};
use tfe::graph::Graph;

/// `tfe certs`'s options.
#[derive(clap::Args)]
pub struct CertsArgs {
    /// The hostmap (JSON); rewritten with each player's certificate path.
    #[arg(long, value_name = "HOSTS")]
    config: String,
    /// Where to write the certificates and keys (default: certs/ next to the hostmap).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

/// `tfe graph`'s subcommands.
#[derive(clap::Subcommand)]
pub enum GraphCommand {
    /// Write the seed program's graph: x (5x10, input-provider) times w
    /// (10x10 ones, server0), revealed to one receiver.
    Seed {
        /// The graph file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// The player that learns the result.
        #[arg(long, value_name = "NAME", default_value = "result-receiver")]
        receiver: String,
    },
    /// Print a graph file's players, digest and nodes.
    Show {
        /// The graph file.
        file: PathBuf,
    },
}

pub fn run_certs(args: CertsArgs) -> Result<(), String> {
    let config = args.config.as_str();
    let hostmap = Hostmap::load(config).map_err(|e| e.to_string())?;
    let dir = args.out.unwrap_or_else(|| hostmap.base_dir.join("certs"));
    let updated = certs::generate(&hostmap, &dir).map_err(|e| e.to_string())?;
    std::fs::write(config, updated.to_json()).map_err(|e| format!("cannot rewrite {config}: {e}"))?;
    println!("wrote a certificate and a private key per player to {}", dir.display());
    println!("updated {config} with the certificate paths; give each player only its own .key file");
    Ok(())
}

pub fn run_graph(command: GraphCommand) -> Result<(), String> {
    match command {
        GraphCommand::Seed { out, receiver } => {
            let graph = seed_graph(&receiver).map_err(|e| e.to_string())?;
            graph.save(&out).map_err(|e| e.to_string())?;
            println!("wrote the seed graph to {} (digest {})", out.display(), hex(&graph.digest()[..8]));
            println!(
                "at run time, server0 gives w (10x10) with --input w=FILE, input-provider x (5x10) with --input x=FILE"
            );
            Ok(())
        }
        GraphCommand::Show { file } => {
            let graph = Graph::load(Path::new(&file)).map_err(|e| e.to_string())?;
            println!("players: {}", graph.players().join(", "));
            println!("digest:  {}", hex(&graph.digest()));
            for (i, node) in graph.nodes().iter().enumerate() {
                println!("  {i:>3}: {:<60} {:?} {:?}", format!("{:?}", short(&node.op)), node.shape, node.kind);
            }
            Ok(())
        }
    }
}

/// The seed program: x (5x10 of the input provider) times w (10x10 of
/// server0), revealed to the result receiver only. The graph holds w's
/// shape only: server0 gives its value at run time (`--input w=FILE`).
fn seed_graph(receiver: &str) -> tfe::Result<Graph> {
    let mut g = Graph::default();
    let w = g.private_variable("w", "server0", &[10, 10])?;
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
        Op::PrivateVariable { name, owner, .. } => format!("PrivateVariable '{name}' of player {owner}"),
        other => format!("{other:?}"),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::with_capacity(2 * bytes.len()), |mut s, b| {
        // Writing to a String cannot fail.
        let _ = write!(s, "{b:02x}");
        s
    })
}
