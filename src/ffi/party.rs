//! Deployed parties: this process is one player of a deployment that the
//! hostmap describes (every other player runs `tfe party` or another
//! program linking libtfe), over TLS 1.3 with pinned certificates or, when
//! asked for by name, plaintext TCP.

use std::ffi::{c_char, c_int, c_void};
use std::sync::{Arc, Mutex, PoisonError};

use super::args;
use super::callbacks::Runner;
use super::context::{fetch_ids, tfe_context_t, tfe_tensor_t};
use super::error::{Failure, ffi_boundary, tfe_status_t};
use super::feeds::tfe_feeds_t;
use super::handles;
use super::result::tfe_result_t;
use crate::deploy::party::{ChannelSecurity, open_cancellable};
use crate::deploy::{Hostmap, certs};
use crate::net::{Cancel, Interrupt};
use crate::session::{Feeds, Party};

/// One player of a deployment, connected to every other player of the
/// context's graph. Private variables keep their shares across runs.
///
/// Thread safety: thread-safe; runs of one party from several threads are
/// serialized.
pub struct tfe_party_t {
    context: u64,
    party: Mutex<Party>,
    /// Outside the lock, which a run holds (see `tfe_party_interrupt`).
    interrupt: Arc<Interrupt>,
    /// Who the input callbacks of its runs serve.
    runner: Runner,
}

handles::registered!(tfe_party_t);

/// Opens the party of player `me` in the deployment the hostmap file at
/// `hostmap_path` describes (JSON, as for `tfe party`), over TLS 1.3: this
/// player presents the hostmap's certificate for `me` with the private key
/// at `tls_key_path`, and accepts only the hostmap's certificates. Binds
/// `me`'s address and waits (up to the hostmap's connect timeout) until
/// every player of the graph is connected. Where the hostmap declares no
/// `link`, the servers then measure the link between them (nine half round
/// trips) and assume it from a 10 ms round trip up (docs/deployment.md).
/// The graph, the input callbacks
/// and the variables' initial values of `ctx` that `me` owns are taken as
/// they are now; every player must run the same graph (its digest is
/// compared).
///
/// Returns `TFE_ERR_CONFIG` (a bad hostmap or key; `me` missing from it or from
/// the graph), `TFE_ERR_NETWORK` (the address cannot be bound, a player cannot
/// be reached; named), `TFE_ERR_TIMEOUT`, `TFE_ERR_PROTOCOL` (a player runs
/// a different graph or presents another certificate; named), or
/// `TFE_ERR_ABORTED` (a player failed while the servers measured their
/// link; named).
///
/// # Safety
/// The strings are NUL-terminated; `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_party_open(
    ctx: *const tfe_context_t,
    hostmap_path: *const c_char,
    me: *const c_char,
    tls_key_path: *const c_char,
    out: *mut *mut tfe_party_t,
) -> tfe_status_t {
    ffi_boundary! {
        let security = unsafe { tls_security(tls_key_path) }?;
        unsafe { open_party(ctx, hostmap_path, me, &security, Cancel::NEVER, out) }
    }
}

/// As `tfe_party_open`, over plaintext TCP: anyone on the network path can
/// read and change the shares. For tests and isolated networks only.
///
/// Ownership, thread safety and statuses: as `tfe_party_open`.
///
/// # Safety
/// As `tfe_party_open`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_party_open_insecure_plaintext(
    ctx: *const tfe_context_t,
    hostmap_path: *const c_char,
    me: *const c_char,
    out: *mut *mut tfe_party_t,
) -> tfe_status_t {
    ffi_boundary! {
        unsafe { open_party(ctx, hostmap_path, me, &ChannelSecurity::InsecurePlaintext, Cancel::NEVER, out) }
    }
}

/// Asked by `tfe_party_open_cancellable` on the thread that called it, with
/// the `user_data` given to it: before each attempt to connect to a player
/// and at least every 20 ms while waiting for players to connect. Returns 0
/// to go on waiting; any other value gives up. It must not unwind (no C++
/// exception or longjmp may leave it).
pub type tfe_cancel_fn = Option<unsafe extern "C" fn(user_data: *mut c_void) -> c_int>;

