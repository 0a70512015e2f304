//! The service: a listener, one reader and one writer thread per
//! connection, and the batcher (`super::batcher`) that runs the model.
//!
//! A connection belongs to one client and one server (its `Hello` says
//! which). A connection's reader hands the batcher complete, checked
//! requests only, so a silent or slow client holds up its own threads and
//! nobody else's; its writer sends answers in order. Each connection has
//! at most `max_in_flight` requests unanswered: the reader stops reading
//! until an answer goes out, which bounds what a client can queue, and a
//! frame is read only up to the size of a full batch.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, TrySendError, bounded, unbounded};

use super::batcher::{self, Body, ClientKey, Event, Outbox, ServeStats};
use super::model::{ModelInfo, ServedModel};
use super::wire::{Frame, Kind, Payload, PayloadWriter, VERSION, read_frame};
use crate::error::{Error, Result};
use crate::nn::Model;
use crate::session::LocalOptions;

/// Settings of a service.
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// The most samples a request, and a run of the model, may hold.
    pub max_batch: usize,
    /// How long the batcher waits for more requests before a run (zero:
    /// it runs what is ready as soon as the previous run ends).
    pub batch_window: Duration,
    /// Connections open at once (three per client); more are closed.
    pub max_connections: usize,
    /// Unanswered requests per connection before its reader waits.
    pub max_in_flight: usize,
    /// How long a new connection has to send its `Hello`.
    pub handshake_timeout: Duration,
    /// How long a write to a client may block before it is dropped.
    pub write_timeout: Duration,
    /// How the three servers (and the model owner) talk.
    pub session: LocalOptions,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            max_batch: 128,
            batch_window: Duration::ZERO,
            max_connections: 384,
            max_in_flight: 8,
            handshake_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(30),
            session: LocalOptions::default(),
        }
    }
}

/// What the threads of a service share.
struct Shared {
    stop: AtomicBool,
    info: ModelInfo,
    options: ServerOptions,
    /// Every open connection, to close them at shutdown.
    streams: Mutex<HashMap<u64, TcpStream>>,
    open: AtomicUsize,
}

/// A running service: the three servers in this process with the model
/// owner's weights shared, answering clients (`super::Client`) on one
/// address.
///
/// ```no_run
/// use tfe::nn::networks::network_a;
/// use tfe::serve::{Client, Server, ServerOptions};
///
/// let server = Server::start(&network_a(1)?, "127.0.0.1:0", ServerOptions::default())?;
/// let mut client = Client::connect(&server.local_addr().to_string())?;
/// let y = client.predict(&vec![0.5; 784])?;
/// assert_eq!(y.len(), 10);
/// # Ok::<(), tfe::Error>(())
/// ```
pub struct Server {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stats: Arc<ServeStats>,
    acceptor: Option<JoinHandle<()>>,
    batcher: Option<JoinHandle<()>>,
}

impl Server {
    /// Starts the servers, shares the weights, and listens on `listen`
    /// (`host:port`; port 0 picks a free one, see [`Server::local_addr`]).
    pub fn start(model: &dyn Model, listen: &str, options: ServerOptions) -> Result<Server> {
        if options.max_in_flight == 0 || options.max_connections == 0 {
            return Err(Error::invalid("max_in_flight and max_connections must be at least 1"));
        }
        let listener =
            TcpListener::bind(listen).map_err(|e| Error::config(format!("cannot listen on {listen}: {e}")))?;
        let addr = listener.local_addr().map_err(|e| Error::network("serve", e))?;
        let served = ServedModel::new(model, options.max_batch, options.session.clone())?;
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            info: served.info().clone(),
            options,
            streams: Mutex::new(HashMap::new()),
            open: AtomicUsize::new(0),
        });
        let stats = Arc::new(ServeStats::default());
        let (events_tx, events_rx) = unbounded();
        let batcher = {
            let (stats, window) = (stats.clone(), shared.options.batch_window);
            spawn("tfe-serve-batcher", move || batcher::run(served, events_rx, window, stats))?
        };
        let acceptor = {
            let shared = shared.clone();
            spawn("tfe-serve-accept", move || accept(&listener, &shared, &events_tx))?
        };
        Ok(Server { addr, shared, stats, acceptor: Some(acceptor), batcher: Some(batcher) })
    }

    /// The address clients connect to.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The model's shapes, largest batch and encoding, as clients see them.
    pub fn info(&self) -> &ModelInfo {
        &self.shared.info
    }

    /// Requests answered, batches run, samples run so far.
    pub fn stats(&self) -> &ServeStats {
        &self.stats
    }

    /// Waits until the service stops (it stops only when dropped by another
    /// thread, or when its process ends): what `tfe serve` does.
    pub fn wait(mut self) {
        if let Some(batcher) = self.batcher.take() {
            let _ = batcher.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wakes the acceptor, which then sees `stop`.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        for stream in self.shared.streams.lock().unwrap_or_else(std::sync::PoisonError::into_inner).values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
        // The batcher ends when the last reader has dropped its sender.
        if let Some(batcher) = self.batcher.take() {
            let _ = batcher.join();
        }
    }
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name(name.to_string())
        .spawn(f)
        .map_err(|e| Error::internal(format!("cannot start a thread: {e}")))
}

