//! The handles of every opaque type (contexts, tensors, feeds, sessions,
//! parties, results, models, predictors, arrays): what a C caller holds is
//! a tag, never the address of the object, and the registry maps each live
//! tag to its kind and object.
//!
//! Tags are serial numbers that are never handed out twice (a 60-bit
//! counter from 256, shifted left by 4 so that a tag is as aligned as a
//! pointer and never below 4096), so
//! a freed handle stays detectably freed however many handles are made
//! after it, even when the allocator reuses its object's memory for a new
//! one: passing it is a status, never a use of the new object. A handle of
//! another kind passed in its place is a status naming both kinds, and a
//! `_free` of the wrong kind or of a freed handle leaves everything alone.
//!
//! Leak checkers (LeakSanitizer, valgrind) still report a handle the caller
//! never frees: the registry stores the bitwise complement of each
//! object's address, which does not look like a pointer to them, and the
//! caller's tag is not a pointer either, so an object nobody frees is
//! unreachable, as it should be.
//!
//! The check costs one uncontended lock and a tree lookup per handle
//! argument: tens of nanoseconds, against calls that at the least allocate
//! a handle or build a graph node.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::error::Failure;

/// One handle type, named for messages.
pub(crate) struct Kind {
    /// The C type name (`"tfe_model_t"`).
    name: &'static str,
}

impl Kind {
    pub const fn new(name: &'static str) -> Self {
        Kind { name }
    }
}

/// A handle type whose handles the registry hands out.
pub(crate) trait Registered: Sized {
    const KIND: &'static Kind;
}

/// Makes a C handle type [`Registered`], its kind named as the type (the
/// header's name) and held in a static of its own: kinds are told apart by
/// address.
macro_rules! registered {
    ($handle:ident) => {
        impl $crate::ffi::handles::Registered for $handle {
            const KIND: &'static $crate::ffi::handles::Kind = {
                static KIND: $crate::ffi::handles::Kind = $crate::ffi::handles::Kind::new(stringify!($handle));
                &KIND
            };
        }
    };
}
pub(crate) use registered;

/// A live handle: its kind and the complement of its object's address.
struct Entry {
    kind: &'static Kind,
    key: usize,
}

struct Registry {
    /// The serial number of the next tag.
    next: usize,
    /// The live handles by tag.
    live: BTreeMap<usize, Entry>,
}

/// The serial number of the first tag: 256, so that every tag is 4096 or
/// more. Callers' runtimes keep handles in pointer-typed variables, and some
/// reject small pointer values there: Go's stack copier aborts the process
/// on a value between 1 and 4095.
const FIRST_SERIAL: usize = 256;

static REGISTRY: Mutex<Registry> = Mutex::new(Registry { next: FIRST_SERIAL, live: BTreeMap::new() });

/// The low bits of a tag that are always zero (tags are 16-aligned).
const TAG_SHIFT: u32 = 4;

fn registry() -> MutexGuard<'static, Registry> {
    // Inserts and removes are single steps: a panic cannot leave one half done.
    REGISTRY.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The registry's key for an object's address: its bitwise complement (see
/// the module docs), after exposing the address's provenance so that
/// [`object`] may turn it back into a pointer.
fn key<T>(ptr: *mut T) -> usize {
    !ptr.expose_provenance()
}

fn object<T>(key: usize) -> *mut T {
    std::ptr::with_exposed_provenance_mut(!key)
}

/// Hands `value` to the caller as a new tag.
pub(crate) fn register<T: Registered>(value: Box<T>) -> *mut T {
    let key = key(Box::into_raw(value));
    let mut registry = registry();
    // 2^60 handles (the point where tags would wrap) would take centuries.
    let tag = registry.next << TAG_SHIFT;
    registry.next += 1;
    registry.live.insert(tag, Entry { kind: T::KIND, key });
    std::ptr::without_provenance_mut(tag)
}

/// Takes back a live `T` for freeing; `None` for NULL or for a tag that is
/// not a live `T` (which is then left alone).
pub(crate) fn unregister<T: Registered>(handle: *mut T) -> Option<Box<T>> {
    let tag = handle.addr();
    let mut registry = registry();
    let entry = registry.live.get(&tag)?;
    if !std::ptr::eq(entry.kind, T::KIND) {
        return None;
    }
    let key = registry.live.remove(&tag)?.key;
    // SAFETY: the address came from `Box::into_raw` in `register` and was
    // live until the removal above, which only one caller can win.
    Some(unsafe { Box::from_raw(object::<T>(key)) })
}

/// The `T` behind a parameter that must be a live `T`.
///
/// # Safety
/// No other thread frees the handle during the call (the registry cannot
/// stop a free that races with a use).
pub(crate) unsafe fn get<'a, T: Registered>(handle: *const T, param: &str) -> Result<&'a T, Failure> {
    let ptr = check::<T>(handle.addr(), param)?;
    // SAFETY: live, so it came from `register` and is not freed.
    Ok(unsafe { &*ptr })
}

/// As [`get`], mutably.
///
/// # Safety
/// As [`get`], and nothing else uses the handle during the call.
pub(crate) unsafe fn get_mut<'a, T: Registered>(handle: *mut T, param: &str) -> Result<&'a mut T, Failure> {
    let ptr = check::<T>(handle.addr(), param)?;
    // SAFETY: live; exclusivity is the caller's contract.
    Ok(unsafe { &mut *ptr })
}

/// The object of the live `T` with tag `tag`, or the failure naming what
/// the parameter is instead.
fn check<T: Registered>(tag: usize, param: &str) -> Result<*mut T, Failure> {
    let expected = T::KIND.name;
    if tag == 0 {
        return Err(Failure::null(param));
    }
    match registry().live.get(&tag) {
        Some(entry) if std::ptr::eq(entry.kind, T::KIND) => Ok(object(entry.key)),
        Some(entry) => {
            Err(Failure::invalid(format!("parameter '{param}' is a {}, expected a {expected}", entry.kind.name)))
        }
        None => Err(Failure::invalid(format!(
            "parameter '{param}' is not a live {expected} (not a tfe handle, or freed already)"
        ))),
    }
}
