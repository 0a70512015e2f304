//! `tfe keygen` (one player's key and certificate, where it runs), `tfe
//! hostmap pin` (certificates into the hostmap), `tfe certs` (every
//! player's, for local tests) and `tfe graph` (write the seed graph, show a
//! graph file): the tools a new deployment starts with.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use tfe::deploy::{Hostmap, certs};
use tfe::graph::Graph;

/// `tfe keygen`'s options.
#[derive(clap::Args)]
#[command(after_help = "Example, on the machine of server0: tfe keygen --name server0 --out keys\n\
     then send keys/server0.pem (never the .key) to whoever runs tfe hostmap pin.")]
pub struct KeygenArgs {
    /// This player's name in the hostmap.
    #[arg(long)]
    name: String,
    /// Where to write NAME.key (mode 0600) and NAME.pem.
    #[arg(long, value_name = "DIR", default_value = ".")]
    out: PathBuf,
}

/// `tfe hostmap`'s subcommands.
#[derive(clap::Subcommand)]
pub enum HostmapCommand {
    /// Pin certificates into the hostmap: NAME=CERT.pem for each player, or
    /// --dir DIR for every DIR/<player>.pem there is.
    #[command(after_help = "Example: tfe hostmap pin --config hosts.json server0=server0.pem server1=server1.pem\n\
         or:      tfe hostmap pin --config hosts.json --dir certs")]
    Pin {
        /// The hostmap (JSON), rewritten with the certificate paths.
        #[arg(long, value_name = "HOSTS")]
        config: String,
        /// A folder of <player>.pem files, one per player of the hostmap.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// The certificate of a player.
        #[arg(value_name = "NAME=CERT")]
        certificates: Vec<String>,
    },
}

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

pub fn run_keygen(args: &KeygenArgs) -> Result<(), String> {
    let (cert, key) = certs::keygen(&args.name, &args.out).map_err(|e| e.to_string())?;
    println!("wrote the private key {} (mode 0600): it never leaves this machine", key.display());
    println!("wrote the certificate {}: send it to whoever pins the hostmap (tfe hostmap pin)", cert.display());
    Ok(())
}

pub fn run_hostmap(command: HostmapCommand) -> Result<(), String> {
    let HostmapCommand::Pin { config, dir, certificates } = command;
    let hostmap = Hostmap::load(&config).map_err(|e| e.to_string())?;
    let mut pins = Vec::new();
    for spec in &certificates {
        let (name, file) = spec.split_once('=').ok_or(format!("{spec}: expected NAME=CERT.pem"))?;
        pins.push((name.to_string(), PathBuf::from(file)));
    }
    if let Some(dir) = &dir {
        for entry in &hostmap.players {
            let file = dir.join(format!("{}.pem", entry.name));
            if file.exists() && !pins.iter().any(|(n, _)| *n == entry.name) {
                pins.push((entry.name.clone(), file));
            }
        }
    }
    if pins.is_empty() {
        return Err("no certificate to pin: give NAME=CERT.pem, or --dir DIR with <player>.pem files".into());
    }
    let updated = certs::pin(&hostmap, &pins).map_err(|e| e.to_string())?;
    std::fs::write(&config, updated.to_json()).map_err(|e| format!("cannot rewrite {config}: {e}"))?;
    let pinned: Vec<&str> = pins.iter().map(|(n, _)| n.as_str()).collect();
    println!("pinned the certificates of {} in {config}", pinned.join(", "));
    let missing: Vec<&str> =
        updated.players.iter().filter(|p| p.certificate.is_none()).map(|p| p.name.as_str()).collect();
    if !missing.is_empty() {
        println!("still without a certificate: {}", missing.join(", "));
    }
    Ok(())
}

pub fn run_certs(args: CertsArgs) -> Result<(), String> {
    let config = args.config.as_str();
    let hostmap = Hostmap::load(config).map_err(|e| e.to_string())?;
    let dir = args.out.unwrap_or_else(|| hostmap.base_dir.join("certs"));
    let updated = certs::generate(&hostmap, &dir).map_err(|e| e.to_string())?;
    std::fs::write(config, updated.to_json()).map_err(|e| format!("cannot rewrite {config}: {e}"))?;
    println!("wrote a certificate and a private key per player to {}", dir.display());
    println!("updated {config} with the certificate paths; give each player only its own .key file");
    println!(
        "(for local tests: in a deployment each player runs tfe keygen, and tfe hostmap pin collects the .pem files)"
    );
    Ok(())
}

pub fn run_graph(command: GraphCommand) -> Result<(), String> {
    match command {
        GraphCommand::Seed { out, receiver } => {
            let graph = seed_graph(&receiver).map_err(|e| e.to_string())?;
            graph.save(&out).map_err(|e| e.to_string())?;
            println!("wrote the seed graph to {} (output 'y', digest {})", out.display(), hex(&graph.digest()[..8]));
            println!(
                "at run time, server0 gives w (10x10) with --input w=FILE, input-provider x (5x10) with --input x=FILE"
            );
            Ok(())
        }
        GraphCommand::Show { file } => {
            let graph = Graph::load(Path::new(&file)).map_err(|e| e.to_string())?;
            println!("players: {}", graph.players().join(", "));
            println!("digest:  {}", hex(&graph.digest()));
            let outputs: Vec<String> =
                graph.output_names().iter().map(|(id, name)| format!("{name} (node {})", id.0)).collect();
            if !outputs.is_empty() {
                println!("outputs: {}", outputs.join(", "));
            }
            for (i, node) in graph.nodes().iter().enumerate() {
                println!("  {i:>3}: {:<60} {:?} {:?}", format!("{:?}", short(&node.op)), node.shape, node.kind);
            }
            Ok(())
        }
    }
}

/// The seed program: x (5x10 of the input provider) times w (10x10 of
/// server0), revealed to the result receiver only as output `y`. The graph holds w's
/// shape only: server0 gives its value at run time (`--input w=FILE`).
fn seed_graph(receiver: &str) -> tfe::Result<Graph> {
    let mut g = Graph::default();
    let w = g.private_variable("w", "server0", &[10, 10])?;
    let x = g.private_input("x", "input-provider", &[5, 10])?;
    let y = g.matmul(x, w)?;
    let revealed = g.reveal(y, Some(receiver))?;
    g.name_output(revealed, "y")?;
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
