//! Interrupting a run from another thread: the owner of a run (a local
//! session, a deployed party) marks it in progress with [`Interrupt::begin`];
//! [`Interrupt::interrupt`], from any thread, marks that run interrupted;
//! each player's endpoint sees the mark at its next receive or while it
//! waits (a wait is cut into slices of [`POLL`]) and fails the run with an
//! abort that names the player. An interrupt while no run is in progress
//! does nothing, and one never reaches a later run, so a caller may repeat
//! it until its run returns.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The longest a waiting player goes without looking at the interrupt.
pub const POLL: Duration = Duration::from_millis(20);

/// What an interrupted player says, to its caller and to its peers.
pub const REASON: &str = "the run was interrupted by its caller";

/// The interrupt of one session's or party's runs, shared by its players.
#[derive(Debug, Default)]
pub struct Interrupt {
    /// The serial number of the run in progress, 0 between runs.
    running: AtomicU64,
    /// The serial number of the last run interrupted.
    interrupted: AtomicU64,
    /// The serial number of the last run begun.
    begun: AtomicU64,
}

/// A run in progress; dropping it ends the run. Crate-internal, as
/// [`Interrupt::begin`]: only a session marks its runs.
pub(crate) struct RunGuard(Arc<Interrupt>);

impl Interrupt {
    /// An interrupt with no run in progress, to share among the players.
    pub fn new() -> Arc<Self> {
        Arc::new(Interrupt::default())
    }

    /// Marks a run in progress until the guard is dropped.
    pub(crate) fn begin(self: &Arc<Self>) -> RunGuard {
        let run = self.begun.fetch_add(1, Ordering::SeqCst) + 1;
        self.running.store(run, Ordering::SeqCst);
        RunGuard(self.clone())
    }

    /// Interrupts the run in progress, if any. A run that begins later is not
    /// affected: the mark is the interrupted run's serial number.
    pub fn interrupt(&self) {
        let run = self.running.load(Ordering::SeqCst);
        if run != 0 {
            self.interrupted.store(run, Ordering::SeqCst);
        }
    }

    /// Whether the run in progress has been interrupted.
    pub fn is_set(&self) -> bool {
        let run = self.running.load(Ordering::SeqCst);
        run != 0 && self.interrupted.load(Ordering::SeqCst) == run
    }
}

impl Drop for RunGuard {
    fn drop(&mut self) {
        self.0.running.store(0, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interrupt_reaches_the_run_in_progress_only() {
        let interrupt = Interrupt::new();
        interrupt.interrupt(); // no run: nothing to mark
        let run = interrupt.begin();
        assert!(!interrupt.is_set());
        interrupt.interrupt();
        assert!(interrupt.is_set());
        drop(run);
        assert!(!interrupt.is_set());
        let _next = interrupt.begin();
        assert!(!interrupt.is_set(), "an interrupt of an earlier run reached a later one");
    }
}
