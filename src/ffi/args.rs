//! Checked conversions of the raw pointers a C caller passes: NULL, a
//! misaligned pointer, an oversized length or a string that is not UTF-8
//! becomes a [`Failure`] naming the parameter.
//!
//! What cannot be checked (a dangling pointer, a buffer shorter than its
//! length) stays the caller's responsibility, as the `# Safety` docs say.
//! Handles are not checked here but against the registries of live
//! handles in `handles`.

use std::ffi::{CStr, c_char};

use super::error::Failure;
use super::handles::{self, Registered};

/// A reference to a struct the caller owns (`tfe_config_t`,
/// `tfe_session_options_t`), which must not be NULL.
///
/// # Safety
/// A non-null `ptr` must point to a live `T`.
pub(crate) unsafe fn reference<'a, T>(ptr: *const T, param: &str) -> Result<&'a T, Failure> {
    if ptr.is_null() {
        return Err(Failure::null(param));
    }
    if !ptr.is_aligned() {
        return Err(Failure::invalid(format!("parameter '{param}' is misaligned")));
    }
    // SAFETY: non-null and aligned; liveness is the caller's contract.
    Ok(unsafe { &*ptr })
}

/// An out-param, checked before any work so that a NULL fails early.
pub(crate) fn out<T>(ptr: *mut T, param: &str) -> Result<Out<T>, Failure> {
    if ptr.is_null() {
        return Err(Failure::null(param));
    }
    if !ptr.is_aligned() {
        return Err(Failure::invalid(format!("parameter '{param}' is misaligned")));
    }
    Ok(Out(ptr))
}

/// A checked out-param: written once, on success.
pub(crate) struct Out<T>(*mut T);

impl<T> Out<T> {
    /// Writes the value without reading or dropping what was there.
    ///
    /// # Safety
    /// The pointer must be valid for a write of `T`.
    pub unsafe fn write(self, value: T) {
        // SAFETY: checked non-null and aligned in `out`; validity is the caller's contract.
        unsafe { self.0.write(value) }
    }
}

/// A pair of out-params that receive a slice the library owns as
/// `(*ptr, *len)`: a shape and its rank, values and their count.
pub(crate) struct OutSlice<T> {
    ptr: Out<*const T>,
    len: Out<usize>,
}

/// Checks both out-params of a slice (`ptr` first) before any work.
pub(crate) fn out_slice<T>(
    ptr: *mut *const T,
    ptr_param: &str,
    len: *mut usize,
    len_param: &str,
) -> Result<OutSlice<T>, Failure> {
    Ok(OutSlice { ptr: out(ptr, ptr_param)?, len: out(len, len_param)? })
}

impl<T> OutSlice<T> {
    /// Writes the address and the length of `values`.
    ///
    /// # Safety
    /// As [`Out::write`], for both pointers.
    pub unsafe fn write(self, values: &[T]) {
        // SAFETY: this function's contract.
        unsafe {
            self.ptr.write(values.as_ptr());
            self.len.write(values.len());
        }
    }
}

/// A buffer `(ptr, len)`; `ptr` may be NULL when `len` is 0.
///
/// # Safety
/// A non-null `ptr` must point to `len` initialized values of `T`.
pub(crate) unsafe fn slice<'a, T>(ptr: *const T, len: usize, param: &str) -> Result<&'a [T], Failure> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(Failure::null(param));
    }
    if !ptr.is_aligned() {
        return Err(Failure::invalid(format!("parameter '{param}' is misaligned")));
    }
    if len.checked_mul(size_of::<T>()).is_none_or(|bytes| bytes > isize::MAX as usize) {
        return Err(Failure::invalid(format!("parameter '{param}' has length {len}, more than fits in memory")));
    }
    // SAFETY: non-null, aligned, size in range; the contents are the caller's contract.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// A writable buffer `(ptr, len)` the caller owns; `ptr` may be NULL when
/// `len` is 0.
///
/// # Safety
/// A non-null `ptr` must point to `len` writable values of `T` that nothing
/// else uses during the call.
pub(crate) unsafe fn slice_mut<'a, T>(ptr: *mut T, len: usize, param: &str) -> Result<&'a mut [T], Failure> {
    // SAFETY: this function's contract covers `slice`'s; it checks NULL, alignment and size.
    unsafe { slice(ptr.cast_const(), len, param) }?;
    if len == 0 {
        return Ok(&mut []);
    }
    // SAFETY: checked above; exclusivity is the caller's contract.
    Ok(unsafe { std::slice::from_raw_parts_mut(ptr, len) })
}

/// A NUL-terminated UTF-8 string, which must not be NULL.
///
/// # Safety
/// A non-null `ptr` must point to a NUL-terminated string.
pub(crate) unsafe fn string<'a>(ptr: *const c_char, param: &str) -> Result<&'a str, Failure> {
    if ptr.is_null() {
        return Err(Failure::null(param));
    }
    // SAFETY: non-null; NUL termination is the caller's contract.
    let bytes = unsafe { CStr::from_ptr(ptr) };
    bytes.to_str().map_err(|e| {
        Failure::invalid(format!("parameter '{param}' is not valid UTF-8 (invalid byte at offset {})", e.valid_up_to()))
    })
}

/// A string that may be NULL (meaning "not given").
///
/// # Safety
/// As [`string`].
pub(crate) unsafe fn optional_string<'a>(ptr: *const c_char, param: &str) -> Result<Option<&'a str>, Failure> {
    if ptr.is_null() {
        Ok(None)
    } else {
        // SAFETY: the same contract as this function's.
        unsafe { string(ptr, param) }.map(Some)
    }
}

/// The body of an accessor export: the value `pick` reads from the live
/// handle `handle`, written to the out-param `out` (checked first).
///
/// # Safety
/// The exports' contract (see `ffi_boundary!`).
pub(crate) unsafe fn read<H: Registered, T>(
    handle: *const H,
    handle_param: &str,
    out: *mut T,
    out_param: &str,
    pick: impl FnOnce(&H) -> T,
) -> Result<(), Failure> {
    let handle = unsafe { handles::get(handle, handle_param) }?;
    let out = self::out(out, out_param)?;
    unsafe { out.write(pick(handle)) };
    Ok(())
}

/// As [`read`], for a slice the handle owns, handed out as `(*ptr, *len)`.
///
/// # Safety
/// The exports' contract (see `ffi_boundary!`).
pub(crate) unsafe fn read_slice<H: Registered, T>(
    handle: *const H,
    handle_param: &str,
    (ptr, len): (*mut *const T, *mut usize),
    (ptr_param, len_param): (&str, &str),
    pick: impl for<'h> FnOnce(&'h H) -> &'h [T],
) -> Result<(), Failure> {
    let handle = unsafe { handles::get(handle, handle_param) }?;
    let out = out_slice(ptr, ptr_param, len, len_param)?;
    unsafe { out.write(pick(handle)) };
    Ok(())
}
