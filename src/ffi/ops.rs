//! Operations on tensors: each adds a node to the context's graph after
//! checking that its operands belong to that context and that their shapes
//! fit (a mismatch is `TFE_ERR_INVALID_ARGUMENT` naming both shapes).
//!
//! Every function here: `ctx` is the context the operands belong to; `*out`
//! receives a new tensor (free it with `tfe_tensor_free`); the operands are
//! borrowed for the call. Thread safety: as the context.

use std::ffi::c_char;

use super::args;
use super::context::{add_node, node_of, tfe_context_t, tfe_tensor_t};
use super::error::{Failure, ffi_boundary, tfe_status_t};
use super::handles;
use crate::graph::{Graph, TensorId};

/// Adds the node `op(operands)` to the graph of `ctx` and writes a new
/// tensor for it to `out`. Each operand is a live tensor of `ctx`, named in
/// messages by its parameter. Every operation export is built on it, with
/// one, two or three operands.
///
/// # Safety
/// The exports' contract (see `ffi_boundary!`).
pub(super) unsafe fn apply<const N: usize>(
    ctx: *mut tfe_context_t,
    operands: [(*const tfe_tensor_t, &str); N],
    out: *mut *mut tfe_tensor_t,
    op: impl FnOnce(&mut Graph, [TensorId; N]) -> crate::Result<TensorId>,
) -> Result<(), Failure> {
    let mut tensors = Vec::with_capacity(N);
    for (tensor, param) in operands {
        tensors.push((unsafe { handles::get(tensor, param) }?, param));
    }
    unsafe {
        add_node(ctx, out, |state, context| {
            let mut ids = [TensorId(0); N];
            for (id, (tensor, param)) in ids.iter_mut().zip(tensors) {
                *id = node_of(context, tensor, param)?;
            }
            Ok(op(&mut state.graph, ids)?)
        })
    }
}

/// [`apply`] with the one operand `x`.
///
/// # Safety
/// The exports' contract (see `ffi_boundary!`).
pub(super) unsafe fn unary(
    ctx: *mut tfe_context_t,
    x: *const tfe_tensor_t,
    out: *mut *mut tfe_tensor_t,
    op: impl FnOnce(&mut Graph, TensorId) -> crate::Result<TensorId>,
) -> Result<(), Failure> {
    unsafe { apply(ctx, [(x, "x")], out, |graph, [x]| op(graph, x)) }
}

/// [`apply`] with the two operands `x` and `y`.
///
/// # Safety
/// The exports' contract (see `ffi_boundary!`).
pub(super) unsafe fn binary(
    ctx: *mut tfe_context_t,
    x: *const tfe_tensor_t,
    y: *const tfe_tensor_t,
    out: *mut *mut tfe_tensor_t,
    op: impl FnOnce(&mut Graph, TensorId, TensorId) -> crate::Result<TensorId>,
) -> Result<(), Failure> {
    unsafe { apply(ctx, [(x, "x"), (y, "y")], out, |graph, [x, y]| op(graph, x, y)) }
}

/// Elementwise `x + y`, with numpy broadcasting.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (operands whose shapes do not fit, named
/// in the message).
///
/// # Safety
/// `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_add(
    ctx: *mut tfe_context_t,
    x: *const tfe_tensor_t,
    y: *const tfe_tensor_t,
    out: *mut *mut tfe_tensor_t,
) -> tfe_status_t {
    ffi_boundary! { unsafe { binary(ctx, x, y, out, Graph::add) } }
}

/// Elementwise `x - y`, with numpy broadcasting.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (operands whose shapes do not fit, named
/// in the message).
///
/// # Safety
/// `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_sub(
    ctx: *mut tfe_context_t,
    x: *const tfe_tensor_t,
    y: *const tfe_tensor_t,
    out: *mut *mut tfe_tensor_t,
) -> tfe_status_t {
    ffi_boundary! { unsafe { binary(ctx, x, y, out, Graph::sub) } }
}

/// Elementwise `x * y`, with numpy broadcasting.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (operands whose shapes do not fit, named
/// in the message).
///
/// # Safety
/// `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_mul(
    ctx: *mut tfe_context_t,
    x: *const tfe_tensor_t,
    y: *const tfe_tensor_t,
    out: *mut *mut tfe_tensor_t,
) -> tfe_status_t {
    ffi_boundary! { unsafe { binary(ctx, x, y, out, Graph::mul) } }
}

/// The matrix product of `x` (m x k) and `y` (k x n).
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (operands whose shapes do not fit, named
/// in the message).
///
/// # Safety
/// `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_matmul(
    ctx: *mut tfe_context_t,
    x: *const tfe_tensor_t,
    y: *const tfe_tensor_t,
    out: *mut *mut tfe_tensor_t,
) -> tfe_status_t {
    ffi_boundary! { unsafe { binary(ctx, x, y, out, Graph::matmul) } }
}

