//! Admitting the players with higher indices: every incoming connection is
//! handshaken at the same time as the others, without blocking, each within
//! a deadline of its own, so a stranger that connects and stays silent,
//! sends a byte a second or sends garbage delays nobody.
//!
//! Nothing of this player's own hello (session id, graph digest) reaches a
//! connection before it has authenticated: over TLS, by the pinned
//! certificate of one of the expected players; over plaintext TCP, which has
//! no authentication, by a hello that names an expected player and our
//! session id. A refused connection is closed without an answer (and logged),
//! except for an authenticated player with another graph, which is told ours
//! so that its own error says what differs.

use std::io::{self, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use super::handshake::{Hello, MAGIC};
use super::socket_peer;
use super::tcp::{Link, MeshSetup};
use super::tls::TlsWire;
use crate::error::{Error, Result};

/// At most this many incoming connections are handshaken at once; one more
/// is closed at once. Each costs a socket and a TLS state until its deadline.
pub(super) const MAX_PENDING: usize = 64;

/// Bytes of a hello before its name: magic, version, name length.
const HEAD: usize = 7;

/// Accepts and handshakes the connections of every player with a higher
/// index, filing each link under its player, until all are in or the
/// connect deadline passes.
pub(super) fn accept_higher(listener: &TcpListener, setup: &MeshSetup<'_>, links: &mut [Option<Link>]) -> Result<()> {
    let MeshSetup { players, me, deadline, .. } = *setup;
    let my_name = players[me].name.as_str();
    listener.set_nonblocking(true).map_err(|e| Error::network(my_name, format!("listener: {e}")))?;
    let higher: Vec<&str> = players[me + 1..].iter().map(|p| p.name.as_str()).collect();
    let mut pending: Vec<Pending> = Vec::new();
    let mut last_refusal: Option<String> = None;
    let mut refuse = |from: SocketAddr, e: &Error| {
        // Anyone can open a TCP connection: a stranger, a scanner or a
        // misconfigured player is turned away without ending the wait.
        log::warn!("{my_name}: refused a connection from {from}: {e}");
        last_refusal = Some(e.to_string());
    };
    while links[me + 1..].iter().any(Option::is_none) {
        loop {
            match listener.accept() {
                Ok((_, from)) if pending.len() >= MAX_PENDING => {
                    refuse(from, &Error::network("a connecting player", "too many handshakes in progress"));
                }
                Ok((stream, from)) => match Pending::new(stream, from, setup, &higher) {
                    Ok(p) => pending.push(p),
                    Err(e) => refuse(from, &e),
                },
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::network(my_name, format!("accept failed: {e}"))),
            }
        }
        let now = Instant::now();
        let mut i = 0;
        while i < pending.len() {
            let outcome = if pending[i].deadline <= now {
                Err(Error::network(
                    "a connecting player",
                    format!("sent no complete handshake within {} ms", setup.options.recv_timeout.as_millis()),
                ))
            } else {
                pending[i].read_hello()
            };
            match outcome {
                Ok(None) => i += 1,
                Ok(Some(theirs)) => {
                    let p = pending.swap_remove(i);
                    let from = p.from;
                    match p.admit(&theirs, setup, &higher, links) {
                        Ok((j, link)) => {
                            log::info!("{my_name}: {} connected from {from}", players[j].name);
                            links[j] = Some(link);
                        }
                        Err(e) => refuse(from, &e),
                    }
                }
                Err(e) => refuse(pending.swap_remove(i).from, &e),
            }
        }
        if links[me + 1..].iter().all(Option::is_some) {
            break;
        }
        let absent = || -> Vec<&str> {
            (me + 1..players.len()).filter(|&j| links[j].is_none()).map(|j| players[j].name.as_str()).collect()
        };
        setup.cancel.check(my_name, absent)?;
        if now >= deadline {
            let absent = absent();
            let last = last_refusal.as_deref().map(|r| format!("; last refused connection: {r}")).unwrap_or_default();
            return Err(Error::network(
                absent.first().copied().unwrap_or("unknown"),
                format!("did not connect before the connect timeout (missing: {}){last}", absent.join(", ")),
            ));
        }
        wait(listener, &pending, setup.cancel.next_check(deadline))
            .map_err(|e| Error::internal(format!("poll failed: {e}")))?;
    }
    Ok(())
}

