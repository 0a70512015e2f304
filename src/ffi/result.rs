//! Run results: the fetched values with their shapes, and what the run cost
//! each player.

use std::ffi::{CString, c_char};

use super::args;
use super::error::{Failure, guard, guard_void, tfe_status_t};
use crate::session::RunResult;

/// The outcome of one `tfe_session_run`: one value per fetch, in order, and
/// one stats record per player.
///
/// Thread safety: immutable; usable from any thread. Pointers obtained from
/// it stay valid until `tfe_result_free`.
pub struct tfe_result_t {
    outputs: Vec<Output>,
    players: Vec<Player>,
}

struct Output {
    values: Vec<f64>,
    shape: Vec<usize>,
}

struct Player {
    name: CString,
    stats: tfe_player_stats_t,
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
    pub(crate) fn from_run(run: RunResult) -> Self {
        let outputs = run
            .outputs
            .into_iter()
            .map(|array| Output {
                shape: array.shape().to_vec(),
                values: array.as_standard_layout().iter().copied().collect(),
            })
            .collect();
        let players = run
            .stats
            .players
            .into_iter()
            .map(|p| {
                // Player names are validated letters, digits and '-', '_', '.'.
                let name = CString::new(p.player).unwrap_or_default();
                let stats = tfe_player_stats_t {
                    name: name.as_ptr(),
                    bytes_sent: p.counters.bytes_sent,
                    wire_bytes_sent: p.counters.wire_bytes_sent,
                    messages_sent: p.counters.messages_sent,
                    rounds: p.counters.rounds,
                    wall_time_ns: u64::try_from(p.wall_time.as_nanos()).unwrap_or(u64::MAX),
                };
                // Moving the CString keeps its heap buffer, so `name` stays valid.
                Player { name, stats }
            })
            .collect();
        tfe_result_t { outputs, players }
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
/// `result` is a live result; `count` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_result_count(result: *const tfe_result_t, count: *mut usize) -> tfe_status_t {
    guard("tfe_result_count", || {
        // SAFETY: forwarded contract.
        let result = unsafe { args::handle(result, "result") }?;
        let count = args::out(count, "count")?;
        // SAFETY: checked out-param.
        unsafe { count.write(result.outputs.len()) };
        Ok(())
    })
}

/// The value of fetch `index`: `*len` doubles, row-major (0 for an
/// assignment).
///
/// Ownership: `*data` receives a pointer owned by the result, valid until
/// `tfe_result_free` (not to be read when `*len` is 0).
///
/// # Safety
/// `result` is a live result; `data` and `len` point to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_result_value(
    result: *const tfe_result_t,
    index: usize,
    data: *mut *const f64,
    len: *mut usize,
) -> tfe_status_t {
    guard("tfe_result_value", || {
        // SAFETY: forwarded contract.
        let result = unsafe { args::handle(result, "result") }?;
        let (data, len) = (args::out(data, "data")?, args::out(len, "len")?);
        let output = result.output(index)?;
        // SAFETY (both): checked out-params.
        unsafe {
            data.write(output.values.as_ptr());
            len.write(output.values.len());
        }
        Ok(())
    })
}

/// The shape of fetch `index`: `*rank` sizes.
///
/// Ownership: `*shape` receives a pointer owned by the result, valid until
/// `tfe_result_free` (not to be read when `*rank` is 0).
///
/// # Safety
/// `result` is a live result; `shape` and `rank` point to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_result_shape(
    result: *const tfe_result_t,
    index: usize,
    shape: *mut *const usize,
    rank: *mut usize,
) -> tfe_status_t {
    guard("tfe_result_shape", || {
        // SAFETY: forwarded contract.
        let result = unsafe { args::handle(result, "result") }?;
        let (shape, rank) = (args::out(shape, "shape")?, args::out(rank, "rank")?);
        let output = result.output(index)?;
        // SAFETY (both): checked out-params.
        unsafe {
            shape.write(output.shape.as_ptr());
            rank.write(output.shape.len());
        }
        Ok(())
    })
}

/// The number of players with stats in a result (every player of the graph:
/// the three servers first, then the others in order of first use).
///
/// # Safety
/// `result` is a live result; `count` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_result_player_count(result: *const tfe_result_t, count: *mut usize) -> tfe_status_t {
    guard("tfe_result_player_count", || {
        // SAFETY: forwarded contract.
        let result = unsafe { args::handle(result, "result") }?;
        let count = args::out(count, "count")?;
        // SAFETY: checked out-param.
        unsafe { count.write(result.players.len()) };
        Ok(())
    })
}

/// What the run cost player `index` (below `tfe_result_player_count`).
///
/// Ownership: `*stats` is a copy, but its `name` points into the result and
/// is valid until `tfe_result_free`.
///
/// # Safety
/// `result` is a live result; `stats` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_result_player_stats(
    result: *const tfe_result_t,
    index: usize,
    stats: *mut tfe_player_stats_t,
) -> tfe_status_t {
    guard("tfe_result_player_stats", || {
        // SAFETY: forwarded contract.
        let result = unsafe { args::handle(result, "result") }?;
        let stats = args::out(stats, "stats")?;
        let player = result.players.get(index).ok_or_else(|| {
            Failure::invalid(format!("index {index} is out of range: the result has {} players", result.players.len()))
        })?;
        debug_assert_eq!(player.stats.name, player.name.as_ptr());
        // SAFETY: checked out-param.
        unsafe { stats.write(player.stats) };
        Ok(())
    })
}

/// Frees a result and everything its accessors pointed to.
/// `tfe_result_free(NULL)` does nothing.
///
/// # Safety
/// `result` is NULL or a result from `tfe_session_run` not freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_result_free(result: *mut tfe_result_t) {
    guard_void("tfe_result_free", || {
        if !result.is_null() {
            // SAFETY: a pointer from `Box::into_raw` in `tfe_session_run`, per the contract.
            drop(unsafe { Box::from_raw(result) });
        }
    })
}
