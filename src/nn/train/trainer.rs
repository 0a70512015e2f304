//! A Keras-like model API over a local session, or as one player of a
//! deployment: `compile`, `fit`, `evaluate`, `predict`, progress to a
//! callback, and the trained weights exported to their owner only.
//!
//! The graph is built at the first `fit` (or `evaluate`, `predict`) for
//! that call's batch size and holds, reading the same weight variables:
//! the training step (`TrainStep`) with its loss, accuracy and overflow
//! check revealed to the model owner, the inference pass with a masked
//! loss and accuracy for evaluation, the predictions revealed to the model
//! owner, and each weight revealed to the model owner for the export.
//! Training drops a last partial batch (Keras's `drop_remainder`);
//! evaluation and prediction pad it with zero rows, masked out.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::owners::{DataOwners, Layout, Y, covering_batches};
use super::runner::{Backend, Runner};
use super::step::{self, Param, TrainStep, Vars};
use super::{Loss, Optimizer, STEP_SCALAR};
use crate::error::{Error, Result};
use crate::graph::{Graph, TensorId};
use crate::net::Interrupt;
use crate::nn::{Layer, Sequential};
use crate::ring::shape::{fmt_shape, numel};
use crate::session::{Feeds, LocalOptions, RunStats};

mod graph_parts;
mod player;

use graph_parts::{OverflowCheck, correct, overflow_check};

pub use player::PlayerData;

/// The players of training: who owns the model, the features and the labels.
#[derive(Clone, Debug)]
pub struct Players {
    /// Owns the weights, learns the losses, metrics, predictions and the
    /// trained weights.
    pub model_owner: String,
    /// Provides the features (unless several data owners do: see
    /// [`Trainer::with_data_owners`]).
    pub data_owner: String,
    /// Provides the labels.
    pub label_owner: String,
}

impl Default for Players {
    fn default() -> Self {
        Players {
            model_owner: "model-owner".into(),
            data_owner: "data-owner".into(),
            label_owner: "label-owner".into(),
        }
    }
}

/// A metric besides the loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// The share of samples predicted right: the largest output against
    /// the label's (several outputs), or the output against 0.5 (one
    /// output; 0 for logits).
    Accuracy,
}

/// A loss and its metrics over some samples.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Evaluation {
    /// The mean loss per sample (NaN at a player of a deployment that
    /// does not learn it: all but the model owner).
    pub loss: f64,
    /// The accuracy, when compiled with [`Metric::Accuracy`].
    pub accuracy: Option<f64>,
}

/// What `fit` reports after each batch and each epoch.
#[derive(Clone, Debug)]
pub struct Progress {
    /// The epoch, from 1.
    pub epoch: usize,
    /// Epochs in all.
    pub epochs: usize,
    /// Batches done in this epoch.
    pub batch: usize,
    /// Batches per epoch.
    pub batches: usize,
    /// The mean loss and accuracy of the epoch's batches so far.
    pub train: Evaluation,
    /// At the end of an epoch with validation data: its evaluation.
    pub validation: Option<Evaluation>,
    /// Whether the epoch is over.
    pub end_of_epoch: bool,
    /// Since `fit` started.
    pub elapsed: Duration,
    /// The rest of `fit`, at the pace so far.
    pub eta: Duration,
}

/// How `fit` runs.
#[derive(Clone, Copy, Debug)]
pub struct Fit<'a> {
    /// Passes over the data.
    pub epochs: usize,
    /// Samples per step.
    pub batch_size: usize,
    /// Features and labels evaluated after each epoch.
    pub validation: Option<(&'a [f64], &'a [f64])>,
}

