//! Status codes, the thread-local last error, and the panic boundary that
//! every export goes through.
//!
//! Each call that returns a [`tfe_status_t`] records its outcome in a
//! thread-local slot: the status and a message (empty on success). The
//! message names the function and, for a bad argument, the parameter.

use std::cell::RefCell;
use std::ffi::{CStr, CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};

pub use super::enums::tfe_status_t;
use crate::error::Error;

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
fn record(status: tfe_status_t, message: &str) {
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

/// The panic boundary of every export: `ffi_boundary! { body }` is the whole
/// body of a `tfe_*` function. It runs `body` catching panics (whose messages
/// go to the log callback, see [`super::panics`]) and, for a body that yields
/// a `Result<(), Failure>`, records the outcome as the thread's last error and
/// returns its status; for a body that yields `()` (the `_free` functions) it
/// records only a panic. The export's name, which starts every message, is
/// taken from the function the macro stands in (the type name of an item
/// declared inside it), never written out, so it cannot drift from the
/// symbol; `tests_names` checks it for every status-returning export of the
/// header (the format of `type_name` is not a stable promise of Rust).
///
/// The safety contract of every export is the header preamble's, which each
/// function's `# Safety` section details: a pointer argument is NULL or
/// points to what its type and documentation say (a live handle that no
/// other thread frees during the call, `len` readable or writable values, a
/// NUL-terminated string, a function that does not unwind); what can be
/// checked (NULL, alignment, a freed handle or one of another type, UTF-8) is
/// checked and becomes a status. An `unsafe` block in an export, or in a
/// helper whose `# Safety` section refers to the exports' contract, relies on
/// this contract and nothing else; one that relies on more says so in a
/// `// SAFETY:` comment.
macro_rules! ffi_boundary {
    ($($body:tt)*) => {{
        // Declared inside the export: its type name is "<module path>::<export>::here".
        fn here() {}
        $crate::ffi::error::boundary(::std::any::type_name_of_val(&here), || { $($body)* })
    }};
}

pub(crate) use ffi_boundary;

/// What a body under [`ffi_boundary!`] yields, and what the export returns.
pub(crate) trait Exit {
    /// The export's return type.
    type Returns;
    /// The export's return value for a body that finished (records it);
    /// `here` is the item [`ffi_boundary!`] declares, named only on failure.
    fn finish(self, here: &'static str) -> Self::Returns;
    /// The export's return value after a panic (already recorded).
    fn panicked() -> Self::Returns;
}

impl Exit for Result<(), Failure> {
    type Returns = tfe_status_t;

    fn finish(self, here: &'static str) -> tfe_status_t {
        match self {
            Ok(()) => {
                record(tfe_status_t::TFE_OK, "");
                tfe_status_t::TFE_OK
            }
            Err(failure) => {
                record(failure.status, &format!("{}: {}", export_name(here), failure.message));
                failure.status
            }
        }
    }

    fn panicked() -> tfe_status_t {
        tfe_status_t::TFE_ERR_PANIC
    }
}

/// The `_free` functions return nothing; only a panic is recorded.
impl Exit for () {
    type Returns = ();

    fn finish(self, _: &'static str) {}

    fn panicked() {}
}

/// Runs the body of the export whose item `here` is declared in (see
/// [`ffi_boundary!`], which is how exports call it).
pub(crate) fn boundary<E: Exit>(here: &'static str, body: impl FnOnce() -> E) -> E::Returns {
    match catch_unwind(AssertUnwindSafe(|| super::panics::inside(body))) {
        Ok(exit) => exit.finish(here),
        Err(payload) => {
            record(
                tfe_status_t::TFE_ERR_PANIC,
                &format!(
                    "{}: panicked (a bug in tfe, please report it): {}",
                    export_name(here),
                    panic_message(&*payload)
                ),
            );
            E::panicked()
        }
    }
}

/// The export's name from the type name of the item `ffi_boundary!` declares
/// in it: `"tfe::ffi::ops::tfe_add::here"` gives `"tfe_add"`.
fn export_name(here: &str) -> &str {
    let path = here.strip_suffix("::here").unwrap_or(here);
    path.rsplit("::").next().unwrap_or(path)
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

/// The name of a status code (`"TFE_OK"`, `"TFE_ERR_TIMEOUT"`, ...), or
/// `"TFE_UNKNOWN_STATUS"` for a value that is not a status. Takes an `int`
/// so that any value a caller holds is safe to pass.
///
/// Ownership: the string is static; do not free it. Thread safety: any
/// thread; does not change the last error.
#[unsafe(no_mangle)]
pub extern "C" fn tfe_status_name(status: std::ffi::c_int) -> *const c_char {
    tfe_status_t::from_int(status).map_or(c"TFE_UNKNOWN_STATUS", tfe_status_t::name).as_ptr()
}

/// The status table beside the enum (which cbindgen must read as written):
/// every variant once, in the order of value. The names and the conversion
/// from an `int` come from this one list; the compiler checks it against the
/// enum (the match in `name` is exhaustive, and the list's order is the
/// values' order, asserted below), so a new status is added to both or the
/// crate does not build.
macro_rules! status_table {
    ($($status:ident),* $(,)?) => {
        impl tfe_status_t {
            /// Every status, in the order of value (0, 1, ...).
            pub(crate) const ALL: &[tfe_status_t] = &[$(tfe_status_t::$status),*];

            /// The C name of the status.
            pub(crate) const fn name(self) -> &'static CStr {
                match self {
                    $(tfe_status_t::$status => {
                        const { match CStr::from_bytes_with_nul(concat!(stringify!($status), "\0").as_bytes()) {
                            Ok(name) => name,
                            Err(_) => panic!("a status name holds a NUL byte"),
                        } }
                    })*
                }
            }
        }
    };
}

status_table!(
    TFE_OK,
    TFE_ERR_INVALID_ARGUMENT,
    TFE_ERR_CONFIG,
    TFE_ERR_NETWORK,
    TFE_ERR_TIMEOUT,
    TFE_ERR_PROTOCOL,
    TFE_ERR_ABORTED,
    TFE_ERR_INTERNAL,
    TFE_ERR_PANIC,
    TFE_ERR_NULL_POINTER,
    TFE_ERR_OUT_OF_RANGE,
);

// The list is in the order of value, without gaps: `ALL[i]` has value `i`.
const _: () = {
    let mut i = 0;
    while i < tfe_status_t::ALL.len() {
        assert!(tfe_status_t::ALL[i] as usize == i, "status_table! lists the statuses out of the order of value");
        i += 1;
    }
};

impl tfe_status_t {
    /// The status with value `value`, if there is one.
    pub(crate) fn from_int(value: std::ffi::c_int) -> Option<Self> {
        usize::try_from(value).ok().and_then(|i| Self::ALL.get(i)).copied()
    }
}
