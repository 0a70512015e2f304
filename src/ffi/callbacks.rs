//! What a context gives its inputs and variables at their owners: the C
//! input callbacks, with the message a failing callback may leave
//! (`tfe_input_set_error`), and the initial values of private variables,
//! which the context keeps and the graph never holds. Each callback runs in
//! a frame of this thread's stack, which knows whose run it serves, so a
//! callback that calls back into that run's session or party is refused
//! instead of waiting for itself (`Runner`).

use std::cell::RefCell;
use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::error::{Failure, ffi_boundary, tfe_status_t};
use crate::error::{Error, Result};
use crate::ring::shape::numel;
use crate::session::{Provider, ProviderRequest, feeds::values_provider};

/// Produces the values of a private input at its owner. Called once per run
/// that needs the input, with the `user_data` given at definition, the
/// input's name and shape (`rank` sizes), and `out`, a zeroed buffer of
/// `len` doubles to fill row-major. Returns 0 (`TFE_OK`) on success; any
/// other value fails the run, with the message the callback left with
/// `tfe_input_set_error`, if any. It must not unwind (no C++ exception or
/// longjmp may leave it). It must not run, or reset the variables of, the
/// session or party whose run called it: that run waits for the callback,
/// so `tfe_session_run`, `tfe_session_run_with_feeds`,
/// `tfe_session_reset_variables` and `tfe_party_run` of it return
/// `TFE_ERR_INVALID_ARGUMENT` there instead of waiting for themselves. Nor
/// may it free that session or party.
///
/// It runs on the thread of the input's owner player: in a local session,
/// the library thread named `tfe-<owner>`, which for an input a server owns
/// is that server's thread (`tfe-server1` computes nothing else meanwhile);
/// in a deployment, the thread that called `tfe_party_run` at the owner.
///
/// A callback that takes long holds only its owner: the other players wait
/// `recv_timeout_ms` for the owner's shares, then give up and fail the run
/// with `TFE_ERR_TIMEOUT` naming the owner. `tfe_session_run` returns that
/// status once the callback has returned too: no callback runs after the
/// run that called it has returned, so `user_data` may be freed then (a
/// callback that never returns keeps `tfe_session_run` from returning).
pub type tfe_input_fn = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        name: *const c_char,
        shape: *const usize,
        rank: usize,
        out: *mut f64,
        len: usize,
    ) -> c_int,
>;

/// The function of a non-null `tfe_input_fn`.
type ProvideFn = unsafe extern "C" fn(*mut c_void, *const c_char, *const usize, usize, *mut f64, usize) -> c_int;

/// Longest message a callback can leave, in bytes; the rest is cut.
const MAX_MESSAGE_BYTES: usize = 4096;

thread_local! {
    /// The input callbacks running on this thread, innermost last: a
    /// callback may run a party, whose callbacks then run on this thread
    /// too. Each frame knows whose run it serves and keeps the message the
    /// callback left (`tfe_input_set_error`).
    static CALLBACKS: RefCell<Vec<Frame>> = const { RefCell::new(Vec::new()) };
}

/// One input callback running on this thread.
struct Frame {
    runner: Runner,
    message: Option<String>,
}

/// A session or party, as the input callbacks of its runs know it: a number
/// unique in the process, so that a call from inside a callback can tell
/// the runner whose run is waiting for that callback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Runner(u64);

impl Runner {
    /// A runner no other session or party of the process is.
    pub(crate) fn fresh() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        Runner(NEXT.fetch_add(1, Ordering::Relaxed))
    }

    /// Refuses `call` on this runner (`what`: "session" or "party") from
    /// inside an input callback of its own run: the run holds the runner and
    /// waits for the callback, so the call would wait for itself.
    pub(crate) fn refuse_from_own_callback(self, call: &str, what: &str) -> Result<(), Failure> {
        if CALLBACKS.with(|frames| frames.borrow().iter().any(|frame| frame.runner == self)) {
            return Err(Failure::invalid(format!(
                "{call} was called from an input callback of this {what}'s own run, which waits for the \
                 callback: expected the call after that run returns"
            )));
        }
        Ok(())
    }
}

/// The frame of the callback running on this thread, from its call to its
/// return: `message` takes what the callback left, and dropping it (also
/// when unwinding) pops the frame.
struct Running;

impl Running {
    /// Pushes the frame of a callback of `runner`'s run.
    fn enter(runner: Runner) -> Running {
        CALLBACKS.with(|frames| frames.borrow_mut().push(Frame { runner, message: None }));
        Running
    }

    /// The message the callback left, as it returns.
    fn message(self) -> Option<String> {
        let message = CALLBACKS.with(|frames| frames.borrow_mut().last_mut().and_then(|frame| frame.message.take()));
        drop(self); // pops the frame
        message
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        CALLBACKS.with(|frames| frames.borrow_mut().pop());
    }
}

