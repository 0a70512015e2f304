//! Serving: a service that keeps the three servers and the model owner's
//! shared weights up in this process and answers clients over TCP
//! (`tfe_server_t`, as `tfe serve`), and a client of such a service
//! (`tfe_client_t`) that sends prediction requests over long-lived
//! connections. A client's input and its predictions reach no server in
//! the clear: it sends each server one additive part and adds the servers'
//! parts of the answer (`docs/serving.md`).

use std::ffi::c_char;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::args;
use super::batches::BatchShapes;
use super::error::{Failure, ffi_boundary, tfe_status_t};
use super::handles;
use super::nn::{output_at, tfe_model_t};
use super::session::{local_options_or_default, tfe_session_options_t};
use crate::serve::{Client, ClientOptions, Server, ServerOptions};

/// Settings of a service. Start from `tfe_server_options_default()`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct tfe_server_options_t {
    /// The most samples a request, and a run of the model, may hold (> 0).
    pub max_batch: usize,
    /// How long the service waits for more requests before a run, in µs
    /// (0: it runs what is ready as soon as the previous run ends).
    pub batch_window_us: u64,
    /// Connections open at once, three per client (> 0); more are closed.
    pub max_connections: usize,
    /// Unanswered requests per connection before the service stops reading
    /// from it (> 0).
    pub max_in_flight: usize,
}

/// The default service options: batches of up to 128 samples, no batch
/// window, 384 connections, 8 requests in flight per connection.
#[unsafe(no_mangle)]
pub extern "C" fn tfe_server_options_default() -> tfe_server_options_t {
    let defaults = ServerOptions::default();
    tfe_server_options_t {
        max_batch: defaults.max_batch,
        batch_window_us: u64::try_from(defaults.batch_window.as_micros()).unwrap_or(u64::MAX),
        max_connections: defaults.max_connections,
        max_in_flight: defaults.max_in_flight,
    }
}

/// A running service: the three servers and the model owner on threads of
/// this process, the weights shared once, answering clients on one TCP
/// address.
///
/// Thread safety: thread-safe.
pub struct tfe_server_t {
    server: Server,
}

handles::registered!(tfe_server_t);

/// Starts a service of `model`: shares its weights among three servers on
/// threads of this process and listens on `listen` (`host:port`; port 0
/// picks a free one, see `tfe_server_port`). It answers until freed.
/// `options` (NULL: the defaults) size its batches and connections;
/// `session` (NULL: the defaults) chooses how the servers talk among
/// themselves.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (a zero `max_batch`, `max_connections`
/// or `max_in_flight`), `TFE_ERR_CONFIG` (an address it cannot listen on,
/// bad session options), or the statuses of `tfe_session_new_local` when
/// the servers cannot connect.
///
/// Ownership: `model`, `listen`, `options` and `session` are borrowed for
/// the call (the service keeps a copy of the weights: the model may be
/// freed).
///
/// # Safety
/// `listen` is a NUL-terminated string; `options` is NULL or points to a
/// `tfe_server_options_t`, `session` NULL or to a `tfe_session_options_t`;
/// `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_server_start(
    model: *const tfe_model_t,
    listen: *const c_char,
    options: *const tfe_server_options_t,
    session: *const tfe_session_options_t,
    out: *mut *mut tfe_server_t,
) -> tfe_status_t {
    ffi_boundary! {
        let model = unsafe { handles::get(model, "model") }?;
        let listen = unsafe { args::string(listen, "listen") }?;
        let options =
            if options.is_null() { tfe_server_options_default() } else { *unsafe { args::reference(options, "options") }? };
        let session = unsafe { local_options_or_default(session) }?;
        let out = args::out(out, "out")?;
        if options.max_batch == 0 {
            return Err(Failure::invalid("max_batch is 0, expected at least one sample per request"));
        }
        let options = ServerOptions {
            max_batch: options.max_batch,
            batch_window: Duration::from_micros(options.batch_window_us),
            max_connections: options.max_connections,
            max_in_flight: options.max_in_flight,
            session,
            ..ServerOptions::default()
        };
        let server = Server::start(model.model(), listen, options)?;
        unsafe { out.write(handles::register(Box::new(tfe_server_t { server }))) };
        Ok(())
    }
}

