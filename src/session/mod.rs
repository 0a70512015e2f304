//! Sessions: running a graph at the players.
//!
//! A [`Party`] is one player running graphs over its connections; a
//! [`LocalSession`] runs every player of a graph in this process, each on
//! its own thread, over loopback TCP (the deployment code path) or
//! in-memory channels. Variables keep their shares across runs.

mod commit;
mod execute;
pub mod feeds;
pub mod local;
pub mod party;
pub mod stats;

pub use feeds::{Feeds, Provider, ProviderRequest};
pub use local::{LocalOptions, LocalSession, RunResult, Transport, on_player_thread};
pub use party::{Party, PartyRun, TcpJoin};
pub use stats::{OpSpan, OpStats, PlayerStats, RunStats};
