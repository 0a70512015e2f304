//! A diagnostic for binding authors: a call that fails with any status on
//! request, so a binding's mapping of every status (and of the log
//! callback) can be tested without provoking real failures. The statuses
//! that mean a bug in tfe (`TFE_ERR_INTERNAL`, `TFE_ERR_PANIC`) have no
//! other path a test can take.

use std::ffi::c_int;

use super::error::{Failure, ffi_boundary, tfe_status_t};

/// Returns `status` (an `int` holding a `tfe_status_t`), with the last
/// error message `"tfe_selftest_fail: <NAME> requested by the caller"`; for
/// `TFE_OK` it succeeds. For `TFE_ERR_PANIC` the library really panics and
/// the panic boundary that guards every function turns it into the status
/// (its message says it panicked and that the panic was requested). Each
/// call also logs one record at `TFE_LOG_WARN` (target
/// `"tfe::ffi::selftest"`) naming the status, for testing a log callback.
/// Meant for tests of bindings, never needed in production.
///
/// Returns `status`, or `TFE_ERR_INVALID_ARGUMENT` for a value that is not
/// a `tfe_status_t` (the message gives the valid range).
#[unsafe(no_mangle)]
pub extern "C" fn tfe_selftest_fail(status: c_int) -> tfe_status_t {
    ffi_boundary! {
        let requested = tfe_status_t::from_int(status).ok_or_else(|| {
            let last = tfe_status_t::ALL.len() - 1;
            Failure::invalid(format!("status {status} is not a tfe_status_t, expected 0 (TFE_OK) to {last}"))
        })?;
        let name = requested.name().to_string_lossy();
        log::warn!(target: "tfe::ffi::selftest", "tfe_selftest_fail: returning {name} as requested");
        let message = format!("{name} requested by the caller");
        match requested {
            tfe_status_t::TFE_OK => Ok(()),
            // Through the real boundary, as a bug would.
            tfe_status_t::TFE_ERR_PANIC => panic!("{message}"),
            _ => Err(Failure { status: requested, message }),
        }
    }
}
