//! A player's end of the mesh: sends tagged words to peers, receives by
//! (peer, tag) with a deadline, and counts what it sends.
//!
//! Over TCP (plain or TLS) the player's own thread reads its sockets (see
//! `super::socket_peer`): while it waits for one message, or for room to
//! send one, it takes in whatever any peer sent. In memory, each peer
//! puts its frames on a crossbeam channel.
//! Frames that arrive before they are asked for wait in a stash keyed by
//! tag; frames of runs that are over are dropped. A peer's abort or closed
//! connection turns the waiting receive into an error that names the peer,
//! and so does another player's abort of the run (a player that fails
//! because of another's abort sends none of its own).
//!
//! Flow control (each player sends data of a run only once its peer has
//! begun the run before) lives in [`flow`].
//!
//! Blame: a player whose own wait times out, or whose peer closes, first
//! waits a short margin for an abort from any player: a peer that detected
//! the failure at its source names the player that actually stopped.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::RecvTimeoutError;

use super::frame::{self, HEADER_BYTES, Tag};
use super::interrupt::{self, Interrupt};
use super::memory::{Inbox, Outbox};
use super::pool::BufferPool;
use super::socket_peer::{self, SocketPeer};
use super::stats::Counters;
use crate::error::{Error, Result};

mod flow;

/// What a peer's channel delivers.
#[derive(Debug)]
pub enum Incoming {
    Data(Tag, Vec<u64>),
    Abort {
        run: u64,
        reason: String,
    },
    /// The peer has begun this run (flow control).
    Progress(u64),
    /// The connection is gone; no more frames will come.
    Closed(Error),
}

/// The connection to one peer.
pub(crate) enum Peer {
    /// In the same process: frames go on the peer's channel, copied into a
    /// buffer of the peer's pool, and arrive on this player's channel.
    Memory { to: Outbox, buffers: BufferPool, incoming: Inbox },
    /// A TCP socket (plain or TLS) this player's thread reads and writes
    /// (boxed: it carries its staging buffer and TLS state).
    Socket(Box<SocketPeer>),
}

/// How long a player that aborted a run waits, when it closes, for its
/// peers to read the abort and close their ends.
const ABORT_LINGER: Duration = Duration::from_secs(1);
/// How many runs ahead of a peer a player may send: data of run `r` goes
/// out once the peer has begun run `r - RUNS_AHEAD`.
pub const RUNS_AHEAD: u64 = 1;
/// The longest a player waits, after its own wait failed, for another
/// player's abort that names the source of the failure.
const MAX_BLAME_MARGIN: Duration = Duration::from_secs(2);

/// One player's connections to every other player.
pub struct Endpoint {
    me: usize,
    names: Vec<String>,
    peers: Vec<Option<Peer>>,
    recv_timeout: Duration,
    /// Frames that arrived before they were asked for, by run: a peer that
    /// runs far ahead fills it with later runs' frames, and starting a run
    /// drops the runs that are over without looking at the later ones.
    stash: BTreeMap<u64, HashMap<(usize, Tag), Vec<u64>>>,
    aborts: HashMap<(usize, u64), String>,
    closed: Vec<Option<Error>>,
    counters: Counters,
    /// Bytes sent to each peer including frame headers, since creation.
    wire_bytes_to: Vec<u64>,
    /// The rounds ([`Tag::round`]) this run has communicated in, to count
    /// them; a round is counted once however its sends and receives interleave
    /// with other rounds' (as they do when messages go in parts).
    rounds_seen: HashSet<Tag>,
    /// Where received words go back for reuse by later messages.
    buffers: BufferPool,
    /// The current run: frames of earlier ones are dropped on arrival.
    run: u64,
    /// Scratch of `wait_on_sockets`, kept so a wait allocates nothing.
    poll_fds: Vec<libc::pollfd>,
    poll_owners: Vec<usize>,
    arrived: Vec<Incoming>,
    /// Whether this player has aborted a run (it then closes gracefully).
    aborted: bool,
    /// The last run each peer said it has begun (flow control).
    peer_run: Vec<u64>,
    /// When something last arrived from each peer.
    heard: Vec<Instant>,
    /// How many blame margins this player waits (see [`Endpoint::set_witness_distance`]).
    witness_distance: u32,
    /// The interrupt of the session or party this endpoint serves, if any.
    interrupt: Option<Arc<Interrupt>>,
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
            stash: BTreeMap::new(),
            aborts: HashMap::new(),
            closed: vec![None; n],
            counters: Counters::default(),
            wire_bytes_to: vec![0; n],
            rounds_seen: HashSet::new(),
            buffers,
            run: 0,
            poll_fds: Vec::new(),
            poll_owners: Vec::new(),
            arrived: Vec::new(),
            aborted: false,
            interrupt: None,
            peer_run: vec![0; n],
            heard: vec![Instant::now(); n],
            witness_distance: 1,
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

