//! Graphs from files: a context loaded from a graph file written by
//! `tfe_context_save` (or the Rust `Graph::save`), and handles for the
//! tensors of a context's graph, by position or by name, so a program that
//! did not build the graph can feed and fetch it.

use std::ffi::c_char;

use super::args;
use super::context::{tensor_handle, tfe_context_t, tfe_tensor_t};
use super::error::{Failure, ffi_boundary, tfe_status_t};
use super::handles;
use crate::graph::{Graph, TensorId};

/// Makes a context from the graph file at `path`. Its inputs have no callbacks:
/// feed them (`tfe_feeds_set`) or define inputs of your own. Returns
/// `TFE_ERR_INVALID_ARGUMENT` (the file cannot be read or is not a valid graph;
/// the message says which and why).
///
/// # Safety
/// `path` is a NUL-terminated string; `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_context_load(path: *const c_char, out: *mut *mut tfe_context_t) -> tfe_status_t {
    ffi_boundary! {
        let path = unsafe { args::string(path, "path") }?;
        let out = args::out(out, "out")?;
        let context = tfe_context_t::boxed(Graph::load(path)?);
        unsafe { out.write(handles::register(context)) };
        Ok(())
    }
}

/// The number of tensors (nodes) in the context's graph.
///
/// # Safety
/// `count` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_context_tensor_count(ctx: *const tfe_context_t, count: *mut usize) -> tfe_status_t {
    ffi_boundary! {
        let ctx = unsafe { handles::get(ctx, "ctx") }?;
        let count = args::out(count, "count")?;
        let nodes = ctx.lock().graph.nodes().len();
        unsafe { count.write(nodes) };
        Ok(())
    }
}

/// A new handle for tensor number `index` (below `tfe_context_tensor_count`, in
/// the order of definition) of the context's graph. Returns
/// `TFE_ERR_INVALID_ARGUMENT` (`index` out of range).
///
/// # Safety
/// `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_context_tensor(
    ctx: *const tfe_context_t,
    index: usize,
    out: *mut *mut tfe_tensor_t,
) -> tfe_status_t {
    ffi_boundary! {
        let ctx = unsafe { handles::get(ctx, "ctx") }?;
        let out = args::out(out, "out")?;
        let state = ctx.lock();
        let nodes = state.graph.nodes().len();
        let id = u32::try_from(index)
            .ok()
            .filter(|&i| (i as usize) < nodes)
            .ok_or_else(|| Failure::invalid(format!("index {index} is out of range: the graph has {nodes} tensors")))?;
        let tensor = tensor_handle(ctx.id(), &state.graph, TensorId(id))?;
        unsafe { out.write(handles::register(tensor)) };
        Ok(())
    }
}

/// A new handle for the input or variable called `name`. Returns
/// `TFE_ERR_INVALID_ARGUMENT` (no input or variable has that name).
///
/// # Safety
/// `name` is a NUL-terminated string; `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_context_find(
    ctx: *const tfe_context_t,
    name: *const c_char,
    out: *mut *mut tfe_tensor_t,
) -> tfe_status_t {
    ffi_boundary! {
        let ctx = unsafe { handles::get(ctx, "ctx") }?;
        let name = unsafe { args::string(name, "name") }?;
        let out = args::out(out, "out")?;
        let state = ctx.lock();
        let id = state
            .graph
            .find_named(name)
            .ok_or_else(|| Failure::invalid(format!("no input or variable is named '{name}'")))?;
        let tensor = tensor_handle(ctx.id(), &state.graph, id)?;
        unsafe { out.write(handles::register(tensor)) };
        Ok(())
    }
}
