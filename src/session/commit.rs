//! Agreement on variable writes at the end of a run.
//!
//! A run that initializes or assigns private variables changes state later
//! runs rely on at several players: the servers keep the new shares, and a
//! variable's owner remembers that it need not send its initial value again.
//! If each player applied its writes as soon as its own part of the run
//! succeeded, a run that failed at one player after another had finished
//! would leave them disagreeing: the owner would skip sending its value
//! while the servers wait for it, and every later run would time out.
//!
//! So before applying writes, the players concerned (the servers, and the
//! owners of variables this run initializes) send each other one word, and
//! each applies its writes only once every other one has said its part
//! succeeded. A player whose part failed sends its abort instead, so the
//! others fail that run as well and drop its writes. Runs that write no
//! variable skip this; those that do take one more round.

use std::collections::BTreeSet;

use super::execute::Pending;
use super::party::{Party, ProtoShare, SERVERS};
use crate::error::Result;
use crate::graph::Op;
use crate::net::Tag;

/// The op number of the agreement messages (after every node of a graph).
const COMMIT_OP: u32 = u32::MAX - 1;

impl Party {
    /// Waits until every player concerned by `pending` says its part of
    /// `run` succeeded; an error if one of them failed or went silent.
    pub(super) fn agree_on_writes(&mut self, run: u64, pending: &Pending<ProtoShare>) -> Result<()> {
        if pending.is_empty() {
            return Ok(());
        }
        let mut concerned: BTreeSet<usize> = SERVERS.into_iter().collect();
        for id in pending.keys() {
            if self.variables.contains_key(id) {
                continue; // an assignment: only the servers' shares change
            }
            if let Op::PrivateVariable { owner, .. } = &self.graph.node(*id)?.op {
                concerned.insert(*owner);
            }
        }
        let me = self.net.me();
        if !concerned.contains(&me) {
            return Ok(());
        }
        let tag = Tag { run, op: COMMIT_OP, step: 0 };
        for &player in concerned.iter().filter(|&&p| p != me) {
            self.net.send(player, tag, &[1])?;
        }
        for &player in concerned.iter().filter(|&&p| p != me) {
            self.net.recv(player, tag)?;
        }
        Ok(())
    }
}
