//! An input callback that calls back into the session or party whose run
//! called it, through the C API: `tfe_session_run`,
//! `tfe_session_run_with_feeds`, `tfe_session_reset_variables` and
//! `tfe_party_run` of that runner return `TFE_ERR_INVALID_ARGUMENT` there,
//! saying why, instead of waiting for the run that waits for the callback;
//! the run itself goes on. Another session may still be run from the
//! callback. Each test would hang without the refusal (a local session's
//! callback runs on a library thread while the caller's thread holds the
//! session; a party's runs on the caller's own thread).

use std::ptr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicPtr, Ordering};

use tfe::internals::ffi::party::*;
use tfe::internals::ffi::result::tfe_result_free;
use tfe::internals::ffi::session::*;
use tfe::internals::ffi::{tfe_party_t, tfe_session_t, tfe_status_t};

use tfe_status_t::*;

mod common;

use common::ffi::{BeforeOnes, Seed, before_ones, message};
use common::hosts::Folder;

/// What the calls from inside the callback returned: status and message.
type Answers = Mutex<Vec<(tfe_status_t, String)>>;

/// Runs `seed`'s one fetch on `sess`; the status and the message.
fn run_session(seed: &Seed, sess: *mut tfe_session_t, with_feeds: bool) -> (tfe_status_t, String) {
    let fetch = seed.revealed();
    let mut result = ptr::null_mut();
    // SAFETY: a live session, one fetch, a valid out-param; the result is freed once.
    let status = unsafe {
        if with_feeds {
            tfe_session_run_with_feeds(sess, &raw const fetch, 1, ptr::null(), &raw mut result)
        } else {
            tfe_session_run(sess, &raw const fetch, 1, &raw mut result)
        }
    };
    let text = message();
    // SAFETY: NULL or a result of the run, freed once.
    unsafe { tfe_result_free(result) };
    (status, text)
}

fn new_session(seed: &Seed) -> *mut tfe_session_t {
    let mut sess = ptr::null_mut();
    // SAFETY: a live context and a valid out-param.
    assert_eq!(unsafe { tfe_session_new_local(seed.ctx, &raw mut sess) }, TFE_OK, "{}", message());
    sess
}

#[test]
fn a_callback_that_runs_or_resets_its_own_session_is_refused_and_the_run_goes_on() {
    let own = AtomicPtr::<tfe_session_t>::new(ptr::null_mut());
    let answers = Answers::default();
    let other = Seed::new(ptr::null_mut());
    let other_sess = AtomicPtr::new(new_session(&other));
    let seed_cell: AtomicPtr<Seed> = AtomicPtr::new(ptr::null_mut());
    let reenter: BeforeOnes = &|| {
        let sess = own.load(Ordering::SeqCst);
        // SAFETY: set below before the run, and the seed outlives the run.
        let seed = unsafe { &*seed_cell.load(Ordering::SeqCst) };
        let mut answers = answers.lock().unwrap();
        answers.push(run_session(seed, sess, false));
        answers.push(run_session(seed, sess, true));
        // SAFETY: a live session.
        let status = unsafe { tfe_session_reset_variables(sess) };
        answers.push((status, message()));
        answers.push(run_session(&other, other_sess.load(Ordering::SeqCst), false));
        0
    };
    let seed = Seed::new(before_ones(&reenter));
    seed_cell.store(ptr::from_ref(&seed).cast_mut(), Ordering::SeqCst);
    let sess = new_session(&seed);
    own.store(sess, Ordering::SeqCst);
    let (status, text) = run_session(&seed, sess, false);
    assert_eq!(status, TFE_OK, "{text}");
    // Taken, not moved out: the callback (behind a raw pointer) runs again below.
    let first = std::mem::take(&mut *answers.lock().unwrap());
    let calls = ["tfe_session_run", "tfe_session_run_with_feeds", "tfe_session_reset_variables"];
    for (call, (status, text)) in calls.iter().zip(&first) {
        assert_eq!(*status, TFE_ERR_INVALID_ARGUMENT, "{call}: {text}");
        assert_eq!(
            text,
            &format!(
                "{call}: {call} was called from an input callback of this session's own run, which waits for the \
                 callback: expected the call after that run returns"
            )
        );
    }
    assert_eq!(first.len(), 4);
    assert_eq!(first[3].0, TFE_OK, "another session runs from the callback: {}", first[3].1);
    // The session is still usable afterwards, and its callback meets the same refusals.
    assert_eq!(run_session(&seed, sess, false).0, TFE_OK);
    let second = answers.lock().unwrap();
    assert_eq!(second.iter().map(|answer| answer.0).collect::<Vec<_>>(), [first[0].0, first[1].0, first[2].0, TFE_OK]);
    drop(second);
    // SAFETY: live sessions, freed once.
    unsafe {
        tfe_session_free(sess);
        tfe_session_free(other_sess.into_inner());
    }
}

#[test]
fn a_callback_that_runs_its_own_party_is_refused_and_every_player_completes() {
    const PLAYERS: [&str; 4] = ["server0", "server1", "server2", "input-provider"];
    let folder = Folder::with_connect_timeout("callback-reentry", &PLAYERS, 60_000);
    let own = AtomicPtr::<tfe_party_t>::new(ptr::null_mut());
    let answers = Answers::default();
    let reenter: BeforeOnes = &|| {
        let (mut fetch, mut result) = (ptr::null_mut(), ptr::null_mut());
        // SAFETY: the party is live during its run; the call is refused before it reads the fetch.
        let status =
            unsafe { tfe_party_run(own.load(Ordering::SeqCst), &raw mut fetch, 1, ptr::null(), &raw mut result) };
        answers.lock().unwrap().push((status, message()));
        0
    };
    let seed = Seed::new(before_ones(&reenter));
    let statuses: Vec<(tfe_status_t, String)> = std::thread::scope(|s| {
        let threads: Vec<_> = PLAYERS
            .iter()
            .map(|me| {
                let (seed, folder, own) = (&seed, &folder, &own);
                s.spawn(move || {
                    let hostmap = std::ffi::CString::new(folder.0.join("hosts.json").to_str().unwrap()).unwrap();
                    let me_c = std::ffi::CString::new(*me).unwrap();
                    let mut party = ptr::null_mut();
                    // SAFETY: a live context, NUL-terminated strings, a valid out-param.
                    let status = unsafe {
                        tfe_party_open_insecure_plaintext(seed.ctx, hostmap.as_ptr(), me_c.as_ptr(), &raw mut party)
                    };
                    assert_eq!(status, TFE_OK, "{me}: {}", message());
                    if *me == "input-provider" {
                        own.store(party, Ordering::SeqCst);
                    }
                    let fetch = seed.revealed();
                    let mut result = ptr::null_mut();
                    // SAFETY (all): a live party, one fetch, a valid out-param; freed once.
                    unsafe {
                        let status = tfe_party_run(party, &raw const fetch, 1, ptr::null(), &raw mut result);
                        let text = message();
                        tfe_result_free(result);
                        tfe_party_free(party);
                        (status, text)
                    }
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    for (me, (status, text)) in PLAYERS.iter().zip(&statuses) {
        assert_eq!(*status, TFE_OK, "{me}: {text}");
    }
    let answers = answers.lock().unwrap();
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0].0, TFE_ERR_INVALID_ARGUMENT, "{}", answers[0].1);
    assert_eq!(
        answers[0].1,
        "tfe_party_run: tfe_party_run was called from an input callback of this party's own run, which waits for \
         the callback: expected the call after that run returns"
    );
}
