//! `tfe predict --config HOSTS --name NAME --graph FILE`: one player of a
//! deployed private prediction. Every player runs the graph the model owner
//! exported (`tfe predict --export-graph`: the model's structure, with its
//! weights as the owner's private variables). The roles come from the
//! graph: the client owns its one input and passes `--input`, learning the
//! outputs; the model owner owns the weights and passes `--model`, whose
//! graph must be the published one (its weights are shared in the run, never
//! sent in plaintext); the servers pass neither.

use std::sync::Arc;

use tfe::deploy::{Hostmap, data::read_values, party as deploy_party};
use tfe::graph::{Graph, Op};
use tfe::nn::prediction_graph;
use tfe::onnx::OnnxModel;
use tfe::session::Feeds;

use crate::predict::{Args, batch_of, report};

/// The client's input of the graph: its name, its owner and its shape.
fn client_input(graph: &Graph) -> Result<(String, String, Vec<usize>), String> {
    let inputs: Vec<_> = graph
        .nodes()
        .iter()
        .filter_map(|n| match &n.op {
            Op::PrivateInput { name, owner, shape } => {
                Some((name.clone(), graph.players()[*owner].clone(), shape.clone()))
            }
            _ => None,
        })
        .collect();
    match <[_; 1]>::try_from(inputs) {
        Ok([input]) => Ok(input),
        Err(inputs) => Err(format!("the graph has {} inputs, expected one (the client's samples)", inputs.len())),
    }
}

/// The owners of the graph's private variables: the model owner.
fn weight_owners(graph: &Graph) -> Vec<String> {
    let mut owners: Vec<String> = graph
        .nodes()
        .iter()
        .filter_map(|n| match &n.op {
            Op::PrivateVariable { owner, .. } => Some(graph.players()[*owner].clone()),
            _ => None,
        })
        .collect();
    owners.sort();
    owners.dedup();
    owners
}

pub fn run(args: &Args) -> Result<(), String> {
    let text = |e: tfe::Error| e.to_string();
    let (Some(config), Some(me), Some(graph_path)) = (&args.player.config, args.player.name.as_deref(), &args.graph)
    else {
        return Err("--config needs --name and --graph".into());
    };
    let hostmap = Hostmap::load(config).map_err(text)?;
    let graph = Graph::load(graph_path).map_err(text)?;
    let security = crate::party::security(args.player.key.as_ref(), args.player.insecure_plaintext)?;
    let (input, client, input_shape) = client_input(&graph)?;
    let batch = input_shape[0];
    let owners = weight_owners(&graph);
    let mut feeds = Feeds::new();

    // The client: its samples, padded to the graph's batch with zero samples.
    let mut samples = None;
    match (&args.input, me == client) {
        (Some(file), true) => {
            let (shape, mut x) = read_values(file).map_err(text)?;
            let rows = batch_of(file, &shape, &input_shape[1..])?;
            if rows > batch {
                return Err(format!(
                    "input {} has {rows} samples; the graph {} predicts at most {batch}",
                    file.display(),
                    graph_path.display()
                ));
            }
            x.resize(batch * input_shape[1..].iter().product::<usize>(), 0.0);
            feeds.insert(&input, x);
            samples = Some(rows);
        }
        (None, true) => return Err(format!("--input is required: '{me}' is the client of {}", graph_path.display())),
        (Some(_), false) => {
            return Err(format!("--input: '{me}' is not the client ('{client}' provides the samples)"));
        }
        (None, false) => {}
    }

    // The model owner: its weights, for the graph that its model gives.
    match (&args.model, owners.iter().any(|o| o == me)) {
        (Some(path), true) => {
            let model = OnnxModel::from_file(path).map_err(text)?;
            let built = prediction_graph(&model, batch, me, &client).map_err(text)?;
            if built.graph.digest() != graph.digest() {
                return Err(format!(
                    "the model {} does not give the graph {} (for batches of {batch}, client '{client}'): export \
                     the graph again with tfe predict --model {} --batch {batch} --export-graph FILE",
                    path.display(),
                    graph_path.display(),
                    path.display()
                ));
            }
            for (name, values) in built.weights {
                feeds.insert(&name, values);
            }
        }
        (None, true) => {
            return Err(format!("--model is required: '{me}' owns the weights of {}", graph_path.display()));
        }
        (Some(_), false) => {
            return Err(format!(
                "--model: '{me}' does not own the weights (their owner: {}); a model file must stay with its owner",
                owners.join(", ")
            ));
        }
        (None, false) => {}
    }

    let graph = Arc::new(graph);
    let mut party = deploy_party::open(&hostmap, graph.clone(), me, &security).map_err(text)?;
    let fetches = deploy_party::default_fetches(&graph);
    let result = party.run(&fetches, &feeds).map_err(text)?;
    let c = result.stats.counters;
    eprintln!(
        "{me}: sent {} bytes in {} messages, {} rounds, {:.3} ms",
        c.bytes_sent,
        c.messages_sent,
        c.rounds,
        result.stats.wall_time.as_secs_f64() * 1e3
    );
    party.finish().map_err(text)?;
    let Some(rows) = samples else { return Ok(()) };
    // The client learns every output, in the model's order; the padding's rows are dropped.
    let mut outputs = Vec::new();
    let mut shapes = Vec::new();
    for value in result.outputs.into_iter().flatten() {
        let mut shape = value.shape().to_vec();
        let per_sample: usize = shape[1..].iter().product();
        outputs.push(value.iter().copied().take(rows * per_sample).collect::<Vec<f64>>());
        shape[0] = rows;
        shapes.push(shape);
    }
    if outputs.is_empty() {
        return Err(format!("'{me}' learned no output of {}", graph_path.display()));
    }
    let files: Vec<String> = (0..outputs.len()).map(|i| format!("output{i}")).collect();
    report(&outputs, &shapes, &files, args.output.as_ref())
}
