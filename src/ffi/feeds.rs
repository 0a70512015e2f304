//! Feeds: input (and variable) values passed to one run, instead of or in
//! preference to the input callbacks. Keyed by tensor, so a C caller never
//! has to spell an input's generated name.

use super::args;
use super::context::tfe_tensor_t;
use super::error::{Failure, ffi_boundary, tfe_status_t};
use super::handles;
use crate::ring::shape::{fmt_shape, numel};
use crate::session::Feeds;

/// Values for the inputs and variables of one context, for
/// `tfe_session_run_with_feeds`. A feed replaces the input's callback for
/// the runs it is passed to; it initializes a variable (in preference to
/// values given at definition) and is ignored for a variable that is
/// initialized already. Only the input's owner reads its feed.
///
/// Thread safety: not thread-safe while it is being set; a set of feeds
/// that no thread modifies may be passed to runs on several threads.
pub struct tfe_feeds_t {
    /// The context of the tensors fed so far (`None` while empty).
    pub(crate) context: Option<u64>,
    pub(crate) feeds: Feeds,
}

handles::registered!(tfe_feeds_t);

/// The feeds behind `feeds` (`empty` when NULL), which must hold tensors of
/// context `context`.
///
/// # Safety
/// No other thread frees `feeds` during the call.
pub(crate) unsafe fn resolve(feeds: *const tfe_feeds_t, context: u64, empty: &Feeds) -> Result<&Feeds, Failure> {
    if feeds.is_null() {
        return Ok(empty);
    }
    let feeds = unsafe { handles::get(feeds, "feeds") }?;
    match feeds.context {
        Some(theirs) if theirs != context => Err(Failure::invalid(format!(
            "parameter 'feeds' holds tensors of context {theirs}, expected the context of the session or party ({context})"
        ))),
        _ => Ok(&feeds.feeds),
    }
}

/// Makes an empty set of feeds.
///
/// # Safety
/// `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_feeds_new(out: *mut *mut tfe_feeds_t) -> tfe_status_t {
    ffi_boundary! {
        let out = args::out(out, "out")?;
        let feeds = Box::new(tfe_feeds_t { context: None, feeds: Feeds::new() });
        unsafe { out.write(handles::register(feeds)) };
        Ok(())
    }
}

/// Sets (or replaces) the values of the input or variable `input`:
/// `values_len` doubles, row-major, as many as its shape has elements.
///
/// Returns `TFE_ERR_INVALID_ARGUMENT` (not an input or a variable, or of
/// another context than the tensors fed before; a count of values that does not
/// match its shape). Values outside the fixed-point range are reported by the
/// run, at the input's owner.
///
/// # Safety
/// `values` points to `values_len` doubles (or is NULL when `values_len` is
/// 0); no other thread uses `feeds`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_feeds_set(
    feeds: *mut tfe_feeds_t,
    input: *const tfe_tensor_t,
    values: *const f64,
    values_len: usize,
) -> tfe_status_t {
    ffi_boundary! {
        let feeds = unsafe { handles::get_mut(feeds, "feeds") }?;
        let input = unsafe { handles::get(input, "input") }?;
        let values = unsafe { args::slice(values, values_len, "values") }?;
        let name = input.name.as_ref().and_then(|n| n.to_str().ok()).ok_or_else(|| {
            Failure::invalid("parameter 'input' is the result of an operation, expected an input or a variable")
        })?;
        if let Some(context) = feeds.context
            && context != input.context
        {
            return Err(Failure::invalid(format!(
                "parameter 'input' is a tensor of context {}, but these feeds hold tensors of context {context}",
                input.context
            )));
        }
        if values.len() != numel(input.shape()) {
            return Err(Failure::invalid(format!(
                "{} values for '{name}', expected {} for its shape {}",
                values.len(),
                numel(input.shape()),
                fmt_shape(input.shape())
            )));
        }
        feeds.context = Some(input.context);
        feeds.feeds.insert(name, values.to_vec());
        Ok(())
    }
}

/// Frees feeds. `tfe_feeds_free(NULL)` does nothing.
///
/// # Safety
/// No other thread is using `feeds`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tfe_feeds_free(feeds: *mut tfe_feeds_t) {
    ffi_boundary! { drop(handles::unregister(feeds)) }
}
