//! The C ABI over graph and session: opaque handles, status codes, a
//! thread-local last error, and a panic boundary around every export.
//!
//! `include/tfe.h` is generated from this module by cbindgen (see
//! `cbindgen.toml`; `tests/header.rs` fails when the two drift apart), so the
//! `///` docs here are the header's docs.
//!
//! Conventions, after rustls-ffi and wasmtime:
//! - every function is `tfe_*`, every macro and enum value `TFE_*`;
//! - fallible calls return a [`tfe_status_t`] and record a message readable
//!   with `tfe_last_error_message()`; out-params are written only on success;
//! - the object comes first, inputs next, outputs last; buffers are `(ptr, len)`;
//! - every `_new` has a `_free`, and `_free(NULL)` does nothing;
//! - a panic never crosses the boundary (it becomes `TFE_ERR_PANIC`), and a
//!   null, misaligned or non-UTF-8 argument is an error status, never a crash;
//!   so is a handle of the wrong kind or one freed already, and a `_free` of
//!   such a pointer does nothing.
//!
//! Files: [`error`] (status codes, last error, panic boundary), `panics`
//! (the panic hook that sends the library's panics to the log callback), `args`
//! (pointer checks), [`context`] (contexts and tensors), [`callbacks`]
//! (input callbacks and their messages, variables' initial values at their
//! owners), [`load`] (graphs from files, tensors by position or name),
//! [`inspect`] (a context's configuration and players, a tensor's kind and
//! owner), [`ops`], [`ops_nonlinear`], [`ops_layout`] and [`ops_reduce`]
//! (graph operations), [`feeds`] (values passed to a run), [`session`]
//! (local sessions), [`party`] (deployed parties), [`result`] (run results and
//! stats, per player and per op kind), [`report`] (the stats as a Chrome
//! trace and as a table), [`logging`] (log records to a host callback),
//! [`nn`] and [`nn_layers`] (models built layer by layer, the benchmark
//! networks, plaintext inference), [`onnx`] (models imported from ONNX
//! files), [`predict`] (private prediction), [`serve`] (a service of a model and its clients), [`train`] (private training), [`train_party`] (private training as one player of a deployment), [`data`] (arrays from and to `.npy` and `.csv` files), [`selftest`] (a
//! call that fails on request, for bindings' tests), `handles` (the live
//! handles of every kind: tags, never reused, so a freed handle or one of
//! another kind is a status).

// The exported names are the C names (`tfe_context_t`, `TFE_OK`, ...).
#![allow(non_camel_case_types)]

// In the order of the header: errors, then the objects from context to result.
pub mod enums;
pub mod error;

mod panics;

pub mod context;

pub mod callbacks;

pub mod load;

pub mod inspect;

pub mod ops;

pub mod ops_nonlinear;

pub mod ops_layout;

pub mod ops_reduce;

pub mod feeds;

pub mod session;

pub mod party;

pub mod result;

pub mod report;

pub mod logging;

pub mod nn;

pub mod nn_layers;

pub mod onnx;

pub mod predict;

pub mod serve;

pub mod train;

pub mod train_party;

pub mod train_interrupt;

pub mod data;

pub mod selftest;

mod args;
mod batches;
mod handles;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_handles;
#[cfg(test)]
mod tests_names;
#[cfg(test)]
mod tests_serve;
#[cfg(test)]
mod tests_train;
#[cfg(test)]
mod tests_train_party;

use std::ffi::c_char;

pub use callbacks::tfe_input_fn;
pub use context::{tfe_comparison_t, tfe_config_t, tfe_context_t, tfe_tensor_t};
pub use data::tfe_array_t;
pub use error::tfe_status_t;
pub use feeds::tfe_feeds_t;
pub use inspect::tfe_tensor_kind_t;
pub use logging::{tfe_log_fn, tfe_log_level_t};
pub use nn::{tfe_model_t, tfe_network_t};
pub use ops_layout::{tfe_padding_t, tfe_pool_t};
pub use ops_reduce::{tfe_cumsum_t, tfe_sort_order_t};
pub use party::{tfe_cancel_fn, tfe_party_t};
pub use predict::tfe_predictor_t;
pub use result::{tfe_op_stats_t, tfe_player_stats_t, tfe_result_t};
pub use serve::{tfe_client_t, tfe_server_options_t, tfe_server_t};
pub use session::{tfe_session_options_t, tfe_session_t, tfe_transport_t};
pub use train::{
    tfe_loss_t, tfe_metrics_t, tfe_optimizer_kind_t, tfe_optimizer_t, tfe_schedule_t, tfe_train_progress_fn,
    tfe_train_progress_t, tfe_trainer_t,
};

/// The major version of this header. A library with another major version
/// is not compatible with it (the library's SONAME is `libtfe.so.<major>`).
pub const TFE_VERSION_MAJOR: u32 = 0;
/// The minor version of this header: additions only.
pub const TFE_VERSION_MINOR: u32 = 2;
/// The patch version of this header: fixes only.
pub const TFE_VERSION_PATCH: u32 = 0;

/// The version of the library, NUL-terminated.
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

/// The version of the loaded library as "MAJOR.MINOR.PATCH", to compare
/// with the `TFE_VERSION_*` macros of the header a program was built with.
///
/// Ownership: the string is static; do not free it.
#[unsafe(no_mangle)]
pub extern "C" fn tfe_version() -> *const c_char {
    VERSION.as_ptr().cast()
}
