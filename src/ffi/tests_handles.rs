//! Unit tests of the handle registries through the exports: a handle of
//! one kind passed where another is expected, a pointer that is no handle,
//! and a freed handle are each `TFE_ERR_INVALID_ARGUMENT` naming what was
//! expected and what was found, and a `_free` of the wrong kind leaves the
//! handle alone. The C view of the same is `tests/c/test_handles.c`.

use std::ffi::c_char;
use std::ptr;

use super::context::{
    tfe_context_free, tfe_context_new, tfe_context_save, tfe_context_t, tfe_define_private_variable, tfe_tensor_free,
    tfe_tensor_name, tfe_tensor_shape, tfe_tensor_t,
};
use super::data::{tfe_array_free, tfe_array_load, tfe_array_t};
use super::error::tfe_status_t;
use super::feeds::{tfe_feeds_free, tfe_feeds_new, tfe_feeds_set, tfe_feeds_t};
use super::load::{tfe_context_tensor, tfe_context_tensor_count};
use super::nn::{tfe_model_free, tfe_model_layer_count, tfe_model_new, tfe_model_t};
use super::ops::{tfe_add, tfe_neg, tfe_reveal};
use super::party::{tfe_party_free, tfe_party_run, tfe_party_t};
use super::result::{tfe_result_count, tfe_result_free, tfe_result_t, tfe_result_value};
use super::session::{
    tfe_session_free, tfe_session_new_local_with_options, tfe_session_options_default, tfe_session_options_t,
    tfe_session_reset_variables, tfe_session_run, tfe_session_run_with_feeds, tfe_session_t, tfe_transport_t,
};
use super::tests::last_message;

use tfe_status_t::{TFE_ERR_INVALID_ARGUMENT, TFE_ERR_NULL_POINTER, TFE_OK};

/// Asserts that a call failed with `status` and a message ending in `tail`
/// (the part after "function: ").
#[track_caller]
fn fails(status: tfe_status_t, expected: tfe_status_t, tail: &str) {
    let message = last_message();
    assert_eq!(status, expected, "{message}");
    assert!(message.ends_with(tail), "message {message:?}, expected it to end with {tail:?}");
}

/// A new private variable of `ctx` holding the one element 1.0, owned by
/// server1.
///
/// # Safety
/// `ctx` is a live context.
unsafe fn one_element_variable(ctx: *mut tfe_context_t) -> *mut tfe_tensor_t {
    let mut variable: *mut tfe_tensor_t = ptr::null_mut();
    let owner = c"server1".as_ptr();
    // SAFETY: a live context (this function's contract) and valid buffers.
    let status = unsafe {
        tfe_define_private_variable(ctx, ptr::null(), owner, [1.0].as_ptr(), 1, [1].as_ptr(), 1, &raw mut variable)
    };
    assert_eq!(status, TFE_OK);
    variable
}

fn in_memory() -> tfe_session_options_t {
    tfe_session_options_t { transport: tfe_transport_t::TFE_TRANSPORT_MEMORY as u32, ..tfe_session_options_default() }
}

/// One live handle of each kind a test can make in-process (a party needs
/// a deployment), with `revealed` a fetchable tensor of `ctx`.
struct Live {
    ctx: *mut tfe_context_t,
    variable: *mut tfe_tensor_t,
    revealed: *mut tfe_tensor_t,
    feeds: *mut tfe_feeds_t,
    sess: *mut tfe_session_t,
    result: *mut tfe_result_t,
}

impl Live {
    fn new() -> Self {
        let mut live = Live {
            ctx: ptr::null_mut(),
            variable: ptr::null_mut(),
            revealed: ptr::null_mut(),
            feeds: ptr::null_mut(),
            sess: ptr::null_mut(),
            result: ptr::null_mut(),
        };
        let options = in_memory();
        // SAFETY (all): valid arguments; every out-param is a live local.
        unsafe {
            assert_eq!(tfe_context_new(ptr::null(), &raw mut live.ctx), TFE_OK);
            let owner = c"server0".as_ptr();
            let status = tfe_define_private_variable(
                live.ctx,
                std::ptr::null(),
                owner,
                [1.5, 2.5].as_ptr(),
                2,
                [2].as_ptr(),
                1,
                &raw mut live.variable,
            );
            assert_eq!(status, TFE_OK, "{}", last_message());
            assert_eq!(tfe_reveal(live.ctx, live.variable, ptr::null(), &raw mut live.revealed), TFE_OK);
            assert_eq!(tfe_feeds_new(&raw mut live.feeds), TFE_OK);
            assert_eq!(tfe_session_new_local_with_options(live.ctx, &raw const options, &raw mut live.sess), TFE_OK);
            assert_eq!(
                tfe_session_run(live.sess, &raw const live.revealed, 1, &raw mut live.result),
                TFE_OK,
                "{}",
                last_message()
            );
        }
        live
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        // SAFETY (all): handles made by `new`, freed once each.
        unsafe {
            tfe_result_free(self.result);
            tfe_session_free(self.sess);
            tfe_feeds_free(self.feeds);
            tfe_tensor_free(self.revealed);
            tfe_tensor_free(self.variable);
            tfe_context_free(self.ctx);
        }
    }
}