/// A model trained privately: layers with initial weights (the model
/// owner's), compiled with an optimizer and a loss.
pub struct Trainer {
    input_shape: Vec<usize>,
    layout: Layout,
    layers: Vec<Layer>,
    outputs: usize,
    players: Players,
    backend: Backend,
    compiled: Option<(Optimizer, Loss, Vec<Metric>)>,
    check_overflow: bool,
    built: Option<Built>,
    steps: usize,
    /// Marks each fit, evaluate and predict as one run of its sessions.
    interrupt: Arc<Interrupt>,
}

/// The graph and session of one batch size.
struct Built {
    batch: usize,
    /// Each data owner's rows of a batch.
    rows: Vec<usize>,
    runner: Runner,
    assigns: Vec<TensorId>,
    train_loss: TensorId,
    train_correct: Option<TensorId>,
    /// The overflow check, unless turned off.
    overflow: Option<OverflowCheck>,
    eval_loss: TensorId,
    eval_correct: Option<TensorId>,
    predictions: TensorId,
    exports: Vec<(String, TensorId)>,
    /// The costs of the last training step.
    last_stats: Option<RunStats>,
}

const X: &str = "x";
const MASK: &str = "eval.mask";

impl Trainer {
    /// A model of `layers` on inputs of `input_shape` (without the batch
    /// axis); checks the shapes. Batch normalizations stay layers of their
    /// own (trained with batch statistics), not folded.
    pub fn new(input_shape: &[usize], layers: Vec<Layer>, players: Players, options: LocalOptions) -> Result<Self> {
        let layout = Layout::single(&players.data_owner, X, input_shape);
        Self::with_layout(input_shape, layers, players, layout, Backend::Local(options))
    }

    /// A model whose features come from several data owners (`players.data_owner`
    /// is not used), split by rows or by features as [`DataOwners`] says;
    /// train it with [`Trainer::fit_parts`], one part per owner in this order.
    pub fn with_data_owners(
        input_shape: &[usize],
        layers: Vec<Layer>,
        players: Players,
        owners: &DataOwners,
        options: LocalOptions,
    ) -> Result<Self> {
        let layout = Layout::new(owners, input_shape)?;
        Self::with_layout(input_shape, layers, players, layout, Backend::Local(options))
    }

    fn with_layout(
        input_shape: &[usize],
        layers: Vec<Layer>,
        players: Players,
        layout: Layout,
        backend: Backend,
    ) -> Result<Self> {
        let mut g = Graph::default();
        let x = g.private_input(X, &players.data_owner, &[[1].as_slice(), input_shape].concat())?;
        let (y, _) = step::forward(&mut g, &layers, x, &players.model_owner, false, &mut Vars::default())?;
        let out = g.shape(y)?.to_vec();
        if out.len() != 2 {
            return Err(Error::invalid(format!(
                "the model's output has shape {}, expected [batch, outputs] (end with Flatten or Dense)",
                fmt_shape(&out)
            )));
        }
        let trainer = Trainer {
            input_shape: input_shape.to_vec(),
            layout,
            layers,
            outputs: out[1],
            players,
            backend,
            compiled: None,
            check_overflow: true,
            built: None,
            steps: 0,
            interrupt: Interrupt::new(),
        };
        Ok(trainer)
    }

    /// What interrupts this trainer's fit, evaluate or predict in progress
    /// from another thread (see [`crate::Interrupt`]): its run in progress
    /// fails with [`Error::Aborted`] soon after, and so does every later
    /// run of the same call, so the call ends within one run. Deployed, the
    /// other players fail too (they are told, as of any failure).
    pub fn interrupter(&self) -> Arc<Interrupt> {
        self.interrupt.clone()
    }

    /// Interrupted through `interrupt` instead of its own interrupter (a
    /// trainer remade before its first call keeps its handle's).
    pub(crate) fn set_interrupter(&mut self, interrupt: Arc<Interrupt>) {
        self.interrupt = interrupt;
    }

