//! Log messages to the host: the library never prints; it logs through the
//! `log` facade, and a C host can receive those records with a callback.
//! (A Rust host installs its own `log` logger instead.)

use std::ffi::{CString, c_char, c_int, c_void};
use std::sync::RwLock;

pub use super::enums::tfe_log_level_t;
use super::error::{Failure, ffi_boundary, tfe_status_t};

/// Receives one log record: `level` (a `tfe_log_level_t`), `target` (the
/// library module, e.g. `"tfe::net::tcp"`) and `message`, both NUL-terminated
/// and valid only during the call. Called on any library thread, possibly
/// on several at once; it must not unwind and must not call
/// `tfe_set_log_callback`.
pub type tfe_log_fn =
    Option<unsafe extern "C" fn(user_data: *mut c_void, level: c_int, target: *const c_char, message: *const c_char)>;

/// The installed callback and its user data (as an address, to be `Sync`).
type Sink = (unsafe extern "C" fn(*mut c_void, c_int, *const c_char, *const c_char), usize);

static SINK: RwLock<Option<Sink>> = RwLock::new(None);

struct CallbackLogger;

static LOGGER: CallbackLogger = CallbackLogger;

impl log::Log for CallbackLogger {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }

    fn log(&self, record: &log::Record) {
        let Ok(sink) = SINK.read() else { return };
        let Some((callback, user_data)) = *sink else { return };
        // Messages and targets hold no NUL bytes; drop one rather than the record.
        let c = |s: String| CString::new(s.replace('\0', "")).unwrap_or_default();
        let (target, message) = (c(record.target().to_string()), c(record.args().to_string()));
        let level = record.level() as c_int; // Error = 1 ... Trace = 5, as tfe_log_level_t
        // SAFETY: the host promised a valid callback that tolerates any thread.
        unsafe { callback(user_data as *mut c_void, level, target.as_ptr(), message.as_ptr()) };
    }

    fn flush(&self) {}
}

/// Sends the library's log records up to `max_level` (a `tfe_log_level_t`;
/// 0 turns logging off) to `callback` with `user_data`; a NULL `callback`
/// turns logging off. Replaces any previous callback. A panic inside the
/// library arrives here too (target `"tfe::panic"`, `TFE_LOG_ERROR`, with a
/// backtrace when `RUST_BACKTRACE` asks for one), never on stderr.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (`max_level` above `TFE_LOG_TRACE` or
/// negative) or `TFE_ERR_CONFIG` (the process has another `log` logger, as
/// a Rust host may).
///
/// Ownership: `user_data` stays the caller's and must stay valid until the
/// callback is replaced or turned off.
///
/// Thread safety: any thread; not from inside the callback.
///
/// # Safety
/// `callback` is NULL or a valid function that does not unwind and can be
/// called from any thread with `user_data`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_set_log_callback(
    callback: tfe_log_fn,
    user_data: *mut c_void,
    max_level: c_int,
) -> tfe_status_t {
    ffi_boundary! {
        let filter = match max_level {
            0 => log::LevelFilter::Off,
            1 => log::LevelFilter::Error,
            2 => log::LevelFilter::Warn,
            3 => log::LevelFilter::Info,
            4 => log::LevelFilter::Debug,
            5 => log::LevelFilter::Trace,
            other => {
                return Err(Failure::invalid(format!("max_level {other}: expected 0 (off) to 5 (TFE_LOG_TRACE)")));
            }
        };
        // Installing twice is fine; a logger that is not ours is not.
        if log::set_logger(&LOGGER).is_err() && !std::ptr::addr_eq(log::logger(), &raw const LOGGER) {
            return Err(crate::Error::config("another `log` logger is installed in this process").into());
        }
        let mut sink = SINK.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        *sink = callback.map(|f| (f, user_data as usize));
        log::set_max_level(if sink.is_some() { filter } else { log::LevelFilter::Off });
        Ok(())
    }
}
