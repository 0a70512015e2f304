//! Unit tests of the FFI plumbing: the panic boundary, the last error and
//! the argument checks. The exported API is tested end to end in
//! `tests/c_api.rs` (from Rust) and `tests/c/` (from C).

use std::ffi::CStr;

use super::args;
use super::error::{Failure, ffi_boundary, tfe_last_error_message, tfe_last_error_status, tfe_status_t};

/// Runs `body` under the boundary as an export called `tfe_example` would.
fn tfe_example(body: impl FnOnce() -> Result<(), Failure>) -> tfe_status_t {
    ffi_boundary! { body() }
}

/// Runs `body` under the boundary as a `_free` export would.
fn tfe_example_free(body: impl FnOnce()) {
    ffi_boundary! { body() }
}

pub(super) fn last_message() -> String {
    // SAFETY: the library's message is a valid NUL-terminated string.
    unsafe { CStr::from_ptr(tfe_last_error_message()) }.to_str().unwrap().to_string()
}

#[test]
fn a_panic_becomes_a_status_and_a_message() {
    let status = tfe_example(|| panic!("boom {}", 42));
    assert_eq!(status, tfe_status_t::TFE_ERR_PANIC);
    assert_eq!(tfe_last_error_status(), tfe_status_t::TFE_ERR_PANIC);
    let message = last_message();
    assert!(message.starts_with("tfe_example: panicked") && message.contains("boom 42"), "{message}");

    tfe_example_free(|| panic!("static message"));
    assert!(last_message().contains("static message"));
}

#[test]
fn success_clears_the_last_error() {
    tfe_example(|| Err(Failure::invalid("bad shape")));
    assert_eq!(tfe_last_error_status(), tfe_status_t::TFE_ERR_INVALID_ARGUMENT);
    assert_eq!(last_message(), "tfe_example: bad shape");
    assert_eq!(tfe_example(|| Ok(())), tfe_status_t::TFE_OK);
    assert_eq!(tfe_last_error_status(), tfe_status_t::TFE_OK);
    assert_eq!(last_message(), "");
}

#[test]
fn core_errors_map_to_their_status() {
    let status = tfe_example(|| Err(crate::Error::network("server1", "connection reset").into()));
    assert_eq!(status, tfe_status_t::TFE_ERR_NETWORK);
    assert!(last_message().contains("server1"));
}

#[test]
fn the_last_error_is_per_thread() {
    tfe_example(|| Err(Failure::null("ctx")));
    std::thread::spawn(|| assert_eq!(tfe_last_error_status(), tfe_status_t::TFE_OK)).join().unwrap();
    assert_eq!(tfe_last_error_status(), tfe_status_t::TFE_ERR_NULL_POINTER);
    assert!(last_message().contains("'ctx' is NULL"));
}

#[test]
fn nul_bytes_in_messages_do_not_lose_the_message() {
    tfe_example(|| Err(Failure::invalid("a\0b")));
    assert_eq!(last_message(), "tfe_example: a\u{FFFD}b");
}

#[test]
fn arguments_are_checked() {
    let values = [1.0f64, 2.0];
    // SAFETY (all): the pointers are valid or deliberately bad in checked ways.
    unsafe {
        assert_eq!(args::slice(values.as_ptr(), 2, "values").unwrap(), &values);
        assert!(args::slice::<f64>(std::ptr::null(), 0, "values").unwrap().is_empty());
        let null = args::slice::<f64>(std::ptr::null(), 1, "values").unwrap_err();
        assert_eq!(null.status, tfe_status_t::TFE_ERR_NULL_POINTER);
        assert!(null.message.contains("'values'"));
        let misaligned = values.as_ptr().cast::<u8>().add(1).cast::<f64>();
        assert!(args::slice(misaligned, 1, "values").unwrap_err().message.contains("misaligned"));
        let huge = args::slice(values.as_ptr(), usize::MAX / 4, "values").unwrap_err();
        assert_eq!(huge.status, tfe_status_t::TFE_ERR_INVALID_ARGUMENT);
        let bad = [0xffu8, 0];
        let utf8 = args::string(bad.as_ptr().cast(), "owner").unwrap_err();
        assert!(utf8.message.contains("'owner' is not valid UTF-8"), "{}", utf8.message);
        assert_eq!(args::optional_string(std::ptr::null(), "to").unwrap(), None);
        assert_eq!(args::string(c"server0".as_ptr(), "to").unwrap(), "server0");
    }
}