/// Stores the value of `value` (private, of the variable's shape) in the
/// private variable `variable` when `*out` is fetched; fetching it yields an
/// empty value.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (operands whose shapes do not fit, named
/// in the message).
///
/// # Safety
/// `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_assign(
    ctx: *mut tfe_context_t,
    variable: *const tfe_tensor_t,
    value: *const tfe_tensor_t,
    out: *mut *mut tfe_tensor_t,
) -> tfe_status_t {
    ffi_boundary! {
        unsafe { apply(ctx, [(variable, "variable"), (value, "value")], out, |g, [variable, value]| g.assign(variable, value)) }
    }
}

/// Elementwise `-x`.
///
/// # Safety
/// `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_neg(
    ctx: *mut tfe_context_t,
    x: *const tfe_tensor_t,
    out: *mut *mut tfe_tensor_t,
) -> tfe_status_t {
    ffi_boundary! { unsafe { unary(ctx, x, out, Graph::neg) } }
}

/// Elementwise `x * x`.
///
/// # Safety
/// `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_square(
    ctx: *mut tfe_context_t,
    x: *const tfe_tensor_t,
    out: *mut *mut tfe_tensor_t,
) -> tfe_status_t {
    ffi_boundary! { unsafe { unary(ctx, x, out, Graph::square) } }
}

/// The sum of every element of `x` (a scalar, rank 0).
///
/// # Safety
/// `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_reduce_sum(
    ctx: *mut tfe_context_t,
    x: *const tfe_tensor_t,
    out: *mut *mut tfe_tensor_t,
) -> tfe_status_t {
    ffi_boundary! { unsafe { unary(ctx, x, out, |g, x| g.reduce_sum(x, None)) } }
}

/// The sum of `x` along `axis` (which must be below the rank of `x`); the
/// result drops that axis.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (`axis` not below the rank of `x`).
///
/// # Safety
/// `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_reduce_sum_axis(
    ctx: *mut tfe_context_t,
    x: *const tfe_tensor_t,
    axis: usize,
    out: *mut *mut tfe_tensor_t,
) -> tfe_status_t {
    ffi_boundary! { unsafe { unary(ctx, x, out, |g, x| g.reduce_sum(x, Some(axis))) } }
}

/// Permutes the axes of `x`: axis `i` of the result is axis `perm[i]` of `x`.
/// With `perm` NULL and `perm_len` 0 the axes are reversed (a matrix
/// transpose for rank 2).
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (`perm` not a permutation of the axes of
/// `x`).
///
/// # Safety
/// `perm` points to `perm_len` sizes (or is NULL with `perm_len` 0); `out`
/// points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_transpose(
    ctx: *mut tfe_context_t,
    x: *const tfe_tensor_t,
    perm: *const usize,
    perm_len: usize,
    out: *mut *mut tfe_tensor_t,
) -> tfe_status_t {
    ffi_boundary! {
        // A NULL `perm` with a nonzero length is reported by `args::slice`.
        let perm = if perm.is_null() && perm_len == 0 {
            None
        } else {
            Some(unsafe { args::slice(perm, perm_len, "perm") }?)
        };
        unsafe { unary(ctx, x, out, |g, x| g.transpose(x, perm)) }
    }
}

/// `x` with the shape `(shape, rank)`, which must have as many elements.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (`shape` with another number of elements
/// than `x`).
///
/// # Safety
/// `shape` points to `rank` sizes (NULL when `rank` is 0); `out` points to
/// writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_reshape(
    ctx: *mut tfe_context_t,
    x: *const tfe_tensor_t,
    shape: *const usize,
    rank: usize,
    out: *mut *mut tfe_tensor_t,
) -> tfe_status_t {
    ffi_boundary! {
        let shape = unsafe { args::slice(shape, rank, "shape") }?;
        unsafe { unary(ctx, x, out, |g, x| g.reshape(x, shape)) }
    }
}

/// Reveals the private `x` to every server (`to` NULL) or to the player
/// named `to` only. The result can be fetched with `tfe_session_run` but
/// not computed on.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (a bad player name in `to`).
///
/// # Safety
/// `to` is NULL or a NUL-terminated string; `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_reveal(
    ctx: *mut tfe_context_t,
    x: *const tfe_tensor_t,
    to: *const c_char,
    out: *mut *mut tfe_tensor_t,
) -> tfe_status_t {
    ffi_boundary! {
        let to = unsafe { args::optional_string(to, "to") }?;
        unsafe { unary(ctx, x, out, |g, x| g.reveal(x, to)) }
    }
}
