//! Local sessions: every player of a context's graph on a thread of this
//! process, with the context's input callbacks and variables' initial
//! values at their owners.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::args;
use super::callbacks::Runner;
use super::context::{fetch_ids, tfe_context_t, tfe_tensor_t};
pub use super::enums::tfe_transport_t;
use super::error::{Failure, ffi_boundary, tfe_status_t};
use super::feeds::tfe_feeds_t;
use super::handles;
use super::result::tfe_result_t;
use crate::error::Error;
use crate::net::Interrupt;
use crate::session::{Feeds, LocalOptions, LocalSession, Transport};

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
    /// Outside the lock, which a run holds: `tfe_session_interrupt` must
    /// not wait for the run it interrupts.
    interrupt: Arc<Interrupt>,
    /// Who the input callbacks of its runs serve.
    runner: Runner,
}

handles::registered!(tfe_session_t);

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

/// The local options a constructor was given: NULL means the defaults.
///
/// # Safety
/// `options` is NULL or points to a valid `tfe_session_options_t`.
pub(crate) unsafe fn local_options_or_default(options: *const tfe_session_options_t) -> Result<LocalOptions, Failure> {
    if options.is_null() {
        return local_options(&tfe_session_options_default());
    }
    local_options(unsafe { args::reference(options, "options") }?)
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
    ffi_boundary! {
        let defaults = tfe_session_options_default();
        unsafe { new_local(ctx, &raw const defaults, out) }
    }
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
    ffi_boundary! {
        let defaults = tfe_session_options_default();
        let options = if options.is_null() { &defaults } else { options };
        unsafe { new_local(ctx, options, out) }
    }
}

/// # Safety
/// The exports' contract (see `ffi_boundary!`), with `options` non-null.
unsafe fn new_local(
    ctx: *const tfe_context_t,
    options: *const tfe_session_options_t,
    out: *mut *mut tfe_session_t,
) -> Result<(), Failure> {
    let ctx = unsafe { handles::get(ctx, "ctx") }?;
    let options = local_options(unsafe { args::reference(options, "options") }?)?;
    let out = args::out(out, "out")?;
    let (graph, initializers) = ctx.snapshot();
    let mut session = LocalSession::new(&graph, options)?;
    let runner = Runner::fresh();
    for (name, initializer) in initializers {
        session.set_provider(&name, initializer.provider(runner))?;
    }
    let interrupt = session.interrupter();
    let session = Box::new(tfe_session_t { context: ctx.id(), session: Mutex::new(session), interrupt, runner });
    unsafe { out.write(handles::register(session)) };
    Ok(())
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
    ffi_boundary! { drop(handles::unregister(sess)) }
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
///   outside the fixed-point range, a call from an input callback of this
///   session's own run (which waits for that callback);
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
    ffi_boundary! { unsafe { run("tfe_session_run", sess, fetches, n, std::ptr::null(), out) } }
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
    ffi_boundary! { unsafe { run("tfe_session_run_with_feeds", sess, fetches, n, feeds, out) } }
}

/// Interrupts the session's run in progress, from any thread: every player
/// gives up on it at its next message or within 20 ms of waiting, and
/// `tfe_session_run` returns `TFE_ERR_ABORTED` ("... aborted the run: the
/// run was interrupted by its caller"), once the input callbacks of the run
/// have returned (a callback itself is not interrupted). With no run in
/// progress it does nothing, and it never reaches a run that starts after
/// it, so a caller may repeat it until its run returns (Go's
/// `context.Context`, Python's `KeyboardInterrupt`). The session stays usable.
///
/// Thread safety: any thread, also inside one of the run's own callbacks
/// (where Python's Ctrl-C handler runs); it does not wait for the run.
///
/// # Safety
/// No other thread frees `sess` during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_session_interrupt(sess: *mut tfe_session_t) -> tfe_status_t {
    ffi_boundary! {
        let sess = unsafe { handles::get(sess.cast_const(), "sess") }?;
        sess.interrupt.interrupt();
        Ok(())
    }
}

/// Forgets the shares of every private variable of the session: the next run
/// that needs a variable initializes it again, from its values or a feed.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` when called from an input callback of
/// the session's own run (which waits for that callback).
///
/// # Safety
/// No other thread frees `sess` during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_session_reset_variables(sess: *mut tfe_session_t) -> tfe_status_t {
    ffi_boundary! {
        let sess = unsafe { handles::get(sess.cast_const(), "sess") }?;
        sess.runner.refuse_from_own_callback("tfe_session_reset_variables", "session")?;
        sess.session.lock().unwrap_or_else(PoisonError::into_inner).reset_variables()?;
        Ok(())
    }
}

/// # Safety
/// The exports' contract (see `ffi_boundary!`).
unsafe fn run(
    call: &str,
    sess: *mut tfe_session_t,
    fetches: *const *mut tfe_tensor_t,
    n: usize,
    feeds: *const tfe_feeds_t,
    out: *mut *mut tfe_result_t,
) -> Result<(), Failure> {
    let sess = unsafe { handles::get(sess.cast_const(), "sess") }?;
    sess.runner.refuse_from_own_callback(call, "session")?;
    let fetches = unsafe { args::slice(fetches, n, "fetches") }?;
    let out = args::out(out, "out")?;
    let empty = Feeds::new();
    let feeds = unsafe { super::feeds::resolve(feeds, sess.context, &empty) }?;
    let ids = unsafe { fetch_ids(sess.context, fetches) }?;
    // A panic during a run is caught by the players; the session stays usable.
    let mut session = sess.session.lock().unwrap_or_else(PoisonError::into_inner);
    let run = session.run(&ids, feeds)?;
    let result = Box::new(tfe_result_t::from_run(run));
    unsafe { out.write(handles::register(result)) };
    Ok(())
}
