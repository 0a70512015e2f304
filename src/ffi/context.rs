//! Contexts (a graph under construction plus what its inputs and variables
//! get at their owners: callbacks, initial values) and tensors (nodes of one
//! context's graph); the definitions of inputs, variables and constants.
//! The operations are in [`super::ops`].

use std::ffi::{CString, c_char};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::args;
use super::callbacks::{Initializer, InputCallback, tfe_input_fn};
pub use super::enums::tfe_comparison_t;
use super::error::{Failure, ffi_boundary, tfe_status_t};
use super::handles;
use crate::error::Error;
use crate::fixed::{ComparisonWidth, FixedConfig};
use crate::graph::{Graph, TensorId};
use crate::ring::shape::check_size;
use crate::session::feeds;

/// The fixed-point configuration of a context: every value is stored as
/// `round(v * 2^frac_bits)` and must lie within `±2^int_bits`. Start from
/// `tfe_config_default()` (16 fractional and 20 integer bits).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct tfe_config_t {
    /// Fractional bits, 1 to 30: the resolution is `2^-frac_bits`.
    pub frac_bits: u32,
    /// Integer bits: every value must lie within `±2^int_bits`;
    /// `2 * frac_bits + int_bits` must be at most 62.
    pub int_bits: u32,
    /// A `tfe_comparison_t` value: how many bits comparisons, ReLU and
    /// maxima read. 0 (`TFE_COMPARISON_FIXED_POINT_RANGE`) is the default;
    /// anything but 0 or 1 is `TFE_ERR_CONFIG`.
    pub comparison: u32,
}

/// A computation under construction (its graph), with the input callbacks
/// and variables' initial values given to it, which stay in this process
/// (the graph, which other players receive, holds neither). Sessions and
/// parties take a snapshot of all three when they are made.
///
/// Thread safety: thread-safe; calls on one context from several threads
/// are serialized.
pub struct tfe_context_t {
    id: u64,
    state: Mutex<ContextState>,
}

/// A node of one context's graph: an input, a variable, a constant, or the
/// result of an operation. Using it with another context is
/// `TFE_ERR_INVALID_ARGUMENT`.
///
/// Thread safety: immutable; usable from any thread. It stays valid until
/// `tfe_tensor_free`, even after its context is freed.
pub struct tfe_tensor_t {
    pub(crate) context: u64,
    pub(crate) id: TensorId,
    shape: Vec<usize>,
    /// The name of an input or variable (what feeds refer to), else `None`.
    pub(crate) name: Option<CString>,
    /// What the tensor is and who owns or learns it (`tfe_tensor_kind`).
    pub(crate) about: super::inspect::About,
}

handles::registered!(tfe_context_t);

handles::registered!(tfe_tensor_t);

/// What a context holds behind its lock.
pub(crate) struct ContextState {
    pub graph: Graph,
    /// Input callbacks and variables' initial values by name, in the order
    /// they were defined.
    pub initializers: Vec<(String, Initializer)>,
    /// The players' names as C strings, filled as `tfe_context_player_name` asks.
    pub player_names: Vec<CString>,
    /// The numbers the next automatic input and variable names try first.
    inputs: usize,
    variables: usize,
}

/// `name` when given, else the first `<prefix><N>` not in use in `graph`,
/// counting up from `*counter`, which moves past it (so a name a caller
/// chose is skipped, and automatic names count 0, 1, 2, ...).
fn name_or_next(graph: &Graph, name: Option<&str>, prefix: &str, counter: &mut usize) -> String {
    if let Some(name) = name {
        return name.to_string();
    }
    loop {
        let candidate = format!("{prefix}{counter}");
        *counter += 1;
        if graph.find_named(&candidate).is_none() {
            return candidate;
        }
    }
}

/// Context ids are never reused, so a tensor of a freed context is never
/// mistaken for one of a new context.
static NEXT_CONTEXT: AtomicU64 = AtomicU64::new(1);

impl tfe_tensor_t {
    pub(crate) fn shape(&self) -> &[usize] {
        &self.shape
    }
}

