//! `tfe train`: private training of a model given as a layer SPEC
//! (`train_spec`) on data held by one or several data owners and labels
//! held by a label owner, with the model owner, the owners and three
//! servers as local players over loopback TCP (with `--config`, this
//! process is one player of a hostmap: `train_deployed`). Prints a progress
//! bar on a terminal (one line per epoch otherwise), writes the trained
//! weights (revealed to the model owner only) and the loss history.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::path::{Path, PathBuf};

use tfe::deploy::data::{read_values, write_values};
use tfe::nn::Sequential;
use tfe::nn::train::{DataOwners, Fit, Loss, Metric, Optimizer, PlayerData, Players, Progress, Trainer};
use tfe::session::{LocalOptions, Transport};

use crate::player_args::PlayerArgs;
use crate::train_spec;

/// `tfe train`'s options.
#[derive(clap::Args)]
pub struct Args {
    /// The model: comma-separated layers, the input shape from the data,
    /// e.g. `dense:64,relu,dense:10` (see docs/training.md for the list).
    #[arg(long, value_name = "SPEC")]
    pub(crate) model: String,
    /// A data owner and its features (`.npy` or `.csv`, samples first);
    /// repeat for data split among several owners (see --split). With
    /// --config, at every player but OWNER: the shape of OWNER's file
    /// (`ROWSxCOLS...`), not a file.
    #[arg(long = "data", value_name = "OWNER=FILE", required = true)]
    pub(crate) data: Vec<String>,
    /// How several owners' data join: `rows` (each holds some samples; each
    /// batch takes from each owner its share) or `features` (each holds some
    /// columns of every sample, joined in the order given).
    #[arg(long, value_name = "HOW", default_value = "rows", value_parser = ["rows", "features"])]
    pub(crate) split: String,
    /// The label owner and its labels: one row per sample (one-hot or 0/1),
    /// or one class number per sample for a model of several outputs (with
    /// --config, the file's shape at every other player).
    #[arg(long, value_name = "OWNER=FILE")]
    pub(crate) labels: String,
    /// Passes over the data.
    #[arg(long, default_value_t = 1)]
    pub(crate) epochs: usize,
    /// Samples per step (a last partial batch is dropped).
    #[arg(long, default_value_t = 32)]
    pub(crate) batch_size: usize,
    /// `sgd` (with --momentum), `adam` or `amsgrad`.
    #[arg(long, default_value = "sgd", value_parser = ["sgd", "adam", "amsgrad"])]
    pub(crate) optimizer: String,
    /// The learning rate (default 0.01 for SGD, 0.001 for Adam and `AMSgrad`).
    #[arg(long, value_name = "RATE")]
    pub(crate) learning_rate: Option<f64>,
    /// SGD's momentum.
    #[arg(long, default_value_t = 0.0)]
    pub(crate) momentum: f64,
    /// `binary_crossentropy`, `categorical_crossentropy` or
    /// `mean_squared_error` (default: categorical for several outputs,
    /// binary for one).
    #[arg(long, value_parser = ["binary_crossentropy", "categorical_crossentropy", "mean_squared_error"])]
    pub(crate) loss: Option<String>,
    /// The model's outputs are logits (for the cross-entropies).
    #[arg(long)]
    pub(crate) from_logits: bool,
    /// Hold out the last FRACTION of the samples (of each owner's, split by
    /// rows) for validation after each epoch.
    #[arg(long, value_name = "FRACTION", conflicts_with = "validation_data")]
    pub(crate) validation_split: Option<f64>,
    /// Validation features of a data owner, as --data (one per owner).
    #[arg(long = "validation-data", value_name = "OWNER=FILE", requires = "validation_labels")]
    pub(crate) validation_data: Vec<String>,
    /// The label owner's validation labels, as --labels' file.
    #[arg(long, value_name = "FILE", requires = "validation_data")]
    pub(crate) validation_labels: Option<PathBuf>,
    /// Read the initial weights from DIR (`layer<i>.w.npy`, `layer<i>.b.npy`,
    /// as --output writes them) instead of drawing them.
    #[arg(long, value_name = "DIR")]
    pub(crate) init: Option<PathBuf>,
    /// Draw the initial weights from this seed instead of OS entropy (for
    /// tests: anyone with the seed knows them).
    #[arg(long, value_name = "SEED")]
    pub(crate) seed_for_tests: Option<u64>,
    /// Write the trained weights (the model owner's) as DIR/layer<i>.w.npy
    /// and .b.npy, the history per epoch as history.csv and the loss of each
    /// step (and the seconds since training started) as steps.csv.
    #[arg(long, value_name = "DIR")]
    pub(crate) output: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(long)]
    pub(crate) quiet: bool,
    /// One player of a hostmap (`train_deployed`).
    #[command(flatten)]
    pub(crate) player: PlayerArgs,
    /// The model owner's player name (it gives the initial weights and
    /// learns the losses and the trained weights).
    #[arg(long, value_name = "NAME", default_value = "model-owner")]
    pub(crate) model_owner: String,
}

