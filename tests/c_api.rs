//! The C API exercised from Rust through its exported functions: the seed
//! program, every op through a run, and the error paths (statuses, messages,
//! out-params untouched, sessions usable after a failed run). The same API
//! is tested from C by `tests/c/` (run by `scripts/test.sh`).

use std::ffi::{CStr, c_int, c_void};
use std::ptr;
use std::sync::atomic::{AtomicI32, Ordering};

use tfe::internals::ffi::callbacks::tfe_input_fn;
use tfe::internals::ffi::context::*;
use tfe::internals::ffi::error::*;
use tfe::internals::ffi::ops::*;
use tfe::internals::ffi::result::*;
use tfe::internals::ffi::session::*;
use tfe::internals::ffi::{tfe_context_t, tfe_result_t, tfe_session_t, tfe_status_t, tfe_tensor_t};

use tfe_status_t::*;

mod common;

use common::ffi::{BeforeOnes, before_ones, message, ones};

#[track_caller]
fn ok(status: tfe_status_t) {
    assert_eq!(status, TFE_OK, "{}", message());
}

#[track_caller]
fn fails(status: tfe_status_t, expected: tfe_status_t, text: &str) {
    let message = message();
    assert_eq!((status, tfe_last_error_status()), (expected, expected), "{message}");
    assert!(message.contains(text), "'{message}' should contain '{text}'");
}

/// Owns the handles of one test and frees them in reverse order.
#[derive(Default)]
struct Handles {
    contexts: Vec<*mut tfe_context_t>,
    tensors: Vec<*mut tfe_tensor_t>,
    sessions: Vec<*mut tfe_session_t>,
    results: Vec<*mut tfe_result_t>,
}

impl Drop for Handles {
    fn drop(&mut self) {
        // SAFETY (all): each pointer came from the library and is freed once.
        unsafe {
            self.results.drain(..).for_each(|r| tfe_result_free(r));
            self.sessions.drain(..).for_each(|s| tfe_session_free(s));
            self.tensors.drain(..).for_each(|t| tfe_tensor_free(t));
            self.contexts.drain(..).for_each(|c| tfe_context_free(c));
        }
    }
}

impl Handles {
    fn context(&mut self) -> *mut tfe_context_t {
        let mut ctx = ptr::null_mut();
        // SAFETY: valid out-param.
        ok(unsafe { tfe_context_new(ptr::null(), &raw mut ctx) });
        self.contexts.push(ctx);
        ctx
    }

    #[track_caller]
    fn tensor(&mut self, define: impl FnOnce(*mut *mut tfe_tensor_t) -> tfe_status_t) -> *mut tfe_tensor_t {
        let mut out = ptr::null_mut();
        ok(define(&raw mut out));
        self.tensors.push(out);
        out
    }

    /// An unnamed private input of `owner` in `ctx`, given by `callback` at run time.
    #[track_caller]
    fn input(
        &mut self,
        ctx: *mut tfe_context_t,
        owner: &CStr,
        shape: &[usize],
        callback: tfe_input_fn,
        user_data: *mut c_void,
    ) -> *mut tfe_tensor_t {
        // SAFETY: a live context, a valid shape and string; the caller keeps the user data alive.
        let define = |out| unsafe {
            tfe_define_private_input(
                ctx,
                ptr::null(),
                owner.as_ptr(),
                shape.as_ptr(),
                shape.len(),
                callback,
                user_data,
                out,
            )
        };
        self.tensor(define)
    }

    /// A private variable of `owner` in `ctx`, named `name` or unnamed, with
    /// `values` as its initial values or none if it is empty.
    #[track_caller]
    fn variable(
        &mut self,
        ctx: *mut tfe_context_t,
        name: Option<&CStr>,
        owner: &CStr,
        values: &[f64],
        shape: &[usize],
    ) -> *mut tfe_tensor_t {
        let name = name.map_or(ptr::null(), CStr::as_ptr);
        let values_ptr = if values.is_empty() { ptr::null() } else { values.as_ptr() };
        // SAFETY: a live context, valid buffers and strings.
        let define = |out| unsafe {
            tfe_define_private_variable(
                ctx,
                name,
                owner.as_ptr(),
                values_ptr,
                values.len(),
                shape.as_ptr(),
                shape.len(),
                out,
            )
        };
        self.tensor(define)
    }

