//! Helpers of the tests that call the C API from Rust (`c_api.rs`,
//! `callbacks.rs`, `conformance.rs`, `conformance_train.rs`).

use std::ffi::{CStr, c_char, c_int, c_void};

use tfe::internals::ffi::error::{tfe_last_error_message, tfe_status_name};
use tfe::internals::ffi::tfe_status_t;

/// The last error message of this thread.
pub fn message() -> String {
    // SAFETY: the library's message is never NULL and NUL-terminated.
    unsafe { CStr::from_ptr(tfe_last_error_message()) }.to_string_lossy().into_owned()
}

/// The name of a status (`TFE_ERR_...`).
pub fn status_name(status: tfe_status_t) -> String {
    // SAFETY: tfe_status_name returns a static NUL-terminated string.
    unsafe { CStr::from_ptr(tfe_status_name(status as i32)) }.to_string_lossy().into_owned()
}

/// The value of every `TFE_NAME = n` constant the header declares.
pub fn header_constants() -> std::collections::HashMap<String, u32> {
    let header =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("include/tfe.h")).unwrap();
    header
        .lines()
        .filter_map(|line| {
            let (name, value) = line.trim().trim_end_matches(',').split_once(" = ")?;
            Some((name.to_string(), value.parse().ok()?))
        })
        .filter(|(name, _)| name.starts_with("TFE_"))
        .collect()
}

/// Fills an input callback's buffer with ones.
///
/// # Safety
/// `out` points to `len` writable doubles (what the library passes a callback).
pub unsafe fn fill_ones(out: *mut f64, len: usize) {
    // SAFETY: this function's contract.
    unsafe { std::slice::from_raw_parts_mut(out, len) }.fill(1.0);
}

/// An input callback that provides ones.
pub unsafe extern "C" fn ones(
    _user_data: *mut c_void,
    _name: *const c_char,
    _shape: *const usize,
    _rank: usize,
    out: *mut f64,
    len: usize,
) -> c_int {
    // SAFETY: the library passes a buffer of `len` doubles.
    unsafe { fill_ones(out, len) };
    0
}