/// One player's file (or, at a deployed player that is not its owner, its
/// declared shape and no values).
pub(crate) struct Owned {
    pub(crate) option: &'static str,
    pub(crate) owner: String,
    pub(crate) path: PathBuf,
    pub(crate) shape: Vec<usize>,
    pub(crate) values: Vec<f64>,
}

/// `OWNER=VALUE` split at the first '='.
pub(crate) fn owner_and_value<'a>(option: &str, arg: &'a str) -> Result<(&'a str, &'a str), String> {
    arg.split_once('=')
        .filter(|(o, p)| !o.is_empty() && !p.is_empty())
        .ok_or_else(|| format!("{option} '{arg}': expected OWNER=FILE"))
}

pub(crate) fn owned(option: &'static str, arg: &str) -> Result<Owned, String> {
    let (owner, path) = owner_and_value(option, arg)?;
    let path = PathBuf::from(path);
    let (mut shape, values) = read_values(&path).map_err(|e| format!("{option} {owner}: {e}"))?;
    if shape.len() == 1 {
        shape.push(1);
    }
    if shape.is_empty() || shape[0] == 0 {
        return Err(format!("{option} {owner}: {} holds no samples", path.display()));
    }
    // Training encodes in the default configuration. Only this owner reads the message.
    tfe::fixed::FixedConfig::default()
        .check_values(&values, &shape)
        .map_err(|e| tfe::Error::invalid_in(format_args!("{option} {owner}: {}", path.display()), &e).to_string())?;
    Ok(Owned { option, owner: owner.to_string(), path, shape, values })
}

