//! Flow control between the players of a mesh: each player tells every
//! peer when it begins a run (a progress frame), and sends data of run `r`
//! to a peer only once that peer has begun run `r - RUNS_AHEAD`. A peer's
//! frames waiting at a player are therefore of the current run and the
//! next one only: at most twice the bytes that peer sends it in one run.
//!
//! A player that waits for a peer to catch up fails when the peer closes,
//! when an abort says the peer's run cannot complete, or when the peer has
//! sent nothing at all for the receive timeout: a peer that is slow but
//! alive keeps the wait going.

use std::time::{Duration, Instant};

use super::{Endpoint, Peer, RUNS_AHEAD};
use crate::error::{Error, Result};

impl Endpoint {
    /// Tells every peer that this player has completed `last_run` and will
    /// run no more, then waits until every peer has said the same (or more),
    /// so that this player knows every run completed everywhere. Fails with
    /// an error naming a peer that closed, aborted or went silent first.
    pub fn finish(&mut self, last_run: u64) -> Result<()> {
        self.announce(last_run + 1)?;
        for j in 0..self.peers.len() {
            if self.peers[j].is_some() {
                self.wait_for_window(j, last_run + 1 + RUNS_AHEAD)?;
            }
        }
        Ok(())
    }

    /// Tells every peer, without waiting, that this player has completed
    /// `last_run` and runs no more (see [`Endpoint::finish`]).
    pub fn say_done(&mut self, last_run: u64) {
        // Best effort, and brief: a peer that reads nothing may not hold
        // this player up for a whole receive timeout.
        let timeout = self.recv_timeout;
        self.recv_timeout = timeout.min(Duration::from_millis(100));
        let _ = self.announce(last_run + 1);
        self.recv_timeout = timeout;
    }

    /// Waits until player `to` has begun run `run - RUNS_AHEAD`, so that
    /// data of `run` may go to it (see the module documentation for when
    /// the wait fails).
    pub(super) fn wait_for_window(&mut self, to: usize, run: u64) -> Result<()> {
        let started = Instant::now();
        loop {
            if self.peer_run[to] + RUNS_AHEAD >= run {
                return Ok(());
            }
            self.check_interrupt()?;
            if self.abort_stopping(to, self.peer_run[to]).is_some() {
                // Unless the peer has gone on since: it says so after its
                // abort, and a run that failed everywhere is followed by
                // the next one.
                self.file_arrived(to)?;
                if self.peer_run[to] + RUNS_AHEAD >= run {
                    return Ok(());
                }
                if let Some(abort) = self.abort_stopping(to, self.peer_run[to]) {
                    return Err(abort);
                }
            }
            if let Some(err) = self.closed[to].clone() {
                let since = self.peer_run[to];
                return Err(self.blame(err, since));
            }
            let left = (started.max(self.heard[to]) + self.recv_timeout).saturating_duration_since(Instant::now());
            if left.is_zero() {
                let timeout = Error::Timeout {
                    player: self.names[to].clone(),
                    timeout_ms: self.recv_timeout.as_millis() as u64,
                    waiting_for: format!(
                        "the player to begin run {} (this player is at run {run}, and waits for it to catch up)",
                        run - RUNS_AHEAD
                    ),
                };
                let since = self.peer_run[to];
                return Err(self.blame(timeout, since));
            }
            self.wait_for(to, self.slice(left))?;
        }
    }

    /// Files everything player `from` has sent that has arrived, without
    /// waiting.
    fn file_arrived(&mut self, from: usize) -> Result<()> {
        loop {
            let incoming = match self.peer(from)? {
                Peer::Socket(_) => return self.wait_on_sockets(&[], Duration::ZERO),
                Peer::Memory { incoming, .. } => incoming.try_recv(),
            };
            match incoming {
                Ok(incoming) => self.file(from, incoming),
                Err(_) => return Ok(()), // nothing more (or gone: the next wait says so)
            }
        }
    }
}
