"""The C API of libtfe through ctypes: a mechanical mirror of include/tfe.h.

Every constant, struct and function of the header is declared here, with its
argument and result types, and nothing else: the Pythonic API (tfe.*) is built
on top. The declarations between the GENERATED markers come from the header
(tools/gen_capi.py; tests/test_capi.py fails when they are stale or when a
symbol of tests/abi/symbols.txt is missing).

Each function that returns a tfe_status_t raises the tfe.Error subclass of its
status (tfe.errors.from_status) with tfe_last_error_message(), read by ctypes'
errcheck hook on the calling thread, right after the call. Calls release the
GIL (ctypes.CDLL); callbacks (INPUT_FN, LOG_FN, PROGRESS_FN) take it again when the library
calls them from its threads.

The library is the libtfe shared object installed inside this package by
`pip install` (tfe/_libtfe*.so), or the file named by the environment variable
TFE_LIBRARY.
"""

import ctypes
import os
import pathlib
from ctypes import (
    CFUNCTYPE,
    POINTER,
    Structure,
    c_char_p,
    c_double,
    c_int,
    c_size_t,
    c_uint8,
    c_uint16,
    c_uint32,
    c_uint64,
    c_void_p,
)

from . import errors as _errors

STATUS = c_int  # enum tfe_status_t
HANDLE = c_void_p  # every opaque handle (tfe_context_t *, tfe_tensor_t *, ...)
INPUT_FN = CFUNCTYPE(
    c_int, c_void_p, c_char_p, POINTER(c_size_t), c_size_t, POINTER(c_double), c_size_t
)  # tfe_input_fn
LOG_FN = CFUNCTYPE(None, c_void_p, c_int, c_char_p, c_char_p)  # tfe_log_fn
# tfe_train_progress_fn; its report is a POINTER(TrainProgress), declared below
PROGRESS_FN = CFUNCTYPE(c_int, c_void_p, c_void_p)
CANCEL_FN = CFUNCTYPE(c_int, c_void_p)  # tfe_cancel_fn

# BEGIN GENERATED (tools/gen_capi.py from include/tfe.h; do not edit)
# tfe_status_t
TFE_OK = 0
TFE_ERR_INVALID_ARGUMENT = 1
TFE_ERR_CONFIG = 2
TFE_ERR_NETWORK = 3
TFE_ERR_TIMEOUT = 4
TFE_ERR_PROTOCOL = 5
TFE_ERR_ABORTED = 6
TFE_ERR_INTERNAL = 7
TFE_ERR_PANIC = 8
TFE_ERR_NULL_POINTER = 9
TFE_ERR_OUT_OF_RANGE = 10

# tfe_tensor_kind_t
TFE_TENSOR_PUBLIC = 0
TFE_TENSOR_PRIVATE = 1
TFE_TENSOR_REVEALED = 2
TFE_TENSOR_ASSIGNMENT = 3

# tfe_transport_t
TFE_TRANSPORT_TCP = 0
TFE_TRANSPORT_MEMORY = 1
TFE_TRANSPORT_TLS = 2

# tfe_padding_t
TFE_PADDING_VALID = 0
TFE_PADDING_SAME = 1

# tfe_pool_t
TFE_POOL_MAX = 0
TFE_POOL_AVERAGE = 1

# tfe_log_level_t
TFE_LOG_ERROR = 1
TFE_LOG_WARN = 2
TFE_LOG_INFO = 3
TFE_LOG_DEBUG = 4
TFE_LOG_TRACE = 5

# tfe_network_t
TFE_NETWORK_A = 0
TFE_NETWORK_B = 1
TFE_NETWORK_C = 2
TFE_NETWORK_D = 3

# tfe_comparison_t
TFE_COMPARISON_FIXED_POINT_RANGE = 0
TFE_COMPARISON_FULL = 1

# tfe_cumsum_t
TFE_CUMSUM_INCLUSIVE = 0
TFE_CUMSUM_EXCLUSIVE = 1
TFE_CUMSUM_REVERSE = 2
TFE_CUMSUM_EXCLUSIVE_REVERSE = 3

# tfe_sort_order_t
TFE_SORT_ASCENDING = 0
TFE_SORT_DESCENDING = 1

# tfe_optimizer_kind_t
TFE_OPTIMIZER_SGD = 0
TFE_OPTIMIZER_ADAM = 1
TFE_OPTIMIZER_AMSGRAD = 2