    /// Sets the optimizer, the loss and the metrics; before the first fit.
    pub fn compile(&mut self, optimizer: Optimizer, loss: Loss, metrics: &[Metric]) -> Result<()> {
        if self.built.is_some() {
            return Err(Error::invalid("compile: the model has been built already; compile before fit"));
        }
        optimizer.validate()?;
        self.compiled = Some((optimizer, loss, metrics.to_vec()));
        Ok(())
    }

    /// Whether each step checks for values outside the fixed-point range
    /// (on by default; see `docs/training.md`).
    pub fn set_overflow_check(&mut self, on: bool) {
        self.check_overflow = on;
    }

    /// Trains on `x` (row-major, batch first) and one-hot or 0/1 labels `y`,
    /// reporting to `progress` after each batch and each epoch.
    pub fn fit(
        &mut self,
        x: &[f64],
        y: &[f64],
        fit: Fit<'_>,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<Vec<Progress>> {
        self.fit_until(x, y, fit, &mut |p| {
            progress(p);
            ControlFlow::Continue(())
        })
    }

    /// As [`Trainer::fit`], and `progress` may stop the training: a
    /// `Break(reason)` ends `fit` after that batch with [`Error::Aborted`]
    /// naming the model owner and `reason`; the steps taken so far stay.
    pub fn fit_until(
        &mut self,
        x: &[f64],
        y: &[f64],
        fit: Fit<'_>,
        progress: &mut dyn FnMut(&Progress) -> ControlFlow<String>,
    ) -> Result<Vec<Progress>> {
        let validation = fit.validation.map(|(vx, vy)| ([vx], vy));
        let validation = validation.as_ref().map(|(vx, vy)| (vx.as_slice(), *vy));
        self.fit_parts_until(&[x], y, Fit { validation: None, ..fit }, validation, progress)
    }

    /// Trains on features held by the data owners, one part per owner in
    /// their order (see [`DataOwners`]), and the label owner's `y` (in the
    /// owners' order of samples); `validation` likewise (`fit.validation`
    /// must be `None`). Each batch's parts are fed by their owners and
    /// joined on the servers.
    pub fn fit_parts(
        &mut self,
        x: &[&[f64]],
        y: &[f64],
        fit: Fit<'_>,
        validation: Option<(&[&[f64]], &[f64])>,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<Vec<Progress>> {
        self.fit_parts_until(x, y, fit, validation, &mut |p| {
            progress(p);
            ControlFlow::Continue(())
        })
    }

    /// As [`Trainer::fit_parts`], and `progress` may stop the training as
    /// in [`Trainer::fit_until`].
    pub fn fit_parts_until(
        &mut self,
        x: &[&[f64]],
        y: &[f64],
        fit: Fit<'_>,
        validation: Option<(&[&[f64]], &[f64])>,
        progress: &mut dyn FnMut(&Progress) -> ControlFlow<String>,
    ) -> Result<Vec<Progress>> {
        if fit.validation.is_some() {
            return Err(Error::invalid("fit_parts: give the validation data as parts, not in fit.validation"));
        }
        let data = self.local_data(x, y)?;
        let validation = validation.map(|(vx, vy)| self.local_data(vx, vy)).transpose()?;
        self.fit_data(&data, fit, validation.as_ref(), progress)
    }

    /// Local data as a [`PlayerData`] that holds every part, checked.
    fn local_data<'a>(&self, x: &[&'a [f64]], y: &'a [f64]) -> Result<PlayerData<'a>> {
        let samples = self.counts(x, y)?;
        Ok(PlayerData { samples, x: x.iter().copied().map(Some).collect(), y: Some(y) })
    }