    fn session(&mut self, ctx: *mut tfe_context_t, transport: tfe_transport_t) -> *mut tfe_session_t {
        let mut options = tfe_session_options_default();
        options.transport = transport as u32;
        let mut sess = ptr::null_mut();
        // SAFETY: live context, valid options and out-param.
        ok(unsafe { tfe_session_new_local_with_options(ctx, &raw const options, &raw mut sess) });
        self.sessions.push(sess);
        sess
    }

    /// Runs and returns every fetch as (values, shape).
    #[track_caller]
    fn run(&mut self, sess: *mut tfe_session_t, fetches: &[*mut tfe_tensor_t]) -> Vec<(Vec<f64>, Vec<usize>)> {
        let mut result = ptr::null_mut();
        // SAFETY (all): live handles, valid buffers and out-params.
        unsafe {
            ok(tfe_session_run(sess, fetches.as_ptr(), fetches.len(), &raw mut result));
            self.results.push(result);
            let mut count = 0;
            ok(tfe_result_count(result, &raw mut count));
            (0..count)
                .map(|i| {
                    let (mut data, mut len, mut shape, mut rank) = (ptr::null(), 0, ptr::null(), 0);
                    ok(tfe_result_value(result, i, &raw mut data, &raw mut len));
                    ok(tfe_result_shape(result, i, &raw mut shape, &raw mut rank));
                    let values = if len == 0 { vec![] } else { std::slice::from_raw_parts(data, len).to_vec() };
                    let shape = if rank == 0 { vec![] } else { std::slice::from_raw_parts(shape, rank).to_vec() };
                    (values, shape)
                })
                .collect()
        }
    }
}

/// The seed program: returns the handles, the session and the revealed product.
fn seed(h: &mut Handles) -> (*mut tfe_context_t, *mut tfe_tensor_t, *mut tfe_tensor_t, *mut tfe_tensor_t) {
    let ctx = h.context();
    let values = [1.0; 100];
    // SAFETY (all): live context, valid buffers, strings and out-params.
    unsafe {
        let w = h.variable(ctx, None, c"server0", &values, &[10, 10]);
        let x = h.input(ctx, c"input-provider", &[5, 10], Some(ones), ptr::null_mut());
        let y = h.tensor(|out| tfe_matmul(ctx, x, w, out));
        let revealed = h.tensor(|out| tfe_reveal(ctx, y, ptr::null(), out));
        (ctx, w, x, revealed)
    }
}

#[test]
fn the_seed_program_runs_over_tcp_and_reports_stats() {
    let mut h = Handles::default();
    let (ctx, _, _, revealed) = seed(&mut h);
    let sess = h.session(ctx, tfe_transport_t::TFE_TRANSPORT_TCP);
    let outputs = h.run(sess, &[revealed]);
    assert_eq!(outputs[0].1, [5, 10]);
    assert!(outputs[0].0.iter().all(|v| (v - 10.0).abs() < 1e-3), "{:?}", outputs[0].0);

    let result = *h.results.last().unwrap();
    let mut players = 0;
    // SAFETY (all): live result, valid out-params; names live as long as the result.
    unsafe {
        ok(tfe_result_player_count(result, &raw mut players));
        let names: Vec<String> = (0..players)
            .map(|i| {
                let mut stats = std::mem::zeroed::<tfe_player_stats_t>();
                ok(tfe_result_player_stats(result, i, &raw mut stats));
                assert!(stats.rounds > 0 && stats.messages_sent > 0 && stats.bytes_sent > 0);
                CStr::from_ptr(stats.name).to_string_lossy().into_owned()
            })
            .collect();
        assert_eq!(names, ["server0", "server1", "server2", "input-provider"]);
    }
}

