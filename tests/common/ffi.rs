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

/// What a test's input callback does before it provides ones: its status,
/// 0 to go on and provide them.
pub type BeforeOnes<'a> = &'a (dyn Fn() -> c_int + Sync);

/// An input callback that provides ones, or with a `user_data` that is not
/// NULL, first calls the [`BeforeOnes`] it points to and provides ones only
/// if that returns 0 (the callback returns what it returned).
pub unsafe extern "C" fn ones(
    user_data: *mut c_void,
    _name: *const c_char,
    _shape: *const usize,
    _rank: usize,
    out: *mut f64,
    len: usize,
) -> c_int {
    // SAFETY: the tests pass NULL or a `BeforeOnes` that outlives the session.
    let before = unsafe { user_data.cast::<BeforeOnes>().as_ref() };
    let status = before.map_or(0, |before| before());
    if status == 0 {
        // SAFETY: the library passes a buffer of `len` doubles.
        unsafe { std::slice::from_raw_parts_mut(out, len) }.fill(1.0);
    }
    status
}

/// `before` as the user data of [`ones`].
pub fn before_ones(before: &BeforeOnes) -> *mut c_void {
    std::ptr::from_ref(before).cast_mut().cast()
}
