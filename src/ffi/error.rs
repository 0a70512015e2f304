//! Status codes, the thread-local last error, and the panic boundary that
//! every export goes through.
//!
//! Each call that returns a [`tfe_status_t`] records its outcome in a
//! thread-local slot: the status and a message (empty on success). The
//! message names the function and, for a bad argument, the parameter.

use std::cell::RefCell;
use std::ffi::{CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::error::Error;

/// The outcome of a fallible call: `TFE_OK` (zero) or the kind of failure.
/// The detailed message is `tfe_last_error_message()`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum tfe_status_t {
    /// Success.
    TFE_OK = 0,
    /// A caller passed something unusable: a shape, a value out of the
    /// fixed-point range, a player name, a tensor of another context, a
    /// string that is not UTF-8; or an input callback failed.
    TFE_ERR_INVALID_ARGUMENT = 1,
    /// A configuration (fixed point, session options) is inconsistent.
    TFE_ERR_CONFIG = 2,
    /// A connection to a player failed or closed; the message names the player.
    TFE_ERR_NETWORK = 3,
    /// A player sent nothing within the receive timeout; the message names it.
    TFE_ERR_TIMEOUT = 4,
    /// A player sent something malformed or ran a different graph.
    TFE_ERR_PROTOCOL = 5,
    /// Another player gave up on the run; the message names it and says why.
    TFE_ERR_ABORTED = 6,
    /// A bug in tfe: an invariant did not hold.
    TFE_ERR_INTERNAL = 7,
    /// A bug in tfe: the library panicked. The panic was caught; the objects
    /// the call used may be in an unexpected state, the process is not harmed.
    TFE_ERR_PANIC = 8,
    /// A required pointer argument was NULL; the message names the parameter.
    TFE_ERR_NULL_POINTER = 9,
    /// A revealed result left the fixed-point range (the computation
    /// overflowed); the message names the fetch and counts its bad values.
    TFE_ERR_OUT_OF_RANGE = 10,
}

impl From<&Error> for tfe_status_t {
    fn from(error: &Error) -> Self {
        match error {
            Error::InvalidArgument(_) | Error::InvalidInput { .. } => tfe_status_t::TFE_ERR_INVALID_ARGUMENT,
            Error::Config(_) => tfe_status_t::TFE_ERR_CONFIG,
            Error::Network { .. } => tfe_status_t::TFE_ERR_NETWORK,
            Error::Timeout { .. } => tfe_status_t::TFE_ERR_TIMEOUT,
            Error::Protocol { .. } => tfe_status_t::TFE_ERR_PROTOCOL,
            Error::Aborted { .. } => tfe_status_t::TFE_ERR_ABORTED,
            Error::Internal(_) => tfe_status_t::TFE_ERR_INTERNAL,
            Error::OutOfRange(_) => tfe_status_t::TFE_ERR_OUT_OF_RANGE,
        }
    }
}

/// Why an export failed: a status and its message (without the function name).
#[derive(Debug)]
pub(crate) struct Failure {
    pub status: tfe_status_t,
    pub message: String,
}

impl Failure {
    /// A required pointer parameter was NULL.
    pub fn null(param: &str) -> Self {
        Failure {
            status: tfe_status_t::TFE_ERR_NULL_POINTER,
            message: format!("parameter '{param}' is NULL, expected a valid pointer"),
        }
    }

    /// An unusable argument.
    pub fn invalid(message: impl Into<String>) -> Self {
        Failure { status: tfe_status_t::TFE_ERR_INVALID_ARGUMENT, message: message.into() }
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure { status: tfe_status_t::from(&error), message: error.to_string() }
    }
}

struct LastError {
    status: tfe_status_t,
    message: CString,
}

thread_local! {
    static LAST_ERROR: RefCell<LastError> = RefCell::new(LastError {
        status: tfe_status_t::TFE_OK,
        message: CString::default(),
    });
}

/// Records the outcome of a call on this thread.
fn record(status: tfe_status_t, message: String) {
    // A message never holds a NUL byte, but a caller's string might have been
    // quoted into it; replace rather than lose the message.
    let message = CString::new(message.replace('\0', "\u{FFFD}")).unwrap_or_default();
    // During thread teardown the slot may be gone; there is nobody to tell then.
    let _ = LAST_ERROR.try_with(|slot| {
        if let Ok(mut slot) = slot.try_borrow_mut() {
            *slot = LastError { status, message };
        }
    });
}

