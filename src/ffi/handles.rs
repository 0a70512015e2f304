//! Registries of live handles, one per opaque handle type (contexts,
//! tensors, feeds, sessions, parties, results, models, predictors, arrays):
//! each remembers the addresses it handed out, so a freed pointer or a
//! handle of another kind passed in their place is a status naming what
//! was expected and what was found, not a read of memory that is not what
//! the call thinks it is; and a `_free` of the wrong kind leaves the
//! handle alone.
//!
//! The check costs one uncontended lock and a tree lookup per handle
//! argument: tens of nanoseconds, against calls that at the least allocate
//! a handle or build a graph node.

use std::collections::BTreeSet;
use std::sync::{Mutex, PoisonError};

use super::error::Failure;

/// The live addresses of one handle type.
pub(crate) struct Kind {
    /// The C type name, for messages ("tfe_model_t").
    name: &'static str,
    /// The keys (see [`key`]) of the live handles.
    live: Mutex<BTreeSet<usize>>,
}

/// The registry's key for an address: its bitwise complement. A plain copy
/// of the address would look like a pointer to leak checkers (LeakSanitizer,
/// valgrind), so a handle the caller never frees would count as reachable
/// through the registry instead of being reported as leaked.
fn key(address: usize) -> usize {
    !address
}

impl Kind {
    pub const fn new(name: &'static str) -> Self {
        Kind { name, live: Mutex::new(BTreeSet::new()) }
    }

    fn live(&self) -> std::sync::MutexGuard<'_, BTreeSet<usize>> {
        // Inserts and removes are single steps: a panic cannot leave one half done.
        self.live.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn holds(&self, address: usize) -> bool {
        self.live().contains(&key(address))
    }
}

/// A handle type whose live values are registered in `KIND`.
pub(crate) trait Registered: Sized {
    const KIND: &'static Kind;
}

/// Every registry, to name the kind of a handle passed in the wrong place.
fn all_kinds() -> [&'static Kind; 9] {
    [
        <super::context::tfe_context_t as Registered>::KIND,
        <super::context::tfe_tensor_t as Registered>::KIND,
        <super::feeds::tfe_feeds_t as Registered>::KIND,
        <super::session::tfe_session_t as Registered>::KIND,
        <super::party::tfe_party_t as Registered>::KIND,
        <super::result::tfe_result_t as Registered>::KIND,
        <super::nn::tfe_model_t as Registered>::KIND,
        <super::predict::tfe_predictor_t as Registered>::KIND,
        <super::data::tfe_array_t as Registered>::KIND,
    ]
}

/// Hands `value` to the caller as a registered raw pointer.
pub(crate) fn register<T: Registered>(value: Box<T>) -> *mut T {
    let ptr = Box::into_raw(value);
    T::KIND.live().insert(key(ptr as usize));
    ptr
}

/// Takes back a registered pointer for freeing; `None` for NULL or for a
/// pointer that is not a live `T` (which is then left alone).
pub(crate) fn unregister<T: Registered>(ptr: *mut T) -> Option<Box<T>> {
    if ptr.is_null() || !T::KIND.live().remove(&key(ptr as usize)) {
        return None;
    }
    // SAFETY: the address came from `Box::into_raw` in `register` and was
    // live until the removal above, which only one caller can win.
    Some(unsafe { Box::from_raw(ptr) })
}

/// The `T` behind a parameter that must be a live, registered `T`.
///
/// # Safety
/// No other thread frees the handle during the call (the registry cannot
/// stop a free that races with a use).
pub(crate) unsafe fn get<'a, T: Registered>(ptr: *const T, param: &str) -> Result<&'a T, Failure> {
    check::<T>(ptr as usize, param)?;
    // SAFETY: registered, so it came from `register` and is not freed.
    Ok(unsafe { &*ptr })
}

/// As [`get`], mutably.
///
/// # Safety
/// As [`get`], and nothing else uses the handle during the call.
pub(crate) unsafe fn get_mut<'a, T: Registered>(ptr: *mut T, param: &str) -> Result<&'a mut T, Failure> {
    check::<T>(ptr as usize, param)?;
    // SAFETY: registered; exclusivity is the caller's contract.
    Ok(unsafe { &mut *ptr })
}

fn check<T: Registered>(address: usize, param: &str) -> Result<(), Failure> {
    let expected = T::KIND.name;
    if address == 0 {
        return Err(Failure::null(param));
    }
    if T::KIND.holds(address) {
        return Ok(());
    }
    Err(Failure::invalid(match all_kinds().iter().find(|kind| kind.holds(address)) {
        Some(found) => format!("parameter '{param}' is a {}, expected a {expected}", found.name),
        None => format!("parameter '{param}' is not a live {expected} (not a tfe handle, or freed already)"),
    }))
}
