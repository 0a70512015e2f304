//! Input callbacks through the C API: on which thread they run (their
//! owner's: a server's thread when a server owns the input), and what a
//! callback that stalls does to a run: the other players give up after
//! their receive timeout naming the stalled owner, without waiting for the
//! callback, and `tfe_session_run` returns the timeout once the callback
//! has returned.

use std::ffi::{CStr, c_char, c_int, c_void};
use std::ptr;
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use tfe::internals::ffi::context::*;
use tfe::internals::ffi::logging::*;
use tfe::internals::ffi::ops::*;
use tfe::internals::ffi::result::*;
use tfe::internals::ffi::session::*;
use tfe::internals::ffi::{tfe_context_t, tfe_input_fn, tfe_result_t, tfe_session_t, tfe_status_t, tfe_tensor_t};

use tfe_status_t::*;

mod common;

use common::ffi::{BeforeOnes, before_ones, message, ones};

/// A context, its tensors and a session, freed in reverse order.
struct Graph {
    ctx: *mut tfe_context_t,
    tensors: Vec<*mut tfe_tensor_t>,
    sess: *mut tfe_session_t,
}

impl Graph {
    /// `sum` of one input per `(owner, callback)`, revealed to every server.
    fn new(inputs: &[(&CStr, *mut c_void)], callback: tfe_input_fn, recv_timeout_ms: u64) -> (Self, *mut tfe_tensor_t) {
        let mut g = Graph { ctx: ptr::null_mut(), tensors: Vec::new(), sess: ptr::null_mut() };
        // SAFETY (all): valid arguments and out-params; the user data outlives the session (the caller's contract).
        unsafe {
            assert_eq!(tfe_context_new(ptr::null(), &raw mut g.ctx), TFE_OK);
            let mut sum: *mut tfe_tensor_t = ptr::null_mut();
            for &(owner, user_data) in inputs {
                let mut x = ptr::null_mut();
                let status = tfe_define_private_input(
                    g.ctx,
                    std::ptr::null(),
                    owner.as_ptr(),
                    [2].as_ptr(),
                    1,
                    callback,
                    user_data,
                    &raw mut x,
                );
                assert_eq!(status, TFE_OK, "{}", message());
                g.tensors.push(x);
                if !sum.is_null() {
                    let mut y = ptr::null_mut();
                    assert_eq!(tfe_add(g.ctx, sum, x, &raw mut y), TFE_OK, "{}", message());
                    g.tensors.push(y);
                    x = y;
                }
                sum = x;
            }
            let mut revealed = ptr::null_mut();
            assert_eq!(tfe_reveal(g.ctx, sum, ptr::null(), &raw mut revealed), TFE_OK);
            g.tensors.push(revealed);
            let options = tfe_session_options_t {
                transport: tfe_transport_t::TFE_TRANSPORT_MEMORY as u32,
                recv_timeout_ms,
                ..tfe_session_options_default()
            };
            assert_eq!(
                tfe_session_new_local_with_options(g.ctx, &raw const options, &raw mut g.sess),
                TFE_OK,
                "{}",
                message()
            );
            (g, revealed)
        }
    }
}

impl Drop for Graph {
    fn drop(&mut self) {
        // SAFETY (all): handles made by `new`, freed once each.
        unsafe {
            tfe_session_free(self.sess);
            self.tensors.iter().for_each(|&t| tfe_tensor_free(t));
            tfe_context_free(self.ctx);
        }
    }
}

#[test]
fn a_callback_runs_on_its_owners_thread_which_may_be_a_servers() {
    let seen: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let record_thread: BeforeOnes = &|| {
        seen.lock().unwrap().push(std::thread::current().name().unwrap_or("(unnamed)").to_string());
        0
    };
    let user_data = before_ones(&record_thread);
    let (g, revealed) = Graph::new(&[(c"server1", user_data), (c"alice", user_data)], Some(ones), 30_000);
    let mut result: *mut tfe_result_t = ptr::null_mut();
    // SAFETY: live handles and out-param.
    unsafe {
        assert_eq!(tfe_session_run(g.sess, &raw const revealed, 1, &raw mut result), TFE_OK, "{}", message());
        tfe_result_free(result);
    }
    drop(g);
    let mut threads = seen.into_inner().unwrap();
    threads.sort();
    assert_eq!(threads, ["tfe-alice", "tfe-server1"]);
}

/// The log records of failed runs ("<player> failed the run: ..."), and
/// a condition variable signalled at each.
static FAILURES: Mutex<Vec<String>> = Mutex::new(Vec::new());
static FAILED: Condvar = Condvar::new();

unsafe extern "C" fn record_log(_user_data: *mut c_void, _level: c_int, target: *const c_char, message: *const c_char) {
    // SAFETY: the library passes NUL-terminated strings valid for the call.
    let (target, message) = unsafe { (CStr::from_ptr(target), CStr::from_ptr(message)) };
    if target.to_bytes() == b"tfe::session" {
        FAILURES.lock().unwrap().push(message.to_string_lossy().into_owned());
        FAILED.notify_all();
    }
}

/// Whether every server has logged that it failed the run.
fn servers_failed(failures: &[String]) -> bool {
    ["server0", "server1", "server2"].iter().all(|s| failures.iter().any(|f| f.starts_with(&format!("{s} failed"))))
}

#[test]
fn a_stalled_callback_fails_the_others_within_their_timeout_naming_its_owner() {
    // SAFETY: a valid callback that does not unwind and tolerates any thread.
    let status =
        unsafe { tfe_set_log_callback(Some(record_log), ptr::null_mut(), tfe_log_level_t::TFE_LOG_DEBUG as c_int) };
    assert_eq!(status, TFE_OK, "{}", message());
    // Stalls until every server has logged that it failed the run (at most
    // a minute, a bound that only a broken library reaches); records whether
    // they all had.
    let outcome: Mutex<Option<bool>> = Mutex::new(None);
    let stall_until_the_servers_fail: BeforeOnes = &|| {
        let failures = FAILURES.lock().unwrap();
        let (failures, _) =
            FAILED.wait_timeout_while(failures, Duration::from_secs(60), |f| !servers_failed(f)).unwrap();
        *outcome.lock().unwrap() = Some(servers_failed(&failures));
        0
    };
    let user_data = before_ones(&stall_until_the_servers_fail);
    let (g, revealed) = Graph::new(&[(c"alice", user_data)], Some(ones), 300);
    let mut result: *mut tfe_result_t = ptr::null_mut();
    // SAFETY: live handles and out-param.
    let status = unsafe { tfe_session_run(g.sess, &raw const revealed, 1, &raw mut result) };
    let message = message();
    // The callback has returned by now: run waits for it.
    assert_eq!(*outcome.lock().unwrap(), Some(true), "the servers waited for the callback: {message}");
    assert_eq!(status, TFE_ERR_TIMEOUT, "{message}");
    assert!(message.contains("waiting for player 'alice'"), "{message}");
    assert!(result.is_null());
    let failures = FAILURES.lock().unwrap().clone();
    assert!(failures.iter().any(|f| f.contains("timed out after 300 ms waiting for player 'alice'")), "{failures:?}");
    drop(g);
}
