//! The enums of the C API, in one place: each is `#[repr(C)]` with the
//! values the header states, and is re-exported by the module of the
//! functions that take it.

/// The outcome of a fallible call: `TFE_OK` (zero) or the kind of failure.
/// The detailed message is `tfe_last_error_message()`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum tfe_status_t {
    /// Success.
    TFE_OK = 0,
    /// A caller passed something unusable: a shape, a value out of the
    /// fixed-point range, a player name, a tensor of another context, a
    /// string that is not UTF-8; or an input callback failed.
    TFE_ERR_INVALID_ARGUMENT = 1,
    /// A configuration (fixed point, session options) is inconsistent.
    TFE_ERR_CONFIG = 2,
    /// A connection to a player failed or closed; the message names the player.
    TFE_ERR_NETWORK = 3,
    /// A player sent nothing within the receive timeout; the message names it.
    TFE_ERR_TIMEOUT = 4,
    /// A player sent something malformed or ran a different graph.
    TFE_ERR_PROTOCOL = 5,
    /// Another player gave up on the run, or the caller stopped it (an
    /// interrupt, a progress callback's nonzero return); the message names
    /// the player and says why.
    TFE_ERR_ABORTED = 6,
    /// A bug in tfe: an invariant did not hold.
    TFE_ERR_INTERNAL = 7,
    /// A bug in tfe: the library panicked. The panic was caught; the objects
    /// the call used may be in an unexpected state, the process is not harmed.
    TFE_ERR_PANIC = 8,
    /// A required pointer argument was NULL; the message names the parameter.
    TFE_ERR_NULL_POINTER = 9,
    /// A revealed result left the fixed-point range (the computation
    /// overflowed); the message names the fetch and counts its bad values.
    TFE_ERR_OUT_OF_RANGE = 10,
}

/// How many bits of a difference comparisons read (the `comparison` field
/// of `tfe_config_t`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum tfe_comparison_t {
    /// The low `frac_bits + int_bits + 3` bits: exact for any two values
    /// within the fixed-point range, and cheaper (the default).
    TFE_COMPARISON_FIXED_POINT_RANGE = 0,
    /// All 64 bits: exact for any difference below 2^63 in magnitude.
    TFE_COMPARISON_FULL = 1,
}

/// What a tensor is (`tfe_tensor_kind`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum tfe_tensor_kind_t {
    /// Known to every player: a constant, or an operation on public values.
    TFE_TENSOR_PUBLIC = 0,
    /// Secret-shared among the servers: an input, a variable, or an
    /// operation with a private operand. Fetch a reveal of it.
    TFE_TENSOR_PRIVATE = 1,
    /// A revealed value (`tfe_reveal`): fetch it; it cannot be computed on.
    TFE_TENSOR_REVEALED = 2,
    /// An assignment (`tfe_assign`): fetch it to make it happen.
    TFE_TENSOR_ASSIGNMENT = 3,
}

/// Log levels, most severe first (the `level` of `tfe_log_fn` and the
/// `max_level` of `tfe_set_log_callback`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum tfe_log_level_t {
    TFE_LOG_ERROR = 1,
    TFE_LOG_WARN = 2,
    TFE_LOG_INFO = 3,
    TFE_LOG_DEBUG = 4,
    TFE_LOG_TRACE = 5,
}

/// The benchmark networks of SecureNN and TF Encrypted (the `network`
/// argument of `tfe_model_network`, a `uint32_t`; anything else is
/// `TFE_ERR_INVALID_ARGUMENT`). Their weights are pseudo-random (He
/// uniform) from a seed: for measuring costs, not for predicting.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum tfe_network_t {
    /// Inputs of 784: FC 784-128, ReLU, FC 128-128, ReLU, FC 128-10.
    TFE_NETWORK_A = 0,
    /// Inputs of 28x28x1: Conv 5x5x16, MaxPool 2, ReLU, Conv 5x5x16,
    /// MaxPool 2, ReLU, FC 100, ReLU, FC 10.
    TFE_NETWORK_B = 1,
    /// Inputs of 28x28x1: Conv 5x5x20, MaxPool 2, ReLU, Conv 5x5x50,
    /// MaxPool 2, ReLU, FC 500, ReLU, FC 10.
    TFE_NETWORK_C = 2,
    /// Inputs of 28x28x1: Conv 5x5x5 stride 2 (SAME), ReLU, FC 100, ReLU, FC 10.
    TFE_NETWORK_D = 3,
}

/// How windows of pooling and convolution meet the input's edges (the
/// `padding` argument, a `uint32_t`; anything else is
/// `TFE_ERR_INVALID_ARGUMENT`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum tfe_padding_t {
    /// No padding: windows lie inside the input.
    TFE_PADDING_VALID = 0,
    /// Output size `ceil(in / stride)`, zeros split before and after (the extra one after).
    TFE_PADDING_SAME = 1,
}

