//! Run results: the fetched values with their shapes, and what the run cost
//! each player.

use std::ffi::{CString, c_char};
use std::sync::OnceLock;

use super::args;
use super::error::{Failure, ffi_boundary, tfe_status_t};
use super::handles;
use crate::session::{PartyRun, PlayerStats, RunResult, RunStats};

/// The outcome of one `tfe_session_run` (or `tfe_party_run`): one value
/// per fetch, in order, and one stats record per player (a party's result
/// has its own player's only). `tfe_predictor_last_stats` gives one with
/// stats and no values.
///
/// Thread safety: immutable; usable from any thread. Pointers obtained from
/// it stay valid until `tfe_result_free`.
pub struct tfe_result_t {
    outputs: Vec<Output>,
    players: Vec<Player>,
    /// The stats as the Rust API has them, for the trace and the table
    /// (`super::report`).
    pub(super) stats: RunStats,
    /// Made on first request: most callers never ask.
    pub(super) trace: OnceLock<CString>,
    pub(super) table: OnceLock<CString>,
}

handles::registered!(tfe_result_t);

struct Output {
    /// `None` where this player does not learn the value (a deployed party).
    values: Option<Vec<f64>>,
    shape: Vec<usize>,
}

struct Player {
    name: CString,
    stats: tfe_player_stats_t,
    /// Per op kind; each `tfe_op_stats_t::name` points into `op_names`.
    ops: Vec<tfe_op_stats_t>,
    #[allow(dead_code, reason = "owns the strings that the `name` of each op's stats points to")]
    op_names: Vec<CString>,
}

/// What the ops of one kind cost one player in one run.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct tfe_op_stats_t {
    /// The op kind ("matmul", "reveal", "input", ...), NUL-terminated, owned
    /// by the result.
    pub name: *const c_char,
    /// How many ops of this kind ran at the player.
    pub count: u64,
    /// Payload bytes sent by these ops.
    pub bytes_sent: u64,
    /// Bytes sent including frame headers.
    pub wire_bytes_sent: u64,
    /// Messages (frames) sent.
    pub messages_sent: u64,
    /// Communication rounds.
    pub rounds: u64,
    /// Wall time spent in these ops, in ns.
    pub wall_time_ns: u64,
}

/// What one run cost one player.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct tfe_player_stats_t {
    /// The player's name, NUL-terminated, owned by the result.
    pub name: *const c_char,
    /// Payload bytes sent (share data, without framing).
    pub bytes_sent: u64,
    /// Bytes sent including frame headers.
    pub wire_bytes_sent: u64,
    /// Messages (frames) sent.
    pub messages_sent: u64,
    /// Communication rounds the player took part in.
    pub rounds: u64,
    /// Wall time from the start of the run to the player's last result, in ns.
    pub wall_time_ns: u64,
}

impl tfe_result_t {
    /// The result of a local run: every value and every player's stats.
    pub(crate) fn from_run(run: RunResult) -> Self {
        let outputs = run
            .outputs
            .into_iter()
            .map(|array| Output { shape: array.shape().to_vec(), values: Some(flat(&array)) })
            .collect();
        let players = run.stats.players.iter().map(player).collect();
        tfe_result_t { outputs, players, stats: run.stats, trace: OnceLock::new(), table: OnceLock::new() }
    }

    /// The result of a deployed party's run: the values this player learned
    /// (`shapes` are the fetches' shapes) and its own stats.
    pub(crate) fn from_party_run(run: PartyRun, shapes: Vec<Vec<usize>>) -> Self {
        let outputs = run
            .outputs
            .into_iter()
            .zip(shapes)
            .map(|(array, shape)| Output { values: array.as_ref().map(flat), shape })
            .collect();
        let players = vec![player(&run.stats)];
        let stats = RunStats { players: vec![run.stats] };
        tfe_result_t { outputs, players, stats, trace: OnceLock::new(), table: OnceLock::new() }
    }

