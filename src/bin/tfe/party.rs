//! `tfe party`: run one player of a deployment. Reads the hostmap and the
//! graph, feeds the inputs this player owns from files, runs, and prints
//! (or writes) the results this player learns. Each run's summary is a log
//! record of target `tfe::run` (shown by default); the last line on
//! standard error, always printed, says how many runs completed.

use std::path::PathBuf;
use std::sync::Arc;

use tfe::deploy::results::{self, ResultFiles};
use tfe::deploy::{Hostmap, data, party as deploy_party};
use tfe::graph::{Graph, Op};
use tfe::session::Feeds;

/// `tfe party`'s options.
#[derive(clap::Args)]
#[command(after_help = "Example: tfe party --config hosts.json --name input-provider --graph seed.tfe \\
     --key certs/input-provider.key --input x=x.csv")]
pub struct Args {
    /// The hostmap (JSON): every player's name and address, and pinned certificates.
    #[arg(long, value_name = "HOSTS")]
    config: String,
    /// This player's name in the hostmap.
    #[arg(long)]
    name: String,
    /// The graph file every player runs (tfe graph seed writes one).
    #[arg(long, value_name = "FILE")]
    graph: String,
    /// This player's private key (tfe keygen makes it on the player's own machine).
    #[arg(long, value_name = "KEY")]
    key: Option<PathBuf>,
    /// Plain TCP without TLS: anyone on the network reads and changes the traffic.
    #[arg(long, conflicts_with = "key")]
    insecure_plaintext: bool,
    /// The values of an input or private variable this player owns, from a
    /// .npy or .csv file of exactly its shape (repeat for several).
    #[arg(long, value_name = "NAME=FILE")]
    input: Vec<String>,
    /// Also write each result this player learns to DIR/<output>-run<N>.npy,
    /// named after the graph's output (DIR is created; existing results are
    /// never overwritten).
    #[arg(long, value_name = "DIR")]
    output: Option<PathBuf>,
    /// Print no result matrices on standard output (with --output, the
    /// files still hold them).
    #[arg(long)]
    quiet: bool,
    /// How many runs of the graph (a long-lived party serves several).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    runs: u32,
}

/// How a deployed player's channels are secured, from its `--key` and
/// `--insecure-plaintext` flags (`tfe party`, `tfe predict`, `tfe train`).
pub(crate) fn security(
    key: Option<&PathBuf>,
    insecure_plaintext: bool,
) -> Result<deploy_party::ChannelSecurity, String> {
    match (key, insecure_plaintext) {
        (_, true) => Ok(deploy_party::ChannelSecurity::InsecurePlaintext),
        (Some(key), false) => Ok(deploy_party::ChannelSecurity::Tls { key: key.clone() }),
        (None, false) => Err("--key is required (or --insecure-plaintext)".into()),
    }
}