    /// Makes the runs of `interrupt`'s owner interruptible at this player:
    /// receives and sends then fail with an abort naming this player soon
    /// after the run in progress is interrupted.
    pub fn set_interrupt(&mut self, interrupt: Arc<Interrupt>) {
        self.interrupt = Some(interrupt);
    }

    /// The error of an interrupted run, if the run in progress is one.
    fn check_interrupt(&self) -> Result<()> {
        match &self.interrupt {
            Some(i) if i.is_set() => {
                Err(Error::Aborted { player: self.names[self.me].clone(), message: interrupt::REASON.into() })
            }
            _ => Ok(()),
        }
    }

    /// How long one wait may last: at most `left`, and no longer than
    /// [`interrupt::POLL`] when the run can be interrupted.
    fn slice(&self, left: Duration) -> Duration {
        match self.interrupt {
            Some(_) => left.min(interrupt::POLL),
            None => left,
        }
    }

    /// Starts a run: frames of earlier runs are no longer wanted, and every
    /// peer is told (flow control lets it send this run's data, and the next).
    pub fn begin_run(&mut self, run: u64) -> Result<()> {
        self.run = run;
        self.stash = self.stash.split_off(&run);
        self.aborts.retain(|(_, r), _| *r >= run);
        self.rounds_seen.clear();
        self.announce(run)
    }

    /// Tells every peer that this player has begun `run`.
    fn announce(&mut self, run: u64) -> Result<()> {
        let header = frame::progress_header(run);
        let mut on_sockets = Vec::new();
        for j in 0..self.peers.len() {
            match &self.peers[j] {
                Some(Peer::Socket(_)) => on_sockets.push(SocketSend::new(j, header, &[])),
                Some(Peer::Memory { to, .. }) if to.send(Incoming::Progress(run)).is_err() => {
                    let failure = Error::network(&self.names[j], "the player has gone");
                    return Err(self.explain_send_failure(j, run, failure));
                }
                None | Some(Peer::Memory { .. }) => {}
            }
        }
        if let Err((to, e)) = self.send_on_sockets(&mut on_sockets, true) {
            return Err(self.explain_send_failure(to, run, e));
        }
        // Counted on the wire (they are frames), not as messages of a run.
        for j in 0..self.peers.len() {
            if self.peers[j].is_some() {
                self.wire_bytes_to[j] += HEADER_BYTES as u64;
            }
        }
        Ok(())
    }

    /// The last run player `j` said it has begun: it has completed every
    /// run before that one.
    pub fn peer_run(&self, j: usize) -> u64 {
        self.peer_run.get(j).copied().unwrap_or(0)
    }

    /// How far this player is from the players that see a failure first:
    /// 1 (the default) for players that talk to each other in every round
    /// (the servers), 2 for players that only talk to those. When its own
    /// wait fails, a player waits that many margins for an abort that names
    /// the source, so the nearer witnesses' aborts come first.
    pub fn set_witness_distance(&mut self, distance: u32) {
        self.witness_distance = distance.max(1);
    }

