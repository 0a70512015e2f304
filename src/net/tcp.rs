//! TCP transport: one connection per pair of players, `TCP_NODELAY`, a
//! handshake, then frames. Each connection gets one reader thread that turns
//! frames into [`Incoming`] messages; the owner writes on its own clone of
//! the socket, so a large send never waits for the peer's application.
//!
//! The player with the lower index listens, the higher one connects (with
//! retries until the connect timeout, so players may start in any order).

use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use crossbeam_channel::{Sender, unbounded};
use socket2::SockRef;

use super::endpoint::{Endpoint, Incoming, Outgoing, Peer};
use super::frame::{self, ReadError};
use super::handshake::Hello;
use crate::error::{Error, Result};

/// Timeouts and limits of TCP connections.
#[derive(Clone, Copy, Debug)]
pub struct TcpOptions {
    /// How long to keep trying to reach every peer.
    pub connect_timeout: Duration,
    /// How long a receive waits before it names the silent peer.
    pub recv_timeout: Duration,
    /// Largest data frame accepted from a peer.
    pub max_frame_bytes: usize,
}

impl Default for TcpOptions {
    fn default() -> Self {
        TcpOptions {
            connect_timeout: Duration::from_secs(30),
            recv_timeout: Duration::from_secs(30),
            max_frame_bytes: 1 << 30,
        }
    }
}

/// A player of the mesh: its name and where it listens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlayerAddr {
    pub name: String,
    pub addr: String,
}

/// Connects `me` to every other player. `listener` must be bound to
/// `players[me].addr` (or to port 0 when the caller has passed the chosen
/// port along). Blocks until all connections are up or the timeout passes.
pub fn connect_mesh(
    listener: TcpListener,
    players: &[PlayerAddr],
    me: usize,
    hello: &Hello,
    options: TcpOptions,
) -> Result<Endpoint> {
    let deadline = Instant::now() + options.connect_timeout;
    let n = players.len();
    let mut streams: Vec<Option<TcpStream>> = (0..n).map(|_| None).collect();
    for (j, player) in players.iter().enumerate().take(me) {
        let stream = connect_with_retries(&player.name, &player.addr, deadline)?;
        configure(&stream, &player.name, deadline)?;
        let mut s = &stream;
        hello.write(&mut s).map_err(|e| Error::network(&player.name, format!("handshake failed: {e}")))?;
        let theirs = Hello::read(&mut s, &player.name)?;
        hello.check_peer(&theirs, &player.name)?;
        streams[j] = Some(stream);
    }
    accept_higher(&listener, players, me, hello, deadline, &mut streams)?;
    let names: Vec<String> = players.iter().map(|p| p.name.clone()).collect();
    let peers = streams
        .into_iter()
        .enumerate()
        .map(|(j, stream)| stream.map(|s| start_peer(s, names[j].clone(), options.max_frame_bytes)).transpose())
        .collect::<Result<Vec<_>>>()?;
    Ok(Endpoint::new(me, names, peers, options.recv_timeout))
}

