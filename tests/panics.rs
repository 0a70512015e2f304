//! A panic inside the library writes nothing to the host's stderr: its
//! message (and, under `RUST_BACKTRACE`, its backtrace) goes to the log
//! callback, while a panic of the host's own still reaches the hook the host
//! installed. Checked in a child process (this test binary run again with
//! `TFE_PANIC_CHILD` set), whose stderr the parent reads.

use std::ffi::{CStr, c_char, c_int, c_void};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use tfe::internals::ffi::error::{tfe_last_error_message, tfe_status_t};
use tfe::internals::ffi::logging::{tfe_log_level_t, tfe_set_log_callback};
use tfe::internals::ffi::selftest::tfe_selftest_fail;

const CHILD: &str = "TFE_PANIC_CHILD";

static RECORDS: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());
static HOST_PANICS: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C" fn record(_user_data: *mut c_void, _level: c_int, target: *const c_char, message: *const c_char) {
    // SAFETY: the library passes NUL-terminated strings valid for the call.
    let (target, message) = unsafe { (CStr::from_ptr(target), CStr::from_ptr(message)) };
    let entry = (target.to_string_lossy().into_owned(), message.to_string_lossy().into_owned());
    RECORDS.lock().unwrap().push(entry);
}

/// The child's part: a host hook first, then the library's first call, a
/// requested panic, and a panic of the host's own. Does nothing unless run
/// as the child.
#[test]
fn child_panics_inside_and_outside_the_library() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    std::panic::set_hook(Box::new(|_| {
        HOST_PANICS.fetch_add(1, Ordering::SeqCst);
    }));
    // SAFETY: a valid callback that does not unwind and tolerates any thread.
    let status =
        unsafe { tfe_set_log_callback(Some(record), std::ptr::null_mut(), tfe_log_level_t::TFE_LOG_ERROR as c_int) };
    assert_eq!(status, tfe_status_t::TFE_OK);

    assert_eq!(tfe_selftest_fail(tfe_status_t::TFE_ERR_PANIC as c_int), tfe_status_t::TFE_ERR_PANIC);
    // SAFETY: never NULL, NUL-terminated.
    let last = unsafe { CStr::from_ptr(tfe_last_error_message()) }.to_string_lossy().into_owned();
    assert!(last.contains("TFE_ERR_PANIC requested by the caller"), "{last}");
    let records = RECORDS.lock().unwrap().clone();
    let panics: Vec<_> = records.iter().filter(|(target, _)| target == "tfe::panic").collect();
    assert_eq!(panics.len(), 1, "{records:?}");
    let message = &panics[0].1;
    assert!(message.contains("panicked at src/ffi/selftest.rs"), "{message}");
    assert!(message.contains("TFE_ERR_PANIC requested by the caller"), "{message}");
    assert!(message.contains("backtrace:"), "RUST_BACKTRACE=1 asks for one: {message}");
    assert_eq!(HOST_PANICS.load(Ordering::SeqCst), 0, "the host's hook saw the library's panic");

    // A panic outside the library goes to the host's hook, not to the log.
    assert!(std::thread::spawn(|| panic!("the host's own panic")).join().is_err());
    assert_eq!(HOST_PANICS.load(Ordering::SeqCst), 1);
    assert_eq!(RECORDS.lock().unwrap().iter().filter(|(target, _)| target == "tfe::panic").count(), 1);
    println!("child: all checks passed");
}

#[test]
fn a_panic_in_the_library_goes_to_the_log_callback_not_to_stderr() {
    if std::env::var_os(CHILD).is_some() {
        return;
    }
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_panics_inside_and_outside_the_library", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "the child failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("child: all checks passed"), "{stdout}");
    assert_eq!(stderr, "", "the library wrote to the host's stderr");
}