impl tfe_context_t {
    /// A new context around `graph`, with a fresh id.
    pub(crate) fn boxed(graph: Graph) -> Box<Self> {
        let state = ContextState { graph, initializers: Vec::new(), player_names: Vec::new(), inputs: 0, variables: 0 };
        Box::new(tfe_context_t { id: NEXT_CONTEXT.fetch_add(1, Ordering::Relaxed), state: Mutex::new(state) })
    }

    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, ContextState> {
        // Graph updates are single pushes: a panic cannot leave one half done.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The graph and the initializers as they are now: what a session or a
    /// party made from the context takes (later definitions do not reach it).
    pub(crate) fn snapshot(&self) -> (Graph, Vec<(String, Initializer)>) {
        let state = self.lock();
        (state.graph.clone(), state.initializers.clone())
    }
}

/// The node of `tensor`, which must belong to the context with id `context`.
pub(crate) fn node_of(context: u64, tensor: &tfe_tensor_t, param: &str) -> Result<TensorId, Failure> {
    if tensor.context != context {
        return Err(Failure::invalid(format!(
            "parameter '{param}' is a tensor of another context (context {}), expected one of this context \
             (context {context})",
            tensor.context
        )));
    }
    Ok(tensor.id)
}

/// The nodes behind `fetches`, each a live tensor of context `context`
/// (named `fetches[i]` in errors).
///
/// # Safety
/// No other thread frees the tensors during the call.
pub(crate) unsafe fn fetch_ids(context: u64, fetches: &[*mut tfe_tensor_t]) -> Result<Vec<TensorId>, Failure> {
    let mut ids = Vec::with_capacity(fetches.len());
    for (i, &tensor) in fetches.iter().enumerate() {
        let param = format!("fetches[{i}]");
        let tensor = unsafe { handles::get(tensor.cast_const(), &param) }?;
        ids.push(node_of(context, tensor, &param)?);
    }
    Ok(ids)
}

/// Adds a node to the graph of `ctx` and writes a new tensor for it to `out`.
///
/// # Safety
/// `ctx` and `out` as in the exports' contracts.
pub(crate) unsafe fn add_node(
    ctx: *mut tfe_context_t,
    out: *mut *mut tfe_tensor_t,
    build: impl FnOnce(&mut ContextState, u64) -> Result<TensorId, Failure>,
) -> Result<(), Failure> {
    let ctx = unsafe { handles::get(ctx.cast_const(), "ctx") }?;
    let out = args::out(out, "out")?;
    let mut state = ctx.lock();
    let id = build(&mut state, ctx.id)?;
    let tensor = tensor_handle(ctx.id, &state.graph, id)?;
    unsafe { out.write(handles::register(tensor)) };
    Ok(())
}

/// A new handle for node `id` of the graph of context `context`, for the
/// caller to register (`handles::register`) as it hands it out.
pub(crate) fn tensor_handle(context: u64, graph: &Graph, id: TensorId) -> Result<Box<tfe_tensor_t>, Failure> {
    let shape = graph.shape(id)?.to_vec();
    // A name with a NUL byte (only a loaded graph can have one) cannot be fed.
    let name = crate::graph::named(&graph.node(id)?.op).and_then(|n| CString::new(n).ok());
    let about = super::inspect::About::of(graph, id)?;
    Ok(Box::new(tfe_tensor_t { context, id, shape, name, about }))
}

/// The default fixed-point configuration: 16 fractional bits, values within
/// `±2^20`.
#[unsafe(no_mangle)]
pub extern "C" fn tfe_config_default() -> tfe_config_t {
    let fixed = FixedConfig::default();
    tfe_config_t {
        frac_bits: fixed.frac_bits,
        int_bits: fixed.int_bits,
        comparison: tfe_comparison_t::TFE_COMPARISON_FIXED_POINT_RANGE as u32,
    }
}

/// The checked configuration that `config` describes (as `local_options`
/// for session options).
fn fixed_config(config: &tfe_config_t) -> Result<FixedConfig, Failure> {
    let comparison = match config.comparison {
        0 => ComparisonWidth::FixedPointRange,
        1 => ComparisonWidth::Full,
        other => {
            return Err(Error::config(format!(
                "comparison = {other}: expected TFE_COMPARISON_FIXED_POINT_RANGE (0) or TFE_COMPARISON_FULL (1)"
            ))
            .into());
        }
    };
    Ok(FixedConfig::new(config.frac_bits, config.int_bits)?.with_comparison(comparison))
}

/// Makes an empty context (ABY3 over the servers `server0`, `server1`,
/// `server2`) with the fixed-point configuration `config`, or the default
/// one when `config` is NULL.
///
/// Returns `TFE_ERR_CONFIG` (an inconsistent configuration; the message names
/// the bits and their limits).
///
/// # Safety
/// `config` is NULL or points to a `tfe_config_t`; `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_context_new(config: *const tfe_config_t, out: *mut *mut tfe_context_t) -> tfe_status_t {
    ffi_boundary! {
        let fixed = if config.is_null() {
            FixedConfig::default()
        } else {
            fixed_config(unsafe { args::reference(config, "config") }?)?
        };
        let out = args::out(out, "out")?;
        let context = tfe_context_t::boxed(Graph::new(fixed)?);
        unsafe { out.write(handles::register(context)) };
        Ok(())
    }
}