/// Runs the body of an export: catches panics (whose messages go to the log
/// callback, see [`super::panics`]), records the outcome as the thread's
/// last error, and returns the status.
pub(crate) fn guard(function: &str, body: impl FnOnce() -> Result<(), Failure>) -> tfe_status_t {
    let failure = match catch_unwind(AssertUnwindSafe(|| super::panics::inside(body))) {
        Ok(Ok(())) => {
            record(tfe_status_t::TFE_OK, String::new());
            return tfe_status_t::TFE_OK;
        }
        Ok(Err(failure)) => failure,
        Err(payload) => Failure {
            status: tfe_status_t::TFE_ERR_PANIC,
            message: format!("panicked (a bug in tfe, please report it): {}", panic_message(&*payload)),
        },
    };
    let status = failure.status;
    record(status, format!("{function}: {}", failure.message));
    status
}

/// Runs the body of an export that returns nothing (the `_free` functions):
/// a panic is caught and recorded as the last error, nothing else is.
pub(crate) fn guard_void(function: &str, body: impl FnOnce()) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(|| super::panics::inside(body))) {
        record(
            tfe_status_t::TFE_ERR_PANIC,
            format!("{function}: panicked (a bug in tfe, please report it): {}", panic_message(&*payload)),
        );
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(no message)".to_string()
    }
}

/// The message of the last call on this thread that returned a
/// `tfe_status_t`: empty after a success, never NULL. It names the function
/// and, for a bad argument, the parameter, and says what was expected and
/// what was found.
///
/// Ownership: the string belongs to the library; do not free it. It stays
/// valid until the next `tfe_*` call on this thread; copy it to keep it.
///
/// Thread safety: the last error is per OS thread. Bindings whose code can
/// move between OS threads (Go goroutines) must read it on the thread that
/// made the failing call, before anything else runs there
/// (`runtime.LockOSThread` around the call and the read).
#[unsafe(no_mangle)]
pub extern "C" fn tfe_last_error_message() -> *const c_char {
    static EMPTY: &[u8] = b"\0";
    catch_unwind(|| LAST_ERROR.try_with(|slot| slot.try_borrow().map(|s| s.message.as_ptr()).ok()).ok().flatten())
        .ok()
        .flatten()
        .unwrap_or(EMPTY.as_ptr().cast())
}

/// The status of the last call on this thread that returned a
/// `tfe_status_t` (`TFE_OK` after a success or before any call).
///
/// Thread safety: per OS thread, as `tfe_last_error_message`.
#[unsafe(no_mangle)]
pub extern "C" fn tfe_last_error_status() -> tfe_status_t {
    catch_unwind(|| LAST_ERROR.try_with(|slot| slot.try_borrow().map(|s| s.status).ok()).ok().flatten())
        .ok()
        .flatten()
        .unwrap_or(tfe_status_t::TFE_OK)
}

/// The name of a status code ("TFE_OK", "TFE_ERR_TIMEOUT", ...), or
/// "TFE_UNKNOWN_STATUS" for a value that is not a status. Takes an `int`
/// so that any value a caller holds is safe to pass.
///
/// Ownership: the string is static; do not free it. Thread safety: any
/// thread; does not change the last error.
#[unsafe(no_mangle)]
pub extern "C" fn tfe_status_name(status: std::ffi::c_int) -> *const c_char {
    usize::try_from(status).ok().and_then(|i| STATUS_NAMES.get(i)).unwrap_or(&"TFE_UNKNOWN_STATUS\0").as_ptr().cast()
}

/// The names of the statuses, indexed by value (checked by a unit test).
pub(crate) const STATUS_NAMES: [&str; 11] = [
    "TFE_OK\0",
    "TFE_ERR_INVALID_ARGUMENT\0",
    "TFE_ERR_CONFIG\0",
    "TFE_ERR_NETWORK\0",
    "TFE_ERR_TIMEOUT\0",
    "TFE_ERR_PROTOCOL\0",
    "TFE_ERR_ABORTED\0",
    "TFE_ERR_INTERNAL\0",
    "TFE_ERR_PANIC\0",
    "TFE_ERR_NULL_POINTER\0",
    "TFE_ERR_OUT_OF_RANGE\0",
];
