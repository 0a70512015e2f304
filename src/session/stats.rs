//! What a run cost: per player, bytes and messages sent, rounds and wall
//! time, in total and split by op kind.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use crate::net::Counters;

/// The cost of the ops of one kind at one player during one run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpStats {
    /// How many nodes of this kind ran.
    pub count: u64,
    pub counters: Counters,
    pub wall_time: Duration,
}

/// One player's cost of one run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlayerStats {
    pub player: String,
    /// Everything this player sent during the run.
    pub counters: Counters,
    /// From the start of the run to this player's last result.
    pub wall_time: Duration,
    /// The same, split by op kind (`matmul`, `reveal`, ...).
    pub by_op: BTreeMap<&'static str, OpStats>,
}

/// Every player's cost of one run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunStats {
    pub players: Vec<PlayerStats>,
}

impl RunStats {
    /// The stats of the named player.
    pub fn player(&self, name: &str) -> Option<&PlayerStats> {
        self.players.iter().find(|p| p.player == name)
    }
}

impl fmt::Display for RunStats {
    /// A table: one line per player, then the op kinds of each.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{:<18} {:>12} {:>9} {:>7} {:>11}", "player", "bytes sent", "messages", "rounds", "wall time")?;
        for p in &self.players {
            writeln!(
                f,
                "{:<18} {:>12} {:>9} {:>7} {:>9.3}ms",
                p.player,
                p.counters.bytes_sent,
                p.counters.messages_sent,
                p.counters.rounds,
                p.wall_time.as_secs_f64() * 1e3
            )?;
            for (op, s) in &p.by_op {
                if s.counters.messages_sent > 0 || s.counters.rounds > 0 {
                    writeln!(
                        f,
                        "  {:<16} {:>12} {:>9} {:>7} {:>9.3}ms",
                        op,
                        s.counters.bytes_sent,
                        s.counters.messages_sent,
                        s.counters.rounds,
                        s.wall_time.as_secs_f64() * 1e3
                    )?;
                }
            }
        }
        Ok(())
    }
}
