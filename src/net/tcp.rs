//! TCP transport: one connection per pair of players, `TCP_NODELAY`, a
//! handshake, then frames, which the player's own thread reads and writes
//! (see `super::socket_peer`), over TLS or not.
//!
//! The player with the lower index listens, the higher one connects (with
//! retries until the connect timeout, so players may start in any order).
//! A player first connects to every lower one, in order, then admits the
//! higher ones all at once (`super::admission`): a lower player is either
//! not up yet, or admitting, so no player waits on a cycle, and a stranger
//! at a listener delays no one.

use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use socket2::SockRef;

use super::admission;
use super::cancel::Cancel;
use super::endpoint::{Endpoint, Peer};
use super::handshake::Hello;
use super::pool::BufferPool;
use super::socket_peer::{SocketPeer, Wire};
use super::tls::{TlsLink, TlsSettings};
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
    /// The player's name, as the graph names it.
    pub name: String,
    /// `host:port` where the player listens.
    pub addr: String,
}

/// Connects `me` to every other player. `listener` must be bound to
/// `players[me].addr` (or to port 0 when the caller has passed the chosen
/// port along). With `tls`, every connection is TLS 1.3 with pinned
/// certificates; without it, plaintext TCP. Blocks until all connections
/// are up, the connect timeout passes or `cancel` gives up.
#[expect(clippy::needless_pass_by_value, reason = "the mesh owns the listener: it closes once every peer is connected")]
pub fn connect_mesh(
    listener: TcpListener,
    players: &[PlayerAddr],
    me: usize,
    hello: &Hello,
    options: TcpOptions,
    tls: Option<&TlsSettings>,
    cancel: Cancel<'_>,
) -> Result<Endpoint> {
    let deadline = Instant::now() + options.connect_timeout;
    let n = players.len();
    let mut links: Vec<Option<Link>> = (0..n).map(|_| None).collect();
    for (j, player) in players.iter().enumerate().take(me) {
        let stream = connect_with_retries(&players[me].name, player, deadline, cancel)?;
        configure(&stream, &player.name, deadline)?;
        let mut link = match tls {
            None => Link::Plain(stream),
            Some(tls) => Link::Tls(Box::new(TlsLink::client(stream, tls, &player.name, options.recv_timeout)?)),
        };
        link.write_hello(hello, &player.name)?;
        let theirs = link.read_hello(&player.name)?;
        hello.check_peer(&theirs, &player.name)?;
        log::info!("{}: connected to {} at {}", players[me].name, player.name, player.addr);
        links[j] = Some(link);
    }
    let setup = MeshSetup { players, me, hello, deadline, tls, options, cancel };
    admission::accept_higher(&listener, &setup, &mut links)?;
    let names: Vec<String> = players.iter().map(|p| p.name.clone()).collect();
    let buffers = BufferPool::default();
    let peers = links
        .into_iter()
        .enumerate()
        .map(|(j, link)| link.map(|l| start_peer(l, &names[j], options, buffers.clone())).transpose())
        .collect::<Result<Vec<_>>>()?;
    Ok(Endpoint::new(me, names, peers, options.recv_timeout, buffers))
}

/// A connection after TCP setup, before it becomes a peer.
pub(super) enum Link {
    Plain(TcpStream),
    /// Boxed: a rustls connection is large.
    Tls(Box<TlsLink>),
}

impl Link {
    pub(super) fn write_hello(&mut self, hello: &Hello, peer: &str) -> Result<()> {
        let written = match self {
            Link::Plain(s) => hello.write(s),
            Link::Tls(t) => hello.write(&mut **t),
        };
        written.map_err(|e| Error::network(peer, format!("handshake failed: {e}")))
    }

    fn read_hello(&mut self, peer: &str) -> Result<Hello> {
        match self {
            Link::Plain(s) => Hello::read(s, peer),
            Link::Tls(t) => Hello::read(&mut **t, peer),
        }
    }
}

/// Player `me`'s connection to `player`, tried again until the deadline.
fn connect_with_retries(me: &str, player: &PlayerAddr, deadline: Instant, cancel: Cancel<'_>) -> Result<TcpStream> {
    let PlayerAddr { name, addr } = player;
    let sock_addr = resolve(name, addr)?;
    loop {
        cancel.check(me, || vec![name.as_str()])?;
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

/// What every step of joining the mesh needs to know.
pub(super) struct MeshSetup<'a> {
    pub(super) players: &'a [PlayerAddr],
    pub(super) me: usize,
    pub(super) hello: &'a Hello,
    /// The connect deadline.
    pub(super) deadline: Instant,
    pub(super) tls: Option<&'a TlsSettings>,
    pub(super) options: TcpOptions,
    /// The caller's check, asked while waiting.
    pub(super) cancel: Cancel<'a>,
}

/// `TCP_NODELAY`, and a read timeout for the handshake only.
fn configure(stream: &TcpStream, name: &str, deadline: Instant) -> Result<()> {
    let sock = SockRef::from(stream);
    let io = |e: std::io::Error| Error::network(name, format!("socket setup: {e}"));
    sock.set_tcp_nodelay(true).map_err(io)?;
    let left = deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(100));
    stream.set_read_timeout(Some(left)).map_err(io)?;
    stream.set_write_timeout(Some(left)).map_err(io)
}

fn start_peer(link: Link, name: &str, options: TcpOptions, buffers: BufferPool) -> Result<Peer> {
    let io = |e: std::io::Error| Error::network(name, format!("socket setup: {e}"));
    let wire = match link {
        Link::Plain(stream) => Wire::Plain(stream),
        Link::Tls(link) => Wire::Tls(Box::new(link.into_wire())),
    };
    // The endpoint's thread reads and writes the socket itself, without
    // blocking: deadlines live in the endpoint.
    wire.stream().set_read_timeout(None).map_err(io)?;
    wire.stream().set_write_timeout(None).map_err(io)?;
    Ok(Peer::Socket(Box::new(SocketPeer::new(wire, name.to_owned(), options.max_frame_bytes, buffers).map_err(io)?)))
}

/// Binds a listener for a player, with a clear error for a port in use.
pub fn bind(name: &str, addr: &str) -> Result<TcpListener> {
    let sock_addr = resolve(name, addr)?;
    TcpListener::bind(sock_addr).map_err(|e| Error::network(name, format!("cannot listen on {addr}: {e}")))
}