/// Frees a context. Its tensors and the sessions made from it stay valid.
/// `tfe_context_free(NULL)` does nothing.
///
/// # Safety
/// No other thread is using `ctx`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_context_free(ctx: *mut tfe_context_t) {
    ffi_boundary! { drop(handles::unregister(ctx)) }
}

/// Defines a private variable of shape `(shape, rank)` owned by the player
/// `owner` (a server or any other player name: 1 to 64 letters, digits,
/// '-', '_' or '.'), called `name`, or `"variable<N>"` when `name` is NULL
/// (N counts from 0 in each context, skipping names in use; see
/// `tfe_tensor_name`). A name has the characters of a player name and is
/// unique among the context's inputs and variables. Its shares persist
/// across the runs of a session.
///
/// The variable's initial value is private to its owner: the graph holds
/// its shape only, so `tfe_context_save` writes no values and other players
/// never receive them. The owner gives the value at run time, in the first
/// run that needs the variable: from `values` (row-major, `values_len` must
/// equal the number of elements), which this context keeps for sessions and
/// parties made from it at the owner, or, with `values` NULL and
/// `values_len` 0, from a feed (see `tfe_feeds_set`; a feed also takes
/// precedence over `values`). A program that loads a saved graph feeds its
/// variables; `tfe party` reads them with `--input NAME=FILE`.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (a bad player name; a bad or taken
/// name; a value outside the fixed-point range, named by its index; a count
/// of values that does not match the shape; a shape too large).
///
/// # Safety
/// `name` is NULL or a NUL-terminated string; `owner` is a NUL-terminated
/// string; `values` points to `values_len` doubles and `shape` to `rank`
/// sizes (either may be NULL when its length is 0); `out` points to
/// writable memory.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn tfe_define_private_variable(
    ctx: *mut tfe_context_t,
    name: *const c_char,
    owner: *const c_char,
    values: *const f64,
    values_len: usize,
    shape: *const usize,
    rank: usize,
    out: *mut *mut tfe_tensor_t,
) -> tfe_status_t {
    ffi_boundary! {
        let name = unsafe { optional_name(name) }?;
        let owner = unsafe { args::string(owner, "owner") }?;
        let initial = if values.is_null() && values_len == 0 {
            None
        } else {
            Some(unsafe { args::slice(values, values_len, "values") }?.to_vec())
        };
        let shape = unsafe { args::slice(shape, rank, "shape") }?;
        unsafe {
            add_node(ctx, out, |state, _| {
                let mut next = state.variables;
                let name = name_or_next(&state.graph, name, "variable", &mut next);
                if let Some(values) = &initial {
                    check_initial_values(&state.graph, &name, values, shape)?;
                }
                let id = state.graph.private_variable(&name, owner, shape)?;
                state.variables = next;
                if let Some(values) = initial {
                    state.initializers.push((name, Initializer::Values(Arc::new(values))));
                }
                Ok(id)
            })
        }
    }
}

/// A variable's initial values, checked before its node is added: as many
/// as its shape has elements, each within the fixed-point range.
fn check_initial_values(graph: &Graph, name: &str, values: &[f64], shape: &[usize]) -> Result<(), Failure> {
    check_size(shape)?;
    feeds::check_initial_values(graph.fixed(), name, values, shape).map_err(|e| Failure::invalid(e.without_kind()))
}

/// The `name` parameter of a definition: NULL for an automatic name.
///
/// # Safety
/// `name` is NULL or a NUL-terminated string.
unsafe fn optional_name<'a>(name: *const c_char) -> Result<Option<&'a str>, Failure> {
    if name.is_null() {
        return Ok(None);
    }
    Ok(Some(unsafe { args::string(name, "name") }?))
}