/// Which pooling `tfe_pool2d` applies (its `pool` argument, a `uint32_t`;
/// anything else is `TFE_ERR_INVALID_ARGUMENT`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum tfe_pool_t {
    /// The maximum of each window.
    TFE_POOL_MAX = 0,
    /// The average of each window (with SAME padding, over the elements
    /// inside the input).
    TFE_POOL_AVERAGE = 1,
}

/// Which cumulative sum `tfe_cumsum` computes (the `mode` argument, a
/// `uint32_t`; anything else is `TFE_ERR_INVALID_ARGUMENT`), as
/// TensorFlow's `cumsum(exclusive, reverse)`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum tfe_cumsum_t {
    /// `out[i] = x[0] + ... + x[i]`.
    TFE_CUMSUM_INCLUSIVE = 0,
    /// `out[i] = x[0] + ... + x[i-1]` (`out[0] = 0`).
    TFE_CUMSUM_EXCLUSIVE = 1,
    /// `out[i] = x[i] + ... + x[n-1]`.
    TFE_CUMSUM_REVERSE = 2,
    /// `out[i] = x[i+1] + ... + x[n-1]` (`out[n-1] = 0`).
    TFE_CUMSUM_EXCLUSIVE_REVERSE = 3,
}

/// The order of `tfe_sort` (the `order` argument, a `uint32_t`; anything
/// else is `TFE_ERR_INVALID_ARGUMENT`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum tfe_sort_order_t {
    /// Smallest first.
    TFE_SORT_ASCENDING = 0,
    /// Largest first.
    TFE_SORT_DESCENDING = 1,
}

/// How the players of a local session talk (the `transport` field of
/// `tfe_session_options_t`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum tfe_transport_t {
    /// Loopback TCP, the same code path as a deployment (the default).
    TFE_TRANSPORT_TCP = 0,
    /// In-memory channels, no sockets.
    TFE_TRANSPORT_MEMORY = 1,
    /// Loopback TCP with TLS 1.3 and fresh in-memory certificates: what a
    /// deployment's encryption costs.
    TFE_TRANSPORT_TLS = 2,
}

/// The optimizers of `tfe_optimizer_t` (its `kind` field, a `uint32_t`;
/// anything else is `TFE_ERR_INVALID_ARGUMENT`), Keras's update rules.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum tfe_optimizer_kind_t {
    /// Stochastic gradient descent, with momentum when `momentum` > 0.
    TFE_OPTIMIZER_SGD = 0,
    /// Adam.
    TFE_OPTIMIZER_ADAM = 1,
    /// Adam with the running maximum of the second moment (Keras's
    /// `Adam(amsgrad=True)`).
    TFE_OPTIMIZER_AMSGRAD = 2,
}

/// How the learning rate changes per step (the `schedule` field of
/// `tfe_optimizer_t`, a `uint32_t`; anything else is
/// `TFE_ERR_INVALID_ARGUMENT`); steps count from 0.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum tfe_schedule_t {
    /// `learning_rate` every step.
    TFE_SCHEDULE_CONSTANT = 0,
    /// `learning_rate · decay^floor(step / decay_steps)`.
    TFE_SCHEDULE_STEP = 1,
    /// `learning_rate · decay^(step / decay_steps)` (Keras's `ExponentialDecay`).
    TFE_SCHEDULE_EXPONENTIAL = 2,
}

/// The losses of `tfe_trainer_compile` (its `loss` argument, a `uint32_t`;
/// anything else is `TFE_ERR_INVALID_ARGUMENT`), Keras's definitions
/// (docs/training.md gives each with its gradient and clipping).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum tfe_loss_t {
    /// Binary cross-entropy of probabilities (after a sigmoid).
    TFE_LOSS_BINARY_CROSSENTROPY = 0,
    /// Binary cross-entropy of logits.
    TFE_LOSS_BINARY_CROSSENTROPY_FROM_LOGITS = 1,
    /// Categorical cross-entropy of probabilities (after a softmax), one-hot labels.
    TFE_LOSS_CATEGORICAL_CROSSENTROPY = 2,
    /// Categorical cross-entropy of logits, one-hot labels.
    TFE_LOSS_CATEGORICAL_CROSSENTROPY_FROM_LOGITS = 3,
    /// Mean squared error.
    TFE_LOSS_MEAN_SQUARED_ERROR = 4,
}

/// The metrics of `tfe_trainer_compile` besides the loss (its `metrics`
/// argument, a `uint32_t`; anything else is `TFE_ERR_INVALID_ARGUMENT`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum tfe_metrics_t {
    /// The loss only.
    TFE_METRICS_NONE = 0,
    /// The loss and the accuracy: the largest output against the label's
    /// (several outputs), or the output against 0.5 (one output; 0 for logits).
    TFE_METRICS_ACCURACY = 1,
}