pub fn run(args: &Args) -> Result<(), String> {
    if args.player.config.is_some() {
        return crate::train_deployed::run(args);
    }
    let text = |e: tfe::Error| e.to_string();
    let data = args.data.iter().map(|a| owned("--data", a)).collect::<Result<Vec<_>, _>>()?;
    for (i, d) in data.iter().enumerate() {
        if data[..i].iter().any(|e| e.owner == d.owner) {
            return Err(format!("--data: data owner '{}' is given twice, expected one file per owner", d.owner));
        }
    }
    let by_rows = args.split == "rows";
    let input_shape = input_shape(&data, by_rows)?;
    let labels = owned("--labels", &args.labels)?;
    let (layers, outputs) = model_layers(args, &input_shape, args.init.as_deref())?;
    let y = label_rows(&labels, outputs)?;
    let counts: Vec<usize> = data.iter().map(|d| d.shape[0]).collect();
    let total = if by_rows { counts.iter().sum() } else { counts[0] };
    if y.len() != total * outputs {
        return Err(format!(
            "--labels {}: {} has {} samples, expected the data owners' {total}",
            labels.owner,
            labels.path.display(),
            y.len() / outputs
        ));
    }
    let loss = loss(args, outputs)?;
    let optimizer = optimizer(args)?;
    let players = Players {
        model_owner: args.model_owner.clone(),
        data_owner: data[0].owner.clone(),
        label_owner: labels.owner.clone(),
    };
    let options = LocalOptions { transport: Transport::Tcp, ..LocalOptions::default() };
    let mut trainer = if data.len() == 1 {
        Trainer::new(&input_shape, layers, players, options)
    } else {
        let owners = if by_rows {
            DataOwners::Rows(data.iter().map(|d| d.owner.clone()).collect())
        } else {
            DataOwners::Features(data.iter().map(|d| (d.owner.clone(), *d.shape.last().expect("2 axes"))).collect())
        };
        Trainer::with_data_owners(&input_shape, layers, players, &owners, options)
    }
    .map_err(text)?;
    trainer.compile(optimizer, loss, metrics(loss)).map_err(text)?;

    let parts: Vec<&[f64]> = data.iter().map(|d| d.values.as_slice()).collect();
    let (train, validation) = match (args.validation_split, args.validation_labels.as_ref()) {
        (Some(f), _) => split_off(&data, &y, outputs, by_rows, f)?,
        (None, Some(file)) => {
            let vdata =
                args.validation_data.iter().map(|a| owned("--validation-data", a)).collect::<Result<Vec<_>, _>>()?;
            for (i, d) in data.iter().enumerate() {
                let v = vdata.get(i).unwrap_or(d);
                if vdata.len() != data.len() || v.owner != d.owner || v.shape[1..] != d.shape[1..] {
                    return Err(format!(
                        "--validation-data {}: expected one file per data owner in --data's order ({}), with samples of \
                         its --data file's shape {:?}",
                        v.owner,
                        data.iter().map(|d| d.owner.as_str()).collect::<Vec<_>>().join(", "),
                        &d.shape[1..]
                    ));
                }
            }
            let vlabels = owned("--validation-labels", &format!("{}={}", labels.owner, file.display()))?;
            let vy = label_rows(&vlabels, outputs)?;
            let train = Split { x: parts.iter().map(|p| p.to_vec()).collect(), y: y.clone() };
            (train, Some(Split { x: vdata.into_iter().map(|d| d.values).collect(), y: vy }))
        }
        (None, None) => (Split { x: parts.iter().map(|p| p.to_vec()).collect(), y: y.clone() }, None),
    };
    let fit = fit_options(args)?;
    let tx: Vec<&[f64]> = train.x.iter().map(Vec::as_slice).collect();
    let vx: Option<Vec<&[f64]>> = validation.as_ref().map(|v| v.x.iter().map(Vec::as_slice).collect());
    let val = validation.as_ref().zip(vx.as_ref()).map(|(v, vx)| (vx.as_slice(), v.y.as_slice()));
    let mut bar = Bar::new(args.quiet);
    let history = trainer.fit_parts(&tx, &train.y, fit, val, &mut |p| bar.show(p)).map_err(text)?;
    if let Some(dir) = &args.output {
        let model = trainer.export().map_err(text)?;
        write_output(dir, &model, &history, &bar.steps)?;
    }
    if !args.quiet {
        let last = history.last().map(describe).unwrap_or_default();
        let written = args.output.as_ref().map(|d| format!("; weights in {}", d.display())).unwrap_or_default();
        println!("trained {} steps: {last}{written}", trainer.steps());
    }
    Ok(())
}

/// The layers of `--model` for samples of `input_shape`, their initial
/// weights from `init` or drawn (from `--seed-for-tests` or OS entropy),
/// and the model's number of outputs.
pub(crate) fn model_layers(
    args: &Args,
    input_shape: &[usize],
    init: Option<&Path>,
) -> Result<(Vec<tfe::nn::Layer>, usize), String> {
    let seed = if let Some(seed) = args.seed_for_tests {
        seed
    } else {
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).map_err(|e| format!("the OS entropy source failed: {e}"))?;
        u64::from_le_bytes(bytes)
    };
    let layers = train_spec::layers(&args.model, input_shape, init, seed)?;
    let text = |e: tfe::Error| e.to_string();
    let out_shape = Sequential::new(input_shape, layers.clone()).map_err(text)?.output_shape(1).map_err(text)?;
    let [_, outputs] = out_shape[..] else {
        return Err(format!(
            "--model: the model's output has shape {out_shape:?} for a sample, expected [1, outputs] (end with \
             flatten or dense)"
        ));
    };
    Ok((layers, outputs))
}

