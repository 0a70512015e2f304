//! Local sessions (every player of a context's graph on a thread of this
//! process) and the input callbacks that run at an input's owner.

use std::ffi::{CString, c_int, c_void};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::args;
use super::context::{fetch_ids, tfe_context_t, tfe_tensor_t};
use super::error::{Failure, guard, guard_void, tfe_status_t};
use super::feeds::tfe_feeds_t;
use super::handles::{self, Registered};
use super::result::tfe_result_t;
use crate::error::{Error, Result};
use crate::ring::shape::numel;
use crate::session::{Feeds, LocalOptions, LocalSession, Provider, ProviderRequest, Transport};

/// Produces the values of a private input at its owner. Called once per run
/// that needs the input, with the `user_data` given at definition, the
/// input's name and shape (`rank` sizes), and `out`, a zeroed buffer of
/// `len` doubles to fill row-major. Returns 0 (`TFE_OK`) on success; any
/// other value fails the run. It must not unwind (no C++ exception or
/// longjmp may leave it) and must not run the session that called it (that
/// would wait for itself).
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
        name: *const std::ffi::c_char,
        shape: *const usize,
        rank: usize,
        out: *mut f64,
        len: usize,
    ) -> c_int,
>;

/// The function of a non-null `tfe_input_fn`.
type ProvideFn =
    unsafe extern "C" fn(*mut c_void, *const std::ffi::c_char, *const usize, usize, *mut f64, usize) -> c_int;

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

    fn call(&self, request: &ProviderRequest) -> Result<Vec<f64>> {
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
        if code != 0 {
            return Err(Error::invalid(format!(
                "the input callback of '{}' failed in run {} (returned {code}, expected 0 = TFE_OK)",
                request.name, request.run
            )));
        }
        Ok(values)
    }

    pub(crate) fn provider(self) -> Provider {
        Arc::new(move |request| self.call(request))
    }
}

/// How the players of a local session talk (the `transport` field of
/// `tfe_session_options_t`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum tfe_transport_t {
    /// Loopback TCP, the same code path as a deployment (the default).
    TFE_TRANSPORT_TCP = 0,
    /// In-memory channels, no sockets.
    TFE_TRANSPORT_MEMORY = 1,
    /// Loopback TCP with TLS 1.3 and fresh in-memory certificates: what a
    /// deployment's encryption costs.
    TFE_TRANSPORT_TLS = 2,
}

/// Settings of a local session. Start from `tfe_session_options_default()`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct tfe_session_options_t {
    /// A `tfe_transport_t` value; anything else is `TFE_ERR_CONFIG`.
    pub transport: u32,
    /// How long players keep trying to connect to each other, in ms (> 0).
    pub connect_timeout_ms: u64,
    /// How long a player waits for a message before the run fails with
    /// `TFE_ERR_TIMEOUT` naming the silent player, in ms (> 0).
    pub recv_timeout_ms: u64,
}

/// Every player of a context's graph running in this process, each on its
/// own thread. Private variables keep their shares across runs.
///
/// Thread safety: thread-safe; runs of one session from several threads
/// are serialized.
pub struct tfe_session_t {
    context: u64,
    session: Mutex<LocalSession>,
}

impl Registered for tfe_session_t {
    const KIND: &'static handles::Kind = &SESSIONS;
}

static SESSIONS: handles::Kind = handles::Kind::new("tfe_session_t");

// Sessions are shared between C threads behind a lock: the inside must be `Send`.
const _: fn() = || {
    fn assert_send<T: Send>() {}
    assert_send::<LocalSession>();
};

/// The default session options: TCP, 30 s connect and receive timeouts.
#[unsafe(no_mangle)]
pub extern "C" fn tfe_session_options_default() -> tfe_session_options_t {
    let defaults = LocalOptions::default();
    tfe_session_options_t {
        transport: tfe_transport_t::TFE_TRANSPORT_TCP as u32,
        connect_timeout_ms: defaults.connect_timeout.as_millis() as u64,
        recv_timeout_ms: defaults.recv_timeout.as_millis() as u64,
    }
}