    /// The training loop over data of which this process may hold only
    /// some parts (a deployed player): each part present is fed by its
    /// owner.
    fn fit_data(
        &mut self,
        data: &PlayerData<'_>,
        fit: Fit<'_>,
        validation: Option<&PlayerData<'_>>,
        progress: &mut dyn FnMut(&Progress) -> ControlFlow<String>,
    ) -> Result<Vec<Progress>> {
        let PlayerData { samples: counts, x, y } = data;
        let _call = self.interrupt.begin(); // one run for the interrupt (see interrupter)
        let samples = self.layout.total(counts);
        let batch = fit.batch_size;
        if batch == 0 || batch > samples {
            return Err(Error::invalid(format!("batch_size {batch}, expected 1 to the {samples} samples")));
        }
        let rows = self.layout.train_rows(counts, batch)?;
        self.build(&rows)?;
        let (optimizer, _, metrics) = self.compiled.clone().expect("built models are compiled");
        let (batches, fixed) = (samples / batch, self.built.as_ref().expect("built").runner.graph().fixed());
        let start = Instant::now();
        let mut history = Vec::new();
        let per_y = self.outputs;
        for epoch in 1..=fit.epochs {
            let (mut loss, mut correct) = (0.0, 0.0);
            for b in 0..batches {
                let at = self.layout.batch_rows(b, counts, &rows);
                let mut feeds = self.layout.batch_feeds(&at, &rows, x, y.map(|y| (y, per_y)));
                feeds.insert(STEP_SCALAR, vec![optimizer.checked_step_scalar(self.steps, batch, fixed)?]);
                let (l, c) = self.step(&feeds)?;
                self.steps += 1;
                loss += l.unwrap_or(f64::NAN);
                correct += c.unwrap_or(0.0);
                let done = (epoch - 1) * batches + b + 1;
                let elapsed = start.elapsed();
                let total = fit.epochs * batches;
                let eta = elapsed.mul_f64((total - done) as f64 / done as f64);
                let seen = ((b + 1) * batch) as f64;
                let learned = !loss.is_nan();
                let train = Evaluation {
                    loss: loss / seen,
                    accuracy: (learned && metrics.contains(&Metric::Accuracy)).then(|| correct / seen),
                };
                let end = b + 1 == batches;
                let validation = match (end, validation) {
                    (true, Some(v)) => Some(self.evaluate_data(v)?),
                    _ => None,
                };
                let report = Progress {
                    epoch,
                    epochs: fit.epochs,
                    batch: b + 1,
                    batches,
                    train,
                    validation,
                    end_of_epoch: end,
                    elapsed,
                    eta,
                };
                if let ControlFlow::Break(reason) = progress(&report) {
                    let runner = &mut self.built.as_mut().expect("built").runner;
                    if !(end && epoch == fit.epochs) {
                        runner.stop_before_the_others(&reason);
                    }
                    return Err(runner.stopped_here(&self.players.model_owner, reason));
                }
                if end {
                    history.push(report);
                }
            }
        }
        // An interrupt from the last report's callback has no run left to fail (all are complete here).
        let runner = &self.built.as_ref().expect("built").runner;
        if !self.interrupt.is_set() {
            return Ok(history);
        }
        Err(runner.stopped_here(&self.players.model_owner, crate::net::interrupt::REASON.into()))
    }

    /// One training step; the batch's summed loss and correct count, where
    /// this process learns them.
    fn step(&mut self, feeds: &Feeds) -> Result<(Option<f64>, Option<f64>)> {
        let built = self.built.as_mut().expect("built");
        let mut fetches = built.assigns.clone();
        let at = fetches.len();
        fetches.push(built.train_loss);
        fetches.extend(built.train_correct);
        let checks = at + 1 + usize::from(built.train_correct.is_some());
        fetches.extend(built.overflow.iter().flat_map(|o| o.reveals.iter().copied()));
        let run = built.runner.run(&fetches, feeds)?;
        if let Some(check) = &built.overflow {
            let counts = run.outputs[checks..].iter().flatten().next().ok_or_else(|| {
                Error::internal("the overflow counts are revealed to every player, but not to this one")
            })?;
            let counts: Vec<f64> = counts.iter().copied().collect();
            let bits = built.runner.graph().fixed().int_bits;
            for (count, name) in counts.iter().zip(&check.names) {
                if count.round() >= 1.0 {
                    return Err(Error::OutOfRange(format!(
                        "training step {}: {}; lower the learning rate or scale the data (docs/training.md)",
                        self.steps + 1,
                        check.describe(name, count.round(), bits)
                    )));
                }
            }
        }
        let result = (run.sum(at), built.train_correct.and_then(|_| run.sum(at + 1)));
        built.last_stats = Some(run.stats);
        Ok(result)
    }

