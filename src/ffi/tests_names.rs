//! Every export reports its own symbol as the first word of its messages:
//! `ffi_boundary!` takes the name from the function it stands in, and this
//! test calls every status-returning export of the header with arguments
//! that fail (NULL handles, mostly) and compares.

use std::collections::BTreeSet;

use super::callbacks::*;
use super::context::*;
use super::data::*;
use super::error::*;
use super::feeds::*;
use super::inspect::*;
use super::load::*;
use super::logging::*;
use super::nn::*;
use super::nn_layers::*;
use super::onnx::*;
use super::ops::*;
use super::ops_layout::*;
use super::ops_nonlinear::*;
use super::ops_reduce::*;
use super::party::*;
use super::predict::*;
use super::report::*;
use super::result::*;
use super::selftest::*;
use super::serve::*;
use super::session::*;
use super::tests::last_message;
use super::train::*;
use super::train_interrupt::*;
use super::train_party::*;

/// An argument that makes a call fail early: NULL, 0, or no callback.
trait Zero {
    fn zero() -> Self;
}

impl<T> Zero for *const T {
    fn zero() -> Self {
        std::ptr::null()
    }
}

impl<T> Zero for *mut T {
    fn zero() -> Self {
        std::ptr::null_mut()
    }
}

impl<T> Zero for Option<T> {
    fn zero() -> Self {
        None
    }
}

macro_rules! zero_for {
    ($($t:ty),*) => { $(impl Zero for $t { fn zero() -> Self { 0 as $t } })* };
}

zero_for!(usize, u16, u32, u64, f64, i32);

fn z<T: Zero>() -> T {
    T::zero()
}

/// Calls each export and checks that it fails with a message that starts
/// with its name; yields the names called.
macro_rules! each_names_itself {
    ($($export:ident($($arg:expr),*),)*) => {{
        let mut called = BTreeSet::new();
        $(
            // SAFETY: NULL pointers and zeros, which every export checks
            // (`tfe_selftest_fail` is safe to call: hence the allow).
            #[allow(unused_unsafe)]
            let status = unsafe { $export($($arg),*) };
            let message = last_message();
            let name = stringify!($export);
            assert_ne!(status, tfe_status_t::TFE_OK, "{name} should fail with these arguments");
            assert!(message.starts_with(&format!("{name}: ")), "{name} reported '{message}'");
            called.insert(name);
        )*
        called
    }};
}

