//! The trainer as one player of a deployment: every player creates the
//! same [`Trainer`] with [`Trainer::player`], passes its view of each data
//! set ([`PlayerData`]: the parts it holds) to [`Trainer::fit_as_player`],
//! [`Trainer::evaluate_as_player`] and [`Trainer::predict_as_player`], and
//! ends with [`Trainer::finish`].

use std::ops::ControlFlow;

use super::super::owners::{DataOwners, Layout};
use super::super::runner::{Backend, Connect};
use super::{Evaluation, Fit, Players, Progress, Trainer, X};
use crate::error::{Error, Result};
use crate::nn::Layer;
use crate::ring::shape::{fmt_shape, numel};

/// One player's view of a data set in a deployment (see
/// [`Trainer::fit_as_player`]).
#[derive(Clone, Debug)]
pub struct PlayerData<'a> {
    /// Each data owner's number of samples, in the owners' order: public,
    /// every player passes the same.
    pub samples: Vec<usize>,
    /// Per data owner: its features (row-major, samples first) at that
    /// owner, `None` at every other player.
    pub x: Vec<Option<&'a [f64]>>,
    /// The labels at the label owner (one-hot or 0/1 rows), `None` elsewhere.
    pub y: Option<&'a [f64]>,
}

impl Trainer {
    /// This process as one player of a deployed training: every player
    /// creates the same trainer (the same layers, shapes and players; the
    /// initial weights count at the model owner only), compiles it the
    /// same way and calls [`Trainer::fit_as_player`] with the same sample
    /// counts and fit; `connect` joins the others when the graph is built.
    /// `owners` as in [`Trainer::with_data_owners`], or `None` for
    /// `players.data_owner` alone.
    pub fn player(
        input_shape: &[usize],
        layers: Vec<Layer>,
        players: Players,
        owners: Option<&DataOwners>,
        connect: Connect,
    ) -> Result<Self> {
        let layout = match owners {
            Some(owners) => Layout::new(owners, input_shape)?,
            None => Layout::single(&players.data_owner, X, input_shape),
        };
        Self::with_layout(input_shape, layers, players, layout, Backend::Player(Some(connect)))
    }

    /// [`Trainer::fit_parts_until`] at one player of a deployment (see
    /// [`Trainer::player`]): `data` is this player's view of the training
    /// data and `validation` of the data evaluated after each epoch
    /// (`fit.validation` must be `None`). Progress reports the losses and
    /// accuracies at the model owner only (NaN and `None` elsewhere); an
    /// overflow stops every player at the same step.
    pub fn fit_as_player(
        &mut self,
        data: &PlayerData<'_>,
        validation: Option<&PlayerData<'_>>,
        fit: Fit<'_>,
        progress: &mut dyn FnMut(&Progress) -> ControlFlow<String>,
    ) -> Result<Vec<Progress>> {
        if fit.validation.is_some() {
            return Err(Error::invalid(
                "fit_as_player: give the validation data as a PlayerData, not in fit.validation",
            ));
        }
        self.check_player_data(data)?;
        if let Some(v) = validation {
            self.check_player_data(v)?;
        }
        self.fit_data(data, fit, validation, progress)
    }

    /// [`Trainer::evaluate_parts`] at one player of a deployment: `data` is
    /// this player's view of the data set; every player calls it with the
    /// same sample counts. The loss (and accuracy) are the model owner's:
    /// NaN (and `None`) at every other player.
    pub fn evaluate_as_player(&mut self, data: &PlayerData<'_>) -> Result<Evaluation> {
        self.check_player_data(data)?;
        self.evaluate_data(data)
    }

    /// [`Trainer::predict_parts`] at one player of a deployment: `data` is
    /// this player's view of the samples (its labels, if any, are not
    /// used); every player calls it with the same sample counts. The
    /// outputs (samples first) are the model owner's: `None` at every other
    /// player.
    pub fn predict_as_player(&mut self, data: &PlayerData<'_>) -> Result<Option<Vec<f64>>> {
        self.check_player_data(data)?;
        self.predict_data(&data.samples, &data.x)
    }

    /// A deployed player's view checked against the data owners and the
    /// labels' width: one sample count per owner, and whole samples where
    /// this player holds a part.
    fn check_player_data(&self, data: &PlayerData<'_>) -> Result<()> {
        let PlayerData { samples, x, y } = data;
        if samples.len() != self.layout.parts.len() || x.len() != samples.len() {
            return Err(Error::invalid(format!(
                "{} sample counts and {} data parts for {} data owners, expected one of each per owner",
                samples.len(),
                x.len(),
                self.layout.parts.len()
            )));
        }
        for ((part, &n), values) in self.layout.parts.iter().zip(samples).zip(x) {
            let expected = n * numel(&part.sample);
            if let Some(values) = values.filter(|v| v.len() != expected) {
                return Err(Error::invalid(format!(
                    "data owner '{}': {} values, expected its {n} samples of shape {}",
                    part.owner,
                    values.len(),
                    fmt_shape(&part.sample)
                )));
            }
        }
        match y {
            Some(y) => self.check_labels(samples, y),
            None => Ok(()),
        }
    }

    /// At a deployed player, after its last call: says it runs no more
    /// and waits until every other player has completed the same runs
    /// (failing, naming the player, if one stopped first). Nothing to do in
    /// local mode. Interrupted as a fit is (see [`Trainer::interrupter`]).
    pub fn finish(&mut self) -> Result<()> {
        let _call = self.interrupt.begin(); // the wait for the others is interruptible
        self.built.as_mut().map_or(Ok(()), |b| b.runner.finish())
    }
}