    /// A result without values holding `stats` (a predictor's last stats).
    pub(crate) fn from_stats(stats: RunStats) -> Self {
        let players = stats.players.iter().map(player).collect();
        tfe_result_t { outputs: Vec::new(), players, stats, trace: OnceLock::new(), table: OnceLock::new() }
    }

    fn player(&self, index: usize) -> Result<&Player, Failure> {
        self.players.get(index).ok_or_else(|| {
            Failure::invalid(format!("index {index} is out of range: the result has {} players", self.players.len()))
        })
    }

    fn output(&self, index: usize) -> Result<&Output, Failure> {
        self.outputs.get(index).ok_or_else(|| {
            Failure::invalid(format!("index {index} is out of range: the result has {} values", self.outputs.len()))
        })
    }
}

/// The number of values in a result (the number of fetches of the run).
///
/// # Safety
/// `count` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_result_count(result: *const tfe_result_t, count: *mut usize) -> tfe_status_t {
    ffi_boundary! { unsafe { args::read(result, "result", count, "count", |result| result.outputs.len()) } }
}

/// The value of fetch `index`: `*len` doubles, row-major (0 for an assignment).
/// Returns `TFE_ERR_INVALID_ARGUMENT` (`index` out of range; in a deployed
/// party's result, a fetch revealed to another player).
///
/// # Safety
/// `data` and `len` point to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_result_value(
    result: *const tfe_result_t,
    index: usize,
    data: *mut *const f64,
    len: *mut usize,
) -> tfe_status_t {
    ffi_boundary! {
        let result = unsafe { handles::get(result, "result") }?;
        let data = args::out_slice(data, "data", len, "len")?;
        let output = result.output(index)?;
        let values = output.values.as_ref().ok_or_else(|| {
            Failure::invalid(format!("fetch {index} is not revealed to this player, so it has no value here"))
        })?;
        unsafe { data.write(values) };
        Ok(())
    }
}

/// The shape of fetch `index`: `*rank` sizes. Returns
/// `TFE_ERR_INVALID_ARGUMENT` (`index` out of range).
///
/// # Safety
/// `shape` and `rank` point to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_result_shape(
    result: *const tfe_result_t,
    index: usize,
    shape: *mut *const usize,
    rank: *mut usize,
) -> tfe_status_t {
    ffi_boundary! {
        let result = unsafe { handles::get(result, "result") }?;
        let shape = args::out_slice(shape, "shape", rank, "rank")?;
        let output = result.output(index)?;
        unsafe { shape.write(&output.shape) };
        Ok(())
    }
}

/// The number of players with stats in a result (every player of the graph: the
/// three servers first, then the others in order of first use).
///
/// # Safety
/// `count` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_result_player_count(result: *const tfe_result_t, count: *mut usize) -> tfe_status_t {
    ffi_boundary! { unsafe { args::read(result, "result", count, "count", |result| result.players.len()) } }
}

/// What the run cost player `index` (below `tfe_result_player_count`). Returns
/// `TFE_ERR_INVALID_ARGUMENT` (`index` out of range).
///
/// Ownership: `*stats` is a copy, but its `name` points into the result and
/// is valid until `tfe_result_free`.
///
/// # Safety
/// `stats` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_result_player_stats(
    result: *const tfe_result_t,
    index: usize,
    stats: *mut tfe_player_stats_t,
) -> tfe_status_t {
    ffi_boundary! {
        let result = unsafe { handles::get(result, "result") }?;
        let stats = args::out(stats, "stats")?;
        let player = result.player(index)?;
        debug_assert_eq!(player.stats.name, player.name.as_ptr());
        unsafe { stats.write(player.stats) };
        Ok(())
    }
}