/// As `tfe_party_open`, and gives up when `cancelled` (NULL: never) returns
/// nonzero while this player waits for the others to connect: it returns
/// `TFE_ERR_ABORTED` ("player 'me' aborted the run: opening was cancelled
/// by its caller while waiting for ...", naming the players not yet
/// connected), within about a second, as an attempt to connect or a
/// handshake under way finishes first. The connections made so far are
/// closed; the other players see them close. Measuring the link afterwards
/// (where the hostmap declares none) is not cancelled: nine half round
/// trips between connected servers.
///
/// Ownership, thread safety and other statuses: as `tfe_party_open`.
///
/// # Safety
/// As `tfe_party_open`; `cancelled`, if not NULL, follows `tfe_cancel_fn`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_party_open_cancellable(
    ctx: *const tfe_context_t,
    hostmap_path: *const c_char,
    me: *const c_char,
    tls_key_path: *const c_char,
    cancelled: tfe_cancel_fn,
    user_data: *mut c_void,
    out: *mut *mut tfe_party_t,
) -> tfe_status_t {
    ffi_boundary! {
        let security = unsafe { tls_security(tls_key_path) }?;
        let check = || unsafe { asks_to_cancel(cancelled, user_data) };
        unsafe { open_party(ctx, hostmap_path, me, &security, Cancel::when(&check), out) }
    }
}

/// As `tfe_party_open_cancellable`, over plaintext TCP (as
/// `tfe_party_open_insecure_plaintext`). For tests and isolated networks
/// only.
///
/// # Safety
/// As `tfe_party_open_cancellable`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_party_open_insecure_plaintext_cancellable(
    ctx: *const tfe_context_t,
    hostmap_path: *const c_char,
    me: *const c_char,
    cancelled: tfe_cancel_fn,
    user_data: *mut c_void,
    out: *mut *mut tfe_party_t,
) -> tfe_status_t {
    ffi_boundary! {
        let check = || unsafe { asks_to_cancel(cancelled, user_data) };
        unsafe { open_party(ctx, hostmap_path, me, &ChannelSecurity::InsecurePlaintext, Cancel::when(&check), out) }
    }
}

/// TLS with the private key at `tls_key_path`.
///
/// # Safety
/// `tls_key_path` is NULL or NUL-terminated.
pub(super) unsafe fn tls_security(tls_key_path: *const c_char) -> Result<ChannelSecurity, Failure> {
    let key = unsafe { args::string(tls_key_path, "tls_key_path") }?;
    Ok(ChannelSecurity::Tls { key: key.into() })
}

/// Whether the caller's `cancelled` (NULL: never) gives up.
///
/// # Safety
/// `cancelled`, if not NULL, follows `tfe_cancel_fn`.
unsafe fn asks_to_cancel(cancelled: tfe_cancel_fn, user_data: *mut c_void) -> bool {
    // SAFETY: the caller's contract, forwarded.
    cancelled.is_some_and(|f| unsafe { f(user_data) } != 0)
}

/// # Safety
/// As `tfe_party_open`.
unsafe fn open_party(
    ctx: *const tfe_context_t,
    hostmap_path: *const c_char,
    me: *const c_char,
    security: &ChannelSecurity,
    cancel: Cancel<'_>,
    out: *mut *mut tfe_party_t,
) -> Result<(), Failure> {
    let ctx = unsafe { handles::get(ctx, "ctx") }?;
    let hostmap_path = unsafe { args::string(hostmap_path, "hostmap_path") }?;
    let me = unsafe { args::string(me, "me") }?;
    let out = args::out(out, "out")?;
    let hostmap = Hostmap::load(hostmap_path)?;
    let (graph, initializers) = ctx.snapshot();
    let mut party = open_cancellable(&hostmap, Arc::new(graph), me, security, cancel)?;
    // Each runs at its input's owner only: elsewhere it is never called.
    let runner = Runner::fresh();
    for (name, initializer) in initializers {
        party.set_provider(&name, initializer.provider(runner));
    }
    let interrupt = Interrupt::new();
    party.set_interrupt(interrupt.clone());
    let party = Box::new(tfe_party_t { context: ctx.id(), party: Mutex::new(party), interrupt, runner });
    unsafe { out.write(handles::register(party)) };
    Ok(())
}