#[test]
fn sessions_refuse_handles_of_other_kinds() {
    let h = Live::new();
    let options = in_memory();
    let mut sess: *mut tfe_session_t = ptr::null_mut();
    let mut result: *mut tfe_result_t = ptr::null_mut();
    // SAFETY (all): live handles, and wrong ones that the registries reject before any use.
    unsafe {
        fails(
            tfe_session_new_local_with_options(h.variable.cast(), &raw const options, &raw mut sess),
            TFE_ERR_INVALID_ARGUMENT,
            "parameter 'ctx' is a tfe_tensor_t, expected a tfe_context_t",
        );
        assert!(sess.is_null(), "the out-param is written only on success");
        fails(
            tfe_session_run(h.ctx.cast(), &raw const h.revealed, 1, &raw mut result),
            TFE_ERR_INVALID_ARGUMENT,
            "tfe_session_run: parameter 'sess' is a tfe_context_t, expected a tfe_session_t",
        );
        fails(
            tfe_session_run(h.result.cast(), &raw const h.revealed, 1, &raw mut result),
            TFE_ERR_INVALID_ARGUMENT,
            "parameter 'sess' is a tfe_result_t, expected a tfe_session_t",
        );
        let fetches: [*mut tfe_tensor_t; 2] = [h.revealed, h.sess.cast()];
        fails(
            tfe_session_run(h.sess, fetches.as_ptr(), 2, &raw mut result),
            TFE_ERR_INVALID_ARGUMENT,
            "parameter 'fetches[1]' is a tfe_session_t, expected a tfe_tensor_t",
        );
        fails(
            tfe_session_run_with_feeds(h.sess, &raw const h.revealed, 1, h.variable.cast(), &raw mut result),
            TFE_ERR_INVALID_ARGUMENT,
            "parameter 'feeds' is a tfe_tensor_t, expected a tfe_feeds_t",
        );
        fails(
            tfe_session_reset_variables(h.feeds.cast()),
            TFE_ERR_INVALID_ARGUMENT,
            "parameter 'sess' is a tfe_feeds_t, expected a tfe_session_t",
        );
        assert!(result.is_null(), "the out-param is written only on success");
        // NULL stays a NULL-pointer status, not a wrong kind.
        fails(
            tfe_session_run(ptr::null_mut(), &raw const h.revealed, 1, &raw mut result),
            TFE_ERR_NULL_POINTER,
            "is NULL, expected a valid pointer",
        );
        // The session was not harmed by any of it.
        assert_eq!(tfe_session_run(h.sess, &raw const h.revealed, 1, &raw mut result), TFE_OK, "{}", last_message());
        tfe_result_free(result);
    }
}