    /// The mean loss (and accuracy) over `x` and `y`, with the weights as
    /// they are; both revealed to the model owner only.
    pub fn evaluate(&mut self, x: &[f64], y: &[f64]) -> Result<Evaluation> {
        self.evaluate_parts(&[x], y)
    }

    /// [`Trainer::evaluate`] on features held by the data owners, one part
    /// per owner.
    pub fn evaluate_parts(&mut self, x: &[&[f64]], y: &[f64]) -> Result<Evaluation> {
        let data = self.local_data(x, y)?;
        self.evaluate_data(&data)
    }

    /// The mean loss (and accuracy) over data of which this process may
    /// hold only some parts: NaN and `None` where it does not learn them.
    fn evaluate_data(&mut self, data: &PlayerData<'_>) -> Result<Evaluation> {
        let _call = self.interrupt.begin(); // one run for the interrupt (see interrupter)
        let PlayerData { samples: counts, x, y } = data;
        self.build_default(counts)?;
        let per_y = self.outputs;
        let built = self.built.as_mut().expect("built");
        let rows = built.rows.clone();
        let (mut loss, mut correct) = (0.0, 0.0);
        for k in 0..covering_batches(counts, &rows) {
            let at = self.layout.batch_rows(k, counts, &rows);
            let mut feeds = self.layout.batch_feeds(&at, &rows, x, y.map(|y| (y, per_y)));
            feeds.insert(MASK, at.slots.iter().map(|s| f64::from(u8::from(s.is_some()))).collect());
            let mut fetches = vec![built.eval_loss];
            fetches.extend(built.eval_correct);
            let run = built.runner.run(&fetches, &feeds)?;
            loss += run.sum(0).unwrap_or(f64::NAN);
            if built.eval_correct.is_some() {
                correct += run.sum(1).unwrap_or(f64::NAN);
            }
        }
        let n = self.layout.total(counts) as f64;
        let accuracy = built.eval_correct.map(|_| correct / n).filter(|a| !a.is_nan());
        Ok(Evaluation { loss: loss / n, accuracy })
    }

    /// The model's outputs for `x`, revealed to the model owner.
    pub fn predict(&mut self, x: &[f64]) -> Result<Vec<f64>> {
        self.predict_parts(&[x])
    }

    /// [`Trainer::predict`] on features held by the data owners, one part
    /// per owner; the outputs in the owners' order of samples.
    pub fn predict_parts(&mut self, x: &[&[f64]]) -> Result<Vec<f64>> {
        let counts = self.layout.samples(x)?;
        let x: Vec<Option<&[f64]>> = x.iter().copied().map(Some).collect();
        self.predict_data(&counts, &x)?
            .ok_or_else(|| Error::internal("a local session learns every prediction, but did not learn this one"))
    }

