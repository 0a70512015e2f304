//! `tfe predict`: private prediction of an ONNX model on the samples of a
//! file. By default the model owner, the client and three servers are local
//! players over loopback TCP; with `--config` this process is one player of
//! a hostmap (`predict_deployed`), and `--export-graph` writes the graph
//! the players of a deployment share. Prints the predicted class of each
//! sample and writes each model output as `.npy`.

use std::path::PathBuf;

use tfe::deploy::data::{read_values, write_values};
use tfe::nn::{Model, PrivatePredictor, prediction_graph};
use tfe::onnx::OnnxModel;
use tfe::session::{LocalOptions, Transport};

use crate::player_args::PlayerArgs;
use crate::predict_deployed;

/// `tfe predict`'s options.
#[derive(clap::Args)]
#[command(after_help = "Local: tfe predict --model m.onnx --input x.npy --output out\n\
     Deployed: the model owner runs tfe predict --model m.onnx --batch 16 --export-graph model.tfe and gives \
     model.tfe to every player; then each player runs tfe predict --config hosts.json --name NAME --key \
     certs/NAME.key --graph model.tfe, the model owner with --model m.onnx, the client with --input x.npy.")]
pub struct Args {
    /// The ONNX model file (its weights are the model owner's).
    #[arg(long, value_name = "FILE")]
    pub(crate) model: Option<PathBuf>,
    /// The samples, batch first (`.npy` or `.csv`); one sample without the batch axis is a batch of one.
    #[arg(long, value_name = "FILE")]
    pub(crate) input: Option<PathBuf>,
    /// Write each model output to DIR/OUTPUT.npy (characters of the name
    /// other than letters, digits, '_', '.' and '-' become '_'); deployed,
    /// DIR/output<N>.npy in the model's order.
    #[arg(long, value_name = "DIR")]
    pub(crate) output: Option<PathBuf>,
    /// Write the prediction graph of --model for batches of --batch samples
    /// to FILE and exit: the model's structure, without its weights, for the
    /// players of a deployment.
    #[arg(long, value_name = "FILE", requires = "model", conflicts_with_all = ["input", "config"])]
    pub(crate) export_graph: Option<PathBuf>,
    /// The samples of one prediction in an exported graph (a client with
    /// fewer pads them with zero samples).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) batch: u64,
    /// The model owner's player name in an exported graph.
    #[arg(long, value_name = "NAME", default_value = "model-owner")]
    pub(crate) owner: String,
    /// The client's player name in an exported graph.
    #[arg(long, value_name = "NAME", default_value = "client")]
    pub(crate) client: String,
    /// One player of a hostmap (--graph is then required).
    #[command(flatten)]
    pub(crate) player: PlayerArgs,
    /// The graph every player of the deployment runs (--export-graph writes it).
    #[arg(long, value_name = "FILE", requires = "config")]
    pub(crate) graph: Option<PathBuf>,
}

pub fn run(args: &Args) -> Result<(), String> {
    if args.player.config.is_some() {
        return predict_deployed::run(args);
    }
    let text = |e: tfe::Error| e.to_string();
    let Some(model_path) = &args.model else {
        return Err("--model is required (or --config to run as one player of a deployment)".into());
    };
    let model = OnnxModel::from_file(model_path).map_err(text)?;
    if let Some(path) = &args.export_graph {
        let built = prediction_graph(&model, args.batch as usize, &args.owner, &args.client).map_err(text)?;
        built.graph.save(path).map_err(text)?;
        eprintln!(
            "wrote {}: the prediction graph of {} for batches of {} (input '{}' of '{}', weights of '{}')",
            path.display(),
            model_path.display(),
            args.batch,
            built.input,
            args.client,
            args.owner
        );
        return Ok(());
    }
    let Some(input) = &args.input else { return Err("--input is required".into()) };
    let (shape, x) = read_values(input).map_err(text)?;
    let batch = batch_of(input, &shape, model.input_shape())?;
    let options = LocalOptions { transport: Transport::Tcp, ..LocalOptions::default() };
    let mut predictor = PrivatePredictor::local(&model, batch, "model-owner", "client", options).map_err(text)?;
    let outputs = predictor.predict_outputs(&x).map_err(text)?;
    let shapes: Vec<Vec<usize>> = predictor.output_shapes().iter().map(|s| [&[batch][..], &s[1..]].concat()).collect();
    let files: Vec<String> = model
        .output_names()
        .iter()
        .map(|name| {
            name.chars().map(|c| if c.is_ascii_alphanumeric() || "_.-".contains(c) { c } else { '_' }).collect()
        })
        .collect();
    report(&outputs, &shapes, &files, args.output.as_ref())
}

/// The samples in a file of `shape` for a model taking samples of `sample`:
/// `[batch, sample...]`, or one sample without the batch axis.
pub(crate) fn batch_of(input: &std::path::Path, shape: &[usize], sample: &[usize]) -> Result<usize, String> {
    if shape == sample {
        Ok(1)
    } else if shape.len() == sample.len() + 1 && shape[1..] == *sample && shape[0] > 0 {
        Ok(shape[0])
    } else {
        Err(format!(
            "input {} has shape {shape:?}, expected [batch, {}] (or one sample of {sample:?})",
            input.display(),
            sample.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
        ))
    }
}

/// Prints the predicted class of each sample (the first output's label, or
/// its highest score) and writes each output (of `shapes`, batch first) to
/// `DIR/FILE.npy`.
pub(crate) fn report(
    outputs: &[Vec<f64>],
    shapes: &[Vec<usize>],
    files: &[String],
    dir: Option<&PathBuf>,
) -> Result<(), String> {
    let batch = shapes[0][0];
    let width = outputs[0].len() / batch;
    let classes: Vec<String> = outputs[0]
        .chunks(width.max(1))
        .map(|row| {
            let best = if width == 1 {
                row[0].round()
            } else {
                row.iter().enumerate().fold(0, |b, (i, v)| if *v > row[b] { i } else { b }) as f64
            };
            format!("{best}")
        })
        .collect();
    println!("{}", classes.join(" "));
    if let Some(dir) = dir {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot make directory {}: {e}", dir.display()))?;
        for ((file, values), shape) in files.iter().zip(outputs).zip(shapes) {
            write_values(&dir.join(format!("{file}.npy")), shape, values).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}