#[test]
fn every_op_computes_through_the_c_api() {
    let mut h = Handles::default();
    let ctx = h.context();
    let a_values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    // SAFETY (all): live context and tensors, valid buffers and out-params.
    unsafe {
        let a = h.variable(ctx, None, c"alice", &a_values, &[2, 3]);
        let c = h.tensor(|out| tfe_define_constant(ctx, [0.5, 0.5, 0.5].as_ptr(), 3, [3].as_ptr(), 1, out));
        let sum = h.tensor(|out| tfe_add(ctx, a, c, out));
        let diff = h.tensor(|out| tfe_sub(ctx, a, c, out));
        let prod = h.tensor(|out| tfe_mul(ctx, a, c, out));
        let neg = h.tensor(|out| tfe_neg(ctx, a, out));
        let sq = h.tensor(|out| tfe_square(ctx, a, out));
        let total = h.tensor(|out| tfe_reduce_sum(ctx, a, out));
        let rows = h.tensor(|out| tfe_reduce_sum_axis(ctx, a, 1, out));
        let at = h.tensor(|out| tfe_transpose(ctx, a, ptr::null(), 0, out));
        let flat = h.tensor(|out| tfe_reshape(ctx, a, [6].as_ptr(), 1, out));
        let gram = h.tensor(|out| tfe_matmul(ctx, a, at, out));
        let fetches: Vec<_> = [sum, diff, prod, neg, sq, total, rows, at, flat, gram]
            .iter()
            .map(|&t| h.tensor(|out| tfe_reveal(ctx, t, ptr::null(), out)))
            .collect();
        let mut shape = ptr::null();
        let mut rank = 0;
        ok(tfe_tensor_shape(fetches[7], &raw mut shape, &raw mut rank));
        assert_eq!(std::slice::from_raw_parts(shape, rank), [3, 2]);

        let sess = h.session(ctx, tfe_transport_t::TFE_TRANSPORT_MEMORY);
        let outputs = h.run(sess, &fetches);
        let expected: [(&[f64], &[usize]); 10] = [
            (&[1.5, 2.5, 3.5, 4.5, 5.5, 6.5], &[2, 3]),
            (&[0.5, 1.5, 2.5, 3.5, 4.5, 5.5], &[2, 3]),
            (&[0.5, 1.0, 1.5, 2.0, 2.5, 3.0], &[2, 3]),
            (&[-1.0, -2.0, -3.0, -4.0, -5.0, -6.0], &[2, 3]),
            (&[1.0, 4.0, 9.0, 16.0, 25.0, 36.0], &[2, 3]),
            (&[21.0], &[]),
            (&[6.0, 15.0], &[2]),
            (&[1.0, 4.0, 2.0, 5.0, 3.0, 6.0], &[3, 2]),
            (&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[6]),
            (&[14.0, 32.0, 32.0, 77.0], &[2, 2]),
        ];
        for (i, ((values, shape), (want, want_shape))) in outputs.iter().zip(expected).enumerate() {
            assert_eq!(shape, want_shape, "fetch {i}");
            assert!(values.iter().zip(want).all(|(v, w)| (v - w).abs() < 1e-3), "fetch {i}: {values:?}");
        }
    }
}