/// The metrics reported with the loss: accuracy for the cross-entropies.
pub(crate) fn metrics(loss: Loss) -> &'static [Metric] {
    if matches!(loss, Loss::MeanSquaredError) { &[] } else { &[Metric::Accuracy] }
}

/// Training or validation data: one part per owner, and the labels.
struct Split {
    x: Vec<Vec<f64>>,
    y: Vec<f64>,
}

/// The sample shape of the joined data: the same at every owner (rows),
/// or the owners' last axes added up (features).
pub(crate) fn input_shape(data: &[Owned], by_rows: bool) -> Result<Vec<usize>, String> {
    let first = &data[0];
    let mut shape = first.shape[1..].to_vec();
    for d in &data[1..] {
        let sample = &d.shape[1..];
        if by_rows && sample != shape.as_slice() {
            return Err(format!(
                "--data {}: samples of shape {sample:?}, expected {shape:?} as {}'s (a split by rows joins whole \
                 samples)",
                d.owner, first.owner
            ));
        }
        if !by_rows {
            let n = sample.len();
            if n != shape.len() || sample[..n - 1] != shape[..n - 1] || d.shape[0] != first.shape[0] {
                return Err(format!(
                    "--data {}: {} samples of shape {sample:?}, expected {} samples of shape {:?}[..., k] as {}'s \
                     (a split by features joins the last axis of the same samples)",
                    d.owner,
                    d.shape[0],
                    first.shape[0],
                    &shape[..shape.len() - 1],
                    first.owner
                ));
            }
            *shape.last_mut().expect("an axis") += sample[n - 1];
        }
    }
    Ok(shape)
}

/// The labels as rows of `outputs`: as given, or one-hot from class numbers.
pub(crate) fn label_rows(labels: &Owned, outputs: usize) -> Result<Vec<f64>, String> {
    let per: usize = labels.shape[1..].iter().product();
    if per == outputs {
        return Ok(labels.values.clone());
    }
    if per != 1 {
        return Err(format!(
            "{} {}: {} has {per} values per sample, expected {outputs} (the model's outputs) or one class number",
            labels.option,
            labels.owner,
            labels.path.display()
        ));
    }
    let mut y = vec![0.0; labels.values.len() * outputs];
    for (i, &c) in labels.values.iter().enumerate() {
        if c.fract() != 0.0 || c < 0.0 || c >= outputs as f64 {
            return Err(format!(
                "{} {}: {}: sample {i} has label {c}, expected a class number 0 to {}",
                labels.option,
                labels.owner,
                labels.path.display(),
                outputs - 1
            ));
        }
        y[i * outputs + c as usize] = 1.0;
    }
    Ok(y)
}

/// The training data and the held-out last `fraction` (of each owner's
/// samples, split by rows), with every part present (local mode).
fn split_off(
    data: &[Owned],
    y: &[f64],
    outputs: usize,
    by_rows: bool,
    fraction: f64,
) -> Result<(Split, Option<Split>), String> {
    let (train, validation) = split(data, Some(y), outputs, by_rows, fraction)?;
    let local = |p: Parts| Split { x: p.x, y: p.y.unwrap_or_default() };
    Ok((local(train), validation.map(local)))
}

/// A player's part of a data set: every owner's sample count, the
/// features it holds (empty for the owners it is not) and the labels if
/// it holds them.
pub(crate) struct Parts {
    pub(crate) samples: Vec<usize>,
    pub(crate) x: Vec<Vec<f64>>,
    pub(crate) y: Option<Vec<f64>>,
}

