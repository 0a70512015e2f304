//! Where a trainer's graph runs: every player in this process (a
//! [`LocalSession`]), or this process as one player of a deployment (a
//! [`Party`], connected by the caller). The trainer drives both the same
//! way; a party learns only the values revealed to it.

use std::sync::Arc;

use ndarray::ArrayD;

use crate::error::{Error, Result};
use crate::graph::{Graph, TensorId};
use crate::net::{Cancel, Interrupt};
use crate::session::{Feeds, LocalOptions, LocalSession, Party, RunStats};

/// Connects this process's player to the others for `graph` (every player
/// builds the same graph, and the connection compares their digests),
/// giving up when the [`Cancel`] says so (the trainer's call was
/// interrupted): `deploy::party::open_cancellable` with a hostmap, for
/// instance.
pub type Connect = Box<dyn FnOnce(Arc<Graph>, Cancel<'_>) -> Result<Party> + Send>;

/// How the trainer's players run, before the graph is built.
pub(super) enum Backend {
    Local(LocalOptions),
    /// One player of a deployment; the connector is used once, at build.
    Player(Option<Connect>),
}

/// A built graph's session.
pub(super) enum Runner {
    Local(LocalSession),
    /// `failed`: whether a run has failed. The players of a failed
    /// call may have stopped at different runs (some were a run ahead, some
    /// never began the failed one), so later runs would pair different runs'
    /// messages: the trainer is made anew at every player instead.
    Player {
        party: Box<Party>,
        failed: bool,
    },
}

/// One run's fetched values, `None` where this process does not learn one,
/// and the costs of the players it ran.
pub(super) struct Ran {
    pub outputs: Vec<Option<ArrayD<f64>>>,
    pub stats: RunStats,
}

impl Ran {
    /// The sum of fetch `i`'s values, if this process learned it.
    pub fn sum(&self, i: usize) -> Option<f64> {
        self.outputs[i].as_ref().map(|v| v.iter().sum())
    }
}

impl Backend {
    /// Starts the session of `graph` with the initial values of its
    /// variables, which all belong to `model_owner` (in a deployment, only
    /// the model owner's process gives them), its runs interrupted through
    /// `interrupt` (in a deployment, also the wait for the other players).
    pub fn start(
        &mut self,
        graph: Graph,
        initial: Vec<(String, Vec<f64>)>,
        model_owner: &str,
        interrupt: &Arc<Interrupt>,
    ) -> Result<Runner> {
        match self {
            Backend::Local(options) => {
                let mut session = LocalSession::with_interrupt(&graph, options, interrupt.clone())?;
                for (name, values) in initial {
                    session.set_variable_values(&name, values)?;
                }
                Ok(Runner::Local(session))
            }
            Backend::Player(connect) => {
                let connect = connect
                    .take()
                    .ok_or_else(|| Error::internal("a deployed trainer builds its graph once, and has connected"))?;
                let interrupted = || interrupt.is_set();
                let mut party = connect(Arc::new(graph), Cancel::when(&interrupted))?;
                party.set_interrupt(interrupt.clone());
                if party.name() == model_owner {
                    for (name, values) in initial {
                        party.set_variable_values(&name, values)?;
                    }
                }
                Ok(Runner::Player { party: Box::new(party), failed: false })
            }
        }
    }
}

impl Runner {
    /// The graph being run.
    pub fn graph(&self) -> &Graph {
        match self {
            Runner::Local(session) => session.graph(),
            Runner::Player { party, .. } => party.graph(),
        }
    }

    /// The abort of a call this process stopped, naming its player: its
    /// party's, or, where it runs every player, `model_owner` (whose view a
    /// local trainer gives).
    pub fn stopped_here(&self, model_owner: &str, message: String) -> Error {
        let player = match self {
            Runner::Local(_) => model_owner,
            Runner::Player { party, .. } => party.name(),
        };
        Error::Aborted { player: player.to_string(), message }
    }

    /// Runs `fetches` with this process's `feeds` (a party uses the feeds
    /// of the inputs it owns).
    pub fn run(&mut self, fetches: &[TensorId], feeds: &Feeds) -> Result<Ran> {
        match self {
            Runner::Local(session) => {
                let run = session.run(fetches, feeds)?;
                Ok(Ran { outputs: run.outputs.into_iter().map(Some).collect(), stats: run.stats })
            }
            Runner::Player { party, failed } => {
                if *failed {
                    return Err(failed_earlier());
                }
                let run = party.run(fetches, feeds).inspect_err(|_| *failed = true)?;
                Ok(Ran { outputs: run.outputs, stats: RunStats { players: vec![run.stats] } })
            }
        }
    }

    /// Stops this process's call before the others' (a progress callback
    /// stopped a fit where the other players go on to its next run): a
    /// deployed player tells them, so they fail that run at once, and then
    /// refuses to run, like after a failed run.
    pub fn stop_before_the_others(&mut self, reason: &str) {
        if let Runner::Player { party, failed } = self {
            *failed = true;
            // Best effort: a peer that is gone already fails the others too.
            let _ = party.abort_next_run(reason);
        }
    }

    /// At a deployed player: says it runs no more and waits until every
    /// other player has completed its runs ([`Party::finish`]).
    pub fn finish(&mut self) -> Result<()> {
        match self {
            Runner::Local(_) => Ok(()),
            Runner::Player { failed: true, .. } => Err(failed_earlier()),
            Runner::Player { party, .. } => party.finish(),
        }
    }
}

/// Why a deployed trainer refuses to run after a failed call.
fn failed_earlier() -> Error {
    Error::invalid(
        "an earlier call of this deployed trainer failed, and its players may have stopped at different runs: \
         make the trainer anew at every player (see docs/training.md)",
    )
}