fn accept(listener: &TcpListener, shared: &Arc<Shared>, events: &Sender<Event>) {
    let mut next = 0u64;
    for stream in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        let peer = stream.peer_addr().map_or_else(|_| "a client".to_string(), |a| a.to_string());
        if shared.open.load(Ordering::SeqCst) >= shared.options.max_connections {
            log::warn!(target: "tfe::serve", "refused a connection from {peer}: {} connections are open", shared.options.max_connections);
            continue;
        }
        let Ok(handle) = stream.try_clone() else { continue };
        next += 1;
        let id = next;
        shared.open.fetch_add(1, Ordering::SeqCst);
        shared.streams.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(id, handle);
        let (shared, events) = (shared.clone(), events.clone());
        let spawned = spawn("tfe-serve-conn", move || {
            if let Err(e) = serve_connection(&stream, &shared, &events) {
                log::info!(target: "tfe::serve", "closed the connection from {peer}: {e}");
            }
            shared.streams.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&id);
            shared.open.fetch_sub(1, Ordering::SeqCst);
        });
        if spawned.is_err() {
            log::warn!(target: "tfe::serve", "cannot start a thread for a connection");
        }
    }
}

/// A connection's answers, to its writer thread; `tokens` counts the
/// requests in flight.
struct Conn {
    frames: Sender<(Frame, bool)>,
    stream: TcpStream,
}

impl Outbox for Conn {
    fn answer(&self, frame: Frame) {
        if let Err(TrySendError::Full(_)) = self.frames.try_send((frame, true)) {
            // Cannot happen while tokens bound the answers in flight; a
            // client that stopped reading is dropped rather than waited for.
            let _ = self.stream.shutdown(Shutdown::Both);
        }
    }
}

/// The hello, then requests until the client closes or breaks the protocol.
fn serve_connection(stream: &TcpStream, shared: &Shared, events: &Sender<Event>) -> Result<()> {
    let options = &shared.options;
    let peer = stream.peer_addr().map_or_else(|_| "client".to_string(), |a| format!("client {a}"));
    let _ = stream.set_nodelay(true);
    stream.set_read_timeout(Some(options.handshake_timeout)).map_err(|e| Error::network(&peer, e))?;
    stream.set_write_timeout(Some(options.write_timeout)).map_err(|e| Error::network(&peer, e))?;
    let mut reader = std::io::BufReader::new(stream.try_clone().map_err(|e| Error::network(&peer, e))?);
    let hello = match read_frame(&mut reader, 64, &peer) {
        Ok(Some(hello)) => hello,
        Ok(None) => return Err(Error::protocol(&peer, "closed before its hello")),
        Err(e) => {
            refuse(stream, &mut reader, &e);
            return Err(e);
        }
    };
    let (server, key) = match parse_hello(&hello, &peer) {
        Ok(v) => v,
        Err(e) => {
            refuse(stream, &mut reader, &e);
            return Err(e);
        }
    };
    stream.set_read_timeout(None).map_err(|e| Error::network(&peer, e))?;

    let (frames_tx, frames_rx) = bounded(options.max_in_flight + 2);
    let (tokens_tx, tokens_rx) = bounded(options.max_in_flight);
    let writer_stream = stream.try_clone().map_err(|e| Error::network(&peer, e))?;
    spawn("tfe-serve-write", move || write_answers(writer_stream, &frames_rx, &tokens_rx))?;
    let _ = frames_tx.send((welcome(&shared.info), false));

    let info = &shared.info;
    let max_len = 64 + 8 * info.max_batch * info.input_len();
    let outcome = loop {
        let frame = match read_frame(&mut reader, max_len, &peer) {
            Ok(Some(frame)) => frame,
            Ok(None) => break Ok(()),
            Err(e) => {
                // Garbage: say why, then close (the stream cannot be resynchronized).
                let _ = frames_tx.try_send((Frame::error(0, &e.to_string()), false));
                drain(stream, &mut reader);
                break Err(e);
            }
        };
        let (rows, body) = check_request(&frame, info, &peer);
        // Waits while `max_in_flight` answers are outstanding; fails when
        // the writer has gone (the client stopped reading or left).
        if tokens_tx.send(()).is_err() {
            break Ok(());
        }
        let outbox = Box::new(Conn {
            frames: frames_tx.clone(),
            stream: stream.try_clone().map_err(|e| Error::network(&peer, e))?,
        });
        if events.send(Event::Request { server, key, id: frame.id, rows, body, outbox }).is_err() {
            break Ok(());
        }
    };
    let _ = events.send(Event::Closed { server, key });
    outcome
}