pub(crate) fn local_options(options: &tfe_session_options_t) -> Result<LocalOptions, Failure> {
    let transport = match options.transport {
        0 => Transport::Tcp,
        1 => Transport::Memory,
        2 => Transport::Tls,
        other => {
            return Err(Error::config(format!(
                "transport = {other}: expected TFE_TRANSPORT_TCP (0), TFE_TRANSPORT_MEMORY (1) or TFE_TRANSPORT_TLS (2)"
            ))
            .into());
        }
    };
    for (name, ms) in [("connect_timeout_ms", options.connect_timeout_ms), ("recv_timeout_ms", options.recv_timeout_ms)]
    {
        if ms == 0 {
            return Err(Error::config(format!("{name} is 0, expected a timeout of at least 1 ms")).into());
        }
    }
    Ok(LocalOptions {
        transport,
        connect_timeout: Duration::from_millis(options.connect_timeout_ms),
        recv_timeout: Duration::from_millis(options.recv_timeout_ms),
        ..LocalOptions::default()
    })
}

/// Starts a local session over loopback TCP with the default options: a
/// snapshot of the context's graph and input callbacks (later definitions
/// do not reach it), every player on its own thread, connected and set up.
///
/// Returns `TFE_ERR_NETWORK` (the players could not listen on or connect over
/// loopback), `TFE_ERR_TIMEOUT` (a player did not answer during setup), or
/// `TFE_ERR_INTERNAL` (a thread could not start).
///
/// # Safety
/// `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_session_new_local(
    ctx: *const tfe_context_t,
    out: *mut *mut tfe_session_t,
) -> tfe_status_t {
    let defaults = tfe_session_options_default();
    // SAFETY: forwarded contract; `defaults` lives for the call.
    unsafe { new_local("tfe_session_new_local", ctx, &defaults, out) }
}

/// As `tfe_session_new_local`, with the given options (NULL: the defaults).
/// Returns the statuses of `tfe_session_new_local`, and `TFE_ERR_CONFIG`
/// for an unknown transport or a zero timeout (the message names the field).
///
/// # Safety
/// `options` is NULL or points to a `tfe_session_options_t`; `out` points to
/// writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_session_new_local_with_options(
    ctx: *const tfe_context_t,
    options: *const tfe_session_options_t,
    out: *mut *mut tfe_session_t,
) -> tfe_status_t {
    let defaults = tfe_session_options_default();
    let options = if options.is_null() { &defaults } else { options };
    // SAFETY: forwarded contract.
    unsafe { new_local("tfe_session_new_local_with_options", ctx, options, out) }
}

/// # Safety
/// As `tfe_session_new_local_with_options`, with `options` non-null.
unsafe fn new_local(
    function: &str,
    ctx: *const tfe_context_t,
    options: *const tfe_session_options_t,
    out: *mut *mut tfe_session_t,
) -> tfe_status_t {
    guard(function, || {
        // SAFETY (both): forwarded contract.
        let ctx = unsafe { handles::get(ctx, "ctx") }?;
        let options = local_options(unsafe { args::reference(options, "options") }?)?;
        let out = args::out(out, "out")?;
        let (graph, callbacks) = {
            let state = ctx.lock();
            (state.graph.clone(), state.callbacks.clone())
        };
        let mut session = LocalSession::new(&graph, options)?;
        for (name, callback) in callbacks {
            session.set_provider(&name, callback.provider())?;
        }
        let session = Box::new(tfe_session_t { context: ctx.id(), session: Mutex::new(session) });
        // SAFETY: `out` was checked.
        unsafe { out.write(handles::register(session)) };
        Ok(())
    })
}

/// Stops the session's players and frees it. `tfe_session_free(NULL)` does
/// nothing.
///
/// Returns once its players have stopped.
///
/// # Safety
/// No other thread is using `sess`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_session_free(sess: *mut tfe_session_t) {
    guard_void("tfe_session_free", || drop(handles::unregister(sess)))
}