    /// The model's outputs for the samples of which this process may hold
    /// only some parts (`counts` per data owner, `x` its part where it holds
    /// one): `None` where this process is not the model owner.
    pub(super) fn predict_data(&mut self, counts: &[usize], x: &[Option<&[f64]>]) -> Result<Option<Vec<f64>>> {
        let _call = self.interrupt.begin(); // one run for the interrupt (see interrupter)
        self.build_default(counts)?;
        let outputs = self.outputs;
        let built = self.built.as_mut().expect("built");
        let rows = built.rows.clone();
        let mut out = vec![0.0; self.layout.total(counts) * outputs];
        let mut learned_all = true;
        for k in 0..covering_batches(counts, &rows) {
            let at = self.layout.batch_rows(k, counts, &rows);
            let feeds = self.layout.batch_feeds(&at, &rows, x, None);
            let run = built.runner.run(&[built.predictions], &feeds)?;
            let Some(values) = &run.outputs[0] else {
                learned_all = false;
                continue;
            };
            let values: Vec<f64> = values.iter().copied().collect();
            for (slot, row) in at.slots.iter().zip(values.chunks(outputs)) {
                if let Some(i) = slot {
                    out[i * outputs..(i + 1) * outputs].copy_from_slice(row);
                }
            }
        }
        Ok(learned_all.then_some(out))
    }
    /// The trained model, its weights revealed to the model owner only,
    /// with batch normalizations folded as [`Sequential::new`] folds them.
    pub fn export(&mut self) -> Result<Sequential> {
        self.export_as_player()?.ok_or_else(|| {
            Error::invalid(format!("export: the trained weights are revealed to '{}' only", self.players.model_owner))
        })
    }

    /// [`Trainer::export`] at one player of a deployment: every player
    /// calls it (the reveal is a run of all), the model owner gets the
    /// model and the others `None`.
    pub fn export_as_player(&mut self) -> Result<Option<Sequential>> {
        let _call = self.interrupt.begin(); // one run for the interrupt (see interrupter)
        if self.built.is_none() {
            let rows = self.layout.eval_rows(&vec![32; self.layout.parts.len()], 32);
            self.build(&rows)?;
        }
        let built = self.built.as_mut().expect("built");
        let fetches: Vec<TensorId> = built.exports.iter().map(|e| e.1).collect();
        let run = built.runner.run(&fetches, &Feeds::new())?;
        if run.outputs.iter().any(Option::is_none) {
            return Ok(None);
        }
        let value = |name: &str| -> Vec<f64> {
            let i = built.exports.iter().position(|e| e.0 == name).expect("an exported weight");
            run.outputs[i].iter().flatten().copied().collect()
        };
        let mut layers = self.layers.clone();
        for (i, layer) in layers.iter_mut().enumerate() {
            let p = format!("layer{i}");
            match layer {
                Layer::Dense { weights, bias, .. } | Layer::Conv2D { weights, bias, .. } => {
                    *weights = value(&format!("{p}.w"));
                    *bias = value(&format!("{p}.b"));
                }
                Layer::BatchNormalization { gamma, beta, mean, variance, .. } => {
                    *gamma = value(&format!("{p}.gamma"));
                    *beta = value(&format!("{p}.beta"));
                    *mean = value(&format!("{p}.moving_mean"));
                    *variance = value(&format!("{p}.moving_variance"));
                }
                _ => {}
            }
        }
        Sequential::new(&self.input_shape, layers).map(Some)
    }

    /// What the last training step cost each player (time, bytes,
    /// rounds), once a step has run.
    pub fn last_stats(&self) -> Option<&RunStats> {
        self.built.as_ref().and_then(|b| b.last_stats.as_ref())
    }

    /// Steps taken so far.
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// Each owner's samples, checked against the labels.
    fn counts(&self, x: &[&[f64]], y: &[f64]) -> Result<Vec<usize>> {
        if self.layout.parts.len() == 1 && x.len() == 1 {
            let per_x = numel(&self.input_shape);
            let samples = x[0].len() / per_x.max(1);
            if x[0].is_empty() || samples * per_x != x[0].len() || y.len() != samples * self.outputs {
                return Err(Error::invalid(format!(
                    "{} feature and {} label values, expected samples of {per_x} features and {} labels",
                    x[0].len(),
                    y.len(),
                    self.outputs
                )));
            }
            return Ok(vec![samples]);
        }
        let counts = self.layout.samples(x)?;
        self.check_labels(&counts, y)?;
        Ok(counts)
    }