#[test]
fn the_version_constants_match_the_crate() {
    assert_eq!(super::TFE_VERSION_MAJOR.to_string(), env!("CARGO_PKG_VERSION_MAJOR"));
    assert_eq!(super::TFE_VERSION_MINOR.to_string(), env!("CARGO_PKG_VERSION_MINOR"));
    assert_eq!(super::TFE_VERSION_PATCH.to_string(), env!("CARGO_PKG_VERSION_PATCH"));
    // SAFETY: a static NUL-terminated string.
    let version = unsafe { CStr::from_ptr(super::tfe_version()) };
    assert_eq!(version.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
}

#[test]
fn every_status_has_its_name() {
    // `ALL` is the status table; its order and completeness are checked when
    // the crate compiles, its names here against the enum's own.
    for (value, &status) in tfe_status_t::ALL.iter().enumerate() {
        let value = i32::try_from(value).unwrap();
        assert_eq!(tfe_status_t::from_int(value), Some(status));
        // SAFETY: static NUL-terminated strings.
        let name = unsafe { CStr::from_ptr(super::error::tfe_status_name(value)) };
        assert_eq!(name.to_str().unwrap(), format!("{status:?}"));
    }
    for bad in [-1, 11, i32::MAX] {
        assert_eq!(tfe_status_t::from_int(bad), None);
        // SAFETY: as above.
        let name = unsafe { CStr::from_ptr(super::error::tfe_status_name(bad)) };
        assert_eq!(name.to_str().unwrap(), "TFE_UNKNOWN_STATUS");
    }
}

#[test]
fn log_records_reach_the_callback() {
    use std::ffi::{c_char, c_int, c_void};
    use std::sync::Mutex;

    use super::logging::{tfe_log_level_t, tfe_set_log_callback};

    static SEEN: Mutex<Vec<(c_int, String, String)>> = Mutex::new(Vec::new());
    unsafe extern "C" fn record(user_data: *mut c_void, level: c_int, target: *const c_char, message: *const c_char) {
        assert_eq!(user_data as usize, 42);
        // SAFETY: the library passes NUL-terminated strings valid for the call.
        let (target, message) = unsafe { (CStr::from_ptr(target), CStr::from_ptr(message)) };
        let text = |s: &CStr| s.to_string_lossy().into_owned();
        SEEN.lock().unwrap().push((level, text(target), text(message)));
    }
    // SAFETY (all): a valid callback and user data that is never dereferenced.
    unsafe {
        let warn = tfe_log_level_t::TFE_LOG_WARN as c_int;
        assert_eq!(tfe_set_log_callback(Some(record), 42 as *mut c_void, warn), tfe_status_t::TFE_OK);
        log::warn!(target: "tfe::test", "refused {}", "mallory");
        log::info!(target: "tfe::test", "below the level");
        assert_eq!(tfe_set_log_callback(Some(record), 42 as *mut c_void, 9), tfe_status_t::TFE_ERR_INVALID_ARGUMENT);
        assert!(last_message().contains("max_level 9"));
        assert_eq!(tfe_set_log_callback(None, std::ptr::null_mut(), warn), tfe_status_t::TFE_OK);
        log::warn!(target: "tfe::test", "after turning it off");
    }
    let seen: Vec<_> = SEEN.lock().unwrap().iter().filter(|r| r.1 == "tfe::test").cloned().collect();
    assert_eq!(seen, [(2, "tfe::test".to_string(), "refused mallory".to_string())]);
}

#[test]
fn selftest_fail_returns_each_status_through_the_boundary() {
    use super::selftest::tfe_selftest_fail;
    assert_eq!(tfe_selftest_fail(0), tfe_status_t::TFE_OK);
    assert_eq!(last_message(), "");
    assert_eq!(tfe_selftest_fail(7), tfe_status_t::TFE_ERR_INTERNAL);
    assert_eq!(last_message(), "tfe_selftest_fail: TFE_ERR_INTERNAL requested by the caller");
    assert_eq!(tfe_selftest_fail(8), tfe_status_t::TFE_ERR_PANIC);
    let message = last_message();
    assert!(message.contains("panicked") && message.contains("TFE_ERR_PANIC requested"), "{message}");
    assert_eq!(tfe_selftest_fail(11), tfe_status_t::TFE_ERR_INVALID_ARGUMENT);
    assert!(last_message().contains("status 11 is not a tfe_status_t, expected 0 (TFE_OK) to 10"));
}