#[test]
#[expect(clippy::too_many_lines, reason = "one line per C export: the list grows with the API")]
fn every_export_names_itself_in_its_messages() {
    let called = each_names_itself!(
        tfe_context_new(z(), z()),
        tfe_define_private_variable(z(), z(), z(), z(), z(), z(), z(), z()),
        tfe_define_private_input(z(), z(), z(), z(), z(), z(), z(), z()),
        tfe_define_constant(z(), z(), z(), z(), z(), z()),
        tfe_context_save(z(), z()),
        tfe_tensor_shape(z(), z(), z()),
        tfe_tensor_name(z(), z()),
        tfe_input_set_error(z()),
        tfe_context_load(z(), z()),
        tfe_context_tensor_count(z(), z()),
        tfe_context_tensor(z(), z(), z()),
        tfe_context_find(z(), z(), z()),
        tfe_context_config(z(), z()),
        tfe_context_player_count(z(), z()),
        tfe_context_player_name(z(), z(), z()),
        tfe_tensor_kind(z(), z()),
        tfe_tensor_owner(z(), z()),
        tfe_add(z(), z(), z(), z()),
        tfe_sub(z(), z(), z(), z()),
        tfe_mul(z(), z(), z(), z()),
        tfe_matmul(z(), z(), z(), z()),
        tfe_assign(z(), z(), z(), z()),
        tfe_neg(z(), z(), z()),
        tfe_square(z(), z(), z()),
        tfe_reduce_sum(z(), z(), z()),
        tfe_reduce_sum_axis(z(), z(), z(), z()),
        tfe_transpose(z(), z(), z(), z(), z()),
        tfe_reshape(z(), z(), z(), z(), z()),
        tfe_reveal(z(), z(), z(), z()),
        tfe_relu(z(), z(), z()),
        tfe_sigmoid(z(), z(), z()),
        tfe_hard_sigmoid(z(), z(), z()),
        tfe_exp(z(), z(), z()),
        tfe_reciprocal(z(), z(), z()),
        tfe_inv_sqrt(z(), z(), z()),
        tfe_softmax(z(), z(), z()),
        tfe_tanh(z(), z(), z()),
        tfe_log(z(), z(), z()),
        tfe_sqrt(z(), z(), z()),
        tfe_less(z(), z(), z(), z()),
        tfe_less_equal(z(), z(), z(), z()),
        tfe_greater(z(), z(), z(), z()),
        tfe_greater_equal(z(), z(), z(), z()),
        tfe_equal(z(), z(), z(), z()),
        tfe_maximum(z(), z(), z(), z()),
        tfe_reduce_max(z(), z(), z(), z()),
        tfe_argmax(z(), z(), z(), z()),
        tfe_argmax_one_hot(z(), z(), z(), z()),
        tfe_select(z(), z(), z(), z(), z()),
        tfe_slice(z(), z(), z(), z(), z(), z(), z()),
        tfe_pad(z(), z(), z(), z(), z()),
        tfe_concat(z(), z(), z(), z(), z()),
        tfe_expand_dims(z(), z(), z(), z()),
        tfe_squeeze(z(), z(), z(), z()),
        tfe_gather(z(), z(), z(), z(), z(), z()),
        tfe_flatten(z(), z(), z()),
        tfe_pool2d(z(), z(), z(), z(), z(), z(), z(), z(), z()),
        tfe_global_avg_pool2d(z(), z(), z()),
        tfe_conv2d(z(), z(), z(), z(), z(), z(), z()),
        tfe_reduce_mean(z(), z(), z()),
        tfe_reduce_mean_axis(z(), z(), z(), z()),
        tfe_div_public(z(), z(), z(), z()),
        tfe_abs(z(), z(), z()),
        tfe_minimum(z(), z(), z(), z()),
        tfe_reduce_min(z(), z(), z(), z()),
        tfe_argmin(z(), z(), z(), z()),
        tfe_cumsum(z(), z(), z(), z(), z()),
        tfe_sort(z(), z(), z(), z(), z()),
        tfe_feeds_new(z()),
        tfe_feeds_set(z(), z(), z(), z()),
        tfe_session_new_local(z(), z()),
        tfe_session_new_local_with_options(z(), z(), z()),
        tfe_session_run(z(), z(), z(), z()),
        tfe_session_run_with_feeds(z(), z(), z(), z(), z()),
        tfe_session_reset_variables(z()),
        tfe_session_interrupt(z()),
        tfe_party_open(z(), z(), z(), z(), z()),
        tfe_party_open_insecure_plaintext(z(), z(), z(), z()),
        tfe_party_open_cancellable(z(), z(), z(), z(), z(), z(), z()),
        tfe_party_open_insecure_plaintext_cancellable(z(), z(), z(), z(), z(), z()),
        tfe_party_run(z(), z(), z(), z(), z()),
        tfe_party_interrupt(z()),
        tfe_hostmap_generate_certificates(z(), z()),
        tfe_result_count(z(), z()),
        tfe_result_value(z(), z(), z(), z()),
        tfe_result_shape(z(), z(), z(), z()),
        tfe_result_player_count(z(), z()),
        tfe_result_player_stats(z(), z(), z()),
        tfe_result_player_index(z(), z(), z()),
        tfe_result_op_count(z(), z(), z()),
        tfe_result_op_stats(z(), z(), z(), z()),
        tfe_result_trace_json(z(), z()),
        tfe_result_stats_table(z(), z()),
        tfe_set_log_callback(z(), z(), 9),
        tfe_model_new(z(), z(), z()),
        tfe_model_network(z(), z(), z()),
        tfe_model_input_shape(z(), z(), z()),
        tfe_model_output_shape(z(), z(), z()),
        tfe_model_output_count(z(), z()),
        tfe_model_output_shape_at(z(), z(), z(), z()),
        tfe_model_load_onnx(z(), z()),
        tfe_model_load_onnx_bytes(z(), 1, z()),
        tfe_model_layer_count(z(), z()),
        tfe_model_predict_plain(z(), z(), z(), z(), z(), z()),
        tfe_model_add_dense(z(), z(), z(), z(), z(), z(), z()),
        tfe_model_add_conv2d(z(), z(), z(), z(), z(), z(), z(), z(), z(), z()),
        tfe_model_add_max_pool2d(z(), z(), z(), z(), z(), z()),
        tfe_model_add_avg_pool2d(z(), z(), z(), z(), z(), z()),
        tfe_model_add_batch_norm(z(), z(), z(), z(), z(), z(), z()),
        tfe_model_add_relu(z()),
        tfe_model_add_sigmoid(z()),
        tfe_model_add_softmax(z()),
        tfe_model_add_flatten(z()),
        tfe_model_add_global_avg_pool2d(z()),
        tfe_predictor_new_local(z(), z(), z(), z(), z(), z()),
        tfe_predictor_predict(z(), z(), z(), z(), z()),
        tfe_predictor_input_shape(z(), z(), z()),
        tfe_predictor_output_shape(z(), z(), z()),
        tfe_predictor_output_count(z(), z()),
        tfe_predictor_output_shape_at(z(), z(), z(), z()),
        tfe_predictor_predict_outputs(z(), z(), z(), z(), z(), z()),
        tfe_predictor_last_stats(z(), z()),
        tfe_server_start(z(), z(), z(), z(), z()),
        tfe_server_port(z(), z()),
        tfe_client_connect(z(), z(), z()),
        tfe_client_reconnect(z()),
        tfe_client_input_shape(z(), z(), z()),
        tfe_client_output_count(z(), z()),
        tfe_client_output_shape_at(z(), z(), z(), z()),
        tfe_client_predict_outputs(z(), z(), z(), z(), z(), z()),
        tfe_client_predict(z(), z(), z(), z(), z()),
        tfe_model_weight_count(z(), z()),
        tfe_model_weight(z(), z(), z(), z()),
        tfe_trainer_new_local(z(), z(), z(), z(), z(), z()),
        tfe_trainer_set_insecure_test_seed(z(), z()),
        tfe_optimizer_defaults(z(), z()),
        tfe_trainer_compile(z(), z(), z(), z()),
        tfe_trainer_fit(z(), z(), z(), z(), z(), z(), z(), z(), z(), z(), z(), z(), z()),
        tfe_trainer_evaluate(z(), z(), z(), z(), z(), z(), z()),
        tfe_trainer_predict(z(), z(), z(), z(), z()),
        tfe_trainer_export(z(), z()),
        tfe_trainer_new_party(z(), z(), z(), z(), z(), z(), z(), z()),
        tfe_trainer_new_party_insecure_plaintext(z(), z(), z(), z(), z(), z(), z()),
        tfe_trainer_fit_party(z(), z(), z(), z(), z(), z(), z(), z(), z(), z()),
        tfe_trainer_evaluate_party(z(), z(), z(), z(), z(), z(), z(), z()),
        tfe_trainer_finish(z()),
        tfe_trainer_predict_party(z(), z(), z(), z(), z(), z()),
        tfe_trainer_interrupt(z()),
        tfe_array_load(z(), z()),
        tfe_array_values(z(), z(), z()),
        tfe_array_shape(z(), z(), z()),
        tfe_array_save(z(), z(), z(), z(), z()),
        tfe_selftest_fail(-1),
    );
    // Every status-returning export of the header (but the last error's own
    // getter, which records nothing) is in the list above.
    let header = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/include/tfe.h")).unwrap();
    let declared: BTreeSet<&str> = header
        .lines()
        .filter_map(|line| line.strip_prefix("enum tfe_status_t "))
        .filter_map(|line| line.split('(').next())
        .filter(|&name| name != "tfe_last_error_status")
        .collect();
    assert_eq!(called, declared, "the list above should hold every status-returning export of include/tfe.h");
}