/// The TCP port the service listens on (the one picked when `listen`
/// asked for port 0).
///
/// # Safety
/// `port` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_server_port(server: *const tfe_server_t, port: *mut u16) -> tfe_status_t {
    ffi_boundary! { unsafe { args::read(server, "server", port, "port", |s| s.server.local_addr().port()) } }
}

/// Stops the service: closes its connections (a client's pending request
/// fails with `TFE_ERR_NETWORK`), stops its servers and frees it.
/// `tfe_server_free(NULL)` does nothing. Returns once its threads have
/// stopped.
///
/// # Safety
/// No other thread is using `server`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_server_free(server: *mut tfe_server_t) {
    ffi_boundary! { drop(handles::unregister(server)) }
}

/// A client of a service, with one long-lived connection to each of its
/// three servers. Requests are answered in the order they are sent.
///
/// Thread safety: thread-safe; requests from several threads are
/// serialized, and the getters wait for a request in progress.
pub struct tfe_client_t {
    state: Mutex<ClientState>,
}

/// A client and the model's shapes as the service stated them at the last
/// (re)connection.
struct ClientState {
    client: Client,
    shapes: BatchShapes,
}

/// The shapes the service behind `client` stated.
fn shapes_of(client: &Client) -> BatchShapes {
    let info = client.info();
    BatchShapes::of_samples(info.max_batch, &info.input_shape, &info.output_shapes)
}

impl tfe_client_t {
    fn lock(&self) -> MutexGuard<'_, ClientState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

handles::registered!(tfe_client_t);

/// Connects to the service at `addr` (`host:port`), which answers for its
/// three servers, and learns the model's shapes. `timeout_ms` bounds the
/// connection and then each answer.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (a `timeout_ms` of 0), `TFE_ERR_CONFIG`
/// (an address that does not resolve), `TFE_ERR_NETWORK` (no service at
/// `addr`, or none within the timeout) or `TFE_ERR_PROTOCOL` (something
/// else answered, or a service of another version).
///
/// # Safety
/// `addr` is a NUL-terminated string; `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_client_connect(
    addr: *const c_char,
    timeout_ms: u64,
    out: *mut *mut tfe_client_t,
) -> tfe_status_t {
    ffi_boundary! {
        let addr = unsafe { args::string(addr, "addr") }?;
        let out = args::out(out, "out")?;
        if timeout_ms == 0 {
            return Err(Failure::invalid("timeout_ms is 0, expected a timeout of at least 1 ms"));
        }
        let client = Client::connect_with(addr, ClientOptions { timeout: Duration::from_millis(timeout_ms) })?;
        let state = Mutex::new(ClientState { shapes: shapes_of(&client), client });
        unsafe { out.write(handles::register(Box::new(tfe_client_t { state }))) };
        Ok(())
    }
}

/// Closes the client's connections and frees it. `tfe_client_free(NULL)`
/// does nothing.
///
/// # Safety
/// No other thread is using `client`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_client_free(client: *mut tfe_client_t) {
    ffi_boundary! { drop(handles::unregister(client)) }
}

/// Closes the connections and opens new ones to the same address: after a
/// `TFE_ERR_NETWORK` or `TFE_ERR_TIMEOUT`, which leave the client unusable
/// until it reconnects, or after the service restarted.
///
/// Returns the statuses of `tfe_client_connect`.
///
/// # Safety
/// None beyond a live or NULL `client`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_client_reconnect(client: *mut tfe_client_t) -> tfe_status_t {
    ffi_boundary! {
        let client = unsafe { handles::get(client.cast_const(), "client") }?;
        let mut state = client.lock();
        state.client.reconnect()?;
        state.shapes = shapes_of(&state.client);
        Ok(())
    }
}

/// The shape of a full batch of inputs, `[max_batch, input shape...]`: a
/// request holds 1 to `max_batch` samples.
///
/// Ownership: the shape stays valid until the client is freed or
/// reconnects.
///
/// # Safety
/// `shape` and `rank` point to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_client_input_shape(
    client: *const tfe_client_t,
    shape: *mut *const usize,
    rank: *mut usize,
) -> tfe_status_t {
    ffi_boundary! { unsafe { point_at_shape(client, shape, rank, |shapes| Ok(&shapes.input)) } }
}