# tfe_schedule_t
TFE_SCHEDULE_CONSTANT = 0
TFE_SCHEDULE_STEP = 1
TFE_SCHEDULE_EXPONENTIAL = 2

# tfe_loss_t
TFE_LOSS_BINARY_CROSSENTROPY = 0
TFE_LOSS_BINARY_CROSSENTROPY_FROM_LOGITS = 1
TFE_LOSS_CATEGORICAL_CROSSENTROPY = 2
TFE_LOSS_CATEGORICAL_CROSSENTROPY_FROM_LOGITS = 3
TFE_LOSS_MEAN_SQUARED_ERROR = 4

# tfe_metrics_t
TFE_METRICS_NONE = 0
TFE_METRICS_ACCURACY = 1

TFE_VERSION_MAJOR = 0
TFE_VERSION_MINOR = 2
TFE_VERSION_PATCH = 0

class Config(Structure):
    """struct tfe_config_t"""

    _fields_ = [
        ("frac_bits", c_uint32),
        ("int_bits", c_uint32),
        ("comparison", c_uint32),
    ]


class SessionOptions(Structure):
    """struct tfe_session_options_t"""

    _fields_ = [
        ("transport", c_uint32),
        ("connect_timeout_ms", c_uint64),
        ("recv_timeout_ms", c_uint64),
    ]


class PlayerStats(Structure):
    """struct tfe_player_stats_t"""

    _fields_ = [
        ("name", c_char_p),
        ("bytes_sent", c_uint64),
        ("wire_bytes_sent", c_uint64),
        ("messages_sent", c_uint64),
        ("rounds", c_uint64),
        ("wall_time_ns", c_uint64),
    ]


class OpStats(Structure):
    """struct tfe_op_stats_t"""

    _fields_ = [
        ("name", c_char_p),
        ("count", c_uint64),
        ("bytes_sent", c_uint64),
        ("wire_bytes_sent", c_uint64),
        ("messages_sent", c_uint64),
        ("rounds", c_uint64),
        ("wall_time_ns", c_uint64),
    ]


class ServerOptions(Structure):
    """struct tfe_server_options_t"""

    _fields_ = [
        ("max_batch", c_size_t),
        ("batch_window_us", c_uint64),
        ("max_connections", c_size_t),
        ("max_in_flight", c_size_t),
    ]


class Optimizer(Structure):
    """struct tfe_optimizer_t"""

    _fields_ = [
        ("kind", c_uint32),
        ("schedule", c_uint32),
        ("learning_rate", c_double),
        ("momentum", c_double),
        ("beta1", c_double),
        ("beta2", c_double),
        ("epsilon", c_double),
        ("decay", c_double),
        ("decay_steps", c_uint64),
    ]


class TrainProgress(Structure):
    """struct tfe_train_progress_t"""

    _fields_ = [
        ("epoch", c_size_t),
        ("epochs", c_size_t),
        ("batch", c_size_t),
        ("batches", c_size_t),
        ("loss", c_double),
        ("accuracy", c_double),
        ("val_loss", c_double),
        ("val_accuracy", c_double),
        ("elapsed_seconds", c_double),
        ("eta_seconds", c_double),
    ]


