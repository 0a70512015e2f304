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
    /// Bytes, messages and rounds these nodes sent.
    pub counters: Counters,
    /// Time spent in these nodes.
    pub wall_time: Duration,
}

/// One player's cost of one run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlayerStats {
    /// The player's name.
    pub player: String,
    /// Everything this player sent during the run.
    pub counters: Counters,
    /// From the start of the run to this player's last result.
    pub wall_time: Duration,
    /// The same, split by op kind (`matmul`, `reveal`, ...).
    pub by_op: BTreeMap<&'static str, OpStats>,
    /// Every node this player ran, in order: the material of a trace.
    pub spans: Vec<OpSpan>,
}

/// One node run by one player.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpSpan {
    /// The node's index in the graph.
    pub node: u32,
    /// The op's name (as in `by_op`).
    pub op: &'static str,
    /// From the start of the player's run.
    pub start: Duration,
    /// How long the node took.
    pub duration: Duration,
    /// What the node sent.
    pub counters: Counters,
}

/// Every player's cost of one run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunStats {
    /// One entry per player, in the graph's player order.
    pub players: Vec<PlayerStats>,
}

impl RunStats {
    /// The stats of the named player.
    pub fn player(&self, name: &str) -> Option<&PlayerStats> {
        self.players.iter().find(|p| p.player == name)
    }

    /// The run as a Chrome trace (the JSON `chrome://tracing` and Perfetto
    /// open): one row per player, one span per op with its bytes, messages
    /// and rounds, so a picture shows where the rounds go.
    pub fn chrome_trace(&self) -> String {
        let mut events = Vec::new();
        for (pid, p) in self.players.iter().enumerate() {
            events.push(format!(
                "{{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":{pid},\"args\":{{\"name\":{}}}}}",
                serde_json::to_string(&p.player).unwrap_or_default()
            ));
            for s in &p.spans {
                events.push(format!(
                    "{{\"name\":\"{}\",\"cat\":\"op\",\"ph\":\"X\",\"pid\":{pid},\"tid\":0,\"ts\":{:.3},\"dur\":{:.3},\
                     \"args\":{{\"node\":{},\"bytes_sent\":{},\"messages_sent\":{},\"rounds\":{}}}}}",
                    s.op,
                    s.start.as_secs_f64() * 1e6,
                    s.duration.as_secs_f64() * 1e6,
                    s.node,
                    s.counters.bytes_sent,
                    s.counters.messages_sent,
                    s.counters.rounds
                ));
            }
        }
        format!("{{\"traceEvents\":[\n{}\n]}}\n", events.join(",\n"))
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