/// Runs the graph for the `n` tensors in `fetches` (reveals, public values
/// or assignments of the session's context, defined before the session was
/// made). Input callbacks run at their owners during the call (see
/// `tfe_input_fn`: the call returns only after every callback of the run
/// has returned, even when the other players gave up on a slow one after
/// `recv_timeout_ms`). A failed run
/// (a bad fetch, a failing callback, a stalled player) leaves the session
/// usable for further runs; after a lost connection its runs keep failing
/// with a status.
///
/// Returns
/// - `TFE_ERR_INVALID_ARGUMENT`: nothing to fetch (`n` is 0), a private
///   (unrevealed) fetch, a tensor defined after the session was made, an
///   input with neither a feed nor a callback, a failing callback, a value
///   outside the fixed-point range;
/// - `TFE_ERR_TIMEOUT`: a player sent nothing within `recv_timeout_ms` (the
///   message names it);
/// - `TFE_ERR_NETWORK`: a connection between players failed (named);
/// - `TFE_ERR_PROTOCOL`: a player sent a malformed message (named).
///
/// # Safety
/// `fetches` points to `n` tensor pointers (the tensors are only read; the
/// type lets C pass `&out` without a cast); `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_session_run(
    sess: *mut tfe_session_t,
    fetches: *const *mut tfe_tensor_t,
    n: usize,
    out: *mut *mut tfe_result_t,
) -> tfe_status_t {
    // SAFETY: forwarded contract; no feeds.
    unsafe { run("tfe_session_run", sess, fetches, n, std::ptr::null(), out) }
}

/// As `tfe_session_run`, with `feeds` (NULL: none) giving the values of
/// inputs and variables for this run; a feed takes precedence over an
/// input's callback. Returns the statuses of `tfe_session_run`, and
/// `TFE_ERR_INVALID_ARGUMENT` for feeds of another context.
///
/// # Safety
/// As `tfe_session_run`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_session_run_with_feeds(
    sess: *mut tfe_session_t,
    fetches: *const *mut tfe_tensor_t,
    n: usize,
    feeds: *const tfe_feeds_t,
    out: *mut *mut tfe_result_t,
) -> tfe_status_t {
    // SAFETY: forwarded contract.
    unsafe { run("tfe_session_run_with_feeds", sess, fetches, n, feeds, out) }
}

/// Forgets the shares of every private variable of the session: the next run
/// that needs a variable initializes it again, from its values or a feed.
///
/// # Safety
/// No other thread frees `sess` during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_session_reset_variables(sess: *mut tfe_session_t) -> tfe_status_t {
    guard("tfe_session_reset_variables", || {
        // SAFETY: forwarded contract.
        let sess = unsafe { handles::get(sess.cast_const(), "sess") }?;
        sess.session.lock().unwrap_or_else(PoisonError::into_inner).reset_variables()?;
        Ok(())
    })
}

/// # Safety
/// As `tfe_session_run_with_feeds`.
unsafe fn run(
    function: &str,
    sess: *mut tfe_session_t,
    fetches: *const *mut tfe_tensor_t,
    n: usize,
    feeds: *const tfe_feeds_t,
    out: *mut *mut tfe_result_t,
) -> tfe_status_t {
    guard(function, || {
        // SAFETY (both): forwarded contract.
        let sess = unsafe { handles::get(sess.cast_const(), "sess") }?;
        let fetches = unsafe { args::slice(fetches, n, "fetches") }?;
        let out = args::out(out, "out")?;
        let empty = Feeds::new();
        // SAFETY: forwarded contract.
        let feeds = unsafe { super::feeds::resolve(feeds, sess.context, &empty) }?;
        // SAFETY: forwarded contract.
        let ids = unsafe { fetch_ids(sess.context, fetches) }?;
        // A panic during a run is caught by the players; the session stays usable.
        let mut session = sess.session.lock().unwrap_or_else(PoisonError::into_inner);
        let run = session.run(&ids, feeds)?;
        let result = Box::new(tfe_result_t::from_run(run));
        // SAFETY: `out` was checked.
        unsafe { out.write(handles::register(result)) };
        Ok(())
    })
}