/// Runs the graph for the `n` tensors in `fetches` at this player. Every
/// player must run with the same fetches, in the same order of runs; each
/// feeds (or provides) the inputs it owns. The result holds the values
/// revealed to this player (`tfe_result_value` of another fetch is
/// `TFE_ERR_INVALID_ARGUMENT`) and this player's stats only. A player that
/// fails tells the others, which fail with `TFE_ERR_ABORTED` naming it.
///
/// Returns the statuses of `tfe_session_run_with_feeds` (among them
/// `TFE_ERR_INVALID_ARGUMENT` for a call from an input callback of this
/// party's own run), and `TFE_ERR_ABORTED` (another player gave up on the
/// run; the message names it and says why).
///
/// # Safety
/// `fetches` points to `n` tensor pointers; `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_party_run(
    party: *mut tfe_party_t,
    fetches: *const *mut tfe_tensor_t,
    n: usize,
    feeds: *const tfe_feeds_t,
    out: *mut *mut tfe_result_t,
) -> tfe_status_t {
    ffi_boundary! {
        let party = unsafe { handles::get(party.cast_const(), "party") }?;
        party.runner.refuse_from_own_callback("tfe_party_run", "party")?;
        let fetches = unsafe { args::slice(fetches, n, "fetches") }?;
        let out = args::out(out, "out")?;
        if fetches.is_empty() {
            return Err(Failure::invalid("nothing to fetch: expected at least one tensor"));
        }
        let ids = unsafe { fetch_ids(party.context, fetches) }?;
        let empty = Feeds::new();
        let feeds = unsafe { super::feeds::resolve(feeds, party.context, &empty) }?;
        let interrupt = party.interrupt.clone();
        let mut party = party.party.lock().unwrap_or_else(PoisonError::into_inner);
        let _in_progress = interrupt.begin();
        let shapes = ids.iter().map(|&id| party.graph().shape(id).map(<[usize]>::to_vec)).collect::<Result<_, _>>()?;
        let run = party.run(&ids, feeds)?;
        let result = Box::new(tfe_result_t::from_party_run(run, shapes));
        unsafe { out.write(handles::register(result)) };
        Ok(())
    }
}

/// Interrupts the party's run in progress, from any thread: this player
/// gives up on it at its next message or within 20 ms of waiting, tells the
/// other players, which fail with `TFE_ERR_ABORTED` naming it ("...
/// aborted the run: the run was interrupted by its caller"), and
/// `tfe_party_run` returns `TFE_ERR_ABORTED` with the same message, once the
/// run's input callbacks have returned. With no run in progress it does
/// nothing, and it never reaches a run that starts after it (a caller may
/// repeat it until its run returns). Whether the party stays usable is up to
/// the others: they must run the same runs in the same order.
///
/// Thread safety: any thread, also inside one of the run's own callbacks
/// (where Python's Ctrl-C handler runs); it does not wait for the run.
///
/// # Safety
/// No other thread frees `party` during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_party_interrupt(party: *mut tfe_party_t) -> tfe_status_t {
    ffi_boundary! {
        let party = unsafe { handles::get(party.cast_const(), "party") }?;
        party.interrupt.interrupt();
        Ok(())
    }
}

/// Closes the party's connections and frees it. `tfe_party_free(NULL)` does
/// nothing.
///
/// # Safety
/// No other thread is using `party`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_party_free(party: *mut tfe_party_t) {
    ffi_boundary! { drop(handles::unregister(party)) }
}

/// Makes a TLS identity for every player of the hostmap file at
/// `hostmap_path`: writes `<name>.pem` (certificate) and `<name>.key`
/// (private key, readable by its owner only) into the folder `dir`
/// (created if needed), and rewrites the hostmap with each player's
/// certificate path, as `tfe certs` does. Give each player only its own key.
///
/// Returns `TFE_ERR_CONFIG` (a bad hostmap; a file or folder that cannot be
/// written, named).
///
/// Thread safety: any thread (not on the same files at once).
///
/// # Safety
/// The strings are NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_hostmap_generate_certificates(
    hostmap_path: *const c_char,
    dir: *const c_char,
) -> tfe_status_t {
    ffi_boundary! {
        let hostmap_path = unsafe { args::string(hostmap_path, "hostmap_path") }?;
        let dir = unsafe { args::string(dir, "dir") }?;
        let updated = certs::generate(&Hostmap::load(hostmap_path)?, std::path::Path::new(dir))?;
        std::fs::write(hostmap_path, updated.to_json())
            .map_err(|e| crate::Error::config(format!("cannot rewrite the hostmap {hostmap_path}: {e}")))?;
        Ok(())
    }
}