fn parse_hello(hello: &Frame, peer: &str) -> Result<(usize, ClientKey)> {
    let mut p = Payload::opening(hello, Kind::Hello, peer)?;
    let server = usize::from(p.bytes(1, "the server index")?[0]);
    if server > 2 {
        return Err(Error::protocol(peer, format!("server index {server}, expected 0, 1 or 2")));
    }
    let key: ClientKey = p.bytes(16, "the client key")?.try_into().expect("16 bytes");
    Ok((server, key))
}

/// The samples of a request and its part, or why it is refused.
fn check_request(frame: &Frame, info: &ModelInfo, peer: &str) -> (usize, Body) {
    if frame.kind != Kind::Predict {
        return (0, Body::Refused(format!("expected a Predict frame, found {:?}", frame.kind)));
    }
    let mut p = Payload::new(&frame.payload, peer);
    let Ok(rows) = p.u32("the number of samples") else {
        return (0, Body::Refused("the request ends before its number of samples".to_string()));
    };
    let rows = rows as usize;
    let bytes = p.remaining();
    let width = info.input_len();
    let expected = rows.saturating_mul(width);
    if !bytes.is_multiple_of(8) || rows == 0 || rows > info.max_batch || bytes / 8 != expected {
        let shape: Vec<String> = info.input_shape.iter().map(ToString::to_string).collect();
        return (
            0,
            Body::Refused(format!(
                "request {}: {rows} samples in {bytes} bytes, expected 1 to {} samples of {width} values each \
                 (shape [{}] per sample, 8 bytes per value)",
                frame.id,
                info.max_batch,
                shape.join(", ")
            )),
        );
    }
    match p.words(expected, "the input") {
        Ok(words) => (rows, Body::Part(words)),
        Err(e) => (0, Body::Refused(e.to_string())),
    }
}

/// Answers a connection whose hello could not be accepted with the reason.
fn refuse(stream: &TcpStream, reader: &mut impl Read, e: &Error) {
    let mut w = stream;
    let _ = w.write_all(&Frame::error(0, &e.to_string()).encode());
    drain(stream, reader);
}

/// Reads and drops what the peer sent after a frame that could not be
/// read (for up to a second, at most 1 MiB), so that closing the
/// connection does not reset it before the peer has read the error.
fn drain(stream: &TcpStream, reader: &mut impl Read) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let _ = std::io::copy(&mut reader.take(1 << 20), &mut std::io::sink());
}

fn welcome(info: &ModelInfo) -> Frame {
    let mut w = PayloadWriter::default();
    w.u16(VERSION).u32(info.max_batch as u32).u32(info.fixed.frac_bits).u32(info.fixed.int_bits);
    w.shape(&info.input_shape).u32(info.output_shapes.len() as u32);
    for shape in &info.output_shapes {
        w.shape(shape);
    }
    Frame { kind: Kind::Welcome, id: 0, payload: w.0 }
}

/// Writes answers in order; each answer to a request frees its token.
fn write_answers(mut stream: TcpStream, frames: &Receiver<(Frame, bool)>, tokens: &Receiver<()>) {
    for (frame, answers_request) in frames {
        if stream.write_all(&frame.encode()).is_err() {
            let _ = stream.shutdown(Shutdown::Both);
            return;
        }
        if answers_request {
            let _ = tokens.try_recv();
        }
    }
}
