//! Plaintext arrays from and to files: `.npy` (float64 or float32, any
//! shape) and `.csv` (numbers separated by commas or whitespace, one row
//! per line), the formats a deployed party reads inputs from and writes
//! results to. For a model owner's weights and a client's inputs.

use std::ffi::c_char;
use std::path::Path;

use super::args;
use super::error::{ffi_boundary, tfe_status_t};
use super::handles;
use crate::deploy::data::{read_values, write_values};

/// Values and their shape read from a file: row-major doubles.
///
/// Thread safety: immutable; usable from any thread. Pointers obtained from
/// it stay valid until `tfe_array_free`.
pub struct tfe_array_t {
    shape: Vec<usize>,
    values: Vec<f64>,
}

handles::registered!(tfe_array_t);

/// Reads the file at `path`: a `.npy` array keeps its shape; a `.csv` file
/// is `{rows, columns}`. The extension is matched without regard to case.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT`: the message names the file and says what
/// was wrong (it cannot be opened; another extension; not a float .npy array; a
/// .npy file whose data is not as long as its header's shape says, with both
/// lengths in bytes; a CSV cell that is empty, not a number, or a row of
/// another length, by line and column; a file too large to hold in memory). A
/// file never aborts the process, whatever its header claims.
///
/// # Safety
/// `path` is a NUL-terminated string; `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_array_load(path: *const c_char, out: *mut *mut tfe_array_t) -> tfe_status_t {
    ffi_boundary! {
        let path = unsafe { args::string(path, "path") }?;
        let out = args::out(out, "out")?;
        let (shape, values) = read_values(Path::new(path))?;
        unsafe { out.write(handles::register(Box::new(tfe_array_t { shape, values }))) };
        Ok(())
    }
}

/// The values of an array, row-major.
///
/// # Safety
/// `data` and `len` point to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_array_values(
    array: *const tfe_array_t,
    data: *mut *const f64,
    len: *mut usize,
) -> tfe_status_t {
    ffi_boundary! { unsafe { args::read_slice(array, "array", (data, len), ("data", "len"), |array| &array.values) } }
}

/// The shape of an array.
///
/// # Safety
/// `shape` and `rank` point to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_array_shape(
    array: *const tfe_array_t,
    shape: *mut *const usize,
    rank: *mut usize,
) -> tfe_status_t {
    ffi_boundary! { unsafe { args::read_slice(array, "array", (shape, rank), ("shape", "rank"), |array| &array.shape) } }
}

/// Frees an array. `tfe_array_free(NULL)` does nothing.
///
/// # Safety
/// No other thread is using `array`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_array_free(array: *mut tfe_array_t) {
    ffi_boundary! { drop(handles::unregister(array)) }
}

/// Writes `values` (row-major, `values_len` of them) of shape `(shape,
/// rank)` to the file at `path`, replacing it: `.npy` as float64 of that
/// shape, `.csv` with one row per line (rank 1: one row; rank 2: rows),
/// numbers that read back exactly.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT`: the message names the file and says what
/// was wrong (another extension; a count of values that does not fill the
/// shape; a rank a CSV file cannot hold; the file cannot be written, and why).
///
/// # Safety
/// `values` points to `values_len` doubles, `shape` to `rank` sizes;
/// `path` is a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_array_save(
    values: *const f64,
    values_len: usize,
    shape: *const usize,
    rank: usize,
    path: *const c_char,
) -> tfe_status_t {
    ffi_boundary! {
        let values = unsafe { args::slice(values, values_len, "values") }?;
        let shape = unsafe { args::slice(shape, rank, "shape") }?;
        let path = unsafe { args::string(path, "path") }?;
        write_values(Path::new(path), shape, values)?;
        Ok(())
    }
}
