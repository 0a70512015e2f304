//! Interrupting a run from another thread: the owner of a run (a local
//! session, a deployed party) marks it in progress with [`Interrupt::begin`];
//! [`Interrupt::interrupt`], from any thread, marks that run interrupted;
//! each player's endpoint sees the mark at its next receive or while it
//! waits (a wait is cut into slices of [`POLL`]) and fails the run with an
//! abort that names the player. An interrupt while no run is in progress
//! does nothing, and one never reaches a later run, so a caller may repeat
//! it until its run returns. A run begun inside another (a trainer's call
//! around its runs) is part of the outer one: an interrupt of the outer
//! run fails every inner run from then on.

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

/// A run in progress; dropping it ends the run (`None`: a run inside
/// another, which the outer guard ends). Crate-internal, as
/// [`Interrupt::begin`]: only a session or a trainer marks its runs.
pub(crate) struct RunGuard(Option<Arc<Interrupt>>);

impl Interrupt {
    /// An interrupt with no run in progress, to share among the players.
    pub fn new() -> Arc<Self> {
        Arc::new(Interrupt::default())
    }

    /// Marks a run in progress until the guard is dropped; inside a run in
    /// progress, marks nothing (the inner run is part of the outer one).
    pub(crate) fn begin(self: &Arc<Self>) -> RunGuard {
        let run = self.begun.fetch_add(1, Ordering::SeqCst) + 1;
        match self.running.compare_exchange(0, run, Ordering::SeqCst, Ordering::SeqCst) {
            Ok(_) => RunGuard(Some(self.clone())),
            Err(_) => RunGuard(None),
        }
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
        if let Some(interrupt) = &self.0 {
            interrupt.running.store(0, Ordering::SeqCst);
        }
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

    #[test]
    fn an_interrupt_of_an_outer_run_reaches_its_inner_runs() {
        let interrupt = Interrupt::new();
        let outer = interrupt.begin();
        drop(interrupt.begin()); // an inner run ends, the outer one goes on
        interrupt.interrupt();
        let inner = interrupt.begin();
        assert!(interrupt.is_set(), "an inner run begun after the interrupt");
        drop(inner);
        assert!(interrupt.is_set(), "the end of an inner run ended the outer one");
        drop(outer);
        assert!(!interrupt.is_set());
    }
}