impl Parts {
    /// The trainer's view at player `me`, the data owners named in order.
    pub(crate) fn view<'a>(&'a self, owners: &[&str], me: &str) -> PlayerData<'a> {
        PlayerData {
            samples: self.samples.clone(),
            x: owners.iter().zip(&self.x).map(|(o, x)| (*o == me).then_some(x.as_slice())).collect(),
            y: self.y.as_deref(),
        }
    }
}

/// `--validation-split`: the last `fraction` of each owner's samples (of
/// the first owner's for a split by features, whose owners hold the same
/// samples) validate, the rest train. Every player computes the same
/// counts from the sample counts alone.
pub(crate) fn split(
    data: &[Owned],
    y: Option<&[f64]>,
    outputs: usize,
    by_rows: bool,
    fraction: f64,
) -> Result<(Parts, Option<Parts>), String> {
    if !(fraction > 0.0 && fraction < 1.0) {
        return Err(format!("--validation-split {fraction}, expected a fraction between 0 and 1"));
    }
    let mut train = Parts { samples: Vec::new(), x: Vec::new(), y: y.map(|_| Vec::new()) };
    let mut val = Parts { samples: Vec::new(), x: Vec::new(), y: y.map(|_| Vec::new()) };
    let mut label_at = 0;
    for (i, d) in data.iter().enumerate() {
        let n = d.shape[0];
        let keep = n - ((n as f64 * fraction) as usize);
        if keep == 0 || keep == n {
            return Err(format!(
                "--validation-split {fraction}: data owner '{}' would keep {keep} of its {n} samples for training",
                d.owner
            ));
        }
        let per = d.values.len() / n;
        train.samples.push(keep);
        val.samples.push(n - keep);
        train.x.push(d.values[..keep * per].to_vec());
        val.x.push(d.values[keep * per..].to_vec());
        if let (Some(y), Some(ty), Some(vy)) = (y, train.y.as_mut(), val.y.as_mut())
            && (by_rows || i == 0)
        {
            ty.extend_from_slice(&y[label_at * outputs..(label_at + keep) * outputs]);
            vy.extend_from_slice(&y[(label_at + keep) * outputs..(label_at + n) * outputs]);
        }
        if by_rows {
            label_at += n;
        }
    }
    Ok((train, Some(val)))
}

pub(crate) fn loss(args: &Args, outputs: usize) -> Result<Loss, String> {
    let from_logits = args.from_logits;
    let name =
        args.loss.as_deref().unwrap_or(if outputs > 1 { "categorical_crossentropy" } else { "binary_crossentropy" });
    Ok(match name {
        "binary_crossentropy" => Loss::BinaryCrossentropy { from_logits },
        "categorical_crossentropy" => Loss::CategoricalCrossentropy { from_logits },
        _ if from_logits => return Err("--from-logits: mean_squared_error takes no logits".into()),
        _ => Loss::MeanSquaredError,
    })
}

/// --epochs and --batch-size (the trainer checks the batch size against the samples).
pub(crate) fn fit_options(args: &Args) -> Result<Fit<'static>, String> {
    if args.epochs == 0 {
        return Err("--epochs 0, expected at least 1".into());
    }
    Ok(Fit { epochs: args.epochs, batch_size: args.batch_size, validation: None })
}

pub(crate) fn optimizer(args: &Args) -> Result<Optimizer, String> {
    let lr = args.learning_rate.unwrap_or(if args.optimizer == "sgd" { 0.01 } else { 0.001 });
    if !(lr > 0.0 && lr.is_finite()) {
        return Err(format!("--learning-rate {lr}, expected a positive number"));
    }
    let opt = match args.optimizer.as_str() {
        "sgd" => Optimizer::Sgd { lr: tfe::nn::train::Schedule::Constant(lr), momentum: args.momentum },
        "adam" => Optimizer::adam(lr),
        _ => Optimizer::amsgrad(lr),
    };
    opt.validate().map_err(|e| format!("--optimizer {}: {e}", args.optimizer))?;
    Ok(opt)
}

