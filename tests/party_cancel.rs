//! `tfe_party_open_cancellable` and its plaintext twin through the C API:
//! a player whose peers never come gives up when its caller's check says
//! so, naming the players it was still waiting for, on both paths of
//! opening (waiting for higher players to connect; connecting to a lower
//! one); a check that never says so lets four players open and run. The
//! check gives up at its fifth call, so no timing decides the outcome: were
//! it not asked, opening would fail at the hostmap's 60 s connect timeout
//! with another status.

use std::ffi::{CString, c_int, c_void};
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};

use tfe::internals::ffi::error::tfe_last_error_status;
use tfe::internals::ffi::party::*;
use tfe::internals::ffi::result::{tfe_result_free, tfe_result_value};
use tfe::internals::ffi::tfe_status_t;

use tfe_status_t::*;

mod common;

use common::ffi::{Seed, message};
use common::hosts::Folder;

const PLAYERS: [&str; 4] = ["server0", "server1", "server2", "input-provider"];

/// A check that gives up at its `give_up_at`-th call (0: never).
struct Check {
    calls: AtomicUsize,
    give_up_at: usize,
}

unsafe extern "C" fn cancelled(user_data: *mut c_void) -> c_int {
    // SAFETY: the tests pass a `Check` that outlives the call.
    let check = unsafe { &*user_data.cast::<Check>() };
    let call = check.calls.fetch_add(1, Ordering::SeqCst) + 1;
    c_int::from(check.give_up_at != 0 && call >= check.give_up_at)
}

/// Opens `me` of `folder`'s hostmap (TLS with its key, or plaintext) with
/// `check`; returns the status, the message and the party (NULL on failure).
fn open(seed: &Seed, folder: &Folder, me: &str, tls: bool, check: &Check) -> (tfe_status_t, String, *mut tfe_party_t) {
    let hostmap = CString::new(folder.0.join("hosts.json").to_str().unwrap()).unwrap();
    let key = CString::new(folder.0.join(format!("certs/{me}.key")).to_str().unwrap()).unwrap();
    let me = CString::new(me).unwrap();
    let user_data = ptr::from_ref(check).cast_mut().cast();
    let mut party = ptr::null_mut();
    // SAFETY: a live context, NUL-terminated strings, a check that outlives the call.
    let status = unsafe {
        if tls {
            tfe_party_open_cancellable(
                seed.ctx,
                hostmap.as_ptr(),
                me.as_ptr(),
                key.as_ptr(),
                Some(cancelled),
                user_data,
                &raw mut party,
            )
        } else {
            tfe_party_open_insecure_plaintext_cancellable(
                seed.ctx,
                hostmap.as_ptr(),
                me.as_ptr(),
                Some(cancelled),
                user_data,
                &raw mut party,
            )
        }
    };
    (status, message(), party)
}

#[test]
fn a_player_gives_up_opening_when_its_caller_cancels_naming_whom_it_waited_for() {
    let folder = Folder::with_connect_timeout("cancel-open", &PLAYERS, 60_000);
    let seed = Seed::new(ptr::null_mut());
    for tls in [false, true] {
        // server0 waits for every higher player to connect to it.
        let check = Check { calls: AtomicUsize::new(0), give_up_at: 5 };
        let (status, text, party) = open(&seed, &folder, "server0", tls, &check);
        assert_eq!((status, tfe_last_error_status()), (TFE_ERR_ABORTED, TFE_ERR_ABORTED), "{text}");
        let function = if tls { "tfe_party_open_cancellable" } else { "tfe_party_open_insecure_plaintext_cancellable" };
        let expected = format!(
            "{function}: player 'server0' aborted the run: opening was cancelled by its caller while waiting for \
             server1, server2, input-provider"
        );
        assert_eq!(text, expected);
        assert!(party.is_null());
        assert_eq!(check.calls.load(Ordering::SeqCst), 5);
        // server2 connects to server0 first, which is not there.
        let check = Check { calls: AtomicUsize::new(0), give_up_at: 5 };
        let (status, text, party) = open(&seed, &folder, "server2", tls, &check);
        assert_eq!(status, TFE_ERR_ABORTED, "{text}");
        assert!(text.ends_with("opening was cancelled by its caller while waiting for server0"), "{text}");
        assert!(party.is_null());
    }
}

#[test]
fn players_whose_check_never_cancels_open_and_run() {
    let folder = Folder::with_connect_timeout("cancel-never", &PLAYERS, 60_000);
    let seed = Seed::new(ptr::null_mut());
    let checks: Vec<Check> = PLAYERS.iter().map(|_| Check { calls: AtomicUsize::new(0), give_up_at: 0 }).collect();
    let values: Vec<Option<Vec<f64>>> = std::thread::scope(|s| {
        let threads: Vec<_> = PLAYERS
            .iter()
            .zip(&checks)
            .map(|(me, check)| {
                let (seed, folder) = (&seed, &folder);
                s.spawn(move || {
                    let (status, text, party) = open(seed, folder, me, true, check);
                    assert_eq!(status, TFE_OK, "{me}: {text}");
                    let mut result = ptr::null_mut();
                    let fetch = seed.revealed();
                    // SAFETY (all): a live party, one fetch, valid out-params; freed once.
                    unsafe {
                        assert_eq!(tfe_party_run(party, &raw const fetch, 1, ptr::null(), &raw mut result), TFE_OK);
                        let (mut data, mut len) = (ptr::null(), 0);
                        let value = (tfe_result_value(result, 0, &raw mut data, &raw mut len) == TFE_OK)
                            .then(|| std::slice::from_raw_parts(data, len).to_vec());
                        tfe_result_free(result);
                        tfe_party_free(party);
                        value
                    }
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    for (me, value) in PLAYERS.iter().zip(&values).take(3) {
        let value = value.as_ref().unwrap_or_else(|| panic!("{me} learned nothing"));
        assert!(value.len() == 50 && value.iter().all(|v| (v - 10.0).abs() < 1e-3), "{me}: {value:?}");
    }
    assert!(values[3].is_none(), "the input provider learns nothing");
}
