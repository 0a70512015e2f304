//! Sessions: running a graph at the players.
//!
//! A [`Party`] is one player running graphs over its connections; a
//! [`LocalSession`] runs every player of a graph in this process, each on
//! its own thread, over loopback TCP (the deployment code path) or
//! in-memory channels. Variables keep their shares across runs.

mod commit;
mod execute;
pub(crate) mod feeds;
mod fusion;
mod local;
mod party;
mod probe;
mod stats;

pub use crate::net::memory::LinkModel;
pub use feeds::{Feeds, Provider, ProviderRequest};
pub(crate) use local::on_player_thread;
pub use local::{LocalOptions, LocalSession, RunResult, Transport};
pub use party::{Party, PartyRun, TcpJoin};
pub use stats::{OpSpan, OpStats, PlayerStats, RunStats};

use crate::error::{Error, Result};
use crate::graph::{Graph, TensorId};

/// Checks that every fetch is a node of the session's graph. A session
/// holds a snapshot of the graph taken when it was created, so a tensor
/// defined afterwards is unknown to it: the error says so, rather than
/// that the tensor belongs to another graph.
pub(crate) fn check_fetches_in_snapshot(graph: &Graph, fetches: &[TensorId]) -> Result<()> {
    let nodes = graph.nodes().len();
    match fetches.iter().find(|id| id.0 as usize >= nodes) {
        None => Ok(()),
        Some(id) => Err(Error::invalid(format!(
            "tensor {} was defined after the session was created: a session holds a snapshot of the graph \
             as it was then ({nodes} nodes); define every tensor you fetch (a reveal too) before creating \
             the session",
            id.0
        ))),
    }
}