#[test]
fn a_failing_callback_fails_the_run_and_leaves_the_session_usable() {
    // Declared before `h`, so `calls` outlives the session that calls back with it.
    // Counts its calls; fails the first one.
    let calls = AtomicI32::new(0);
    let fail_once: BeforeOnes = &|| {
        if calls.fetch_add(1, Ordering::Relaxed) == 0 { TFE_ERR_INVALID_ARGUMENT as c_int } else { 0 }
    };
    let mut h = Handles::default();
    let ctx = h.context();
    // SAFETY (all): live handles, valid buffers and out-params.
    unsafe {
        let x = h.input(ctx, c"bob", &[3], Some(ones), before_ones(&fail_once));
        let revealed = h.tensor(|out| tfe_reveal(ctx, x, c"server2".as_ptr(), out));
        let sess = h.session(ctx, tfe_transport_t::TFE_TRANSPORT_TCP);
        let marker = ptr::dangling_mut::<tfe_result_t>();
        let mut result = marker;
        let status = tfe_session_run(sess, &raw const revealed, 1, &raw mut result);
        fails(status, TFE_ERR_INVALID_ARGUMENT, "invalid input 'input0'");
        assert_eq!(result, marker, "the out-param is written only on success");
        let outputs = h.run(sess, &[revealed]);
        assert_eq!(outputs[0].0, [1.0, 1.0, 1.0]);
    }
    assert_eq!(calls.into_inner(), 2);
}

#[test]
fn bad_arguments_are_statuses_with_messages() {
    let mut h = Handles::default();
    let (ctx, w, x, _) = seed(&mut h);
    let other = h.context();
    let marker = ptr::dangling_mut::<tfe_tensor_t>();
    let mut out = marker;
    // SAFETY (all): live handles; the bad pointers are NULL or bad in checked ways.
    unsafe {
        fails(tfe_matmul(ptr::null_mut(), x, w, &raw mut out), TFE_ERR_NULL_POINTER, "tfe_matmul: parameter 'ctx'");
        fails(tfe_matmul(ctx, x, w, ptr::null_mut()), TFE_ERR_NULL_POINTER, "'out'");
        fails(tfe_matmul(ctx, w, x, &raw mut out), TFE_ERR_INVALID_ARGUMENT, "[10, 10] x [5, 10]");
        fails(tfe_neg(other, x, &raw mut out), TFE_ERR_INVALID_ARGUMENT, "'x' is a tensor of another context");
        let bad_utf8 = [0x66u8, 0xff, 0];
        fails(
            tfe_reveal(ctx, x, bad_utf8.as_ptr().cast(), &raw mut out),
            TFE_ERR_INVALID_ARGUMENT,
            "'to' is not valid UTF-8",
        );
        fails(
            tfe_transpose(ctx, x, ptr::null(), 2, &raw mut out),
            TFE_ERR_NULL_POINTER,
            "tfe_transpose: parameter 'perm'",
        );
        fails(tfe_transpose(ctx, x, [0, 0].as_ptr(), 2, &raw mut out), TFE_ERR_INVALID_ARGUMENT, "tfe_transpose");
        let config = tfe_config_t { frac_bits: 16, int_bits: 40, ..tfe_config_default() };
        let mut new_ctx = ptr::null_mut();
        fails(tfe_context_new(&raw const config, &raw mut new_ctx), TFE_ERR_CONFIG, "integer bits");
        assert!(new_ctx.is_null());
        fails(tfe_context_save(ctx, ptr::null()), TFE_ERR_NULL_POINTER, "'path'");
    }
    assert_eq!(out, marker, "out-params are written only on success");
}