    /// `own`, this player's own view of a failure, unless another player's
    /// abort arrives within a short margin: that one names the player where
    /// the failure started (a peer that stopped makes every player's wait
    /// time out at about the same time; those that waited on it directly
    /// know who it was).
    /// Aborts of runs before `since`, the run the peer waited for was at,
    /// are not the cause: that peer has gone past them.
    fn blame(&mut self, own: Error, since: u64) -> Error {
        let margin = (self.recv_timeout / 4).min(MAX_BLAME_MARGIN) * self.witness_distance;
        let deadline = Instant::now() + margin;
        loop {
            if let Some(abort) = self.abort_of(since) {
                return abort;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return own;
            }
            self.wait_any(left.min(Duration::from_millis(10)));
        }
    }

    /// Waits at most `left` for anything from any peer and files it.
    fn wait_any(&mut self, left: Duration) {
        let mut memory = false;
        for j in 0..self.peers.len() {
            if let Some(Peer::Memory { incoming, .. }) = &self.peers[j] {
                memory = true;
                if let Ok(frame) = incoming.try_recv() {
                    self.file(j, frame);
                }
            }
        }
        if self.peers.iter().flatten().any(|p| matches!(p, Peer::Socket(_))) {
            let _ = self.wait_on_sockets(&[], left);
        } else if memory {
            std::thread::sleep(left);
        }
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
        self.send_many(&[(to, tag, words)])
    }

    /// Sends several messages (to different players) at once. Over sockets
    /// they go out side by side: no receiver waits for another receiver's
    /// large message to drain before its own starts.
    pub fn send_many(&mut self, messages: &[(usize, Tag, &[u64])]) -> Result<()> {
        // The words as the wire has them: little-endian.
        #[cfg(target_endian = "big")]
        let converted: Vec<Vec<u64>> = messages.iter().map(|m| m.2.iter().map(|w| w.to_le()).collect()).collect();
        #[cfg(target_endian = "big")]
        let wire_words = converted.iter().map(Vec::as_slice);
        #[cfg(target_endian = "little")]
        let wire_words = messages.iter().map(|m| m.2);
        for &(to, tag, _) in messages {
            self.wait_for_window(to, tag.run)?;
        }
        let mut on_sockets = Vec::new();
        for (&(to, tag, words), wire_words) in messages.iter().zip(wire_words) {
            self.count_step(tag);
            // The name only when something fails: no allocation per message.
            let name = || self.names.get(to).map_or("", String::as_str);
            let failed = |e: std::io::Error| Error::network(name(), format!("sending failed: {e}"));
            let sent = match self.peer(to)? {
                Peer::Socket(_) => {
                    let header = frame::data_header(tag, words.len()).map_err(failed)?;
                    on_sockets.push(SocketSend::new(to, header, frame::words_as_bytes(wire_words)));
                    Ok(())
                }
                Peer::Memory { to, buffers, .. } => {
                    let mut copy = buffers.take(words.len());
                    copy.copy_from_slice(words);
                    to.send(Incoming::Data(tag, copy)).map_err(|_| Error::network(name(), "the player has gone"))
                }
            };
            if let Err(e) = sent {
                return Err(self.explain_send_failure(to, tag.run, e));
            }
        }
        if let Err((to, e)) = self.send_on_sockets(&mut on_sockets, true) {
            let run = messages.iter().find(|m| m.0 == to).map_or(0, |m| m.1.run);
            return Err(self.explain_send_failure(to, run, e));
        }
        for &(to, _, words) in messages {
            let wire = (words.len() * 8 + HEADER_BYTES) as u64;
            self.counters.messages_sent += 1;
            self.counters.bytes_sent += words.len() as u64 * 8;
            self.counters.wire_bytes_sent += wire;
            self.wire_bytes_to[to] += wire;
        }
        Ok(())
    }