/// The index (for `tfe_result_player_stats` and `tfe_result_op_stats`) of the
/// player called `name`. Returns `TFE_ERR_INVALID_ARGUMENT` (an unknown player,
/// the message listing the players of the run).
///
/// # Safety
/// `name` is a NUL-terminated string; `index` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_result_player_index(
    result: *const tfe_result_t,
    name: *const c_char,
    index: *mut usize,
) -> tfe_status_t {
    ffi_boundary! {
        let result = unsafe { handles::get(result, "result") }?;
        let name = unsafe { args::string(name, "name") }?;
        let index = args::out(index, "index")?;
        let found = result.players.iter().position(|p| p.name.to_bytes() == name.as_bytes()).ok_or_else(|| {
            let names: Vec<_> = result.players.iter().map(|p| p.name.to_string_lossy()).collect();
            Failure::invalid(format!("unknown player '{name}': expected one of {}", names.join(", ")))
        })?;
        unsafe { index.write(found) };
        Ok(())
    }
}

/// The number of op kinds that ran at player number `player`. Returns
/// `TFE_ERR_INVALID_ARGUMENT` (`player` out of range).
///
/// # Safety
/// `count` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_result_op_count(
    result: *const tfe_result_t,
    player: usize,
    count: *mut usize,
) -> tfe_status_t {
    ffi_boundary! {
        let result = unsafe { handles::get(result, "result") }?;
        let count = args::out(count, "count")?;
        let player = result.player(player)?;
        unsafe { count.write(player.ops.len()) };
        Ok(())
    }
}

/// What the ops of kind number `op` (below `tfe_result_op_count`, in the order
/// of their names) cost player number `player`. Returns
/// `TFE_ERR_INVALID_ARGUMENT` (an index out of range).
///
/// Ownership: `*stats` is a copy, but its `name` points into the result and
/// is valid until `tfe_result_free`.
///
/// # Safety
/// `stats` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_result_op_stats(
    result: *const tfe_result_t,
    player: usize,
    op: usize,
    stats: *mut tfe_op_stats_t,
) -> tfe_status_t {
    ffi_boundary! {
        let result = unsafe { handles::get(result, "result") }?;
        let stats = args::out(stats, "stats")?;
        let player = result.player(player)?;
        let found = player.ops.get(op).ok_or_else(|| {
            Failure::invalid(format!(
                "op index {op} is out of range: player '{}' ran {} op kinds",
                player.name.to_string_lossy(),
                player.ops.len()
            ))
        })?;
        unsafe { stats.write(*found) };
        Ok(())
    }
}

/// One player's stats, with the strings they point to.
fn player(p: &PlayerStats) -> Player {
    // Player names are validated letters, digits and '-', '_', '.'.
    let name = CString::new(p.player.as_str()).unwrap_or_default();
    let stats = tfe_player_stats_t {
        name: name.as_ptr(),
        bytes_sent: p.counters.bytes_sent,
        wire_bytes_sent: p.counters.wire_bytes_sent,
        messages_sent: p.counters.messages_sent,
        rounds: p.counters.rounds,
        wall_time_ns: nanos(p.wall_time),
    };
    let op_names: Vec<CString> = p.by_op.keys().map(|op| CString::new(*op).unwrap_or_default()).collect();
    let ops = p
        .by_op
        .values()
        .zip(&op_names)
        .map(|(s, name)| tfe_op_stats_t {
            name: name.as_ptr(),
            count: s.count,
            bytes_sent: s.counters.bytes_sent,
            wire_bytes_sent: s.counters.wire_bytes_sent,
            messages_sent: s.counters.messages_sent,
            rounds: s.counters.rounds,
            wall_time_ns: nanos(s.wall_time),
        })
        .collect();
    // Moving a CString (or the Vec holding it) keeps its heap
    // buffer, so the `name` pointers stay valid.
    Player { name, stats, ops, op_names }
}

fn flat(array: &ndarray::ArrayD<f64>) -> Vec<f64> {
    array.as_standard_layout().iter().copied().collect()
}

fn nanos(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

/// Frees a result and everything its accessors pointed to.
/// `tfe_result_free(NULL)` does nothing.
///
/// # Safety
/// No other thread is using `result`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_result_free(result: *mut tfe_result_t) {
    ffi_boundary! { drop(handles::unregister(result)) }
}