/// Waits until the listener or a pending connection has something, or the
/// earliest deadline passes (`until`: the connect deadline, or sooner when
/// the caller's check is to be asked).
fn wait(listener: &TcpListener, pending: &[Pending], until: Instant) -> io::Result<()> {
    let mut fds = vec![libc::pollfd { fd: listener.as_raw_fd(), events: libc::POLLIN, revents: 0 }];
    let mut until = until;
    for p in pending {
        let out = if p.conn.wants_write() { libc::POLLOUT } else { 0 };
        fds.push(libc::pollfd { fd: p.conn.stream().as_raw_fd(), events: libc::POLLIN | out, revents: 0 });
        until = until.min(p.deadline);
    }
    socket_peer::poll(&mut fds, until.saturating_duration_since(Instant::now()).max(Duration::from_millis(1)))
}

/// An incoming connection on its way to becoming a link.
struct Pending {
    from: SocketAddr,
    /// Its own deadline: the receive timeout after it was accepted.
    deadline: Instant,
    conn: Conn,
    /// The bytes of the peer's hello so far.
    hello: Vec<u8>,
}

enum Conn {
    Plain(TcpStream),
    /// Boxed: a rustls connection is large.
    Tls(Box<TlsWire>),
}

impl Conn {
    fn stream(&self) -> &TcpStream {
        match self {
            Conn::Plain(s) => s,
            Conn::Tls(t) => t.sock(),
        }
    }

    fn wants_write(&self) -> bool {
        matches!(self, Conn::Tls(t) if t.wants_write())
    }

    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.read(buf),
            Conn::Tls(t) => t.read(buf),
        }
    }
}

impl Pending {
    fn new(stream: TcpStream, from: SocketAddr, setup: &MeshSetup<'_>, higher: &[&str]) -> Result<Self> {
        let io = |e: io::Error| Error::network("a connecting player", format!("socket setup: {e}"));
        stream.set_nodelay(true).map_err(io)?;
        let conn = match setup.tls {
            None => {
                stream.set_nonblocking(true).map_err(io)?;
                Conn::Plain(stream)
            }
            Some(tls) => Conn::Tls(Box::new(TlsWire::server(stream, tls, higher)?)),
        };
        let deadline = (Instant::now() + setup.options.recv_timeout).min(setup.deadline);
        Ok(Pending { from, deadline, conn, hello: Vec::new() })
    }

