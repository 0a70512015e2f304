//! Layout, pooling and convolution operations: slice, pad, concat,
//! `expand_dims`, squeeze, gather, flatten, max and average pooling, global
//! average pooling and conv2d (NHWC). Each adds a node to the context's
//! graph after checking its operands (as in [`super::ops`]).

use super::args;
use super::context::{tfe_context_t, tfe_tensor_t};
pub use super::enums::{tfe_padding_t, tfe_pool_t};
use super::error::{Failure, ffi_boundary, tfe_status_t};
use super::ops::{apply, binary, unary};
use crate::graph::Graph;
use crate::ring::layout::Padding;

pub(crate) fn padding(value: u32) -> Result<Padding, Failure> {
    match value {
        0 => Ok(Padding::Valid),
        1 => Ok(Padding::Same),
        other => {
            Err(Failure::invalid(format!("padding {other}: expected TFE_PADDING_VALID (0) or TFE_PADDING_SAME (1)")))
        }
    }
}

/// `x[begin : begin + size]` along every axis; `begin` and `size` have one
/// entry per axis of `x`.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (lengths other than the rank, a slice
/// beyond the shape).
///
/// # Safety
/// `begin` and `size` point to `begin_len` and `size_len` sizes; `out` points
/// to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_slice(
    ctx: *mut tfe_context_t,
    x: *const tfe_tensor_t,
    begin: *const usize,
    begin_len: usize,
    size: *const usize,
    size_len: usize,
    out: *mut *mut tfe_tensor_t,
) -> tfe_status_t {
    ffi_boundary! {
        let begin = unsafe { args::slice(begin, begin_len, "begin") }?;
        let size = unsafe { args::slice(size, size_len, "size") }?;
        unsafe { unary(ctx, x, out, |g, x| g.slice(x, begin, size)) }
    }
}

/// `x` padded with zeros: `pads` holds `(before, after)` pairs, one per
/// axis of `x` (`pads_len` = 2 x rank).
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (an odd length, pairs other than the
/// rank).
///
/// # Safety
/// `pads` points to `pads_len` sizes; `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_pad(
    ctx: *mut tfe_context_t,
    x: *const tfe_tensor_t,
    pads: *const usize,
    pads_len: usize,
    out: *mut *mut tfe_tensor_t,
) -> tfe_status_t {
    ffi_boundary! {
        let pads = unsafe { args::slice(pads, pads_len, "pads") }?;
        if pads.len() % 2 != 0 {
            return Err(Failure::invalid(format!(
                "parameter 'pads' has {} entries, expected (before, after) pairs",
                pads.len()
            )));
        }
        let pairs: Vec<(usize, usize)> = pads.chunks(2).map(|p| (p[0], p[1])).collect();
        unsafe { unary(ctx, x, out, |g, x| g.pad(x, &pairs)) }
    }
}

/// `x` and `y` joined along `axis` (every other axis must match).
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (shapes that do not fit, named; `axis`
/// out of range).
///
/// # Safety
/// `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_concat(
    ctx: *mut tfe_context_t,
    x: *const tfe_tensor_t,
    y: *const tfe_tensor_t,
    axis: usize,
    out: *mut *mut tfe_tensor_t,
) -> tfe_status_t {
    ffi_boundary! {
        unsafe { binary(ctx, x, y, out, |g, x, y| g.concat(x, y, axis)) }
    }
}

/// `x` with a new axis of size 1 at `axis` (at most the rank of `x`).
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (`axis` out of range).
///
/// # Safety
/// `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_expand_dims(
    ctx: *mut tfe_context_t,
    x: *const tfe_tensor_t,
    axis: usize,
    out: *mut *mut tfe_tensor_t,
) -> tfe_status_t {
    ffi_boundary! { unsafe { unary(ctx, x, out, |g, x| g.expand_dims(x, axis)) } }
}

/// `x` without its axis `axis`, which must have size 1.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (`axis` out of range or not of size 1).
///
/// # Safety
/// `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_squeeze(
    ctx: *mut tfe_context_t,
    x: *const tfe_tensor_t,
    axis: usize,
    out: *mut *mut tfe_tensor_t,
) -> tfe_status_t {
    ffi_boundary! { unsafe { unary(ctx, x, out, |g, x| g.squeeze(x, axis)) } }
}