pub fn run(args: &Args) -> Result<(), String> {
    let hostmap = Hostmap::load(&args.config).map_err(|e| e.to_string())?;
    let me = args.name.as_str();
    let graph = Arc::new(Graph::load(&args.graph).map_err(|e| e.to_string())?);
    let security = security(args.key.as_ref(), args.insecure_plaintext)?;
    let transport = security.transport();
    if let Some(warning) = security.warning() {
        log::warn!("{me}: {warning}");
    }
    let runs = args.runs;
    let feeds = read_inputs(&args.input, &graph, me)?;
    check_every_input_is_fed(&graph, me, &feeds)?;
    let fetches = deploy_party::default_fetches(&graph);
    // (fetch, name) of each result this player may learn: assignments
    // update variables and return nothing to print.
    let outputs: Vec<_> = fetches
        .iter()
        .filter(|f| !matches!(graph.node(**f).map(|n| &n.op), Ok(Op::Assign)))
        .map(|f| (*f, results::output_name(&graph, *f)))
        .collect();
    let names: Vec<String> = outputs.iter().map(|(_, n)| n.clone()).collect();
    // Before connecting: a folder that cannot hold the results fails here,
    // not at the end of the first run, with every other player waiting.
    let files =
        args.output.as_deref().map(|dir| ResultFiles::create(dir, &names)).transpose().map_err(|e| e.to_string())?;

    let count = |done: u64| format!("{me}: {done} of {runs} runs completed");
    let mut party =
        deploy_party::open(&hostmap, graph.clone(), me, &security).map_err(|e| format!("{e}\n{}", count(0)))?;
    let insecure =
        if security.warning().is_some() { " (INSECURE: anyone on the network can read and change it)" } else { "" };
    let mut serve = || -> Result<(), String> {
        for run in 1..=runs {
            let result = party.run(&fetches, &feeds).map_err(|e| e.to_string())?;
            for (fetch, value) in fetches.iter().zip(&result.outputs) {
                let Some(value) = value else { continue };
                let Some((_, name)) = outputs.iter().find(|(f, _)| f == fetch) else { continue };
                if !args.quiet {
                    println!("{me}: run {run}: {name} (shape {:?}, over {transport}):\n{value:.4}", value.shape());
                }
                if let Some(files) = &files {
                    files.write(name, u64::from(run), value).map_err(|e| e.to_string())?;
                }
            }
            let c = result.stats.counters;
            log::info!(
                target: "tfe::run",
                "{me}: run {run}: sent {} bytes in {} messages, {} rounds, {:.3} ms over {transport}{insecure}",
                c.bytes_sent,
                c.messages_sent,
                c.rounds,
                result.stats.wall_time.as_secs_f64() * 1e3
            );
        }
        // Every player's own runs may have gone well while another's failed:
        // only every player's word says that every run completed.
        party.finish().map_err(|e| e.to_string())
    };
    let outcome = serve();
    let done = party.runs_completed_everywhere();
    match outcome {
        Ok(()) => {
            eprintln!("{}", count(done));
            Ok(())
        }
        Err(e) => Err(format!("{e}\n{}", count(done))),
    }
}

/// `--input NAME=FILE` for every input and private variable this player
/// owns (a variable's initial value, shared in the first run).
fn read_inputs(specs: &[String], graph: &Graph, me: &str) -> Result<Feeds, String> {
    let mut feeds = Feeds::new();
    for spec in specs {
        let (name, file) = spec.split_once('=').ok_or(format!("--input {spec}: expected NAME=FILE"))?;
        let id = graph
            .find_named(name)
            .ok_or(format!("--input {spec}: the graph has no input or variable named '{name}'"))?;
        let node = graph.node(id).map_err(|e| e.to_string())?;
        let owner = match &node.op {
            Op::PrivateInput { owner, .. } | Op::PrivateVariable { owner, .. } => &graph.players()[*owner],
            _ => return Err(format!("--input {spec}: '{name}' is not an input or a variable")),
        };
        if owner != me {
            return Err(format!("--input {spec}: '{name}' belongs to '{owner}', not to '{me}'"));
        }
        let (shape, values) = data::read_values(&PathBuf::from(file)).map_err(|e| e.to_string())?;
        if !shapes_match(&shape, &node.shape) {
            return Err(format!(
                "--input {spec}: the file holds shape {shape:?}, expected exactly {:?}, the shape of input '{name}' \
                 (a file of another shape is not reshaped)",
                node.shape
            ));
        }
        feeds.insert(name, values);
    }
    Ok(feeds)
}

/// Whether a file of shape `file` holds an input of shape `input`: the
/// same shape, or a one-row CSV file (`[1, n]`) for a vector `[n]`, since a
/// CSV file has no other way to write one (as `data::write_values` does).
fn shapes_match(file: &[usize], input: &[usize]) -> bool {
    file == input || matches!((file, input), ([1, n], [m]) if n == m)
}

/// Every input this player owns that the graph's results need has a file:
/// a missing one is named with the option that gives it, before any
/// connection is made.
fn check_every_input_is_fed(graph: &Graph, me: &str, feeds: &Feeds) -> Result<(), String> {
    let fetches = deploy_party::default_fetches(graph);
    for id in graph.dependencies(&fetches) {
        let node = graph.node(id).map_err(|e| e.to_string())?;
        if let Op::PrivateInput { name, owner, shape } = &node.op
            && graph.players()[*owner] == me
            && feeds.get(name).is_none()
        {
            return Err(format!(
                "no feed and no provider for input '{name}' (shape {shape:?}) of '{me}': \
                 pass --input {name}=FILE with a .npy or .csv file of that shape"
            ));
        }
    }
    Ok(())
}