/// Defines a private input of shape `(shape, rank)` provided by the player
/// `owner` at every run that needs it, called `name`, or `"input<N>"` when
/// `name` is NULL (N counts from 0 in each context, skipping names in use;
/// see `tfe_tensor_name`). A name has the characters of a player name (1
/// to 64 letters, digits, '-', '_' or '.') and is unique among the
/// context's inputs and variables; feeds, saved graphs, messages and
/// `tfe party --input NAME=FILE` use it.
///
/// The library calls `provide` on the owner's thread (see `tfe_input_fn`)
/// with `user_data`, the input's name, its shape, and a buffer of `len`
/// doubles to fill row-major (zeroed before the call). `provide` returns 0
/// (`TFE_OK`) on success; any other value fails the run with
/// `TFE_ERR_INVALID_ARGUMENT` and a message naming the input and holding
/// the text the callback left with `tfe_input_set_error`. That text, like
/// the values, stays at the owner: other players learn only that the input
/// was invalid. With `provide` NULL every run that needs
/// the input must feed it (`tfe_feeds_set`); a feed also takes precedence
/// over `provide`.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (a bad player name, a bad or taken
/// name, a shape too large).
///
/// Ownership: `user_data` stays the caller's and must remain valid, and usable
/// from library threads, while this context or a session made from it exists.
///
/// # Safety
/// `name` is NULL or a NUL-terminated string; `owner` is a NUL-terminated
/// string; `shape` points to `rank` sizes (NULL when `rank` is 0);
/// `provide` is NULL or a valid function that does not unwind; `out`
/// points to writable memory.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn tfe_define_private_input(
    ctx: *mut tfe_context_t,
    name: *const c_char,
    owner: *const c_char,
    shape: *const usize,
    rank: usize,
    provide: tfe_input_fn,
    user_data: *mut std::ffi::c_void,
    out: *mut *mut tfe_tensor_t,
) -> tfe_status_t {
    ffi_boundary! {
        let name = unsafe { optional_name(name) }?;
        let owner = unsafe { args::string(owner, "owner") }?;
        let shape = unsafe { args::slice(shape, rank, "shape") }?;
        unsafe {
            add_node(ctx, out, |state, _| {
                let mut next = state.inputs;
                let name = name_or_next(&state.graph, name, "input", &mut next);
                let id = state.graph.private_input(&name, owner, shape)?;
                state.inputs = next;
                if let Some(provide) = provide {
                    state.initializers.push((name, Initializer::Callback(InputCallback::new(provide, user_data))));
                }
                Ok(id)
            })
        }
    }
}

/// Defines a public constant of shape `(shape, rank)` from `values`
/// (row-major, `values_len` must equal the number of elements).
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (a value outside the fixed-point range, a
/// count that does not match the shape).
///
/// # Safety
/// `values` points to `values_len` doubles and `shape` to `rank` sizes
/// (either may be NULL when its length is 0); `out` points to writable
/// memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_define_constant(
    ctx: *mut tfe_context_t,
    values: *const f64,
    values_len: usize,
    shape: *const usize,
    rank: usize,
    out: *mut *mut tfe_tensor_t,
) -> tfe_status_t {
    ffi_boundary! {
        let values = unsafe { args::slice(values, values_len, "values") }?;
        let shape = unsafe { args::slice(shape, rank, "shape") }?;
        unsafe { add_node(ctx, out, |state, _| Ok(state.graph.constant(shape, values.to_vec())?)) }
    }
}

/// Writes the context's graph to the file at `path` in its canonical
/// encoding, for `tfe party` and other processes to run the same graph.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (the file cannot be written; the message
/// says why).
///
/// # Safety
/// `path` is a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_context_save(ctx: *mut tfe_context_t, path: *const c_char) -> tfe_status_t {
    ffi_boundary! {
        let ctx = unsafe { handles::get(ctx.cast_const(), "ctx") }?;
        let path = unsafe { args::string(path, "path") }?;
        ctx.lock().graph.save(path)?;
        Ok(())
    }
}

/// The shape of a tensor, as inferred when it was defined.
///
/// # Safety
/// `shape` and `rank` point to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_tensor_shape(
    tensor: *const tfe_tensor_t,
    shape: *mut *const usize,
    rank: *mut usize,
) -> tfe_status_t {
    ffi_boundary! { unsafe { args::read_slice(tensor, "tensor", (shape, rank), ("shape", "rank"), |tensor| &tensor.shape) } }
}

/// The name of an input or variable (the one given at definition, or
/// `"input<N>"`, `"variable<N>"`): the name its feeds, its saved graph and
/// messages use. Any other tensor has no name: `TFE_ERR_INVALID_ARGUMENT`.
///
/// # Safety
/// `name` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_tensor_name(tensor: *const tfe_tensor_t, name: *mut *const c_char) -> tfe_status_t {
    ffi_boundary! {
        let tensor = unsafe { handles::get(tensor, "tensor") }?;
        let name = args::out(name, "name")?;
        let own = tensor.name.as_ref().ok_or_else(|| {
            Failure::invalid(
                "the tensor is the result of an operation, expected an input or a variable (only they have names)",
            )
        })?;
        unsafe { name.write(own.as_ptr()) };
        Ok(())
    }
}

/// Frees a tensor handle; the node stays in its context's graph (and in
/// sessions made from it). `tfe_tensor_free(NULL)` does nothing.
///
/// # Safety
/// No other thread is using `tensor`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_tensor_free(tensor: *mut tfe_tensor_t) {
    ffi_boundary! { drop(handles::unregister(tensor)) }
}
