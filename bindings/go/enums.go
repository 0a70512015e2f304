package tfe

// The enums of include/tfe.h, one Go type each, with the header's values:
// a new C enum gets its Go type here.

// #include "tfe.h"
import "C"

// Status is a tfe_status_t: the outcome of a C call.
type Status int

// The statuses of include/tfe.h.
const (
	StatusOK              = Status(C.TFE_OK)
	StatusInvalidArgument = Status(C.TFE_ERR_INVALID_ARGUMENT)
	StatusConfig          = Status(C.TFE_ERR_CONFIG)
	StatusNetwork         = Status(C.TFE_ERR_NETWORK)
	StatusTimeout         = Status(C.TFE_ERR_TIMEOUT)
	StatusProtocol        = Status(C.TFE_ERR_PROTOCOL)
	StatusAborted         = Status(C.TFE_ERR_ABORTED)
	StatusInternal        = Status(C.TFE_ERR_INTERNAL)
	StatusPanic           = Status(C.TFE_ERR_PANIC)
	StatusNullPointer     = Status(C.TFE_ERR_NULL_POINTER)
	StatusOutOfRange      = Status(C.TFE_ERR_OUT_OF_RANGE)
)

// LogLevel is a tfe_log_level_t: how detailed a log record is.
type LogLevel int

// The log levels of include/tfe.h; LogOff turns logging off.
const (
	LogOff   LogLevel = 0
	LogError          = LogLevel(C.TFE_LOG_ERROR)
	LogWarn           = LogLevel(C.TFE_LOG_WARN)
	LogInfo           = LogLevel(C.TFE_LOG_INFO)
	LogDebug          = LogLevel(C.TFE_LOG_DEBUG)
	LogTrace          = LogLevel(C.TFE_LOG_TRACE)
)

// Comparison is a tfe_comparison_t: how many bits comparisons, ReLU and
// maxima read.
type Comparison uint32

// The comparison modes of include/tfe.h.
const (
	ComparisonFixedPointRange = Comparison(C.TFE_COMPARISON_FIXED_POINT_RANGE)
	ComparisonFull            = Comparison(C.TFE_COMPARISON_FULL)
)

// Network is a tfe_network_t: a benchmark network (NewNetworkModel).
type Network uint32

// The networks of include/tfe.h.
const (
	NetworkA = Network(C.TFE_NETWORK_A)
	NetworkB = Network(C.TFE_NETWORK_B)
	NetworkC = Network(C.TFE_NETWORK_C)
	NetworkD = Network(C.TFE_NETWORK_D)
)

// Padding is a tfe_padding_t: how windows meet the input's edges.
type Padding uint32

// The paddings of include/tfe.h.
const (
	PaddingValid = Padding(C.TFE_PADDING_VALID)
	PaddingSame  = Padding(C.TFE_PADDING_SAME)
)

// Pool is a tfe_pool_t: what a pooling window computes.
type Pool uint32

// The pools of include/tfe.h.
const (
	PoolMax     = Pool(C.TFE_POOL_MAX)
	PoolAverage = Pool(C.TFE_POOL_AVERAGE)
)

// CumsumMode is a tfe_cumsum_t: which elements each cumulative sum adds.
type CumsumMode uint32

// The cumulative sum modes of include/tfe.h.
const (
	CumsumInclusive        = CumsumMode(C.TFE_CUMSUM_INCLUSIVE)
	CumsumExclusive        = CumsumMode(C.TFE_CUMSUM_EXCLUSIVE)
	CumsumReverse          = CumsumMode(C.TFE_CUMSUM_REVERSE)
	CumsumExclusiveReverse = CumsumMode(C.TFE_CUMSUM_EXCLUSIVE_REVERSE)
)

// SortOrder is a tfe_sort_order_t.
type SortOrder uint32

// The sort orders of include/tfe.h.
const (
	SortAscending  = SortOrder(C.TFE_SORT_ASCENDING)
	SortDescending = SortOrder(C.TFE_SORT_DESCENDING)
)

// Transport is a tfe_transport_t: how the players of a local session talk.
type Transport uint32

// The transports of include/tfe.h.
const (
	TransportTCP    = Transport(C.TFE_TRANSPORT_TCP)
	TransportMemory = Transport(C.TFE_TRANSPORT_MEMORY)
	TransportTLS    = Transport(C.TFE_TRANSPORT_TLS)
)

// TensorKind is a tfe_tensor_kind_t: what a tensor is.
type TensorKind uint32

// The tensor kinds of include/tfe.h.
const (
	TensorPublic     = TensorKind(C.TFE_TENSOR_PUBLIC)
	TensorPrivate    = TensorKind(C.TFE_TENSOR_PRIVATE)
	TensorRevealed   = TensorKind(C.TFE_TENSOR_REVEALED)
	TensorAssignment = TensorKind(C.TFE_TENSOR_ASSIGNMENT)
)

// OptimizerKind is a tfe_optimizer_kind_t: the update rule of training.
type OptimizerKind uint32

// The optimizers of include/tfe.h.
const (
	OptimizerSGD     = OptimizerKind(C.TFE_OPTIMIZER_SGD)
	OptimizerAdam    = OptimizerKind(C.TFE_OPTIMIZER_ADAM)
	OptimizerAMSgrad = OptimizerKind(C.TFE_OPTIMIZER_AMSGRAD)
)

// Schedule is a tfe_schedule_t: how the learning rate changes per step.
type Schedule uint32

// The schedules of include/tfe.h.
const (
	ScheduleConstant    = Schedule(C.TFE_SCHEDULE_CONSTANT)
	ScheduleStep        = Schedule(C.TFE_SCHEDULE_STEP)
	ScheduleExponential = Schedule(C.TFE_SCHEDULE_EXPONENTIAL)
)

// Loss is a tfe_loss_t: the loss training minimizes.
type Loss uint32

// The losses of include/tfe.h.
const (
	LossBinaryCrossentropy                = Loss(C.TFE_LOSS_BINARY_CROSSENTROPY)
	LossBinaryCrossentropyFromLogits      = Loss(C.TFE_LOSS_BINARY_CROSSENTROPY_FROM_LOGITS)
	LossCategoricalCrossentropy           = Loss(C.TFE_LOSS_CATEGORICAL_CROSSENTROPY)
	LossCategoricalCrossentropyFromLogits = Loss(C.TFE_LOSS_CATEGORICAL_CROSSENTROPY_FROM_LOGITS)
	LossMeanSquaredError                  = Loss(C.TFE_LOSS_MEAN_SQUARED_ERROR)
)

// Metrics is a tfe_metrics_t: what training measures besides the loss.
type Metrics uint32

// The metrics of include/tfe.h.
const (
	MetricsNone     = Metrics(C.TFE_METRICS_NONE)
	MetricsAccuracy = Metrics(C.TFE_METRICS_ACCURACY)
)