    /// Reads what has arrived (the TLS handshake advances as it is read):
    /// the peer's hello once it is whole, `None` while more is needed.
    fn read_hello(&mut self) -> Result<Option<Hello>> {
        let stranger = "a connecting player";
        let mut buf = [0u8; HEAD + 255 + 48];
        loop {
            let want = if self.hello.len() < HEAD { HEAD } else { HEAD + self.hello[HEAD - 1] as usize + 48 };
            if self.hello.len() == want && want > HEAD {
                return Hello::read(&mut &self.hello[..], stranger).map(Some);
            }
            match self.conn.read(&mut buf[..want - self.hello.len()]) {
                Ok(0) => return Err(Error::network(stranger, "closed the connection during the handshake")),
                Ok(n) => {
                    self.hello.extend_from_slice(&buf[..n]);
                    let head = self.hello.len().min(MAGIC.len());
                    if self.hello[..head] != MAGIC[..head] {
                        return Err(Error::protocol(stranger, "sent something other than a tfe handshake"));
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(None),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::protocol(stranger, format!("handshake failed: {e}"))),
            }
        }
    }

    /// Authenticates the peer whose hello is `theirs` and answers it with
    /// ours: the index of its player and the link.
    fn admit(
        self,
        theirs: &Hello,
        setup: &MeshSetup<'_>,
        higher: &[&str],
        links: &[Option<Link>],
    ) -> Result<(usize, Link)> {
        let stranger = "a connecting player";
        let MeshSetup { players, me, hello: ours, tls, options, .. } = *setup;
        if let (Conn::Tls(wire), Some(tls)) = (&self.conn, tls) {
            let name = wire.authenticated(tls, higher).ok_or_else(|| {
                Error::protocol(stranger, "TLS handshake finished without a pinned client certificate")
            })?;
            if name != theirs.player {
                return Err(Error::protocol(
                    &name,
                    format!("presented the certificate of '{name}' but introduced itself as '{}'", theirs.player),
                ));
            }
        }
        let Some(j) = players.iter().position(|p| p.name == theirs.player).filter(|&j| j > me) else {
            let message = format!(
                "introduced itself as '{}', which is not a player that connects to '{}'",
                theirs.player, players[me].name
            );
            return Err(Error::protocol(stranger, message));
        };
        if tls.is_none() && theirs.session_id != ours.session_id {
            // Without TLS the session id is all a peer can prove: a stranger
            // who does not know it learns nothing, not even ours.
            return Err(Error::protocol(&players[j].name, "introduced itself with another session id"));
        }
        if links[j].is_some() {
            return Err(Error::protocol(&players[j].name, "connected twice"));
        }
        let mut link = self.into_link(options.recv_timeout)?;
        if let Err(e) = ours.check_peer(theirs, &players[j].name) {
            // An authenticated player with another graph: tell it ours, so
            // that its own error says what differs.
            let _ = link.write_hello(ours, &players[j].name);
            return Err(e);
        }
        link.write_hello(ours, &players[j].name)?;
        Ok((j, link))
    }

    /// The connection as a link of the setup, whose reads and writes wait
    /// at most `timeout` for the peer.
    fn into_link(self, timeout: Duration) -> Result<Link> {
        let io = |e: io::Error| Error::network("a connecting player", format!("socket setup: {e}"));
        match self.conn {
            Conn::Plain(stream) => {
                stream.set_nonblocking(false).map_err(io)?;
                stream.set_write_timeout(Some(timeout)).map_err(io)?;
                stream.set_read_timeout(Some(timeout)).map_err(io)?;
                Ok(Link::Plain(stream))
            }
            Conn::Tls(wire) => Ok(Link::Tls(Box::new(wire.into_link(timeout)))),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::net::TcpListener;

    use super::*;
    use crate::net::Cancel;
    use crate::net::tcp::{PlayerAddr, TcpOptions, connect_mesh};

    const SESSION: [u8; 16] = [7; 16];
    const GRAPH: [u8; 32] = [9; 32];

    /// Two players on loopback; the listener of player 0 is returned
    /// before anyone connects, so strangers can be first in its queue.
    fn two_players() -> (TcpListener, Vec<PlayerAddr>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let players =
            vec![PlayerAddr { name: "a".into(), addr }, PlayerAddr { name: "b".into(), addr: "127.0.0.1:1".into() }];
        (listener, players)
    }

    #[test]
    fn strangers_first_in_the_queue_delay_no_player_and_learn_nothing() {
        let (listener, players) = two_players();
        let address = players[0].addr.clone();
        // Queued before the player: one silent, one sending garbage, one
        // sending a well-formed hello of player b in another session.
        let silent = TcpStream::connect(&address).unwrap();
        let mut garbage = TcpStream::connect(&address).unwrap();
        garbage.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
        let mut impostor = TcpStream::connect(&address).unwrap();
        Hello::new("b", [1; 16], GRAPH).write(&mut impostor).unwrap();
        // A connect timeout a silent stranger, served first and to its
        // end, would use up; each handshake has a fifth of it.
        let options = TcpOptions {
            connect_timeout: Duration::from_secs(10),
            recv_timeout: Duration::from_secs(2),
            ..TcpOptions::default()
        };
        let b_players = players.clone();
        let b = std::thread::spawn(move || {
            let own = TcpListener::bind("127.0.0.1:0").unwrap();
            connect_mesh(own, &b_players, 1, &Hello::new("b", SESSION, GRAPH), options, None, Cancel::NEVER).map(|_| ())
        });
        let a = connect_mesh(listener, &players, 0, &Hello::new("a", SESSION, GRAPH), options, None, Cancel::NEVER);
        a.unwrap();
        b.join().unwrap().unwrap();
        // The impostor was closed without a word: no session id, no digest.
        impostor.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut answer = Vec::new();
        let _ = impostor.read_to_end(&mut answer);
        assert!(answer.is_empty(), "a stranger was told {} bytes", answer.len());
        drop(silent);
    }
}