pub(crate) fn describe(p: &Progress) -> String {
    let mut s = format!("loss {:.4}", p.train.loss);
    if let Some(a) = p.train.accuracy {
        let _ = write!(s, " accuracy {a:.4}");
    }
    if let Some(v) = &p.validation {
        let _ = write!(s, " val_loss {:.4}", v.loss);
        if let Some(a) = v.accuracy {
            let _ = write!(s, " val_accuracy {a:.4}");
        }
    }
    s
}

/// The progress: a bar on a terminal's standard error, a line per epoch
/// on standard output, and each step's loss for steps.csv.
pub(crate) struct Bar {
    terminal: bool,
    quiet: bool,
    /// (epoch, batch, the batch's mean loss, seconds since fit started).
    pub(crate) steps: Vec<(usize, usize, f64, f64)>,
    last_mean: f64,
}

impl Bar {
    pub(crate) fn new(quiet: bool) -> Bar {
        Bar { terminal: !quiet && std::io::stderr().is_terminal(), quiet, steps: Vec::new(), last_mean: 0.0 }
    }

    pub(crate) fn show(&mut self, p: &Progress) {
        // The epoch's running mean over b batches gives the batch's own loss.
        let b = p.batch as f64;
        let before = if p.batch == 1 { 0.0 } else { self.last_mean };
        self.steps.push((p.epoch, p.batch, p.train.loss * b - before * (b - 1.0), p.elapsed.as_secs_f64()));
        self.last_mean = p.train.loss;
        if self.terminal {
            let width = 30;
            let filled = p.batch * width / p.batches.max(1);
            let mut err = std::io::stderr();
            let _ = write!(
                err,
                "\r\x1b[Kepoch {}/{} [{}{}] {}/{} loss {:.4} ETA {}s",
                p.epoch,
                p.epochs,
                "=".repeat(filled),
                " ".repeat(width - filled),
                p.batch,
                p.batches,
                p.train.loss,
                p.eta.as_secs()
            );
            if p.end_of_epoch {
                let _ = write!(err, "\r\x1b[K");
            }
            let _ = err.flush();
        }
        if p.end_of_epoch && !self.quiet {
            println!("epoch {}/{}: {} ({:.1}s)", p.epoch, p.epochs, describe(p), p.elapsed.as_secs_f64());
        }
    }
}

/// The trained weights, history.csv and steps.csv.
pub(crate) fn write_output(
    dir: &Path,
    model: &Sequential,
    history: &[Progress],
    steps: &[(usize, usize, f64, f64)],
) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot make directory {}: {e}", dir.display()))?;
    for (i, layer) in model.layers().iter().enumerate() {
        for ((name, shape), values) in
            train_spec::weight_files(layer, i).into_iter().zip(train_spec::weight_values(layer))
        {
            write_values(&dir.join(format!("{name}.npy")), &shape, values).map_err(|e| e.to_string())?;
        }
    }
    let opt = |v: Option<f64>| v.map(|v| format!("{v}")).unwrap_or_default();
    let mut csv = String::from("epoch,loss,accuracy,val_loss,val_accuracy\n");
    for h in history {
        let v = h.validation.as_ref();
        let _ = writeln!(
            csv,
            "{},{},{},{},{}",
            h.epoch,
            h.train.loss,
            opt(h.train.accuracy),
            opt(v.map(|v| v.loss)),
            opt(v.and_then(|v| v.accuracy))
        );
    }
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    write("history.csv", &csv)?;
    let mut csv = String::from("step,epoch,batch,loss,elapsed_s\n");
    for (i, (epoch, batch, loss, elapsed)) in steps.iter().enumerate() {
        let _ = writeln!(csv, "{},{epoch},{batch},{loss},{elapsed:.6}", i + 1);
    }
    write("steps.csv", &csv)
}