#[test]
fn contexts_tensors_feeds_and_results_refuse_handles_of_other_kinds() {
    let h = Live::new();
    let mut out: *mut tfe_tensor_t = ptr::null_mut();
    let (mut shape, mut rank, mut count) = (ptr::null::<usize>(), 0usize, 0usize);
    let mut name: *const c_char = ptr::null();
    let (mut data, mut len) = (ptr::null::<f64>(), 0usize);
    // SAFETY (all): live handles, and wrong ones that the registries reject before any use.
    unsafe {
        fails(
            tfe_tensor_shape(h.sess.cast(), &raw mut shape, &raw mut rank),
            TFE_ERR_INVALID_ARGUMENT,
            "parameter 'tensor' is a tfe_session_t, expected a tfe_tensor_t",
        );
        fails(
            tfe_tensor_name(h.ctx.cast(), &raw mut name),
            TFE_ERR_INVALID_ARGUMENT,
            "parameter 'tensor' is a tfe_context_t, expected a tfe_tensor_t",
        );
        fails(
            tfe_neg(h.variable.cast(), h.variable, &raw mut out),
            TFE_ERR_INVALID_ARGUMENT,
            "parameter 'ctx' is a tfe_tensor_t, expected a tfe_context_t",
        );
        fails(
            tfe_add(h.ctx, h.variable, h.result.cast(), &raw mut out),
            TFE_ERR_INVALID_ARGUMENT,
            "parameter 'y' is a tfe_result_t, expected a tfe_tensor_t",
        );
        fails(
            tfe_context_save(h.feeds.cast(), c"unused.tfe".as_ptr()),
            TFE_ERR_INVALID_ARGUMENT,
            "parameter 'ctx' is a tfe_feeds_t, expected a tfe_context_t",
        );
        fails(
            tfe_context_tensor_count(h.sess.cast(), &raw mut count),
            TFE_ERR_INVALID_ARGUMENT,
            "parameter 'ctx' is a tfe_session_t, expected a tfe_context_t",
        );
        fails(
            tfe_context_tensor(h.revealed.cast(), 0, &raw mut out),
            TFE_ERR_INVALID_ARGUMENT,
            "parameter 'ctx' is a tfe_tensor_t, expected a tfe_context_t",
        );
        assert!(out.is_null(), "the out-param is written only on success");
        fails(
            tfe_feeds_set(h.variable.cast(), h.variable, [1.0, 2.0].as_ptr(), 2),
            TFE_ERR_INVALID_ARGUMENT,
            "parameter 'feeds' is a tfe_tensor_t, expected a tfe_feeds_t",
        );
        fails(
            tfe_feeds_set(h.feeds, h.feeds.cast(), [1.0, 2.0].as_ptr(), 2),
            TFE_ERR_INVALID_ARGUMENT,
            "parameter 'input' is a tfe_feeds_t, expected a tfe_tensor_t",
        );
        fails(
            tfe_result_count(h.sess.cast(), &raw mut count),
            TFE_ERR_INVALID_ARGUMENT,
            "parameter 'result' is a tfe_session_t, expected a tfe_result_t",
        );
        fails(
            tfe_result_value(h.revealed.cast(), 0, &raw mut data, &raw mut len),
            TFE_ERR_INVALID_ARGUMENT,
            "parameter 'result' is a tfe_tensor_t, expected a tfe_result_t",
        );
        // Each handle still works.
        assert_eq!(tfe_tensor_shape(h.variable, &raw mut shape, &raw mut rank), TFE_OK);
        assert_eq!((rank, *shape), (1, 2));
        assert_eq!(tfe_result_value(h.result, 0, &raw mut data, &raw mut len), TFE_OK);
        assert_eq!(std::slice::from_raw_parts(data, len), [1.5, 2.5]);
    }
}

#[test]
fn parties_refuse_handles_of_other_kinds() {
    let h = Live::new();
    let mut result: *mut tfe_result_t = ptr::null_mut();
    // SAFETY (all): wrong handles that the registries reject before any use.
    unsafe {
        fails(
            tfe_party_run(h.sess.cast::<tfe_party_t>(), &raw const h.revealed, 1, ptr::null(), &raw mut result),
            TFE_ERR_INVALID_ARGUMENT,
            "tfe_party_run: parameter 'party' is a tfe_session_t, expected a tfe_party_t",
        );
        fails(
            tfe_party_run(h.ctx.cast(), &raw const h.revealed, 1, ptr::null(), &raw mut result),
            TFE_ERR_INVALID_ARGUMENT,
            "parameter 'party' is a tfe_context_t, expected a tfe_party_t",
        );
        tfe_party_free(h.sess.cast()); // not a party: left alone
    }
    assert!(result.is_null());
    // SAFETY: the session is still live.
    assert_eq!(unsafe { tfe_session_reset_variables(h.sess) }, TFE_OK);
}

