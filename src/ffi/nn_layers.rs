//! The layers of a model, one `tfe_model_add_*` function per layer kind.
//! Each checks its weights' sizes and the shape the layer receives (the
//! model's output so far); on failure the model is left as it was.

use super::args;
use super::error::{Failure, ffi_boundary, tfe_status_t};
use super::handles;
use super::nn::tfe_model_t;
use super::ops_layout::{padding, tfe_pool_t};
use crate::nn::Layer;
use crate::ring::shape::check_size;

/// Adds the layer `make` returns to `model`.
///
/// # Safety
/// The exports' contract (see `ffi_boundary!`).
unsafe fn add(model: *mut tfe_model_t, make: impl FnOnce() -> Result<Layer, Failure>) -> Result<(), Failure> {
    let model = unsafe { handles::get_mut(model, "model") }?;
    model.push(make()?)
}

/// Adds a dense (fully connected) layer `x W + b`: `weights` is the
/// `inputs` x `units` matrix W (row-major, `weights_len` = inputs x units),
/// `bias` has `units` values. It takes `[batch, inputs]`.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (a count of weights or biases other than
/// the sizes need; an input that is not `[batch, inputs]`: the message names
/// the layer and both shapes).
///
/// # Safety
/// `weights` and `bias` point to `weights_len` and `bias_len` doubles.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_model_add_dense(
    model: *mut tfe_model_t,
    inputs: usize,
    units: usize,
    weights: *const f64,
    weights_len: usize,
    bias: *const f64,
    bias_len: usize,
) -> tfe_status_t {
    ffi_boundary! {
        unsafe {
            add(model, || {
                let weights = args::slice(weights, weights_len, "weights")?.to_vec();
                let bias = args::slice(bias, bias_len, "bias")?.to_vec();
                check_size(&[inputs, units])?;
                Ok(Layer::dense(inputs, units, weights, bias)?)
            })
        }
    }
}

/// Adds a 2-D convolution of NHWC inputs: `kernel` holds the filter's shape
/// `{KH, KW, C, O}` (`kernel_len` = 4), `weights` its values (row-major,
/// KH x KW x C x O of them), `bias` one value per output channel O; the
/// window moves by `stride_h`, `stride_w`; `padding` is a `tfe_padding_t`.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (`kernel_len` other than 4; counts that
/// do not fit the kernel; a bad `padding`, a zero stride; an input that is not
/// `[batch, H, W, C]` large enough for the window).
///
/// # Safety
/// `kernel`, `weights` and `bias` point to `kernel_len`, `weights_len` and
/// `bias_len` values.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_model_add_conv2d(
    model: *mut tfe_model_t,
    kernel: *const usize,
    kernel_len: usize,
    weights: *const f64,
    weights_len: usize,
    bias: *const f64,
    bias_len: usize,
    stride_h: usize,
    stride_w: usize,
    padding: u32,
) -> tfe_status_t {
    ffi_boundary! {
        unsafe {
            add(model, || {
                let kernel = args::slice(kernel, kernel_len, "kernel")?;
                let kernel: [usize; 4] = kernel.try_into().map_err(|_| {
                    Failure::invalid(format!("'kernel' has {kernel_len} sizes, expected 4: {{KH, KW, C, O}}"))
                })?;
                let weights = args::slice(weights, weights_len, "weights")?.to_vec();
                let bias = args::slice(bias, bias_len, "bias")?.to_vec();
                check_size(&kernel)?;
                Ok(Layer::conv2d(kernel, weights, bias, (stride_h, stride_w), self::padding(padding)?)?)
            })
        }
    }
}

/// Adds max pooling (`tfe_model_add_max_pool2d`) of NHWC inputs with a
/// `window_h` x `window_w` window moving by `stride_h`, `stride_w`;
/// `padding` is a `tfe_padding_t`.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (a zero window or stride; a bad
/// `padding`; an input that is not `[batch, H, W, C]`).
///
/// # Safety
/// None beyond a live or NULL `model`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_model_add_max_pool2d(
    model: *mut tfe_model_t,
    window_h: usize,
    window_w: usize,
    stride_h: usize,
    stride_w: usize,
    padding: u32,
) -> tfe_status_t {
    ffi_boundary! {
        unsafe { add(model, || pooling(tfe_pool_t::TFE_POOL_MAX, (window_h, window_w), (stride_h, stride_w), padding)) }
    }
}