/// An input callback with its user data, callable from the owner's thread.
#[derive(Clone, Copy)]
pub(crate) struct InputCallback {
    provide: ProvideFn,
    user_data: *mut c_void,
}

// SAFETY: the caller of `tfe_define_private_input` promises that `provide`
// and `user_data` may be used from library threads.
unsafe impl Send for InputCallback {}
// SAFETY: as for `Send`: the pair is only ever called, never changed, and the
// caller promises the callback tolerates calls from library threads.
unsafe impl Sync for InputCallback {}

impl InputCallback {
    pub fn new(provide: ProvideFn, user_data: *mut c_void) -> Self {
        InputCallback { provide, user_data }
    }

    /// Calls the callback for `request` in a run of `runner`.
    fn call(&self, runner: Runner, request: &ProviderRequest) -> Result<Vec<f64>> {
        let len = numel(request.shape);
        // The caller chose the shape: a buffer the host cannot hold is an
        // error naming the input, not an abort.
        let mut values = Vec::new();
        values.try_reserve_exact(len).map_err(|_| {
            Error::invalid(format!(
                "input '{}': cannot allocate {len} values ({} bytes) for its callback",
                request.name,
                len.saturating_mul(8)
            ))
        })?;
        values.resize(len, 0.0);
        let name = CString::new(request.name).map_err(|_| Error::internal("an input name holds a NUL byte"))?;
        let running = Running::enter(runner);
        // SAFETY: every pointer is valid for the call; the callback's own
        // validity is the contract of `tfe_define_private_input`.
        let code = unsafe {
            (self.provide)(
                self.user_data,
                name.as_ptr(),
                request.shape.as_ptr(),
                request.shape.len(),
                values.as_mut_ptr(),
                len,
            )
        };
        let message = running.message();
        match (code, message) {
            (0, _) => Ok(values),
            (code, Some(message)) => Err(Error::invalid(format!("the input callback returned {code}: {message}"))),
            (code, None) => Err(Error::invalid(format!(
                "the input callback returned {code} (expected 0 = TFE_OK) and left no message \
                 (tfe_input_set_error)"
            ))),
        }
    }
}

/// What a context gives an input or variable at its owner, in every session
/// and party made from it.
#[derive(Clone)]
pub(crate) enum Initializer {
    /// An input callback.
    Callback(InputCallback),
    /// A private variable's initial value, given at definition: kept by the
    /// context for the owner, never put in the graph.
    Values(Arc<Vec<f64>>),
}

impl Initializer {
    /// The provider of the input or variable in the runs of `runner`.
    pub(crate) fn provider(&self, runner: Runner) -> Provider {
        match self {
            Initializer::Callback(callback) => {
                let callback = *callback;
                Arc::new(move |request| callback.call(runner, request))
            }
            Initializer::Values(values) => values_provider(values.as_ref().clone()),
        }
    }
}

/// Leaves `message` as the reason the input callback running on this
/// thread fails: call it from inside a `tfe_input_fn` (on the thread the
/// library called it on), then return nonzero. The run's error at the
/// input's owner (`TFE_ERR_INVALID_ARGUMENT`) then includes the message;
/// it is never sent to other players, which learn only that the input was
/// invalid. A second call replaces the message; a callback that returns 0
/// discards it. Bindings turn an exception or error raised inside a
/// callback into this call and a nonzero return, so the run fails with the
/// exception's text.
///
/// Returns `TFE_ERR_NULL_POINTER` (`message`) or `TFE_ERR_INVALID_ARGUMENT`
/// (not called from inside an input callback). A message that is not UTF-8
/// is kept with U+FFFD in place of the invalid bytes, and one longer than
/// 4096 bytes is cut.
///
/// Ownership: `message` is copied.
///
/// Thread safety: only on the thread running the input callback.
///
/// # Safety
/// `message` is a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_input_set_error(message: *const c_char) -> tfe_status_t {
    ffi_boundary! {
        if message.is_null() {
            return Err(Failure::null("message"));
        }
        let bytes = unsafe { CStr::from_ptr(message) }.to_bytes();
        let mut text = String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_MESSAGE_BYTES)]).into_owned();
        if bytes.len() > MAX_MESSAGE_BYTES {
            text.push_str(" [cut]");
        }
        CALLBACKS.with(|frames| match frames.borrow_mut().last_mut() {
            Some(frame) => {
                frame.message = Some(text);
                Ok(())
            }
            None => Err(Failure::invalid(
                "tfe_input_set_error was called outside an input callback: expected a call from inside a \
                 tfe_input_fn, on the thread that runs it",
            )),
        })
    }
}
