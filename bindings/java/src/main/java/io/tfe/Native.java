package io.tfe;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The C API of libtfe ({@code include/tfe.h}), one downcall handle per function: a thin
 * mirror with no logic of its own. Each static method has the C function's name and
 * parameters (pointers as {@link MemorySegment}, {@code size_t} and {@code uint64_t} as
 * {@code long}, enums and {@code uint32_t} as {@code int}); functions returning a struct by
 * value take the allocator of the result. The wrapper classes above it own handles, turn
 * statuses into {@link TfeException} and copy values in and out, reading and writing a struct's
 * fields through its {@link StructLayout} (by field name, with {@link Layouts#field}); each
 * layout is named after its C struct, whose fields it names in order. The functions of models and
 * predictors are in {@link NativeModel}, of training in {@link NativeTrain}, of serving in
 * {@link NativeServe}, each file a part of this one mirror.
 *
 * <p>The library is {@code tfe.library.path} (the file, or the directory holding it) when that
 * system property is set, else {@code System.loadLibrary("tfe")} (the {@code java.library.path}).
 */
final class Native {
    private Native() {}

    static final Linker LINKER = Linker.nativeLinker();
    static final SymbolLookup LOOKUP = lookup();

    /** {@code tfe_config_t}. */
    static final StructLayout CONFIG = MemoryLayout.structLayout(
            JAVA_INT.withName("frac_bits"), JAVA_INT.withName("int_bits"), JAVA_INT.withName("comparison"))
            .withName("tfe_config_t");

    /** {@code tfe_session_options_t}. */
    static final StructLayout SESSION_OPTIONS = MemoryLayout.structLayout(
            JAVA_INT.withName("transport"), MemoryLayout.paddingLayout(4),
            JAVA_LONG.withName("connect_timeout_ms"), JAVA_LONG.withName("recv_timeout_ms"))
            .withName("tfe_session_options_t");

    /** {@code tfe_player_stats_t}. */
    static final StructLayout PLAYER_STATS = MemoryLayout.structLayout(
            ADDRESS.withName("name"), JAVA_LONG.withName("bytes_sent"), JAVA_LONG.withName("wire_bytes_sent"),
            JAVA_LONG.withName("messages_sent"), JAVA_LONG.withName("rounds"), JAVA_LONG.withName("wall_time_ns"))
            .withName("tfe_player_stats_t");

    /** {@code tfe_op_stats_t}. */
    static final StructLayout OP_STATS = MemoryLayout.structLayout(
            ADDRESS.withName("name"), JAVA_LONG.withName("count"), JAVA_LONG.withName("bytes_sent"),
            JAVA_LONG.withName("wire_bytes_sent"), JAVA_LONG.withName("messages_sent"), JAVA_LONG.withName("rounds"),
            JAVA_LONG.withName("wall_time_ns"))
            .withName("tfe_op_stats_t");

    /** {@code tfe_optimizer_t}. */
    static final StructLayout OPTIMIZER = MemoryLayout.structLayout(
            JAVA_INT.withName("kind"), JAVA_INT.withName("schedule"), JAVA_DOUBLE.withName("learning_rate"),
            JAVA_DOUBLE.withName("momentum"), JAVA_DOUBLE.withName("beta1"), JAVA_DOUBLE.withName("beta2"),
            JAVA_DOUBLE.withName("epsilon"), JAVA_DOUBLE.withName("decay"), JAVA_LONG.withName("decay_steps"))
            .withName("tfe_optimizer_t");

    /** {@code tfe_train_progress_t}. */
    static final StructLayout TRAIN_PROGRESS = MemoryLayout.structLayout(
            JAVA_LONG.withName("epoch"), JAVA_LONG.withName("epochs"), JAVA_LONG.withName("batch"),
            JAVA_LONG.withName("batches"), JAVA_DOUBLE.withName("loss"), JAVA_DOUBLE.withName("accuracy"),
            JAVA_DOUBLE.withName("val_loss"), JAVA_DOUBLE.withName("val_accuracy"),
            JAVA_DOUBLE.withName("elapsed_seconds"), JAVA_DOUBLE.withName("eta_seconds"))
            .withName("tfe_train_progress_t");

    /** {@code tfe_train_progress_fn}: (user_data, progress) -> int. */
    static final FunctionDescriptor PROGRESS_FN = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS);

    /** {@code tfe_input_fn}: (user_data, name, shape, rank, out, len) -> int. */
    static final FunctionDescriptor INPUT_FN =
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG);

    /** {@code tfe_cancel_fn}: (user_data) -> int. */
    static final FunctionDescriptor CANCEL_FN = FunctionDescriptor.of(JAVA_INT, ADDRESS);

    /** {@code tfe_log_fn}: (user_data, level, target, message). */
    static final FunctionDescriptor LOG_FN = FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT, ADDRESS, ADDRESS);

    /** The property naming the library file or its directory. */
    static final String LIBRARY_PATH_PROPERTY = "tfe.library.path";

    private static SymbolLookup lookup() {
        String configured = System.getProperty(LIBRARY_PATH_PROPERTY);
        if (configured != null && !configured.isEmpty()) {
            Path path = Path.of(configured);
            if (Files.isDirectory(path)) {
                path = path.resolve(System.mapLibraryName("tfe"));
            }
            try {
                return SymbolLookup.libraryLookup(path, Arena.global());
            } catch (IllegalArgumentException e) {
                throw new UnsatisfiedLinkError("libtfe not found: the system property " + LIBRARY_PATH_PROPERTY
                        + " names " + path + ", which cannot be loaded (" + e.getMessage() + ")");
            }
        }
        try {
            System.loadLibrary("tfe");
        } catch (UnsatisfiedLinkError e) {
            throw new UnsatisfiedLinkError("libtfe not found: the system property " + LIBRARY_PATH_PROPERTY
                    + " is not set and System.loadLibrary(\"tfe\") found no " + System.mapLibraryName("tfe")
                    + " in java.library.path=" + System.getProperty("java.library.path")
                    + "; set -D" + LIBRARY_PATH_PROPERTY + "=/path/to/" + System.mapLibraryName("tfe")
                    + " or add its directory to java.library.path");
        }
        return SymbolLookup.loaderLookup();
    }

    static MethodHandle downcall(String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = LOOKUP.find(name).orElseThrow(() -> new UnsatisfiedLinkError(
                "the loaded libtfe has no function " + name + ": it is older than this binding"));
        return LINKER.downcallHandle(symbol, descriptor);
    }

    /**
     * The static method {@code name} of {@code lookup}'s class, of {@code type}: the Java side of
     * an upcall stub, looked up once by a static initializer.
     */
    static MethodHandle upcallTarget(MethodHandles.Lookup lookup, String name, MethodType type) {
        try {
            return lookup.findStatic(lookup.lookupClass(), name, type);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
    private static final MethodHandle TFE_VERSION = downcall("tfe_version", FunctionDescriptor.of(ADDRESS));
    static MemorySegment tfe_version() {
        try { return (MemorySegment) TFE_VERSION.invokeExact(); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_LAST_ERROR_MESSAGE = downcall("tfe_last_error_message", FunctionDescriptor.of(ADDRESS));
    static MemorySegment tfe_last_error_message() {
        try { return (MemorySegment) TFE_LAST_ERROR_MESSAGE.invokeExact(); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_LAST_ERROR_STATUS = downcall("tfe_last_error_status", FunctionDescriptor.of(JAVA_INT));
    static int tfe_last_error_status() {
        try { return (int) TFE_LAST_ERROR_STATUS.invokeExact(); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_STATUS_NAME = downcall("tfe_status_name", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    static MemorySegment tfe_status_name(int status) {
        try { return (MemorySegment) TFE_STATUS_NAME.invokeExact(status); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_CONFIG_DEFAULT = downcall("tfe_config_default", FunctionDescriptor.of(CONFIG));
    static MemorySegment tfe_config_default(SegmentAllocator allocator) {
        try { return (MemorySegment) TFE_CONFIG_DEFAULT.invokeExact(allocator); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_CONTEXT_NEW = downcall("tfe_context_new", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static int tfe_context_new(MemorySegment config, MemorySegment out) {
        try { return (int) TFE_CONTEXT_NEW.invokeExact(config, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_CONTEXT_FREE = downcall("tfe_context_free", FunctionDescriptor.ofVoid(ADDRESS));
    static void tfe_context_free(MemorySegment ctx) {
        try { TFE_CONTEXT_FREE.invokeExact(ctx); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_DEFINE_PRIVATE_VARIABLE = downcall("tfe_define_private_variable", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS));
    static int tfe_define_private_variable(MemorySegment ctx, MemorySegment name, MemorySegment owner, MemorySegment values, long values_len, MemorySegment shape, long rank, MemorySegment out) {
        try { return (int) TFE_DEFINE_PRIVATE_VARIABLE.invokeExact(ctx, name, owner, values, values_len, shape, rank, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_DEFINE_PRIVATE_INPUT = downcall("tfe_define_private_input", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_define_private_input(MemorySegment ctx, MemorySegment name, MemorySegment owner, MemorySegment shape, long rank, MemorySegment provide, MemorySegment user_data, MemorySegment out) {
        try { return (int) TFE_DEFINE_PRIVATE_INPUT.invokeExact(ctx, name, owner, shape, rank, provide, user_data, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_DEFINE_CONSTANT = downcall("tfe_define_constant", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS));
    static int tfe_define_constant(MemorySegment ctx, MemorySegment values, long values_len, MemorySegment shape, long rank, MemorySegment out) {
        try { return (int) TFE_DEFINE_CONSTANT.invokeExact(ctx, values, values_len, shape, rank, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_CONTEXT_SAVE = downcall("tfe_context_save", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static int tfe_context_save(MemorySegment ctx, MemorySegment path) {
        try { return (int) TFE_CONTEXT_SAVE.invokeExact(ctx, path); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_TENSOR_SHAPE = downcall("tfe_tensor_shape", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_tensor_shape(MemorySegment tensor, MemorySegment shape, MemorySegment rank) {
        try { return (int) TFE_TENSOR_SHAPE.invokeExact(tensor, shape, rank); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_TENSOR_NAME = downcall("tfe_tensor_name", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static int tfe_tensor_name(MemorySegment tensor, MemorySegment name) {
        try { return (int) TFE_TENSOR_NAME.invokeExact(tensor, name); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_TENSOR_FREE = downcall("tfe_tensor_free", FunctionDescriptor.ofVoid(ADDRESS));
    static void tfe_tensor_free(MemorySegment tensor) {
        try { TFE_TENSOR_FREE.invokeExact(tensor); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_INPUT_SET_ERROR = downcall("tfe_input_set_error", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static int tfe_input_set_error(MemorySegment message) {
        try { return (int) TFE_INPUT_SET_ERROR.invokeExact(message); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_CONTEXT_LOAD = downcall("tfe_context_load", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static int tfe_context_load(MemorySegment path, MemorySegment out) {
        try { return (int) TFE_CONTEXT_LOAD.invokeExact(path, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_CONTEXT_TENSOR_COUNT = downcall("tfe_context_tensor_count", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static int tfe_context_tensor_count(MemorySegment ctx, MemorySegment count) {
        try { return (int) TFE_CONTEXT_TENSOR_COUNT.invokeExact(ctx, count); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_CONTEXT_TENSOR = downcall("tfe_context_tensor", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS));
    static int tfe_context_tensor(MemorySegment ctx, long index, MemorySegment out) {
        try { return (int) TFE_CONTEXT_TENSOR.invokeExact(ctx, index, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_CONTEXT_FIND = downcall("tfe_context_find", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_context_find(MemorySegment ctx, MemorySegment name, MemorySegment out) {
        try { return (int) TFE_CONTEXT_FIND.invokeExact(ctx, name, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_CONTEXT_CONFIG = downcall("tfe_context_config", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static int tfe_context_config(MemorySegment ctx, MemorySegment out) {
        try { return (int) TFE_CONTEXT_CONFIG.invokeExact(ctx, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_CONTEXT_PLAYER_COUNT = downcall("tfe_context_player_count", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static int tfe_context_player_count(MemorySegment ctx, MemorySegment count) {
        try { return (int) TFE_CONTEXT_PLAYER_COUNT.invokeExact(ctx, count); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_CONTEXT_PLAYER_NAME = downcall("tfe_context_player_name", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS));
    static int tfe_context_player_name(MemorySegment ctx, long index, MemorySegment name) {
        try { return (int) TFE_CONTEXT_PLAYER_NAME.invokeExact(ctx, index, name); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_TENSOR_KIND = downcall("tfe_tensor_kind", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static int tfe_tensor_kind(MemorySegment tensor, MemorySegment kind) {
        try { return (int) TFE_TENSOR_KIND.invokeExact(tensor, kind); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_TENSOR_OWNER = downcall("tfe_tensor_owner", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static int tfe_tensor_owner(MemorySegment tensor, MemorySegment owner) {
        try { return (int) TFE_TENSOR_OWNER.invokeExact(tensor, owner); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_ADD = downcall("tfe_add", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_add(MemorySegment ctx, MemorySegment x, MemorySegment y, MemorySegment out) {
        try { return (int) TFE_ADD.invokeExact(ctx, x, y, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_SUB = downcall("tfe_sub", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_sub(MemorySegment ctx, MemorySegment x, MemorySegment y, MemorySegment out) {
        try { return (int) TFE_SUB.invokeExact(ctx, x, y, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_MUL = downcall("tfe_mul", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_mul(MemorySegment ctx, MemorySegment x, MemorySegment y, MemorySegment out) {
        try { return (int) TFE_MUL.invokeExact(ctx, x, y, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_MATMUL = downcall("tfe_matmul", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_matmul(MemorySegment ctx, MemorySegment x, MemorySegment y, MemorySegment out) {
        try { return (int) TFE_MATMUL.invokeExact(ctx, x, y, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_ASSIGN = downcall("tfe_assign", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_assign(MemorySegment ctx, MemorySegment variable, MemorySegment value, MemorySegment out) {
        try { return (int) TFE_ASSIGN.invokeExact(ctx, variable, value, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_NEG = downcall("tfe_neg", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_neg(MemorySegment ctx, MemorySegment x, MemorySegment out) {
        try { return (int) TFE_NEG.invokeExact(ctx, x, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_SQUARE = downcall("tfe_square", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_square(MemorySegment ctx, MemorySegment x, MemorySegment out) {
        try { return (int) TFE_SQUARE.invokeExact(ctx, x, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_REDUCE_SUM = downcall("tfe_reduce_sum", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_reduce_sum(MemorySegment ctx, MemorySegment x, MemorySegment out) {
        try { return (int) TFE_REDUCE_SUM.invokeExact(ctx, x, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_REDUCE_SUM_AXIS = downcall("tfe_reduce_sum_axis", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    static int tfe_reduce_sum_axis(MemorySegment ctx, MemorySegment x, long axis, MemorySegment out) {
        try { return (int) TFE_REDUCE_SUM_AXIS.invokeExact(ctx, x, axis, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_TRANSPOSE = downcall("tfe_transpose", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    static int tfe_transpose(MemorySegment ctx, MemorySegment x, MemorySegment perm, long perm_len, MemorySegment out) {
        try { return (int) TFE_TRANSPOSE.invokeExact(ctx, x, perm, perm_len, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_RESHAPE = downcall("tfe_reshape", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    static int tfe_reshape(MemorySegment ctx, MemorySegment x, MemorySegment shape, long rank, MemorySegment out) {
        try { return (int) TFE_RESHAPE.invokeExact(ctx, x, shape, rank, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_REVEAL = downcall("tfe_reveal", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_reveal(MemorySegment ctx, MemorySegment x, MemorySegment to, MemorySegment out) {
        try { return (int) TFE_REVEAL.invokeExact(ctx, x, to, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_RELU = downcall("tfe_relu", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_relu(MemorySegment ctx, MemorySegment x, MemorySegment out) {
        try { return (int) TFE_RELU.invokeExact(ctx, x, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_SIGMOID = downcall("tfe_sigmoid", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_sigmoid(MemorySegment ctx, MemorySegment x, MemorySegment out) {
        try { return (int) TFE_SIGMOID.invokeExact(ctx, x, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_HARD_SIGMOID = downcall("tfe_hard_sigmoid", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_hard_sigmoid(MemorySegment ctx, MemorySegment x, MemorySegment out) {
        try { return (int) TFE_HARD_SIGMOID.invokeExact(ctx, x, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_EXP = downcall("tfe_exp", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_exp(MemorySegment ctx, MemorySegment x, MemorySegment out) {
        try { return (int) TFE_EXP.invokeExact(ctx, x, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_RECIPROCAL = downcall("tfe_reciprocal", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_reciprocal(MemorySegment ctx, MemorySegment x, MemorySegment out) {
        try { return (int) TFE_RECIPROCAL.invokeExact(ctx, x, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_INV_SQRT = downcall("tfe_inv_sqrt", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_inv_sqrt(MemorySegment ctx, MemorySegment x, MemorySegment out) {
        try { return (int) TFE_INV_SQRT.invokeExact(ctx, x, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_SOFTMAX = downcall("tfe_softmax", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_softmax(MemorySegment ctx, MemorySegment x, MemorySegment out) {
        try { return (int) TFE_SOFTMAX.invokeExact(ctx, x, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_TANH = downcall("tfe_tanh", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_tanh(MemorySegment ctx, MemorySegment x, MemorySegment out) {
        try { return (int) TFE_TANH.invokeExact(ctx, x, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_LOG = downcall("tfe_log", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_log(MemorySegment ctx, MemorySegment x, MemorySegment out) {
        try { return (int) TFE_LOG.invokeExact(ctx, x, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_SQRT = downcall("tfe_sqrt", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_sqrt(MemorySegment ctx, MemorySegment x, MemorySegment out) {
        try { return (int) TFE_SQRT.invokeExact(ctx, x, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_LESS = downcall("tfe_less", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_less(MemorySegment ctx, MemorySegment x, MemorySegment y, MemorySegment out) {
        try { return (int) TFE_LESS.invokeExact(ctx, x, y, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_LESS_EQUAL = downcall("tfe_less_equal", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_less_equal(MemorySegment ctx, MemorySegment x, MemorySegment y, MemorySegment out) {
        try { return (int) TFE_LESS_EQUAL.invokeExact(ctx, x, y, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_GREATER = downcall("tfe_greater", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_greater(MemorySegment ctx, MemorySegment x, MemorySegment y, MemorySegment out) {
        try { return (int) TFE_GREATER.invokeExact(ctx, x, y, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_GREATER_EQUAL = downcall("tfe_greater_equal", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_greater_equal(MemorySegment ctx, MemorySegment x, MemorySegment y, MemorySegment out) {
        try { return (int) TFE_GREATER_EQUAL.invokeExact(ctx, x, y, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_EQUAL = downcall("tfe_equal", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_equal(MemorySegment ctx, MemorySegment x, MemorySegment y, MemorySegment out) {
        try { return (int) TFE_EQUAL.invokeExact(ctx, x, y, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_MAXIMUM = downcall("tfe_maximum", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_maximum(MemorySegment ctx, MemorySegment x, MemorySegment y, MemorySegment out) {
        try { return (int) TFE_MAXIMUM.invokeExact(ctx, x, y, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_REDUCE_MAX = downcall("tfe_reduce_max", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    static int tfe_reduce_max(MemorySegment ctx, MemorySegment x, long axis, MemorySegment out) {
        try { return (int) TFE_REDUCE_MAX.invokeExact(ctx, x, axis, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_ARGMAX = downcall("tfe_argmax", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    static int tfe_argmax(MemorySegment ctx, MemorySegment x, long axis, MemorySegment out) {
        try { return (int) TFE_ARGMAX.invokeExact(ctx, x, axis, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_ARGMAX_ONE_HOT = downcall("tfe_argmax_one_hot", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    static int tfe_argmax_one_hot(MemorySegment ctx, MemorySegment x, long axis, MemorySegment out) {
        try { return (int) TFE_ARGMAX_ONE_HOT.invokeExact(ctx, x, axis, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_SELECT = downcall("tfe_select", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_select(MemorySegment ctx, MemorySegment cond, MemorySegment a, MemorySegment b, MemorySegment out) {
        try { return (int) TFE_SELECT.invokeExact(ctx, cond, a, b, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_SLICE = downcall("tfe_slice", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS));
    static int tfe_slice(MemorySegment ctx, MemorySegment x, MemorySegment begin, long begin_len, MemorySegment size, long size_len, MemorySegment out) {
        try { return (int) TFE_SLICE.invokeExact(ctx, x, begin, begin_len, size, size_len, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_PAD = downcall("tfe_pad", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    static int tfe_pad(MemorySegment ctx, MemorySegment x, MemorySegment pads, long pads_len, MemorySegment out) {
        try { return (int) TFE_PAD.invokeExact(ctx, x, pads, pads_len, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_CONCAT = downcall("tfe_concat", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    static int tfe_concat(MemorySegment ctx, MemorySegment x, MemorySegment y, long axis, MemorySegment out) {
        try { return (int) TFE_CONCAT.invokeExact(ctx, x, y, axis, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_EXPAND_DIMS = downcall("tfe_expand_dims", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    static int tfe_expand_dims(MemorySegment ctx, MemorySegment x, long axis, MemorySegment out) {
        try { return (int) TFE_EXPAND_DIMS.invokeExact(ctx, x, axis, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_SQUEEZE = downcall("tfe_squeeze", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    static int tfe_squeeze(MemorySegment ctx, MemorySegment x, long axis, MemorySegment out) {
        try { return (int) TFE_SQUEEZE.invokeExact(ctx, x, axis, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_GATHER = downcall("tfe_gather", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS));
    static int tfe_gather(MemorySegment ctx, MemorySegment x, MemorySegment indices, long indices_len, long axis, MemorySegment out) {
        try { return (int) TFE_GATHER.invokeExact(ctx, x, indices, indices_len, axis, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_FLATTEN = downcall("tfe_flatten", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_flatten(MemorySegment ctx, MemorySegment x, MemorySegment out) {
        try { return (int) TFE_FLATTEN.invokeExact(ctx, x, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_POOL2D = downcall("tfe_pool2d", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS));
    static int tfe_pool2d(MemorySegment ctx, MemorySegment x, int pool, long window_h, long window_w, long stride_h, long stride_w, int padding, MemorySegment out) {
        try { return (int) TFE_POOL2D.invokeExact(ctx, x, pool, window_h, window_w, stride_h, stride_w, padding, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_GLOBAL_AVG_POOL2D = downcall("tfe_global_avg_pool2d", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_global_avg_pool2d(MemorySegment ctx, MemorySegment x, MemorySegment out) {
        try { return (int) TFE_GLOBAL_AVG_POOL2D.invokeExact(ctx, x, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_CONV2D = downcall("tfe_conv2d", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS));
    static int tfe_conv2d(MemorySegment ctx, MemorySegment x, MemorySegment filter, long stride_h, long stride_w, int padding, MemorySegment out) {
        try { return (int) TFE_CONV2D.invokeExact(ctx, x, filter, stride_h, stride_w, padding, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_REDUCE_MEAN = downcall("tfe_reduce_mean", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_reduce_mean(MemorySegment ctx, MemorySegment x, MemorySegment out) {
        try { return (int) TFE_REDUCE_MEAN.invokeExact(ctx, x, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_REDUCE_MEAN_AXIS = downcall("tfe_reduce_mean_axis", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    static int tfe_reduce_mean_axis(MemorySegment ctx, MemorySegment x, long axis, MemorySegment out) {
        try { return (int) TFE_REDUCE_MEAN_AXIS.invokeExact(ctx, x, axis, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_DIV_PUBLIC = downcall("tfe_div_public", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_DOUBLE, ADDRESS));
    static int tfe_div_public(MemorySegment ctx, MemorySegment x, double divisor, MemorySegment out) {
        try { return (int) TFE_DIV_PUBLIC.invokeExact(ctx, x, divisor, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_ABS = downcall("tfe_abs", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_abs(MemorySegment ctx, MemorySegment x, MemorySegment out) {
        try { return (int) TFE_ABS.invokeExact(ctx, x, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_MINIMUM = downcall("tfe_minimum", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_minimum(MemorySegment ctx, MemorySegment x, MemorySegment y, MemorySegment out) {
        try { return (int) TFE_MINIMUM.invokeExact(ctx, x, y, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_REDUCE_MIN = downcall("tfe_reduce_min", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    static int tfe_reduce_min(MemorySegment ctx, MemorySegment x, long axis, MemorySegment out) {
        try { return (int) TFE_REDUCE_MIN.invokeExact(ctx, x, axis, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_ARGMIN = downcall("tfe_argmin", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    static int tfe_argmin(MemorySegment ctx, MemorySegment x, long axis, MemorySegment out) {
        try { return (int) TFE_ARGMIN.invokeExact(ctx, x, axis, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_CUMSUM = downcall("tfe_cumsum", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS));
    static int tfe_cumsum(MemorySegment ctx, MemorySegment x, long axis, int mode, MemorySegment out) {
        try { return (int) TFE_CUMSUM.invokeExact(ctx, x, axis, mode, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_SORT = downcall("tfe_sort", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS));
    static int tfe_sort(MemorySegment ctx, MemorySegment x, long axis, int order, MemorySegment out) {
        try { return (int) TFE_SORT.invokeExact(ctx, x, axis, order, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_FEEDS_NEW = downcall("tfe_feeds_new", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static int tfe_feeds_new(MemorySegment out) {
        try { return (int) TFE_FEEDS_NEW.invokeExact(out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_FEEDS_SET = downcall("tfe_feeds_set", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
    static int tfe_feeds_set(MemorySegment feeds, MemorySegment input, MemorySegment values, long values_len) {
        try { return (int) TFE_FEEDS_SET.invokeExact(feeds, input, values, values_len); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_FEEDS_FREE = downcall("tfe_feeds_free", FunctionDescriptor.ofVoid(ADDRESS));
    static void tfe_feeds_free(MemorySegment feeds) {
        try { TFE_FEEDS_FREE.invokeExact(feeds); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_SESSION_OPTIONS_DEFAULT = downcall("tfe_session_options_default", FunctionDescriptor.of(SESSION_OPTIONS));
    static MemorySegment tfe_session_options_default(SegmentAllocator allocator) {
        try { return (MemorySegment) TFE_SESSION_OPTIONS_DEFAULT.invokeExact(allocator); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_SESSION_NEW_LOCAL = downcall("tfe_session_new_local", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static int tfe_session_new_local(MemorySegment ctx, MemorySegment out) {
        try { return (int) TFE_SESSION_NEW_LOCAL.invokeExact(ctx, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_SESSION_NEW_LOCAL_WITH_OPTIONS = downcall("tfe_session_new_local_with_options", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_session_new_local_with_options(MemorySegment ctx, MemorySegment options, MemorySegment out) {
        try { return (int) TFE_SESSION_NEW_LOCAL_WITH_OPTIONS.invokeExact(ctx, options, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_SESSION_FREE = downcall("tfe_session_free", FunctionDescriptor.ofVoid(ADDRESS));
    static void tfe_session_free(MemorySegment sess) {
        try { TFE_SESSION_FREE.invokeExact(sess); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_SESSION_RUN = downcall("tfe_session_run", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    static int tfe_session_run(MemorySegment sess, MemorySegment fetches, long n, MemorySegment out) {
        try { return (int) TFE_SESSION_RUN.invokeExact(sess, fetches, n, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_SESSION_RUN_WITH_FEEDS = downcall("tfe_session_run_with_feeds", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS));
    static int tfe_session_run_with_feeds(MemorySegment sess, MemorySegment fetches, long n, MemorySegment feeds, MemorySegment out) {
        try { return (int) TFE_SESSION_RUN_WITH_FEEDS.invokeExact(sess, fetches, n, feeds, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_SESSION_INTERRUPT = downcall("tfe_session_interrupt", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static int tfe_session_interrupt(MemorySegment sess) {
        try { return (int) TFE_SESSION_INTERRUPT.invokeExact(sess); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_SESSION_RESET_VARIABLES = downcall("tfe_session_reset_variables", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static int tfe_session_reset_variables(MemorySegment sess) {
        try { return (int) TFE_SESSION_RESET_VARIABLES.invokeExact(sess); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_PARTY_OPEN = downcall("tfe_party_open", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_party_open(MemorySegment ctx, MemorySegment hostmap_path, MemorySegment me, MemorySegment tls_key_path, MemorySegment out) {
        try { return (int) TFE_PARTY_OPEN.invokeExact(ctx, hostmap_path, me, tls_key_path, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_PARTY_OPEN_INSECURE_PLAINTEXT = downcall("tfe_party_open_insecure_plaintext", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_party_open_insecure_plaintext(MemorySegment ctx, MemorySegment hostmap_path, MemorySegment me, MemorySegment out) {
        try { return (int) TFE_PARTY_OPEN_INSECURE_PLAINTEXT.invokeExact(ctx, hostmap_path, me, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_PARTY_OPEN_CANCELLABLE = downcall("tfe_party_open_cancellable", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_party_open_cancellable(MemorySegment ctx, MemorySegment hostmap_path, MemorySegment me, MemorySegment tls_key_path, MemorySegment cancelled, MemorySegment user_data, MemorySegment out) {
        try { return (int) TFE_PARTY_OPEN_CANCELLABLE.invokeExact(ctx, hostmap_path, me, tls_key_path, cancelled, user_data, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_PARTY_OPEN_INSECURE_PLAINTEXT_CANCELLABLE = downcall("tfe_party_open_insecure_plaintext_cancellable", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_party_open_insecure_plaintext_cancellable(MemorySegment ctx, MemorySegment hostmap_path, MemorySegment me, MemorySegment cancelled, MemorySegment user_data, MemorySegment out) {
        try { return (int) TFE_PARTY_OPEN_INSECURE_PLAINTEXT_CANCELLABLE.invokeExact(ctx, hostmap_path, me, cancelled, user_data, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_PARTY_RUN = downcall("tfe_party_run", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS));
    static int tfe_party_run(MemorySegment party, MemorySegment fetches, long n, MemorySegment feeds, MemorySegment out) {
        try { return (int) TFE_PARTY_RUN.invokeExact(party, fetches, n, feeds, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_PARTY_INTERRUPT = downcall("tfe_party_interrupt", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static int tfe_party_interrupt(MemorySegment party) {
        try { return (int) TFE_PARTY_INTERRUPT.invokeExact(party); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_PARTY_FREE = downcall("tfe_party_free", FunctionDescriptor.ofVoid(ADDRESS));
    static void tfe_party_free(MemorySegment party) {
        try { TFE_PARTY_FREE.invokeExact(party); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_HOSTMAP_GENERATE_CERTIFICATES = downcall("tfe_hostmap_generate_certificates", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static int tfe_hostmap_generate_certificates(MemorySegment hostmap_path, MemorySegment dir) {
        try { return (int) TFE_HOSTMAP_GENERATE_CERTIFICATES.invokeExact(hostmap_path, dir); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_RESULT_COUNT = downcall("tfe_result_count", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static int tfe_result_count(MemorySegment result, MemorySegment count) {
        try { return (int) TFE_RESULT_COUNT.invokeExact(result, count); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_RESULT_VALUE = downcall("tfe_result_value", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS));
    static int tfe_result_value(MemorySegment result, long index, MemorySegment data, MemorySegment len) {
        try { return (int) TFE_RESULT_VALUE.invokeExact(result, index, data, len); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_RESULT_SHAPE = downcall("tfe_result_shape", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS));
    static int tfe_result_shape(MemorySegment result, long index, MemorySegment shape, MemorySegment rank) {
        try { return (int) TFE_RESULT_SHAPE.invokeExact(result, index, shape, rank); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_RESULT_PLAYER_COUNT = downcall("tfe_result_player_count", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static int tfe_result_player_count(MemorySegment result, MemorySegment count) {
        try { return (int) TFE_RESULT_PLAYER_COUNT.invokeExact(result, count); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_RESULT_PLAYER_STATS = downcall("tfe_result_player_stats", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS));
    static int tfe_result_player_stats(MemorySegment result, long index, MemorySegment stats) {
        try { return (int) TFE_RESULT_PLAYER_STATS.invokeExact(result, index, stats); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_RESULT_PLAYER_INDEX = downcall("tfe_result_player_index", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_result_player_index(MemorySegment result, MemorySegment name, MemorySegment index) {
        try { return (int) TFE_RESULT_PLAYER_INDEX.invokeExact(result, name, index); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_RESULT_OP_COUNT = downcall("tfe_result_op_count", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS));
    static int tfe_result_op_count(MemorySegment result, long player, MemorySegment count) {
        try { return (int) TFE_RESULT_OP_COUNT.invokeExact(result, player, count); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_RESULT_OP_STATS = downcall("tfe_result_op_stats", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS));
    static int tfe_result_op_stats(MemorySegment result, long player, long op, MemorySegment stats) {
        try { return (int) TFE_RESULT_OP_STATS.invokeExact(result, player, op, stats); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_RESULT_FREE = downcall("tfe_result_free", FunctionDescriptor.ofVoid(ADDRESS));
    static void tfe_result_free(MemorySegment result) {
        try { TFE_RESULT_FREE.invokeExact(result); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_RESULT_TRACE_JSON = downcall("tfe_result_trace_json", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static int tfe_result_trace_json(MemorySegment result, MemorySegment json) {
        try { return (int) TFE_RESULT_TRACE_JSON.invokeExact(result, json); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_RESULT_STATS_TABLE = downcall("tfe_result_stats_table", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static int tfe_result_stats_table(MemorySegment result, MemorySegment table) {
        try { return (int) TFE_RESULT_STATS_TABLE.invokeExact(result, table); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_SET_LOG_CALLBACK = downcall("tfe_set_log_callback", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    static int tfe_set_log_callback(MemorySegment callback, MemorySegment user_data, int max_level) {
        try { return (int) TFE_SET_LOG_CALLBACK.invokeExact(callback, user_data, max_level); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_ARRAY_LOAD = downcall("tfe_array_load", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static int tfe_array_load(MemorySegment path, MemorySegment out) {
        try { return (int) TFE_ARRAY_LOAD.invokeExact(path, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_ARRAY_VALUES = downcall("tfe_array_values", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_array_values(MemorySegment array, MemorySegment data, MemorySegment len) {
        try { return (int) TFE_ARRAY_VALUES.invokeExact(array, data, len); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_ARRAY_SHAPE = downcall("tfe_array_shape", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_array_shape(MemorySegment array, MemorySegment shape, MemorySegment rank) {
        try { return (int) TFE_ARRAY_SHAPE.invokeExact(array, shape, rank); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_ARRAY_FREE = downcall("tfe_array_free", FunctionDescriptor.ofVoid(ADDRESS));
    static void tfe_array_free(MemorySegment array) {
        try { TFE_ARRAY_FREE.invokeExact(array); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_ARRAY_SAVE = downcall("tfe_array_save", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS));
    static int tfe_array_save(MemorySegment values, long values_len, MemorySegment shape, long rank, MemorySegment path) {
        try { return (int) TFE_ARRAY_SAVE.invokeExact(values, values_len, shape, rank, path); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_SELFTEST_FAIL = downcall("tfe_selftest_fail", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    static int tfe_selftest_fail(int status) {
        try { return (int) TFE_SELFTEST_FAIL.invokeExact(status); } catch (Throwable t) { throw rethrow(t); }
    }
}