/// Adds average pooling of NHWC inputs, as `tfe_model_add_max_pool2d`
/// (with SAME padding, each window averages the elements inside the input).
/// Returns the statuses of `tfe_model_add_max_pool2d`.
///
/// # Safety
/// None beyond a live or NULL `model`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_model_add_avg_pool2d(
    model: *mut tfe_model_t,
    window_h: usize,
    window_w: usize,
    stride_h: usize,
    stride_w: usize,
    padding: u32,
) -> tfe_status_t {
    ffi_boundary! {
        unsafe { add(model, || pooling(tfe_pool_t::TFE_POOL_AVERAGE, (window_h, window_w), (stride_h, stride_w), padding)) }
    }
}

/// A pooling layer with a checked `padding`.
fn pooling(pool: tfe_pool_t, size: (usize, usize), strides: (usize, usize), padding: u32) -> Result<Layer, Failure> {
    let padding = self::padding(padding)?;
    Ok(match pool {
        tfe_pool_t::TFE_POOL_MAX => Layer::MaxPooling2D { size, strides, padding },
        tfe_pool_t::TFE_POOL_AVERAGE => Layer::AveragePooling2D { size, strides, padding },
    })
}

/// Adds batch normalization for inference over the last axis:
/// `gamma (x - mean) / sqrt(variance + epsilon) + beta`, each of `gamma`,
/// `beta`, `mean` and `variance` holding `channels` values. After a dense
/// or convolution layer it is folded into that layer's weights.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (`variance + epsilon` not positive; an
/// input whose last axis is not `channels`).
///
/// # Safety
/// `gamma`, `beta`, `mean` and `variance` each point to `channels` doubles.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_model_add_batch_norm(
    model: *mut tfe_model_t,
    gamma: *const f64,
    beta: *const f64,
    mean: *const f64,
    variance: *const f64,
    channels: usize,
    epsilon: f64,
) -> tfe_status_t {
    ffi_boundary! {
        unsafe {
            add(model, || {
                let gamma = args::slice(gamma, channels, "gamma")?.to_vec();
                let beta = args::slice(beta, channels, "beta")?.to_vec();
                let mean = args::slice(mean, channels, "mean")?.to_vec();
                let variance = args::slice(variance, channels, "variance")?.to_vec();
                Ok(Layer::batch_norm(gamma, beta, mean, variance, epsilon)?)
            })
        }
    }
}

/// Adds an exact ReLU, `max(x, 0)`. Returns `TFE_ERR_INVALID_ARGUMENT` (an
/// input of a rank the layer cannot take).
///
/// # Safety
/// None beyond a live or NULL `model`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_model_add_relu(model: *mut tfe_model_t) -> tfe_status_t {
    ffi_boundary! { unsafe { add(model, || Ok(Layer::ReLU)) } }
}

/// Adds a sigmoid (within 0.003: piecewise linear with 25 knots). Returns
/// `TFE_ERR_INVALID_ARGUMENT` (an input of a rank the layer cannot take).
///
/// # Safety
/// None beyond a live or NULL `model`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_model_add_sigmoid(model: *mut tfe_model_t) -> tfe_status_t {
    ffi_boundary! { unsafe { add(model, || Ok(Layer::Sigmoid)) } }
}

/// Adds a softmax over the last axis. Returns `TFE_ERR_INVALID_ARGUMENT` (an
/// input of a rank the layer cannot take).
///
/// # Safety
/// None beyond a live or NULL `model`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_model_add_softmax(model: *mut tfe_model_t) -> tfe_status_t {
    ffi_boundary! { unsafe { add(model, || Ok(Layer::Softmax)) } }
}

/// Adds a flatten: `[batch, ...]` becomes `[batch, n]`. Returns
/// `TFE_ERR_INVALID_ARGUMENT` (an input of a rank the layer cannot take).
///
/// # Safety
/// None beyond a live or NULL `model`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_model_add_flatten(model: *mut tfe_model_t) -> tfe_status_t {
    ffi_boundary! { unsafe { add(model, || Ok(Layer::Flatten)) } }
}

/// Adds global average pooling: NHWC `[batch, H, W, C]` becomes `[batch, C]`.
/// Returns `TFE_ERR_INVALID_ARGUMENT` (an input of a rank the layer cannot
/// take).
///
/// # Safety
/// None beyond a live or NULL `model`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_model_add_global_avg_pool2d(model: *mut tfe_model_t) -> tfe_status_t {
    ffi_boundary! { unsafe { add(model, || Ok(Layer::GlobalAveragePooling2D)) } }
}