/// The entries `indices` of `x` along `axis`, in that order.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (`axis` or an index out of range).
///
/// # Safety
/// `indices` points to `indices_len` sizes; `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_gather(
    ctx: *mut tfe_context_t,
    x: *const tfe_tensor_t,
    indices: *const usize,
    indices_len: usize,
    axis: usize,
    out: *mut *mut tfe_tensor_t,
) -> tfe_status_t {
    ffi_boundary! {
        let indices = unsafe { args::slice(indices, indices_len, "indices") }?;
        unsafe { unary(ctx, x, out, |g, x| g.gather(x, indices, axis)) }
    }
}

/// `x` reshaped to `[N, everything else]` (N its first axis).
///
/// # Safety
/// `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_flatten(
    ctx: *mut tfe_context_t,
    x: *const tfe_tensor_t,
    out: *mut *mut tfe_tensor_t,
) -> tfe_status_t {
    ffi_boundary! { unsafe { unary(ctx, x, out, Graph::flatten) } }
}

/// Pooling of an NHWC tensor with a `window_h` x `window_w` window moving
/// by `stride_h`, `stride_w`: `pool` is a `tfe_pool_t` (`TFE_POOL_MAX` or
/// `TFE_POOL_AVERAGE`), `padding` a `tfe_padding_t`.
///
/// Approximates `mean(window)` for every x in the fixed-point range: `|error| <= 2^-17*|s| +
/// 2^-16`, s the sum of the averaged elements.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (not rank 4, a zero window or stride, a
/// bad `padding` or `pool`).
///
/// # Safety
/// `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_pool2d(
    ctx: *mut tfe_context_t,
    x: *const tfe_tensor_t,
    pool: u32,
    window_h: usize,
    window_w: usize,
    stride_h: usize,
    stride_w: usize,
    padding: u32,
    out: *mut *mut tfe_tensor_t,
) -> tfe_status_t {
    ffi_boundary! {
        let padding = self::padding(padding)?;
        let (size, strides) = ((window_h, window_w), (stride_h, stride_w));
        let pool = match pool {
            0 => Graph::max_pool2d,
            1 => Graph::avg_pool2d,
            other => {
                return Err(Failure::invalid(format!(
                    "pool {other}: expected TFE_POOL_MAX (0) or TFE_POOL_AVERAGE (1)"
                )));
            }
        };
        unsafe { unary(ctx, x, out, |g, x| pool(g, x, size, strides, padding)) }
    }
}

/// The average over the spatial axes of an NHWC tensor: `[N, C]`.
///
/// Approximates `mean over H and W` for every x in the fixed-point range: `|error| <= 2^-17*|s| +
/// 2^-16`, s the sum of the averaged elements.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (not rank 4).
///
/// # Safety
/// `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_global_avg_pool2d(
    ctx: *mut tfe_context_t,
    x: *const tfe_tensor_t,
    out: *mut *mut tfe_tensor_t,
) -> tfe_status_t {
    ffi_boundary! { unsafe { unary(ctx, x, out, Graph::global_avg_pool2d) } }
}

/// The convolution of the NHWC tensor `x` with the `[KH, KW, C, O]` filter
/// `filter` (private or public), moving by `stride_h`, `stride_w`.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (shapes that do not fit, named; a zero
/// stride; a bad `padding`).
///
/// # Safety
/// `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_conv2d(
    ctx: *mut tfe_context_t,
    x: *const tfe_tensor_t,
    filter: *const tfe_tensor_t,
    stride_h: usize,
    stride_w: usize,
    padding: u32,
    out: *mut *mut tfe_tensor_t,
) -> tfe_status_t {
    ffi_boundary! {
        let padding = self::padding(padding)?;
        unsafe {
            apply(ctx, [(x, "x"), (filter, "filter")], out, |g, [x, filter]| {
                g.conv2d(x, filter, (stride_h, stride_w), padding)
            })
        }
    }
}