#[test]
fn models_and_results_name_each_other_and_frees_of_the_wrong_kind_do_nothing() {
    let h = Live::new();
    let mut model: *mut tfe_model_t = ptr::null_mut();
    let mut count = 0usize;
    // SAFETY (all): live handles, and wrong ones that the registries reject before any use.
    unsafe {
        assert_eq!(tfe_model_new([4usize].as_ptr(), 1, &raw mut model), TFE_OK);
        fails(
            tfe_model_layer_count(h.ctx.cast(), &raw mut count),
            TFE_ERR_INVALID_ARGUMENT,
            "parameter 'model' is a tfe_context_t, expected a tfe_model_t",
        );
        fails(
            tfe_result_count(model.cast(), &raw mut count),
            TFE_ERR_INVALID_ARGUMENT,
            "parameter 'result' is a tfe_model_t, expected a tfe_result_t",
        );
        tfe_model_free(h.result.cast()); // not a model: left alone
        tfe_result_free(model.cast()); // not a result: left alone
        assert_eq!(tfe_model_layer_count(model, &raw mut count), TFE_OK);
        assert_eq!(tfe_result_count(h.result, &raw mut count), TFE_OK);
        assert_eq!(count, 1);
        tfe_model_free(model);
    }
}

#[test]
fn a_free_of_another_kind_leaves_the_handle_alone() {
    let h = Live::new();
    let (mut shape, mut rank, mut count) = (ptr::null::<usize>(), 0usize, 0usize);
    let mut result: *mut tfe_result_t = ptr::null_mut();
    // SAFETY (all): each free gets a live handle of another kind, which it must not touch.
    unsafe {
        tfe_context_free(h.variable.cast());
        tfe_tensor_free(h.ctx.cast());
        tfe_tensor_free(h.sess.cast());
        tfe_session_free(h.result.cast());
        tfe_result_free(h.sess.cast());
        tfe_feeds_free(h.ctx.cast());
        tfe_feeds_free(h.revealed.cast());
        tfe_context_free(h.feeds.cast());
        // Every handle is still live and usable (`Live::drop` frees each once).
        assert_eq!(tfe_tensor_shape(h.variable, &raw mut shape, &raw mut rank), TFE_OK);
        assert_eq!(tfe_context_tensor_count(h.ctx, &raw mut count), TFE_OK);
        assert_eq!(count, 2);
        assert_eq!(tfe_feeds_set(h.feeds, h.variable, [1.0, 2.0].as_ptr(), 2), TFE_OK);
        assert_eq!(tfe_result_count(h.result, &raw mut count), TFE_OK);
        assert_eq!(tfe_session_run(h.sess, &raw const h.revealed, 1, &raw mut result), TFE_OK, "{}", last_message());
        tfe_result_free(result);
    }
}

#[test]
fn freed_handles_and_other_pointers_are_not_live() {
    let mut ctx: *mut tfe_context_t = ptr::null_mut();
    let mut out: *mut tfe_tensor_t = ptr::null_mut();
    let (mut shape, mut rank, mut count) = (ptr::null::<usize>(), 0usize, 0usize);
    let not_a_handle = [0u64; 8];
    // SAFETY (all): live handles, and pointers that the registries reject before any use.
    unsafe {
        assert_eq!(tfe_context_new(ptr::null(), &raw mut ctx), TFE_OK);
        let tensor = one_element_variable(ctx);
        fails(
            tfe_context_tensor_count(not_a_handle.as_ptr().cast(), &raw mut count),
            TFE_ERR_INVALID_ARGUMENT,
            "parameter 'ctx' is not a live tfe_context_t (not a tfe handle, or freed already)",
        );
        let inside = tensor.cast::<u8>().wrapping_add(8).cast::<tfe_tensor_t>();
        fails(
            tfe_tensor_shape(inside, &raw mut shape, &raw mut rank),
            TFE_ERR_INVALID_ARGUMENT,
            "parameter 'tensor' is not a live tfe_tensor_t (not a tfe handle, or freed already)",
        );
        tfe_tensor_free(inside); // not a handle: left alone
        assert_eq!(tfe_tensor_shape(tensor, &raw mut shape, &raw mut rank), TFE_OK);

        tfe_tensor_free(tensor);
        fails(
            tfe_tensor_shape(tensor, &raw mut shape, &raw mut rank),
            TFE_ERR_INVALID_ARGUMENT,
            "not a live tfe_tensor_t (not a tfe handle, or freed already)",
        );
        fails(
            tfe_neg(ctx, tensor, &raw mut out),
            TFE_ERR_INVALID_ARGUMENT,
            "parameter 'x' is not a live tfe_tensor_t (not a tfe handle, or freed already)",
        );
        tfe_tensor_free(tensor); // a second free is ignored
        tfe_context_free(ctx);
        fails(
            tfe_context_tensor_count(ctx, &raw mut count),
            TFE_ERR_INVALID_ARGUMENT,
            "parameter 'ctx' is not a live tfe_context_t (not a tfe handle, or freed already)",
        );
        tfe_context_free(ctx); // a second free is ignored
    }
    assert!(out.is_null());
}

