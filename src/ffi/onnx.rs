//! Models imported from ONNX files (`crate::onnx`): the same `tfe_model_t`
//! as a model built layer by layer, for `tfe_predictor_new_local` and the
//! model queries; the file's initializers are the model owner's weights.

use std::ffi::c_char;

use super::args;
use super::error::{ffi_boundary, tfe_status_t};
use super::nn::{hand_out, tfe_model_t};
use crate::onnx::OnnxModel;

/// Reads the ONNX model file at `path` (made by torch.onnx, tf2onnx,
/// skl2onnx, ...: the nodes and opsets of `docs/onnx.md`) into a model
/// whose weights are its initializers. The model takes no more layers
/// (`tfe_model_add_*` fails on it), and has no plaintext inference
/// (`tfe_model_predict_plain`) or layer count; it may have several outputs
/// (`tfe_model_output_count`, `tfe_model_output_shape_at`,
/// `tfe_predictor_predict_outputs`). Every node is converted when the file is
/// read: a model with any node that cannot run is refused whole.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (a file that cannot be read; a
/// malformed model; an unsupported node, attribute or opset: the message
/// names the file, and the node by its position, name and op type).
///
/// # Safety
/// `path` is a NUL-terminated string; `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_model_load_onnx(path: *const c_char, out: *mut *mut tfe_model_t) -> tfe_status_t {
    ffi_boundary! {
        let path = unsafe { args::string(path, "path") }?;
        let out = args::out(out, "out")?;
        hand_out(tfe_model_t::onnx(OnnxModel::from_file(path)?), out);
        Ok(())
    }
}

/// As `tfe_model_load_onnx`, from the `len` bytes of a model file in
/// memory (which the call only reads); messages name the node, not a file.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (as `tfe_model_load_onnx`).
///
/// # Safety
/// `bytes` points to `len` bytes; `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_model_load_onnx_bytes(
    bytes: *const u8,
    len: usize,
    out: *mut *mut tfe_model_t,
) -> tfe_status_t {
    ffi_boundary! {
        let bytes = unsafe { args::slice(bytes, len, "bytes") }?;
        let out = args::out(out, "out")?;
        hand_out(tfe_model_t::onnx(OnnxModel::from_bytes(bytes)?), out);
        Ok(())
    }
}
