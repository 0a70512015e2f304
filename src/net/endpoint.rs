//! A player's end of the mesh: sends tagged words to peers, receives by
//! (peer, tag) with a deadline, and counts what it sends.
//!
//! Each peer's incoming frames arrive on one crossbeam channel (fed by a
//! reader thread for TCP, or directly by the peer in memory). Frames that
//! arrive before they are asked for wait in a stash keyed by tag; frames of
//! runs that are over are dropped. A peer's abort or closed connection turns
//! the waiting receive into an error that names the peer.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

use super::frame::{self, HEADER_BYTES, Tag};
use super::pool::BufferPool;
use super::stats::Counters;
use crate::error::{Error, Result};

/// What a peer's channel delivers.
#[derive(Debug)]
pub enum Incoming {
    Data(Tag, Vec<u64>),
    Abort {
        run: u32,
        reason: String,
    },
    /// The connection is gone; no more frames will come.
    Closed(Error),
}

/// How frames leave towards one peer.
pub(crate) enum Outgoing {
    Tcp(std::net::TcpStream),
    Tls(std::sync::Arc<super::tls::TlsLink>),
    Memory { to: Sender<Incoming>, buffers: BufferPool },
}

pub(crate) struct Peer {
    pub(crate) outgoing: Outgoing,
    pub(crate) incoming: Receiver<Incoming>,
    /// Joined on drop, after the socket is shut down.
    pub(crate) reader: Option<std::thread::JoinHandle<()>>,
}

/// One player's connections to every other player.
pub struct Endpoint {
    me: usize,
    names: Vec<String>,
    peers: Vec<Option<Peer>>,
    recv_timeout: Duration,
    stash: HashMap<(usize, Tag), Vec<u64>>,
    aborts: HashMap<(usize, u32), String>,
    closed: Vec<Option<Error>>,
    counters: Counters,
    /// Bytes sent to each peer including frame headers, since creation.
    wire_bytes_to: Vec<u64>,
    /// The (run, op, step) of the last communication, to count rounds.
    last_step: Option<Tag>,
    /// Where received words go back for reuse by later messages.
    buffers: BufferPool,
}

impl Endpoint {
    pub(crate) fn new(
        me: usize,
        names: Vec<String>,
        peers: Vec<Option<Peer>>,
        recv_timeout: Duration,
        buffers: BufferPool,
    ) -> Self {
        let n = names.len();
        Endpoint {
            me,
            names,
            peers,
            recv_timeout,
            stash: HashMap::new(),
            aborts: HashMap::new(),
            closed: vec![None; n],
            counters: Counters::default(),
            wire_bytes_to: vec![0; n],
            last_step: None,
            buffers,
        }
    }

    /// This player's index in the player list.
    pub fn me(&self) -> usize {
        self.me
    }

    /// The names of all players, by index.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// What this endpoint has sent so far.
    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// Bytes sent to player `to` since the endpoint was created, frame
    /// headers included (the handshake and TLS records are not).
    pub fn wire_bytes_to(&self, to: usize) -> u64 {
        self.wire_bytes_to.get(to).copied().unwrap_or(0)
    }

    pub fn recv_timeout(&self) -> Duration {
        self.recv_timeout
    }

    pub fn set_recv_timeout(&mut self, timeout: Duration) {
        self.recv_timeout = timeout;
    }

    /// Starts a run: frames of earlier runs are no longer wanted.
    pub fn begin_run(&mut self, run: u32) {
        self.stash.retain(|(_, tag), _| tag.run >= run);
        self.aborts.retain(|(_, r), _| *r >= run);
        self.last_step = None;
    }

    /// Hands back received words the caller is done with, so that a later
    /// message can be read into them (see [`super::pool`]).
    pub fn recycle(&self, words: Vec<u64>) {
        self.buffers.give(words);
    }

    /// A buffer of `len` words with unspecified contents (an idle receive
    /// buffer, or a new one), for a kernel that overwrites all of them.
    pub fn buffer(&self, len: usize) -> Vec<u64> {
        self.buffers.take(len)
    }

    /// Sends `words` to player `to` under `tag`.
    pub fn send(&mut self, to: usize, tag: Tag, words: &[u64]) -> Result<()> {
        self.count_step(tag);
        let name = self.names[to].clone();
        let peer = self.peer(to)?;
        let sent = match &mut peer.outgoing {
            Outgoing::Tcp(stream) => {
                frame::write_data(stream, tag, words).map_err(|e| Error::network(&name, format!("sending failed: {e}")))
            }
            Outgoing::Tls(link) => frame::write_data(&mut &**link, tag, words)
                .map_err(|e| Error::network(&name, format!("sending failed: {e}"))),
            Outgoing::Memory { to, buffers } => {
                let mut copy = buffers.take(words.len());
                copy.copy_from_slice(words);
                to.send(Incoming::Data(tag, copy)).map_err(|_| Error::network(&name, "the player has gone"))
            }
        };
        if let Err(e) = sent {
            return Err(self.explain_send_failure(to, tag.run, e));
        }
        self.counters.messages_sent += 1;
        self.counters.bytes_sent += words.len() as u64 * 8;
        self.counters.wire_bytes_sent += (words.len() * 8 + HEADER_BYTES) as u64;
        self.wire_bytes_to[to] += (words.len() * 8 + HEADER_BYTES) as u64;
        Ok(())
    }