    /// Writes frames to socket peers, each as far as its socket takes it,
    /// until all are out. While sockets are full it takes in what the peers
    /// send, so players sending each other large messages at once never
    /// wait on each other. A failure names the player it concerns. An
    /// `interruptible` send fails when the run is interrupted while it waits
    /// (an abort, which says why the run ends, is not).
    fn send_on_sockets(
        &mut self,
        jobs: &mut [SocketSend<'_>],
        interruptible: bool,
    ) -> std::result::Result<(), (usize, Error)> {
        let mut deadline = Instant::now() + self.recv_timeout;
        loop {
            let mut blocked = Vec::new();
            let before: usize = jobs.iter().map(|job| job.sent + usize::from(job.out)).sum();
            for job in jobs.iter_mut().filter(|job| !job.out) {
                let Some(Some(Peer::Socket(peer))) = self.peers.get_mut(job.to) else {
                    return Err((job.to, Error::internal(format!("player {} is not a socket peer", job.to))));
                };
                while !job.out {
                    let progress = if job.taken() {
                        peer.flush().map(|()| job.out = true)
                    } else {
                        peer.send_some(&job.header, job.payload, job.sent).map(|n| job.sent = n)
                    };
                    match progress {
                        Ok(()) => {}
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                            blocked.push(job.to);
                            break;
                        }
                        Err(e) => {
                            return Err((job.to, Error::network(&self.names[job.to], format!("sending failed: {e}"))));
                        }
                    }
                }
            }
            let Some(&first) = blocked.first() else { return Ok(()) };
            if jobs.iter().map(|job| job.sent + usize::from(job.out)).sum::<usize>() > before {
                // A peer that takes data is alive, however slowly.
                deadline = Instant::now() + self.recv_timeout;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                let waited = self.recv_timeout.as_millis();
                let message = format!("sending failed: the player took no data for {waited} ms");
                return Err((first, Error::network(&self.names[first], message)));
            }
            if interruptible {
                self.check_interrupt().map_err(|e| (first, e))?;
            }
            self.wait_on_sockets(&blocked, self.slice(left)).map_err(|e| (first, e))?;
        }
    }

    /// Receives the words player `from` sent under `tag`, waiting at most the
    /// receive timeout.
    pub fn recv(&mut self, from: usize, tag: Tag) -> Result<Vec<u64>> {
        self.count_step(tag);
        let deadline = Instant::now() + self.recv_timeout;
        loop {
            self.check_interrupt()?;
            if let Some(words) = self.unstash(from, tag) {
                return Ok(words);
            }
            if let Some(abort) = self.abort_stopping(from, tag.run) {
                return Err(abort);
            }
            // The run `from` is at: it may be behind, stopped by an abort of its run.
            let since = self.peer_run[from].min(tag.run);
            if let Some(err) = self.closed[from].clone() {
                // A player closes after another's abort: that abort is the cause.
                return Err(self.blame(err, since));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                let timeout = Error::Timeout {
                    player: self.names[from].clone(),
                    timeout_ms: self.recv_timeout.as_millis() as u64,
                    waiting_for: format!("op {} step {} of run {}", tag.op, tag.step, tag.run),
                };
                return Err(self.blame(timeout, since));
            }
            self.wait_for(from, self.slice(left))?;
        }
    }