# name: (restype, [(parameter, argtype), ...]), in header order
FUNCTIONS = {
    "tfe_version": (c_char_p, []),
    "tfe_last_error_message": (c_char_p, []),
    "tfe_last_error_status": (STATUS, []),
    "tfe_status_name": (c_char_p, [("status", c_int)]),
    "tfe_config_default": (Config, []),
    "tfe_context_new": (STATUS, [("config", POINTER(Config)), ("out", POINTER(HANDLE))]),
    "tfe_context_free": (None, [("ctx", HANDLE)]),
    "tfe_define_private_variable": (STATUS, [("ctx", HANDLE), ("name", c_char_p), ("owner", c_char_p), ("values", POINTER(c_double)), ("values_len", c_size_t), ("shape", POINTER(c_size_t)), ("rank", c_size_t), ("out", POINTER(HANDLE))]),
    "tfe_define_private_input": (STATUS, [("ctx", HANDLE), ("name", c_char_p), ("owner", c_char_p), ("shape", POINTER(c_size_t)), ("rank", c_size_t), ("provide", INPUT_FN), ("user_data", c_void_p), ("out", POINTER(HANDLE))]),
    "tfe_define_constant": (STATUS, [("ctx", HANDLE), ("values", POINTER(c_double)), ("values_len", c_size_t), ("shape", POINTER(c_size_t)), ("rank", c_size_t), ("out", POINTER(HANDLE))]),
    "tfe_context_save": (STATUS, [("ctx", HANDLE), ("path", c_char_p)]),
    "tfe_tensor_shape": (STATUS, [("tensor", HANDLE), ("shape", POINTER(POINTER(c_size_t))), ("rank", POINTER(c_size_t))]),
    "tfe_tensor_name": (STATUS, [("tensor", HANDLE), ("name", POINTER(c_char_p))]),
    "tfe_tensor_free": (None, [("tensor", HANDLE)]),
    "tfe_input_set_error": (STATUS, [("message", c_char_p)]),
    "tfe_context_load": (STATUS, [("path", c_char_p), ("out", POINTER(HANDLE))]),
    "tfe_context_tensor_count": (STATUS, [("ctx", HANDLE), ("count", POINTER(c_size_t))]),
    "tfe_context_tensor": (STATUS, [("ctx", HANDLE), ("index", c_size_t), ("out", POINTER(HANDLE))]),
    "tfe_context_find": (STATUS, [("ctx", HANDLE), ("name", c_char_p), ("out", POINTER(HANDLE))]),
    "tfe_context_config": (STATUS, [("ctx", HANDLE), ("out", POINTER(Config))]),
    "tfe_context_player_count": (STATUS, [("ctx", HANDLE), ("count", POINTER(c_size_t))]),
    "tfe_context_player_name": (STATUS, [("ctx", HANDLE), ("index", c_size_t), ("name", POINTER(c_char_p))]),
    "tfe_tensor_kind": (STATUS, [("tensor", HANDLE), ("kind", POINTER(c_int))]),
    "tfe_tensor_owner": (STATUS, [("tensor", HANDLE), ("owner", POINTER(c_char_p))]),
    "tfe_add": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("y", HANDLE), ("out", POINTER(HANDLE))]),
    "tfe_sub": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("y", HANDLE), ("out", POINTER(HANDLE))]),
    "tfe_mul": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("y", HANDLE), ("out", POINTER(HANDLE))]),
    "tfe_matmul": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("y", HANDLE), ("out", POINTER(HANDLE))]),
    "tfe_assign": (STATUS, [("ctx", HANDLE), ("variable", HANDLE), ("value", HANDLE), ("out", POINTER(HANDLE))]),
    "tfe_neg": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("out", POINTER(HANDLE))]),
    "tfe_square": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("out", POINTER(HANDLE))]),
    "tfe_reduce_sum": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("out", POINTER(HANDLE))]),
    "tfe_reduce_sum_axis": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("axis", c_size_t), ("out", POINTER(HANDLE))]),
    "tfe_transpose": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("perm", POINTER(c_size_t)), ("perm_len", c_size_t), ("out", POINTER(HANDLE))]),
    "tfe_reshape": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("shape", POINTER(c_size_t)), ("rank", c_size_t), ("out", POINTER(HANDLE))]),
    "tfe_reveal": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("to", c_char_p), ("out", POINTER(HANDLE))]),
    "tfe_relu": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("out", POINTER(HANDLE))]),
    "tfe_sigmoid": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("out", POINTER(HANDLE))]),
    "tfe_hard_sigmoid": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("out", POINTER(HANDLE))]),
    "tfe_exp": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("out", POINTER(HANDLE))]),
    "tfe_reciprocal": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("out", POINTER(HANDLE))]),
    "tfe_inv_sqrt": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("out", POINTER(HANDLE))]),
    "tfe_softmax": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("out", POINTER(HANDLE))]),
    "tfe_tanh": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("out", POINTER(HANDLE))]),
    "tfe_log": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("out", POINTER(HANDLE))]),
    "tfe_sqrt": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("out", POINTER(HANDLE))]),
    "tfe_less": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("y", HANDLE), ("out", POINTER(HANDLE))]),
    "tfe_less_equal": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("y", HANDLE), ("out", POINTER(HANDLE))]),
    "tfe_greater": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("y", HANDLE), ("out", POINTER(HANDLE))]),
    "tfe_greater_equal": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("y", HANDLE), ("out", POINTER(HANDLE))]),
    "tfe_equal": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("y", HANDLE), ("out", POINTER(HANDLE))]),
    "tfe_maximum": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("y", HANDLE), ("out", POINTER(HANDLE))]),
    "tfe_reduce_max": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("axis", c_size_t), ("out", POINTER(HANDLE))]),
    "tfe_argmax": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("axis", c_size_t), ("out", POINTER(HANDLE))]),
    "tfe_argmax_one_hot": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("axis", c_size_t), ("out", POINTER(HANDLE))]),
    "tfe_select": (STATUS, [("ctx", HANDLE), ("cond", HANDLE), ("a", HANDLE), ("b", HANDLE), ("out", POINTER(HANDLE))]),
    "tfe_slice": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("begin", POINTER(c_size_t)), ("begin_len", c_size_t), ("size", POINTER(c_size_t)), ("size_len", c_size_t), ("out", POINTER(HANDLE))]),
    "tfe_pad": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("pads", POINTER(c_size_t)), ("pads_len", c_size_t), ("out", POINTER(HANDLE))]),
    "tfe_concat": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("y", HANDLE), ("axis", c_size_t), ("out", POINTER(HANDLE))]),
    "tfe_expand_dims": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("axis", c_size_t), ("out", POINTER(HANDLE))]),
    "tfe_squeeze": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("axis", c_size_t), ("out", POINTER(HANDLE))]),
    "tfe_gather": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("indices", POINTER(c_size_t)), ("indices_len", c_size_t), ("axis", c_size_t), ("out", POINTER(HANDLE))]),
    "tfe_flatten": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("out", POINTER(HANDLE))]),
    "tfe_pool2d": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("pool", c_uint32), ("window_h", c_size_t), ("window_w", c_size_t), ("stride_h", c_size_t), ("stride_w", c_size_t), ("padding", c_uint32), ("out", POINTER(HANDLE))]),
    "tfe_global_avg_pool2d": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("out", POINTER(HANDLE))]),
    "tfe_conv2d": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("filter", HANDLE), ("stride_h", c_size_t), ("stride_w", c_size_t), ("padding", c_uint32), ("out", POINTER(HANDLE))]),
    "tfe_reduce_mean": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("out", POINTER(HANDLE))]),
    "tfe_reduce_mean_axis": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("axis", c_size_t), ("out", POINTER(HANDLE))]),
    "tfe_div_public": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("divisor", c_double), ("out", POINTER(HANDLE))]),
    "tfe_abs": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("out", POINTER(HANDLE))]),
    "tfe_minimum": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("y", HANDLE), ("out", POINTER(HANDLE))]),
    "tfe_reduce_min": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("axis", c_size_t), ("out", POINTER(HANDLE))]),
    "tfe_argmin": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("axis", c_size_t), ("out", POINTER(HANDLE))]),
    "tfe_cumsum": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("axis", c_size_t), ("mode", c_uint32), ("out", POINTER(HANDLE))]),
    "tfe_sort": (STATUS, [("ctx", HANDLE), ("x", HANDLE), ("axis", c_size_t), ("order", c_uint32), ("out", POINTER(HANDLE))]),
    "tfe_feeds_new": (STATUS, [("out", POINTER(HANDLE))]),
    "tfe_feeds_set": (STATUS, [("feeds", HANDLE), ("input", HANDLE), ("values", POINTER(c_double)), ("values_len", c_size_t)]),
    "tfe_feeds_free": (None, [("feeds", HANDLE)]),
    "tfe_session_options_default": (SessionOptions, []),
    "tfe_session_new_local": (STATUS, [("ctx", HANDLE), ("out", POINTER(HANDLE))]),
    "tfe_session_new_local_with_options": (STATUS, [("ctx", HANDLE), ("options", POINTER(SessionOptions)), ("out", POINTER(HANDLE))]),
    "tfe_session_free": (None, [("sess", HANDLE)]),
    "tfe_session_run": (STATUS, [("sess", HANDLE), ("fetches", POINTER(HANDLE)), ("n", c_size_t), ("out", POINTER(HANDLE))]),
    "tfe_session_run_with_feeds": (STATUS, [("sess", HANDLE), ("fetches", POINTER(HANDLE)), ("n", c_size_t), ("feeds", HANDLE), ("out", POINTER(HANDLE))]),
    "tfe_session_interrupt": (STATUS, [("sess", HANDLE)]),
    "tfe_session_reset_variables": (STATUS, [("sess", HANDLE)]),
    "tfe_party_open": (STATUS, [("ctx", HANDLE), ("hostmap_path", c_char_p), ("me", c_char_p), ("tls_key_path", c_char_p), ("out", POINTER(HANDLE))]),
    "tfe_party_open_insecure_plaintext": (STATUS, [("ctx", HANDLE), ("hostmap_path", c_char_p), ("me", c_char_p), ("out", POINTER(HANDLE))]),
    "tfe_party_open_cancellable": (STATUS, [("ctx", HANDLE), ("hostmap_path", c_char_p), ("me", c_char_p), ("tls_key_path", c_char_p), ("cancelled", CANCEL_FN), ("user_data", c_void_p), ("out", POINTER(HANDLE))]),
    "tfe_party_open_insecure_plaintext_cancellable": (STATUS, [("ctx", HANDLE), ("hostmap_path", c_char_p), ("me", c_char_p), ("cancelled", CANCEL_FN), ("user_data", c_void_p), ("out", POINTER(HANDLE))]),
    "tfe_party_run": (STATUS, [("party", HANDLE), ("fetches", POINTER(HANDLE)), ("n", c_size_t), ("feeds", HANDLE), ("out", POINTER(HANDLE))]),
    "tfe_party_interrupt": (STATUS, [("party", HANDLE)]),
    "tfe_party_free": (None, [("party", HANDLE)]),
    "tfe_hostmap_generate_certificates": (STATUS, [("hostmap_path", c_char_p), ("dir", c_char_p)]),
    "tfe_result_count": (STATUS, [("result", HANDLE), ("count", POINTER(c_size_t))]),
    "tfe_result_value": (STATUS, [("result", HANDLE), ("index", c_size_t), ("data", POINTER(POINTER(c_double))), ("len", POINTER(c_size_t))]),
    "tfe_result_shape": (STATUS, [("result", HANDLE), ("index", c_size_t), ("shape", POINTER(POINTER(c_size_t))), ("rank", POINTER(c_size_t))]),
    "tfe_result_player_count": (STATUS, [("result", HANDLE), ("count", POINTER(c_size_t))]),
    "tfe_result_player_stats": (STATUS, [("result", HANDLE), ("index", c_size_t), ("stats", POINTER(PlayerStats))]),
    "tfe_result_player_index": (STATUS, [("result", HANDLE), ("name", c_char_p), ("index", POINTER(c_size_t))]),
    "tfe_result_op_count": (STATUS, [("result", HANDLE), ("player", c_size_t), ("count", POINTER(c_size_t))]),
    "tfe_result_op_stats": (STATUS, [("result", HANDLE), ("player", c_size_t), ("op", c_size_t), ("stats", POINTER(OpStats))]),
    "tfe_result_free": (None, [("result", HANDLE)]),
    "tfe_result_trace_json": (STATUS, [("result", HANDLE), ("json", POINTER(c_char_p))]),
    "tfe_result_stats_table": (STATUS, [("result", HANDLE), ("table", POINTER(c_char_p))]),
    "tfe_set_log_callback": (STATUS, [("callback", LOG_FN), ("user_data", c_void_p), ("max_level", c_int)]),
    "tfe_model_new": (STATUS, [("input_shape", POINTER(c_size_t)), ("rank", c_size_t), ("out", POINTER(HANDLE))]),
    "tfe_model_network": (STATUS, [("network", c_uint32), ("seed", c_uint64), ("out", POINTER(HANDLE))]),
    "tfe_model_free": (None, [("model", HANDLE)]),
    "tfe_model_input_shape": (STATUS, [("model", HANDLE), ("shape", POINTER(POINTER(c_size_t))), ("rank", POINTER(c_size_t))]),
    "tfe_model_output_shape": (STATUS, [("model", HANDLE), ("shape", POINTER(POINTER(c_size_t))), ("rank", POINTER(c_size_t))]),
    "tfe_model_output_count": (STATUS, [("model", HANDLE), ("count", POINTER(c_size_t))]),
    "tfe_model_output_shape_at": (STATUS, [("model", HANDLE), ("index", c_size_t), ("shape", POINTER(POINTER(c_size_t))), ("rank", POINTER(c_size_t))]),
    "tfe_model_layer_count": (STATUS, [("model", HANDLE), ("count", POINTER(c_size_t))]),
    "tfe_model_predict_plain": (STATUS, [("model", HANDLE), ("x", POINTER(c_double)), ("x_len", c_size_t), ("batch", c_size_t), ("out", POINTER(c_double)), ("out_len", c_size_t)]),
    "tfe_model_weight_count": (STATUS, [("model", HANDLE), ("count", POINTER(c_size_t))]),
    "tfe_model_weight": (STATUS, [("model", HANDLE), ("index", c_size_t), ("values", POINTER(POINTER(c_double))), ("len", POINTER(c_size_t))]),
    "tfe_model_add_dense": (STATUS, [("model", HANDLE), ("inputs", c_size_t), ("units", c_size_t), ("weights", POINTER(c_double)), ("weights_len", c_size_t), ("bias", POINTER(c_double)), ("bias_len", c_size_t)]),
    "tfe_model_add_conv2d": (STATUS, [("model", HANDLE), ("kernel", POINTER(c_size_t)), ("kernel_len", c_size_t), ("weights", POINTER(c_double)), ("weights_len", c_size_t), ("bias", POINTER(c_double)), ("bias_len", c_size_t), ("stride_h", c_size_t), ("stride_w", c_size_t), ("padding", c_uint32)]),
    "tfe_model_add_max_pool2d": (STATUS, [("model", HANDLE), ("window_h", c_size_t), ("window_w", c_size_t), ("stride_h", c_size_t), ("stride_w", c_size_t), ("padding", c_uint32)]),
    "tfe_model_add_avg_pool2d": (STATUS, [("model", HANDLE), ("window_h", c_size_t), ("window_w", c_size_t), ("stride_h", c_size_t), ("stride_w", c_size_t), ("padding", c_uint32)]),
    "tfe_model_add_batch_norm": (STATUS, [("model", HANDLE), ("gamma", POINTER(c_double)), ("beta", POINTER(c_double)), ("mean", POINTER(c_double)), ("variance", POINTER(c_double)), ("channels", c_size_t), ("epsilon", c_double)]),
    "tfe_model_add_relu": (STATUS, [("model", HANDLE)]),
    "tfe_model_add_sigmoid": (STATUS, [("model", HANDLE)]),
    "tfe_model_add_softmax": (STATUS, [("model", HANDLE)]),
    "tfe_model_add_flatten": (STATUS, [("model", HANDLE)]),
    "tfe_model_add_global_avg_pool2d": (STATUS, [("model", HANDLE)]),
    "tfe_model_load_onnx": (STATUS, [("path", c_char_p), ("out", POINTER(HANDLE))]),
    "tfe_model_load_onnx_bytes": (STATUS, [("bytes", POINTER(c_uint8)), ("len", c_size_t), ("out", POINTER(HANDLE))]),
    "tfe_predictor_new_local": (STATUS, [("model", HANDLE), ("max_batch", c_size_t), ("owner", c_char_p), ("client", c_char_p), ("options", POINTER(SessionOptions)), ("out", POINTER(HANDLE))]),
    "tfe_predictor_free": (None, [("pred", HANDLE)]),
    "tfe_predictor_predict": (STATUS, [("pred", HANDLE), ("x", POINTER(c_double)), ("x_len", c_size_t), ("out", POINTER(c_double)), ("out_len", c_size_t)]),
    "tfe_predictor_input_shape": (STATUS, [("pred", HANDLE), ("shape", POINTER(POINTER(c_size_t))), ("rank", POINTER(c_size_t))]),
    "tfe_predictor_output_shape": (STATUS, [("pred", HANDLE), ("shape", POINTER(POINTER(c_size_t))), ("rank", POINTER(c_size_t))]),
    "tfe_predictor_output_count": (STATUS, [("pred", HANDLE), ("count", POINTER(c_size_t))]),
    "tfe_predictor_output_shape_at": (STATUS, [("pred", HANDLE), ("index", c_size_t), ("shape", POINTER(POINTER(c_size_t))), ("rank", POINTER(c_size_t))]),
    "tfe_predictor_predict_outputs": (STATUS, [("pred", HANDLE), ("x", POINTER(c_double)), ("x_len", c_size_t), ("outs", POINTER(POINTER(c_double))), ("out_lens", POINTER(c_size_t)), ("count", c_size_t)]),
    "tfe_predictor_last_stats": (STATUS, [("pred", HANDLE), ("out", POINTER(HANDLE))]),
    "tfe_server_options_default": (ServerOptions, []),
    "tfe_server_start": (STATUS, [("model", HANDLE), ("listen", c_char_p), ("options", POINTER(ServerOptions)), ("session", POINTER(SessionOptions)), ("out", POINTER(HANDLE))]),
    "tfe_server_port": (STATUS, [("server", HANDLE), ("port", POINTER(c_uint16))]),
    "tfe_server_free": (None, [("server", HANDLE)]),
    "tfe_client_connect": (STATUS, [("addr", c_char_p), ("timeout_ms", c_uint64), ("out", POINTER(HANDLE))]),
    "tfe_client_free": (None, [("client", HANDLE)]),
    "tfe_client_reconnect": (STATUS, [("client", HANDLE)]),
    "tfe_client_input_shape": (STATUS, [("client", HANDLE), ("shape", POINTER(POINTER(c_size_t))), ("rank", POINTER(c_size_t))]),
    "tfe_client_output_count": (STATUS, [("client", HANDLE), ("count", POINTER(c_size_t))]),
    "tfe_client_output_shape_at": (STATUS, [("client", HANDLE), ("index", c_size_t), ("shape", POINTER(POINTER(c_size_t))), ("rank", POINTER(c_size_t))]),
    "tfe_client_predict_outputs": (STATUS, [("client", HANDLE), ("x", POINTER(c_double)), ("x_len", c_size_t), ("outs", POINTER(POINTER(c_double))), ("out_lens", POINTER(c_size_t)), ("count", c_size_t)]),
    "tfe_client_predict": (STATUS, [("client", HANDLE), ("x", POINTER(c_double)), ("x_len", c_size_t), ("out", POINTER(c_double)), ("out_len", c_size_t)]),
    "tfe_trainer_new_local": (STATUS, [("model", HANDLE), ("model_owner", c_char_p), ("data_owner", c_char_p), ("label_owner", c_char_p), ("options", POINTER(SessionOptions)), ("out", POINTER(HANDLE))]),
    "tfe_trainer_free": (None, [("trainer", HANDLE)]),
    "tfe_trainer_set_insecure_test_seed": (STATUS, [("trainer", HANDLE), ("seed", c_uint64)]),
    "tfe_optimizer_defaults": (STATUS, [("kind", c_uint32), ("out", POINTER(Optimizer))]),
    "tfe_trainer_compile": (STATUS, [("trainer", HANDLE), ("optimizer", POINTER(Optimizer)), ("loss", c_uint32), ("metrics", c_uint32)]),
    "tfe_trainer_fit": (STATUS, [("trainer", HANDLE), ("x", POINTER(c_double)), ("x_len", c_size_t), ("y", POINTER(c_double)), ("y_len", c_size_t), ("epochs", c_size_t), ("batch_size", c_size_t), ("val_x", POINTER(c_double)), ("val_x_len", c_size_t), ("val_y", POINTER(c_double)), ("val_y_len", c_size_t), ("progress", PROGRESS_FN), ("user_data", c_void_p)]),
    "tfe_trainer_evaluate": (STATUS, [("trainer", HANDLE), ("x", POINTER(c_double)), ("x_len", c_size_t), ("y", POINTER(c_double)), ("y_len", c_size_t), ("loss", POINTER(c_double)), ("accuracy", POINTER(c_double))]),
    "tfe_trainer_predict": (STATUS, [("trainer", HANDLE), ("x", POINTER(c_double)), ("x_len", c_size_t), ("out", POINTER(c_double)), ("out_len", c_size_t)]),
    "tfe_trainer_export": (STATUS, [("trainer", HANDLE), ("out", POINTER(HANDLE))]),
    "tfe_trainer_new_party": (STATUS, [("model", HANDLE), ("hostmap_path", c_char_p), ("me", c_char_p), ("tls_key_path", c_char_p), ("model_owner", c_char_p), ("data_owner", c_char_p), ("label_owner", c_char_p), ("out", POINTER(HANDLE))]),
    "tfe_trainer_new_party_insecure_plaintext": (STATUS, [("model", HANDLE), ("hostmap_path", c_char_p), ("me", c_char_p), ("model_owner", c_char_p), ("data_owner", c_char_p), ("label_owner", c_char_p), ("out", POINTER(HANDLE))]),
    "tfe_trainer_fit_party": (STATUS, [("trainer", HANDLE), ("samples", c_size_t), ("x", POINTER(c_double)), ("x_len", c_size_t), ("y", POINTER(c_double)), ("y_len", c_size_t), ("epochs", c_size_t), ("batch_size", c_size_t), ("progress", PROGRESS_FN), ("user_data", c_void_p)]),
    "tfe_trainer_evaluate_party": (STATUS, [("trainer", HANDLE), ("samples", c_size_t), ("x", POINTER(c_double)), ("x_len", c_size_t), ("y", POINTER(c_double)), ("y_len", c_size_t), ("loss", POINTER(c_double)), ("accuracy", POINTER(c_double))]),
    "tfe_trainer_predict_party": (STATUS, [("trainer", HANDLE), ("samples", c_size_t), ("x", POINTER(c_double)), ("x_len", c_size_t), ("out", POINTER(c_double)), ("out_len", c_size_t)]),
    "tfe_trainer_finish": (STATUS, [("trainer", HANDLE)]),
    "tfe_trainer_interrupt": (STATUS, [("trainer", HANDLE)]),
    "tfe_array_load": (STATUS, [("path", c_char_p), ("out", POINTER(HANDLE))]),
    "tfe_array_values": (STATUS, [("array", HANDLE), ("data", POINTER(POINTER(c_double))), ("len", POINTER(c_size_t))]),
    "tfe_array_shape": (STATUS, [("array", HANDLE), ("shape", POINTER(POINTER(c_size_t))), ("rank", POINTER(c_size_t))]),
    "tfe_array_free": (None, [("array", HANDLE)]),
    "tfe_array_save": (STATUS, [("values", POINTER(c_double)), ("values_len", c_size_t), ("shape", POINTER(c_size_t)), ("rank", c_size_t), ("path", c_char_p)]),
    "tfe_selftest_fail": (STATUS, [("status", c_int)]),
}
# END GENERATED

