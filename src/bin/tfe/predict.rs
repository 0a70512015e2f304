//! `tfe predict`: private prediction of an ONNX model on the samples of a
//! file, with the model owner, the client and three servers as local
//! players over loopback TCP. Prints the predicted class of each sample and
//! writes each model output as `.npy`.

use std::path::PathBuf;

use tfe::deploy::data::{read_values, write_values};
use tfe::nn::{Model, PrivatePredictor};
use tfe::onnx::OnnxModel;
use tfe::session::{LocalOptions, Transport};

/// `tfe predict`'s options.
#[derive(clap::Args)]
pub struct Args {
    /// The ONNX model file (its weights are the model owner's).
    #[arg(long, value_name = "FILE")]
    model: PathBuf,
    /// The samples, batch first (`.npy` or `.csv`); one sample without the batch axis is a batch of one.
    #[arg(long, value_name = "FILE")]
    input: PathBuf,
    /// Write each model output to DIR/OUTPUT.npy (characters of the name
    /// other than letters, digits, '_', '.' and '-' become '_').
    #[arg(long, value_name = "DIR")]
    output: Option<PathBuf>,
}

pub fn run(args: &Args) -> Result<(), String> {
    let text = |e: tfe::Error| e.to_string();
    let model = OnnxModel::from_file(&args.model).map_err(text)?;
    let (shape, x) = read_values(&args.input).map_err(text)?;
    let sample = model.input_shape();
    let batch = if shape == sample {
        1
    } else if shape.len() == sample.len() + 1 && shape[1..] == *sample && shape[0] > 0 {
        shape[0]
    } else {
        return Err(format!(
            "input {} has shape {shape:?}, expected [batch, {}] (or one sample of {sample:?})",
            args.input.display(),
            sample.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
        ));
    };
    let options = LocalOptions { transport: Transport::Tcp, ..LocalOptions::default() };
    let mut predictor = PrivatePredictor::local(&model, batch, "model-owner", "client", options).map_err(text)?;
    let outputs = predictor.predict_outputs(&x).map_err(text)?;
    let shapes = predictor.output_shapes().to_vec();
    // The first output: class labels (one value per sample) or scores.
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
    if let Some(dir) = &args.output {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot make directory {}: {e}", dir.display()))?;
        for ((name, values), shape) in model.output_names().iter().zip(&outputs).zip(shapes) {
            let file: String =
                name.chars().map(|c| if c.is_ascii_alphanumeric() || "_.-".contains(c) { c } else { '_' }).collect();
            let shape = [&[batch][..], &shape[1..]].concat();
            write_values(&dir.join(format!("{file}.npy")), &shape, values).map_err(text)?;
        }
    }
    Ok(())
}
