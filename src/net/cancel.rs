//! A caller giving up on opening a mesh of connections: its check
//! ([`Cancel`]) is asked before each connection attempt and at least every
//! [`POLL`] while a player waits for the others to
//! connect. An attempt or a handshake under way finishes (or fails at its
//! own deadline) first, so opening gives up within about a second.

use std::fmt;
use std::time::Instant;

use super::interrupt::POLL;

use crate::error::{Error, Result};

/// The caller's check: `true` gives up. It runs on the opening thread.
#[derive(Clone, Copy)]
pub struct Cancel<'a>(Option<&'a dyn Fn() -> bool>);

impl<'a> Cancel<'a> {
    /// Never gives up: opening waits until the connect timeout.
    pub const NEVER: Cancel<'static> = Cancel(None);

    /// Gives up when `cancelled` returns `true`.
    pub fn when(cancelled: &'a dyn Fn() -> bool) -> Self {
        Cancel(Some(cancelled))
    }

    /// An abort by player `me` when the caller gives up, naming the
    /// players it was still waiting for (`waiting_for` is asked only then).
    pub(crate) fn check<'n>(&self, me: &str, waiting_for: impl FnOnce() -> Vec<&'n str>) -> Result<()> {
        match self.0 {
            Some(cancelled) if cancelled() => Err(Error::Aborted {
                player: me.to_string(),
                message: format!("opening was cancelled by its caller while waiting for {}", waiting_for().join(", ")),
            }),
            _ => Ok(()),
        }
    }

    /// When a wait that ends at `deadline` must stop to ask the check
    /// again: at most [`POLL`] from now, unless nothing is asked.
    pub(crate) fn next_check(&self, deadline: Instant) -> Instant {
        match self.0 {
            Some(_) => deadline.min(Instant::now() + POLL),
            None => deadline,
        }
    }
}

impl fmt::Debug for Cancel<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() { "Cancel(when)" } else { "Cancel::NEVER" })
    }
}