    /// Waits at most `left` for something from player `from` (over
    /// sockets: from any player) and files what arrived.
    fn wait_for(&mut self, from: usize, left: Duration) -> Result<()> {
        let incoming = match self.peer(from)? {
            Peer::Socket(_) => return self.wait_on_sockets(&[], left),
            Peer::Memory { incoming, .. } => incoming.recv_timeout(left),
        };
        match incoming {
            Ok(incoming) => self.file(from, incoming),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                self.closed[from] = Some(Error::network(&self.names[from], "connection closed"));
            }
        }
        Ok(())
    }

    /// Waits at most `left` until a socket peer has sent something (or one
    /// of `writers` has room for more) and files every frame that arrived.
    fn wait_on_sockets(&mut self, writers: &[usize], left: Duration) -> Result<()> {
        let mut read_unread = false;
        for j in 0..self.peers.len() {
            if self.socket(j).is_some_and(SocketPeer::unread) {
                // Bytes may already wait inside it (see `SocketPeer::unread`).
                self.read_socket(j);
                read_unread = true;
            }
        }
        if read_unread {
            return Ok(());
        }
        let (mut fds, mut owners) = (std::mem::take(&mut self.poll_fds), std::mem::take(&mut self.poll_owners));
        fds.clear();
        owners.clear();
        // Sending into a full socket or reading a half-arrived payload: a
        // long transfer, where the wait should not spin.
        let mut long_transfer = !writers.is_empty();
        for (j, peer) in self.peers.iter().enumerate() {
            let Some(Peer::Socket(peer)) = peer else { continue };
            long_transfer |= peer.in_long_transfer();
            let reading = if self.closed[j].is_none() { libc::POLLIN } else { 0 };
            let writing = if writers.contains(&j) { libc::POLLOUT } else { 0 };
            if reading | writing != 0 {
                fds.push(libc::pollfd { fd: peer.fd(), events: reading | writing, revents: 0 });
                owners.push(j);
            }
        }
        let polled =
            if long_transfer { socket_peer::poll(&mut fds, left) } else { socket_peer::spin_then_poll(&mut fds, left) };
        for (fd, &j) in fds.iter().zip(&owners) {
            if fd.revents & (libc::POLLIN | libc::POLLHUP | libc::POLLERR) != 0 && self.closed[j].is_none() {
                self.read_socket(j);
            }
        }
        (self.poll_fds, self.poll_owners) = (fds, owners);
        polled.map_err(|e| Error::internal(format!("poll failed: {e}")))
    }

    fn socket(&self, j: usize) -> Option<&SocketPeer> {
        match self.peers.get(j) {
            Some(Some(Peer::Socket(peer))) => Some(peer),
            _ => None,
        }
    }

    /// Reads every frame socket peer `j` has sent so far and files them.
    fn read_socket(&mut self, j: usize) {
        let mut arrived = std::mem::take(&mut self.arrived);
        if let Some(Some(Peer::Socket(peer))) = self.peers.get_mut(j) {
            peer.read_ready(&mut arrived);
        }
        for incoming in arrived.drain(..) {
            self.file(j, incoming);
        }
        self.arrived = arrived;
    }

    /// Takes a frame out of the stash, and its run's table once empty.
    fn unstash(&mut self, from: usize, tag: Tag) -> Option<Vec<u64>> {
        let frames = self.stash.get_mut(&tag.run)?;
        let words = frames.remove(&(from, tag))?;
        if frames.is_empty() {
            self.stash.remove(&tag.run);
        }
        Some(words)
    }

    /// Keeps what a peer sent for the receive that will ask for it.
    fn file(&mut self, from: usize, incoming: Incoming) {
        self.heard[from] = Instant::now();
        match incoming {
            Incoming::Progress(run) => self.peer_run[from] = self.peer_run[from].max(run),
            Incoming::Data(t, words) if t.run >= self.run => {
                self.stash.entry(t.run).or_default().insert((from, t), words);
            }
            Incoming::Data(_, words) => self.buffers.give(words),
            Incoming::Abort { run, reason } => {
                self.aborts.insert((from, run), reason);
            }
            Incoming::Closed(err) => self.closed[from] = Some(err),
        }
    }

    /// A peer that gave up on the run closes its connections right after
    /// saying why; a send to it fails first. Reads what the peer said last,
    /// so the error names the player that started the failure.
    fn explain_send_failure(&mut self, from: usize, run: u64, failure: Error) -> Error {
        let deadline = Instant::now() + self.recv_timeout.min(Duration::from_secs(1));
        while self.closed[from].is_none() && !self.aborts.contains_key(&(from, run)) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || self.wait_for(from, left).is_err() {
                break;
            }
        }
        match self.aborts.get(&(from, run)) {
            Some(reason) => Error::Aborted { player: self.names[from].clone(), message: reason.clone() },
            // Another player's abort, which the peer was reacting to when it
            // closed, names the start of the failure better still.
            None => self.abort_of(run).unwrap_or(failure),
        }
    }

    /// The abort some player sent for `run` or a later run (a player that
    /// runs ahead aborts a later run than ours; its abort still says why
    /// ours cannot complete), the earliest run's first.
    fn abort_of(&self, run: u64) -> Option<Error> {
        let ((player, _), reason) =
            self.aborts.iter().filter(|((_, r), _)| *r >= run).min_by_key(|((p, r), _)| (*r, *p))?;
        Some(Error::Aborted { player: self.names[*player].clone(), message: reason.clone() })
    }

    /// The abort that stops player `peer` at run `at`: its own abort of
    /// that run or a later one, else another player's abort of that run (a
    /// player that fails because another aborted sends no abort of its
    /// own). Aborts of runs before `at` say nothing of it: after a failed
    /// run every player goes on to the next.
    fn abort_stopping(&self, peer: usize, at: u64) -> Option<Error> {
        let own = self.aborts.iter().filter(|((p, r), _)| *p == peer && *r >= at).min_by_key(|((_, r), _)| *r);
        let (player, reason) = match own {
            Some(((p, _), reason)) => (*p, reason),
            None => self.aborts.iter().filter(|((_, r), _)| *r == at).map(|((p, _), reason)| (*p, reason)).min()?,
        };
        Some(Error::Aborted { player: self.names[player].clone(), message: reason.clone() })
    }

    /// Tells every peer that this player gives up on `run`, and why. Best
    /// effort: a peer that is already gone is skipped.
    pub fn abort(&mut self, run: u64, reason: &str) {
        self.aborted = true;
        let (header, reason) = frame::abort_frame(run, reason);
        for j in 0..self.peers.len() {
            let _ = match &self.peers[j] {
                None => continue,
                Some(Peer::Socket(_)) => {
                    let job = SocketSend::new(j, header, reason.as_bytes());
                    self.send_on_sockets(&mut [job], false).is_ok()
                }
                Some(Peer::Memory { to, .. }) => to.send(Incoming::Abort { run, reason: reason.to_string() }).is_ok(),
            };
        }
    }

    fn peer(&self, index: usize) -> Result<&Peer> {
        self.peers.get(index).and_then(Option::as_ref).ok_or_else(|| {
            let name = self.names.get(index).map_or("", String::as_str);
            Error::internal(format!("no connection to player {index} ('{name}')"))
        })
    }

    /// A new (run, op, step) is a new round for this player.
    fn count_step(&mut self, tag: Tag) {
        if self.rounds_seen.insert(tag.round()) {
            self.counters.rounds += 1;
        }
    }
}

/// A frame on its way to a socket peer: header and payload bytes, how many
/// of them the connection has taken, and whether they are all out (over
/// TLS, taken bytes may wait in records that the socket has no room for).
struct SocketSend<'a> {
    to: usize,
    header: [u8; HEADER_BYTES],
    payload: &'a [u8],
    sent: usize,
    out: bool,
}

impl<'a> SocketSend<'a> {
    fn new(to: usize, header: [u8; HEADER_BYTES], payload: &'a [u8]) -> Self {
        SocketSend { to, header, payload, sent: 0, out: false }
    }

    fn taken(&self) -> bool {
        self.sent == HEADER_BYTES + self.payload.len()
    }
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        // After an abort, give the peers the time to read it (see
        // `SocketPeer::close_gracefully`); otherwise close at once.
        let deadline = Instant::now() + self.recv_timeout.min(ABORT_LINGER);
        for peer in self.peers.iter_mut().flatten() {
            if let Peer::Socket(socket) = peer {
                if self.aborted { socket.close_gracefully(deadline) } else { socket.shutdown() }
            }
        }
    }
}
