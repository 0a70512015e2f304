//! A run's stats as text: the Chrome trace (one span per op per player)
//! and the table the CLI prints. Made on first request and kept in the
//! result, so the pointers stay valid until `tfe_result_free`.

use std::ffi::{CString, c_char};

use super::args;
use super::error::{ffi_boundary, tfe_status_t};
use super::handles;
use super::result::tfe_result_t;

/// The run as a Chrome trace: JSON that `chrome://tracing` and Perfetto open,
/// one row per player (of this result), one span per op with its bytes,
/// messages and rounds.
///
/// # Safety
/// `json` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_result_trace_json(result: *const tfe_result_t, json: *mut *const c_char) -> tfe_status_t {
    ffi_boundary! {
        let result = unsafe { handles::get(result, "result") }?;
        let json = args::out(json, "json")?;
        let text = result.trace.get_or_init(|| c_text(&result.stats.chrome_trace()));
        unsafe { json.write(text.as_ptr()) };
        Ok(())
    }
}

/// The stats as a table for people: one line per player (bytes sent, messages,
/// rounds, wall time), then one per op kind that communicated.
///
/// # Safety
/// `table` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_result_stats_table(
    result: *const tfe_result_t,
    table: *mut *const c_char,
) -> tfe_status_t {
    ffi_boundary! {
        let result = unsafe { handles::get(result, "result") }?;
        let table = args::out(table, "table")?;
        let text = result.table.get_or_init(|| c_text(&result.stats.to_string()));
        unsafe { table.write(text.as_ptr()) };
        Ok(())
    }
}

/// Generated text as a C string (it never holds a NUL byte; one would be dropped).
fn c_text(text: &str) -> CString {
    CString::new(text.replace('\0', "")).unwrap_or_default()
}