#[test]
fn a_context_saves_its_graph_without_the_variables_values() {
    let mut h = Handles::default();
    let (ctx, ..) = seed(&mut h);
    let secret = [1234.5678; 6];
    let v = h.variable(ctx, Some(c"v"), c"server1", &secret, &[2, 3]);
    let path = std::env::temp_dir().join(format!("tfe-c-api-{}.graph", std::process::id()));
    let c_path = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: live context, valid string.
    ok(unsafe { tfe_context_save(ctx, c_path.as_ptr()) });
    let bytes = std::fs::read(&path).unwrap();
    let graph = tfe::graph::Graph::load(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(graph.players(), ["server0", "server1", "server2", "input-provider"]);
    assert!(graph.find_named("v").is_some() && !v.is_null());
    // v's values are not in the file, as doubles or in fixed point.
    let fixed = tfe::fixed::FixedConfig::default();
    for needle in [1234.5678f64.to_bits().to_le_bytes(), fixed.encode_value(1234.5678).unwrap().to_le_bytes()] {
        assert!(!bytes.windows(8).any(|w| w == needle), "the graph file holds v's values");
    }
}

#[test]
fn feeds_names_reset_and_per_op_stats() {
    use tfe::internals::ffi::feeds::*;
    let mut h = Handles::default();
    let ctx = h.context();
    // SAFETY (all): live handles, valid buffers, strings and out-params.
    unsafe {
        let x = h.input(ctx, c"alice", &[2], None, ptr::null_mut());
        let v = h.variable(ctx, None, c"server1", &[], &[2]);
        let sum = h.tensor(|out| tfe_mul(ctx, x, v, out));
        let revealed = h.tensor(|out| tfe_reveal(ctx, sum, ptr::null(), out));
        let mut name = ptr::null();
        ok(tfe_tensor_name(v, &raw mut name));
        assert_eq!(CStr::from_ptr(name).to_str().unwrap(), "variable0");
        fails(tfe_tensor_name(sum, &raw mut name), TFE_ERR_INVALID_ARGUMENT, "expected an input or a variable");

        let mut feeds = ptr::null_mut();
        ok(tfe_feeds_new(&raw mut feeds));
        ok(tfe_feeds_set(feeds, x, [2.0, 3.0].as_ptr(), 2));
        ok(tfe_feeds_set(feeds, v, [4.0, 5.0].as_ptr(), 2));
        fails(
            tfe_feeds_set(feeds, x, [2.0].as_ptr(), 1),
            TFE_ERR_INVALID_ARGUMENT,
            "1 values for 'input0', expected 2",
        );
        let sess = h.session(ctx, tfe_transport_t::TFE_TRANSPORT_TCP);
        let mut result = ptr::null_mut();
        ok(tfe_session_run_with_feeds(sess, &raw const revealed, 1, feeds, &raw mut result));
        h.results.push(result);
        let (mut data, mut len) = (ptr::null(), 0);
        ok(tfe_result_value(result, 0, &raw mut data, &raw mut len));
        let values = std::slice::from_raw_parts(data, len);
        assert!((values[0] - 8.0).abs() < 1e-3 && (values[1] - 15.0).abs() < 1e-3, "{values:?}");

        let (mut server2, mut ops) = (0, 0);
        ok(tfe_result_player_index(result, c"server2".as_ptr(), &raw mut server2));
        fails(
            tfe_result_player_index(result, c"eve".as_ptr(), &raw mut server2),
            TFE_ERR_INVALID_ARGUMENT,
            "unknown player 'eve'",
        );
        ok(tfe_result_op_count(result, server2, &raw mut ops));
        let kinds: Vec<String> = (0..ops)
            .map(|op| {
                let mut stats = std::mem::zeroed::<tfe_op_stats_t>();
                ok(tfe_result_op_stats(result, server2, op, &raw mut stats));
                CStr::from_ptr(stats.name).to_string_lossy().into_owned()
            })
            .collect();
        assert!(kinds.iter().any(|k| k == "mul") && kinds.iter().any(|k| k == "reveal"), "{kinds:?}");

        // Forgotten variables need their feed again.
        ok(tfe_session_reset_variables(sess));
        let mut only_x = ptr::null_mut();
        ok(tfe_feeds_new(&raw mut only_x));
        ok(tfe_feeds_set(only_x, x, [1.0, 1.0].as_ptr(), 2));
        let mut failed = ptr::null_mut();
        let status = tfe_session_run_with_feeds(sess, &raw const revealed, 1, only_x, &raw mut failed);
        assert_eq!(status, TFE_ERR_INVALID_ARGUMENT, "{}", message());
        assert!(failed.is_null());
        tfe_feeds_free(only_x);
        tfe_feeds_free(feeds);
        assert_eq!(CStr::from_ptr(tfe_status_name(TFE_ERR_TIMEOUT as i32)).to_str().unwrap(), "TFE_ERR_TIMEOUT");
    }
}