    /// Receives the words player `from` sent under `tag`, waiting at most the
    /// receive timeout.
    pub fn recv(&mut self, from: usize, tag: Tag) -> Result<Vec<u64>> {
        self.count_step(tag);
        if let Some(words) = self.stash.remove(&(from, tag)) {
            return Ok(words);
        }
        let deadline = Instant::now() + self.recv_timeout;
        loop {
            if let Some(reason) = self.aborts.get(&(from, tag.run)) {
                return Err(Error::Aborted { player: self.names[from].clone(), message: reason.clone() });
            }
            if let Some(err) = &self.closed[from] {
                return Err(err.clone());
            }
            let incoming = self.peer(from)?.incoming.recv_deadline(deadline);
            match incoming {
                Ok(Incoming::Data(t, words)) if t == tag => return Ok(words),
                Ok(Incoming::Data(t, words)) => {
                    if t.run >= tag.run {
                        self.stash.insert((from, t), words);
                    }
                }
                Ok(Incoming::Abort { run, reason }) => {
                    self.aborts.insert((from, run), reason);
                }
                Ok(Incoming::Closed(err)) => self.closed[from] = Some(err),
                Err(RecvTimeoutError::Disconnected) => {
                    self.closed[from] = Some(Error::network(&self.names[from], "connection closed"));
                }
                Err(RecvTimeoutError::Timeout) => {
                    return Err(Error::Timeout {
                        player: self.names[from].clone(),
                        timeout_ms: self.recv_timeout.as_millis() as u64,
                        waiting_for: format!("op {} step {} of run {}", tag.op, tag.step, tag.run),
                    });
                }
            }
        }
    }

    /// A peer that gave up on the run closes its connections right after
    /// saying why; a send to it fails first. Reads what the peer said last,
    /// so the error names the player that started the failure.
    fn explain_send_failure(&mut self, from: usize, run: u32, failure: Error) -> Error {
        let deadline = Instant::now() + self.recv_timeout.min(Duration::from_secs(1));
        while self.closed[from].is_none() {
            let Ok(peer) = self.peer(from) else { break };
            match peer.incoming.recv_deadline(deadline) {
                Ok(Incoming::Data(t, words)) => {
                    self.stash.insert((from, t), words);
                }
                Ok(Incoming::Abort { run, reason }) => {
                    self.aborts.insert((from, run), reason);
                }
                Ok(Incoming::Closed(err)) => self.closed[from] = Some(err),
                Err(_) => break,
            }
        }
        match self.aborts.get(&(from, run)) {
            Some(reason) => Error::Aborted { player: self.names[from].clone(), message: reason.clone() },
            None => failure,
        }
    }

    /// Tells every peer that this player gives up on `run`, and why. Best
    /// effort: a peer that is already gone is skipped.
    pub fn abort(&mut self, run: u32, reason: &str) {
        for peer in self.peers.iter_mut().flatten() {
            let _ = match &mut peer.outgoing {
                Outgoing::Tcp(stream) => frame::write_abort(stream, run, reason).is_ok(),
                Outgoing::Tls(link) => frame::write_abort(&mut &**link, run, reason).is_ok(),
                Outgoing::Memory { to, .. } => to.send(Incoming::Abort { run, reason: reason.to_string() }).is_ok(),
            };
        }
    }

    fn peer(&mut self, index: usize) -> Result<&mut Peer> {
        let name = self.names.get(index).cloned().unwrap_or_default();
        self.peers
            .get_mut(index)
            .and_then(Option::as_mut)
            .ok_or_else(|| Error::internal(format!("no connection to player {index} ('{name}')")))
    }

    /// A new (run, op, step) is a new round for this player.
    fn count_step(&mut self, tag: Tag) {
        if self.last_step != Some(tag) {
            self.last_step = Some(tag);
            self.counters.rounds += 1;
        }
    }
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        for peer in self.peers.iter_mut().flatten() {
            match &peer.outgoing {
                Outgoing::Tcp(stream) => {
                    let _ = stream.shutdown(std::net::Shutdown::Both);
                }
                Outgoing::Tls(link) => link.shutdown(),
                Outgoing::Memory { .. } => {}
            }
            if let Some(reader) = peer.reader.take() {
                let _ = reader.join();
            }
        }
    }
}