    /// The label owner's `y` against the data owners' sample counts.
    fn check_labels(&self, counts: &[usize], y: &[f64]) -> Result<()> {
        let samples = self.layout.total(counts);
        if y.len() != samples * self.outputs {
            return Err(Error::invalid(format!(
                "label owner '{}': {} label values, expected {} for the data owners' {samples} samples of {} labels",
                self.players.label_owner,
                y.len(),
                samples * self.outputs,
                self.outputs
            )));
        }
        Ok(())
    }

    /// Builds for batches of 32 (by rows: each owner's share of them) if
    /// nothing is built yet.
    fn build_default(&mut self, counts: &[usize]) -> Result<()> {
        if self.built.is_none() {
            let rows = self.layout.eval_rows(counts, 32);
            self.build(&rows)?;
        }
        Ok(())
    }

    /// Builds the graph and the session for batches of `rows[i]` rows from
    /// data owner i.
    fn build(&mut self, rows: &[usize]) -> Result<()> {
        let batch = if self.layout.by_rows { rows.iter().sum() } else { rows[0] };
        if let Some(built) = &self.built {
            if built.rows != rows && self.layout.by_rows && self.layout.parts.len() > 1 {
                return Err(Error::invalid(format!(
                    "this model's graph is built for batches of {:?} rows from the data owners, not {rows:?}",
                    built.rows
                )));
            }
            if built.batch != batch {
                return Err(Error::invalid(format!(
                    "batch_size {batch}: this model's graph is built for batches of {}",
                    built.batch
                )));
            }
            return Ok(());
        }
        let (optimizer, loss, metrics) =
            self.compiled.clone().ok_or_else(|| Error::invalid("the model is not compiled: call compile first"))?;
        let owner = self.players.model_owner.clone();
        let mut g = Graph::default();
        let x = self.layout.input(&mut g, rows)?;
        let y = g.private_input(Y, &self.players.label_owner, &[batch, self.outputs])?;
        let mut vars = Vars::default();
        let train = TrainStep::build(&mut g, &self.layers, x, y, loss, &optimizer, &owner, &mut vars)?;
        let accuracy = metrics.contains(&Metric::Accuracy);
        let sum = |g: &mut Graph, v: TensorId| -> Result<TensorId> {
            let s = g.reduce_sum(v, None)?;
            g.reveal(s, Some(&owner))
        };
        let train_loss = sum(&mut g, train.backprop.loss.per_sample)?;
        let train_correct = if accuracy {
            let c = correct(&mut g, train.backprop.loss.pred, y, loss)?;
            Some(sum(&mut g, c)?)
        } else {
            None
        };
        let overflow = if self.check_overflow { Some(overflow_check(&mut g, &train, &vars)?) } else { None };
        let (pred, _) = step::forward(&mut g, &self.layers, x, &owner, false, &mut vars)?;
        let mask = g.private_input(MASK, &owner, &[batch])?;
        let eval = loss.build(&mut g, pred, y)?;
        let masked = g.mul(eval.per_sample, mask)?;
        let eval_loss = sum(&mut g, masked)?;
        let eval_correct = if accuracy {
            let c = correct(&mut g, eval.pred, y, loss)?;
            let c = g.mul(c, mask)?;
            Some(sum(&mut g, c)?)
        } else {
            None
        };
        let predictions = g.reveal(pred, Some(&owner))?;
        let exports = vars
            .params
            .iter()
            .map(|p: &Param| Ok((p.name.clone(), g.reveal(p.var, Some(&owner))?)))
            .collect::<Result<Vec<_>>>()?;
        let runner = self.backend.start(g, vars.initial, &owner, &self.interrupt)?;
        let assigns = train.assigns;
        self.built = Some(Built {
            batch,
            rows: rows.to_vec(),
            runner,
            assigns,
            train_loss,
            train_correct,
            overflow,
            eval_loss,
            eval_correct,
            predictions,
            exports,
            last_stats: None,
        });
        Ok(())
    }
}