# Functions whose tfe_status_t result is a value, not the outcome of the call.
_UNCHECKED = {"tfe_last_error_status"}


def _library_path() -> pathlib.Path:
    override = os.environ.get("TFE_LIBRARY")
    if override:
        path = pathlib.Path(override)
        if not path.is_file():
            raise ImportError(f"tfe: TFE_LIBRARY names {path}, which is not a file")
        return path
    here = pathlib.Path(__file__).resolve().parent
    found = sorted(here.glob("_libtfe*.so")) + sorted(here.glob("_libtfe*.dylib"))
    if not found:
        raise ImportError(
            f"tfe: no libtfe in {here} (looked for _libtfe*.so and _libtfe*.dylib, "
            "which `pip install ./bindings/python` puts there); set TFE_LIBRARY to "
            "the path of a libtfe.so to use another one"
        )
    return found[0]


def _errcheck(status, func, _args):
    # Runs on the calling thread right after the call: the message is this call's.
    if status != TFE_OK:
        message = tfe_last_error_message().decode("utf-8", "replace")
        raise _errors.from_status(status, message)
    return status


LIBRARY_PATH = _library_path()
_lib = ctypes.CDLL(str(LIBRARY_PATH))

for _name, (_restype, _params) in FUNCTIONS.items():
    try:
        _fn = getattr(_lib, _name)
    except AttributeError:
        raise ImportError(
            f"tfe: {LIBRARY_PATH} has no function {_name}: it is older than the "
            f"header this package mirrors ({TFE_VERSION_MAJOR}.{TFE_VERSION_MINOR})"
        ) from None
    _fn.restype = _restype
    _fn.argtypes = [argtype for _, argtype in _params]
    if _restype is STATUS and _name not in _UNCHECKED:
        _fn.errcheck = _errcheck
    globals()[_name] = _fn

VERSION = tfe_version().decode()
_major, _minor, _ = (int(part) for part in VERSION.split("."))
if _major != TFE_VERSION_MAJOR or _minor < TFE_VERSION_MINOR:
    raise ImportError(
        f"tfe: {LIBRARY_PATH} is version {VERSION}; this package needs "
        f"{TFE_VERSION_MAJOR}.{TFE_VERSION_MINOR} or a later {TFE_VERSION_MAJOR}.x"
    )