#[test]
fn models_and_arrays_refuse_each_other_inner_pointers_and_freed_handles() {
    let path = std::env::temp_dir().join(format!("tfe-ffi-handles-{}.csv", std::process::id()));
    std::fs::write(&path, "1,2\n").unwrap();
    let c_path = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    let mut model: *mut tfe_model_t = ptr::null_mut();
    let mut array: *mut tfe_array_t = ptr::null_mut();
    let mut count = 0usize;
    // SAFETY (all): live handles, or wrong ones that the registry rejects before any use.
    unsafe {
        assert_eq!(tfe_model_new([4usize].as_ptr(), 1, &raw mut model), TFE_OK);
        assert_eq!(tfe_array_load(c_path.as_ptr(), &raw mut array), TFE_OK);
        assert_eq!(tfe_model_layer_count(model, &raw mut count), TFE_OK);
        assert_eq!(count, 0);

        let wrong_kind = tfe_model_layer_count(array.cast(), &raw mut count);
        fails(wrong_kind, TFE_ERR_INVALID_ARGUMENT, "parameter 'model' is a tfe_array_t, expected a tfe_model_t");

        let inside = model.cast::<u8>().wrapping_add(8).cast::<tfe_model_t>();
        fails(
            tfe_model_layer_count(inside, &raw mut count),
            TFE_ERR_INVALID_ARGUMENT,
            "(not a tfe handle, or freed already)",
        );

        tfe_model_free(array.cast()); // not a model: left alone
        tfe_model_free(model);
        tfe_model_free(model); // a second free is ignored
        fails(
            tfe_model_layer_count(model, &raw mut count),
            TFE_ERR_INVALID_ARGUMENT,
            "parameter 'model' is not a live tfe_model_t (not a tfe handle, or freed already)",
        );
        tfe_array_free(array);
    }
    std::fs::remove_file(path).unwrap();
}

/// A freed tensor's memory is soon reused for a new tensor (the allocator
/// hands back same-sized blocks first), but its handle is never handed out
/// again: the stale handle stays an error however many tensors follow, and
/// never reaches the new ones.
#[test]
fn a_freed_handle_stays_freed_when_its_memory_is_reused() {
    let mut ctx: *mut tfe_context_t = ptr::null_mut();
    let (mut shape, mut rank) = (ptr::null::<usize>(), 0usize);
    let mut name: *const c_char = ptr::null();
    // SAFETY (all): live handles, and a freed one that the registry rejects before any use.
    unsafe {
        assert_eq!(tfe_context_new(ptr::null(), &raw mut ctx), TFE_OK);
        let owner = c"server1".as_ptr();
        let stale = one_element_variable(ctx);
        tfe_tensor_free(stale);
        let mut newer = Vec::new();
        for _ in 0..1000 {
            let mut tensor: *mut tfe_tensor_t = ptr::null_mut();
            let status = tfe_define_private_variable(
                ctx,
                std::ptr::null(),
                owner,
                [2.0, 3.0].as_ptr(),
                2,
                [2].as_ptr(),
                1,
                &raw mut tensor,
            );
            assert_eq!(status, TFE_OK);
            assert_ne!(tensor, stale, "a freed handle was handed out again");
            newer.push(tensor);
        }
        fails(
            tfe_tensor_shape(stale, &raw mut shape, &raw mut rank),
            TFE_ERR_INVALID_ARGUMENT,
            "parameter 'tensor' is not a live tfe_tensor_t (not a tfe handle, or freed already)",
        );
        fails(tfe_tensor_name(stale, &raw mut name), TFE_ERR_INVALID_ARGUMENT, "freed already)");
        tfe_tensor_free(stale); // a second free frees none of the newer tensors
        for &tensor in &newer {
            assert_eq!(tfe_tensor_shape(tensor, &raw mut shape, &raw mut rank), TFE_OK, "{}", last_message());
            assert_eq!((rank, *shape), (1, 2));
            tfe_tensor_free(tensor);
        }
        tfe_context_free(ctx);
    }
}
