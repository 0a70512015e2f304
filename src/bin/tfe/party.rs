//! `tfe party`: run one player of a deployment. Reads the hostmap and the
//! graph, feeds the inputs this player owns from files, runs, and prints
//! (or writes) the results this player learns.

use std::path::PathBuf;
use std::sync::Arc;

use tfe::deploy::{Hostmap, data, party as deploy_party};
use tfe::graph::{Graph, Op};
use tfe::session::Feeds;

pub fn run(args: &[String]) -> Result<(), String> {
    super::check_args(
        args,
        &["--insecure-plaintext"],
        &["--config", "--name", "--graph", "--key", "--input", "--output", "--runs"],
    )?;
    let required = |name: &str| super::option(args, name)?.ok_or_else(|| format!("{name} is required"));
    let hostmap = Hostmap::load(required("--config")?).map_err(|e| e.to_string())?;
    let me = required("--name")?;
    let graph = Arc::new(Graph::load(required("--graph")?).map_err(|e| e.to_string())?);
    let security = if args.iter().any(|a| a == "--insecure-plaintext") {
        deploy_party::ChannelSecurity::InsecurePlaintext
    } else {
        let key = super::option(args, "--key")?.ok_or("--key is required (or --insecure-plaintext)")?;
        deploy_party::ChannelSecurity::Tls { key: PathBuf::from(key) }
    };
    let runs: u32 = match super::option(args, "--runs")? {
        None => 1,
        Some(v) => v.parse().ok().filter(|&n| n > 0).ok_or(format!("--runs {v}: expected a positive number"))?,
    };
    let output = super::option(args, "--output")?.map(PathBuf::from);
    let feeds = read_inputs(args, &graph, me)?;

    let mut party = deploy_party::open(&hostmap, graph.clone(), me, &security).map_err(|e| e.to_string())?;
    let fetches = deploy_party::default_fetches(&graph);
    for run in 1..=runs {
        let result = party.run(&fetches, &feeds).map_err(|e| e.to_string())?;
        for (fetch, value) in fetches.iter().zip(&result.outputs) {
            let Some(value) = value else { continue };
            if matches!(graph.node(*fetch).map(|n| &n.op), Ok(Op::Assign)) {
                continue;
            }
            let label = format!("result{}", fetch.0);
            println!("{me}: run {run}: {label} (shape {:?}):\n{value:.4}", value.shape());
            if let Some(dir) = &output {
                data::write_npy(&dir.join(format!("{label}.npy")), value).map_err(|e| e.to_string())?;
            }
        }
        let c = result.stats.counters;
        eprintln!(
            "{me}: run {run}: sent {} bytes in {} messages, {} rounds, {:.3} ms",
            c.bytes_sent,
            c.messages_sent,
            c.rounds,
            result.stats.wall_time.as_secs_f64() * 1e3
        );
    }
    Ok(())
}

/// `--input NAME=FILE` for every input this player owns.
fn read_inputs(args: &[String], graph: &Graph, me: &str) -> Result<Feeds, String> {
    let mut feeds = Feeds::new();
    for (i, a) in args.iter().enumerate() {
        if a != "--input" {
            continue;
        }
        let spec = args.get(i + 1).ok_or("--input needs NAME=FILE")?;
        let (name, file) = spec.split_once('=').ok_or(format!("--input {spec}: expected NAME=FILE"))?;
        let id = graph.find_named(name).ok_or(format!("--input {spec}: the graph has no input named '{name}'"))?;
        let node = graph.node(id).map_err(|e| e.to_string())?;
        let owner = match &node.op {
            Op::PrivateInput { owner, .. } | Op::PrivateVariable { owner, .. } => &graph.players()[*owner],
            _ => return Err(format!("--input {spec}: '{name}' is not an input")),
        };
        if owner != me {
            return Err(format!("--input {spec}: '{name}' belongs to '{owner}', not to '{me}'"));
        }
        let (shape, values) = data::read_values(&PathBuf::from(file)).map_err(|e| e.to_string())?;
        let expected: usize = node.shape.iter().product();
        if values.len() != expected {
            return Err(format!(
                "--input {spec}: the file holds shape {shape:?} ({} values), expected {:?} ({expected} values)",
                values.len(),
                node.shape
            ));
        }
        feeds.insert(name, values);
    }
    Ok(feeds)
}