fn connect_with_retries(name: &str, addr: &str, deadline: Instant) -> Result<TcpStream> {
    let sock_addr = resolve(name, addr)?;
    loop {
        let left = deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(10));
        let last_error = match TcpStream::connect_timeout(&sock_addr, left.min(Duration::from_secs(1))) {
            Ok(stream) => return Ok(stream),
            Err(e) => e,
        };
        if Instant::now() >= deadline {
            return Err(Error::network(
                name,
                format!("could not connect to {addr} before the connect timeout: {last_error}"),
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn resolve(name: &str, addr: &str) -> Result<SocketAddr> {
    addr.to_socket_addrs()
        .map_err(|e| Error::config(format!("player '{name}' has address '{addr}': {e} (expected host:port)")))?
        .next()
        .ok_or_else(|| Error::config(format!("player '{name}': address '{addr}' resolves to nothing")))
}

/// Accepts the connections of every player with a higher index.
fn accept_higher(
    listener: &TcpListener,
    players: &[PlayerAddr],
    me: usize,
    hello: &Hello,
    deadline: Instant,
    streams: &mut [Option<TcpStream>],
) -> Result<()> {
    listener.set_nonblocking(true).map_err(|e| Error::network(&players[me].name, format!("listener: {e}")))?;
    let mut missing = players.len() - me - 1;
    while missing > 0 {
        match listener.accept() {
            Ok((stream, _)) => {
                stream.set_nonblocking(false).map_err(|e| Error::network("unknown", e))?;
                configure(&stream, "a connecting player", deadline)?;
                let mut s = &stream;
                let theirs = Hello::read(&mut s, "a connecting player")?;
                let Some(j) = players.iter().position(|p| p.name == theirs.player).filter(|&j| j > me) else {
                    return Err(Error::protocol(
                        &theirs.player,
                        format!("unexpected player '{}' connected to '{}'", theirs.player, players[me].name),
                    ));
                };
                if streams[j].is_some() {
                    return Err(Error::protocol(&theirs.player, "connected twice"));
                }
                hello.check_peer(&theirs, &players[j].name)?;
                hello.write(&mut s).map_err(|e| Error::network(&players[j].name, e))?;
                streams[j] = Some(stream);
                missing -= 1;
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                if Instant::now() >= deadline {
                    let absent: Vec<&str> = (me + 1..players.len())
                        .filter(|&j| streams[j].is_none())
                        .map(|j| players[j].name.as_str())
                        .collect();
                    return Err(Error::network(
                        absent.first().copied().unwrap_or("unknown"),
                        format!("did not connect before the connect timeout (missing: {})", absent.join(", ")),
                    ));
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => return Err(Error::network(&players[me].name, format!("accept failed: {e}"))),
        }
    }
    Ok(())
}

/// TCP_NODELAY, and a read timeout for the handshake only.
fn configure(stream: &TcpStream, name: &str, deadline: Instant) -> Result<()> {
    let sock = SockRef::from(stream);
    let io = |e: std::io::Error| Error::network(name, format!("socket setup: {e}"));
    sock.set_tcp_nodelay(true).map_err(io)?;
    let left = deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(100));
    stream.set_read_timeout(Some(left)).map_err(io)?;
    stream.set_write_timeout(Some(left)).map_err(io)
}

fn start_peer(stream: TcpStream, name: String, max_frame_bytes: usize) -> Result<Peer> {
    let io = |e: std::io::Error| Error::network(&name, format!("socket setup: {e}"));
    // Frames arrive whenever the peer is ready; the receive deadline lives in
    // the endpoint, so the reader itself blocks without a timeout.
    stream.set_read_timeout(None).map_err(io)?;
    stream.set_write_timeout(None).map_err(io)?;
    let reader_stream = stream.try_clone().map_err(io)?;
    let (tx, rx) = unbounded();
    let thread_name = format!("tfe-recv-{name}");
    let reader = std::thread::Builder::new()
        .name(thread_name)
        .spawn(move || read_loop(reader_stream, name, max_frame_bytes, tx))
        .map_err(|e| Error::internal(format!("could not start a reader thread: {e}")))?;
    Ok(Peer { outgoing: Outgoing::Tcp(stream), incoming: rx, reader: Some(reader) })
}

fn read_loop(mut stream: TcpStream, name: String, max_frame_bytes: usize, tx: Sender<Incoming>) {
    loop {
        let incoming = match frame::read_frame(&mut stream, max_frame_bytes) {
            Ok(frame::Frame::Data(tag, words)) => Incoming::Data(tag, words),
            Ok(frame::Frame::Abort { run, reason }) => Incoming::Abort { run, reason },
            Err(ReadError::Closed) => Incoming::Closed(Error::network(&name, "connection closed by the peer")),
            Err(ReadError::Io(e)) => Incoming::Closed(Error::network(&name, format!("connection lost: {e}"))),
            Err(ReadError::Malformed(m)) => {
                let _ = stream.shutdown(std::net::Shutdown::Both);
                Incoming::Closed(Error::protocol(&name, format!("malformed frame: {m}")))
            }
        };
        let last = matches!(incoming, Incoming::Closed(_));
        if tx.send(incoming).is_err() || last {
            return;
        }
    }
}

/// Binds a listener for a player, with a clear error for a port in use.
pub fn bind(name: &str, addr: &str) -> Result<TcpListener> {
    let sock_addr = resolve(name, addr)?;
    TcpListener::bind(sock_addr).map_err(|e| Error::network(name, format!("cannot listen on {addr}: {e}")))
}
