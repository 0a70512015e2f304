//! Introspection: a context's fixed-point configuration and players, a
//! tensor's kind and owner; what a binding or a tool needs to describe a
//! graph it did not build (a loaded one, say).

use std::ffi::{CString, c_char};

use super::args;
use super::context::{tfe_comparison_t, tfe_config_t, tfe_context_t, tfe_tensor_t};
pub use super::enums::tfe_tensor_kind_t;
use super::error::{Failure, ffi_boundary, tfe_status_t};
use super::handles;
use crate::fixed::ComparisonWidth;
use crate::graph::{Graph, Kind, Op, TensorId};

/// A tensor's kind and owner, taken from the graph when its handle is made.
#[derive(Debug)]
pub(crate) struct About {
    kind: tfe_tensor_kind_t,
    owner: Option<CString>,
}

impl About {
    pub fn of(graph: &Graph, id: TensorId) -> Result<Self, Failure> {
        let node = graph.node(id)?;
        let kind = match node.kind {
            Kind::Public => tfe_tensor_kind_t::TFE_TENSOR_PUBLIC,
            Kind::Private => tfe_tensor_kind_t::TFE_TENSOR_PRIVATE,
            Kind::Revealed => tfe_tensor_kind_t::TFE_TENSOR_REVEALED,
            Kind::Action => tfe_tensor_kind_t::TFE_TENSOR_ASSIGNMENT,
        };
        let owner = match node.op {
            Op::PrivateInput { owner, .. } | Op::PrivateVariable { owner, .. } | Op::Reveal { to: Some(owner) } => {
                Some(owner)
            }
            _ => None,
        };
        // Player names are checked when they are defined: no NUL byte.
        let owner = owner.and_then(|i| graph.players().get(i)).and_then(|name| CString::new(name.as_str()).ok());
        Ok(About { kind, owner })
    }
}

/// The fixed-point configuration of a context (what `tfe_context_new` was
/// given, or the default).
///
/// # Safety
/// `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_context_config(ctx: *const tfe_context_t, out: *mut tfe_config_t) -> tfe_status_t {
    ffi_boundary! {
        let ctx = unsafe { handles::get(ctx, "ctx") }?;
        let out = args::out(out, "out")?;
        let fixed = ctx.lock().graph.fixed();
        let comparison = match fixed.comparison {
            ComparisonWidth::FixedPointRange => tfe_comparison_t::TFE_COMPARISON_FIXED_POINT_RANGE,
            ComparisonWidth::Full => tfe_comparison_t::TFE_COMPARISON_FULL,
        };
        let config =
            tfe_config_t { frac_bits: fixed.frac_bits, int_bits: fixed.int_bits, comparison: comparison as u32 };
        unsafe { out.write(config) };
        Ok(())
    }
}

/// The number of players of a context: the servers `server0` to `server2`,
/// then every other player in the order the definitions first named them
/// (input owners, variable owners, players a value is revealed to). It grows
/// as definitions name new players.
///
/// # Safety
/// `count` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_context_player_count(ctx: *const tfe_context_t, count: *mut usize) -> tfe_status_t {
    ffi_boundary! {
        let ctx = unsafe { handles::get(ctx, "ctx") }?;
        let count = args::out(count, "count")?;
        let players = ctx.lock().graph.players().len();
        unsafe { count.write(players) };
        Ok(())
    }
}

/// The name of player `index` of a context (in the order of
/// `tfe_context_player_count`). An `index` at or beyond the count is
/// `TFE_ERR_INVALID_ARGUMENT` naming the count.
///
/// # Safety
/// `name` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_context_player_name(
    ctx: *const tfe_context_t,
    index: usize,
    name: *mut *const c_char,
) -> tfe_status_t {
    ffi_boundary! {
        let ctx = unsafe { handles::get(ctx, "ctx") }?;
        let name = args::out(name, "name")?;
        let mut state = ctx.lock();
        let players = state.graph.players().to_vec();
        if index >= players.len() {
            let count = players.len();
            return Err(Failure::invalid(format!(
                "index {index}: the context has {count} players, expected an index from 0 to {}",
                count - 1
            )));
        }
        // The strings are kept, never replaced: a pointer handed out stays
        // valid as the list grows (a CString's bytes do not move with it).
        for player in &players[state.player_names.len()..] {
            let c = CString::new(player.as_str()).map_err(|_| Failure::invalid("a player name holds a NUL byte"))?;
            state.player_names.push(c);
        }
        unsafe { name.write(state.player_names[index].as_ptr()) };
        Ok(())
    }
}

/// What a tensor is: public, private, revealed or an assignment (see
/// `tfe_tensor_kind_t`).
///
/// # Safety
/// `kind` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_tensor_kind(tensor: *const tfe_tensor_t, kind: *mut tfe_tensor_kind_t) -> tfe_status_t {
    ffi_boundary! { unsafe { args::read(tensor, "tensor", kind, "kind", |tensor| tensor.about.kind) } }
}

/// The player a tensor belongs to: the owner of an input or a variable, or
/// the player a value is revealed to (`tfe_reveal` with a player). Any other
/// tensor (a constant, an operation's result, a reveal to every server) has
/// no owner: `*owner` receives NULL.
///
/// Ownership: `*owner` receives NULL or a NUL-terminated string owned by
/// the tensor, valid until `tfe_tensor_free`.
///
/// # Safety
/// `owner` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_tensor_owner(tensor: *const tfe_tensor_t, owner: *mut *const c_char) -> tfe_status_t {
    ffi_boundary! {
        let tensor = unsafe { handles::get(tensor, "tensor") }?;
        let owner = args::out(owner, "owner")?;
        let name = tensor.about.owner.as_ref().map_or(std::ptr::null(), |name| name.as_ptr());
        unsafe { owner.write(name) };
        Ok(())
    }
}
