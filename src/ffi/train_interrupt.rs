//! Interrupting a trainer's call in progress from another thread (or from
//! its progress callback): the trainer's interrupter, which the call's runs
//! share, reached without the lock the call holds.

use super::error::{ffi_boundary, tfe_status_t};
use super::handles;
use super::train::tfe_trainer_t;

/// Interrupts the trainer's `tfe_trainer_fit`, `tfe_trainer_evaluate`,
/// `tfe_trainer_predict` (or its `_party` form), `tfe_trainer_export` or
/// `tfe_trainer_finish` in progress, from any thread: the call's run in
/// progress (or finish's wait for the others) fails soon after (every player gives
/// up at its next message or within 20 ms of waiting), and so does each
/// later run of the call, so the call returns `TFE_ERR_ABORTED` ("...
/// aborted the run: the run was interrupted by its caller") after one run
/// at most. The steps taken so far stay. With no call in progress it does
/// nothing, and it never reaches a call that starts after it (a caller may
/// repeat it until its call returns). An interrupt from the progress
/// callback of the last batch fails the call too. A local trainer stays
/// usable. At the other players of a deployed one the call fails too (they
/// are told, as of any failure); as after any failed call of a deployed
/// trainer, the players may have stopped at different runs, so every
/// player's trainer then refuses to run (`TFE_ERR_INVALID_ARGUMENT`) and
/// is made anew. A deployed trainer's first call waits for the other
/// players to connect; an interrupt ends that wait too, within about a
/// second (`TFE_ERR_ABORTED`, "... opening was cancelled by its caller
/// while waiting for ...", naming the players not yet connected).
///
/// Thread safety: any thread, also inside the call's progress callback; it
/// does not wait for the call.
///
/// # Safety
/// No other thread frees `trainer` during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_trainer_interrupt(trainer: *mut tfe_trainer_t) -> tfe_status_t {
    ffi_boundary! {
        let trainer = unsafe { handles::get(trainer.cast_const(), "trainer") }?;
        trainer.interrupt.interrupt();
        Ok(())
    }
}
