//! Helpers of the tests that call the C API from Rust (`c_api.rs`,
//! `callbacks.rs`, `conformance.rs`, `conformance_train.rs`).

use std::ffi::{CStr, c_char, c_int, c_void};
use std::ptr;

use tfe::internals::ffi::context::*;
use tfe::internals::ffi::ops::{tfe_matmul, tfe_reveal};
use tfe::internals::ffi::{tfe_context_t, tfe_tensor_t};

use tfe::internals::ffi::error::{tfe_last_error_message, tfe_status_name};
use tfe::internals::ffi::tfe_status_t;
use tfe::internals::ffi::tfe_status_t::TFE_OK;

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

/// The seed program's context (`x` of the input provider times `w` of
/// server0, revealed to all): its revealed product and every tensor to free.
pub struct Seed {
    pub ctx: *mut tfe_context_t,
    tensors: Vec<*mut tfe_tensor_t>,
}

impl Seed {
    /// `input_user_data` is the user data of [`ones`], the input's callback.
    pub fn new(input_user_data: *mut c_void) -> Seed {
        let mut ctx = ptr::null_mut();
        let mut tensors = vec![ptr::null_mut(); 4];
        // SAFETY (all): valid out-params, shapes, strings and a live context.
        unsafe {
            assert_eq!(tfe_context_new(ptr::null(), &raw mut ctx), TFE_OK, "{}", message());
            let ones_100 = [1.0; 100];
            let status = tfe_define_private_variable(
                ctx,
                ptr::null(),
                c"server0".as_ptr(),
                ones_100.as_ptr(),
                100,
                [10, 10].as_ptr(),
                2,
                &raw mut tensors[0],
            );
            assert_eq!(status, TFE_OK, "{}", message());
            let status = tfe_define_private_input(
                ctx,
                ptr::null(),
                c"input-provider".as_ptr(),
                [5, 10].as_ptr(),
                2,
                Some(ones),
                input_user_data,
                &raw mut tensors[1],
            );
            assert_eq!(status, TFE_OK, "{}", message());
            assert_eq!(tfe_matmul(ctx, tensors[1], tensors[0], &raw mut tensors[2]), TFE_OK, "{}", message());
            assert_eq!(tfe_reveal(ctx, tensors[2], ptr::null(), &raw mut tensors[3]), TFE_OK, "{}", message());
        }
        Seed { ctx, tensors }
    }

    /// The revealed product, the one fetch.
    pub fn revealed(&self) -> *mut tfe_tensor_t {
        self.tensors[3]
    }
}

impl Drop for Seed {
    fn drop(&mut self) {
        // SAFETY: each handle came from the library and is freed once.
        unsafe {
            self.tensors.drain(..).for_each(|t| tfe_tensor_free(t));
            tfe_context_free(self.ctx);
        }
    }
}

// SAFETY: the handles are thread-safe (tfe.h); the tests only share them
// between the threads of one test.
unsafe impl Sync for Seed {}