/// The number of outputs each prediction gives.
///
/// # Safety
/// `count` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_client_output_count(client: *const tfe_client_t, count: *mut usize) -> tfe_status_t {
    ffi_boundary! { unsafe { args::read(client, "client", count, "count", |c| c.lock().shapes.outputs.len()) } }
}

/// The shape of output `index` (0 to `tfe_client_output_count` - 1) for a
/// full batch: `[max_batch, output shape...]`.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (an `index` past the last output).
///
/// Ownership: as `tfe_client_input_shape`.
///
/// # Safety
/// `shape` and `rank` point to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_client_output_shape_at(
    client: *const tfe_client_t,
    index: usize,
    shape: *mut *const usize,
    rank: *mut usize,
) -> tfe_status_t {
    ffi_boundary! { unsafe { point_at_shape(client, shape, rank, |shapes| output_at(&shapes.outputs, index)) } }
}

/// Points `shape` and `rank` at the shape `pick` chooses among the client's.
/// The vector outlives the lock's guard: only a reconnection replaces it,
/// which the accessors' contract says ends the pointer's life.
///
/// # Safety
/// `client` is live or NULL; `shape` and `rank` are NULL or writable.
unsafe fn point_at_shape(
    client: *const tfe_client_t,
    shape: *mut *const usize,
    rank: *mut usize,
    pick: impl FnOnce(&BatchShapes) -> Result<&[usize], Failure>,
) -> Result<(), Failure> {
    let live = unsafe { handles::get(client, "client") }?;
    let state = live.lock();
    let chosen = pick(&state.shapes)?;
    let (ptr, len) = (chosen.as_ptr(), chosen.len());
    let out = args::out_slice(shape, "shape", rank, "rank")?;
    unsafe { out.write(std::slice::from_raw_parts(ptr, len)) };
    Ok(())
}

/// Sends one request and waits for its answer: `x` holds 1 to `max_batch`
/// samples (row-major, batch first; see `tfe_client_input_shape`), and
/// output `i` of the model goes to `outs[i]`, which holds `out_lens[i]`
/// doubles (batch x the size of output `i` for one sample; see
/// `tfe_client_output_shape_at`); `count` is `tfe_client_output_count`.
/// Nothing is written unless the prediction succeeds.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (buffers of the wrong length, named;
/// an input value outside the fixed-point range, never sent; a request the
/// service refused, with its reason: the client stays usable),
/// `TFE_ERR_OUT_OF_RANGE` (an output left the fixed-point range),
/// `TFE_ERR_NETWORK`, `TFE_ERR_TIMEOUT` or `TFE_ERR_PROTOCOL` (the service
/// went away, did not answer in time or answered out of step: reconnect with
/// `tfe_client_reconnect`).
///
/// # Safety
/// `x` points to `x_len` doubles; `outs` and `out_lens` point to `count`
/// pointers and lengths, each `outs[i]` to `out_lens[i]` writable doubles,
/// no two of them overlapping.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_client_predict_outputs(
    client: *mut tfe_client_t,
    x: *const f64,
    x_len: usize,
    outs: *const *mut f64,
    out_lens: *const usize,
    count: usize,
) -> tfe_status_t {
    ffi_boundary! {
        let client = unsafe { handles::get(client.cast_const(), "client") }?;
        let x = unsafe { args::slice(x, x_len, "x") }?;
        let ClientState { client, shapes } = &mut *client.lock();
        unsafe { shapes.predict_outputs(x, (outs, out_lens, count), |x| client.predict_outputs(x)) }
    }
}

/// As `tfe_client_predict_outputs`, writing the first output only to `out`
/// (`out_len` = batch x its size for one sample).
///
/// Returns the statuses of `tfe_client_predict_outputs`.
///
/// # Safety
/// `x` points to `x_len` doubles and `out` to `out_len` writable doubles.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_client_predict(
    client: *mut tfe_client_t,
    x: *const f64,
    x_len: usize,
    out: *mut f64,
    out_len: usize,
) -> tfe_status_t {
    ffi_boundary! {
        let client = unsafe { handles::get(client.cast_const(), "client") }?;
        let x = unsafe { args::slice(x, x_len, "x") }?;
        let out = unsafe { args::slice_mut(out, out_len, "out") }?;
        let ClientState { client, shapes } = &mut *client.lock();
        shapes.predict_first(x, out, |x| client.predict_outputs(x))
    }
}
