package io.tfe;

import static io.tfe.Native.downcall;
import static io.tfe.Native.rethrow;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The functions of models and their local predictors in the C API ({@code tfe_model_*},
 * {@code tfe_predictor_*}), one downcall handle each, as {@link Native} holds the others.
 */
final class NativeModel {
    private NativeModel() {}

    private static final MethodHandle TFE_MODEL_NEW = downcall("tfe_model_new", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS));
    static int tfe_model_new(MemorySegment input_shape, long rank, MemorySegment out) {
        try { return (int) TFE_MODEL_NEW.invokeExact(input_shape, rank, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_MODEL_NETWORK = downcall("tfe_model_network", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));
    static int tfe_model_network(int network, long seed, MemorySegment out) {
        try { return (int) TFE_MODEL_NETWORK.invokeExact(network, seed, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_MODEL_FREE = downcall("tfe_model_free", FunctionDescriptor.ofVoid(ADDRESS));
    static void tfe_model_free(MemorySegment model) {
        try { TFE_MODEL_FREE.invokeExact(model); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_MODEL_INPUT_SHAPE = downcall("tfe_model_input_shape", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_model_input_shape(MemorySegment model, MemorySegment shape, MemorySegment rank) {
        try { return (int) TFE_MODEL_INPUT_SHAPE.invokeExact(model, shape, rank); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_MODEL_OUTPUT_SHAPE = downcall("tfe_model_output_shape", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_model_output_shape(MemorySegment model, MemorySegment shape, MemorySegment rank) {
        try { return (int) TFE_MODEL_OUTPUT_SHAPE.invokeExact(model, shape, rank); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_MODEL_LAYER_COUNT = downcall("tfe_model_layer_count", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static int tfe_model_layer_count(MemorySegment model, MemorySegment count) {
        try { return (int) TFE_MODEL_LAYER_COUNT.invokeExact(model, count); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_MODEL_PREDICT_PLAIN = downcall("tfe_model_predict_plain", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG));
    static int tfe_model_predict_plain(MemorySegment model, MemorySegment x, long x_len, long batch, MemorySegment out, long out_len) {
        try { return (int) TFE_MODEL_PREDICT_PLAIN.invokeExact(model, x, x_len, batch, out, out_len); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_MODEL_ADD_DENSE = downcall("tfe_model_add_dense", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG));
    static int tfe_model_add_dense(MemorySegment model, long inputs, long units, MemorySegment weights, long weights_len, MemorySegment bias, long bias_len) {
        try { return (int) TFE_MODEL_ADD_DENSE.invokeExact(model, inputs, units, weights, weights_len, bias, bias_len); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_MODEL_ADD_CONV2D = downcall("tfe_model_add_conv2d", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT));
    static int tfe_model_add_conv2d(MemorySegment model, MemorySegment kernel, long kernel_len, MemorySegment weights, long weights_len, MemorySegment bias, long bias_len, long stride_h, long stride_w, int padding) {
        try { return (int) TFE_MODEL_ADD_CONV2D.invokeExact(model, kernel, kernel_len, weights, weights_len, bias, bias_len, stride_h, stride_w, padding); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_MODEL_ADD_MAX_POOL2D = downcall("tfe_model_add_max_pool2d", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT));
    static int tfe_model_add_max_pool2d(MemorySegment model, long window_h, long window_w, long stride_h, long stride_w, int padding) {
        try { return (int) TFE_MODEL_ADD_MAX_POOL2D.invokeExact(model, window_h, window_w, stride_h, stride_w, padding); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_MODEL_ADD_AVG_POOL2D = downcall("tfe_model_add_avg_pool2d", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT));
    static int tfe_model_add_avg_pool2d(MemorySegment model, long window_h, long window_w, long stride_h, long stride_w, int padding) {
        try { return (int) TFE_MODEL_ADD_AVG_POOL2D.invokeExact(model, window_h, window_w, stride_h, stride_w, padding); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_MODEL_ADD_BATCH_NORM = downcall("tfe_model_add_batch_norm", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_DOUBLE));
    static int tfe_model_add_batch_norm(MemorySegment model, MemorySegment gamma, MemorySegment beta, MemorySegment mean, MemorySegment variance, long channels, double epsilon) {
        try { return (int) TFE_MODEL_ADD_BATCH_NORM.invokeExact(model, gamma, beta, mean, variance, channels, epsilon); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_MODEL_ADD_RELU = downcall("tfe_model_add_relu", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static int tfe_model_add_relu(MemorySegment model) {
        try { return (int) TFE_MODEL_ADD_RELU.invokeExact(model); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_MODEL_ADD_SIGMOID = downcall("tfe_model_add_sigmoid", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static int tfe_model_add_sigmoid(MemorySegment model) {
        try { return (int) TFE_MODEL_ADD_SIGMOID.invokeExact(model); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_MODEL_ADD_SOFTMAX = downcall("tfe_model_add_softmax", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static int tfe_model_add_softmax(MemorySegment model) {
        try { return (int) TFE_MODEL_ADD_SOFTMAX.invokeExact(model); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_MODEL_ADD_FLATTEN = downcall("tfe_model_add_flatten", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static int tfe_model_add_flatten(MemorySegment model) {
        try { return (int) TFE_MODEL_ADD_FLATTEN.invokeExact(model); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_MODEL_ADD_GLOBAL_AVG_POOL2D = downcall("tfe_model_add_global_avg_pool2d", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static int tfe_model_add_global_avg_pool2d(MemorySegment model) {
        try { return (int) TFE_MODEL_ADD_GLOBAL_AVG_POOL2D.invokeExact(model); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_MODEL_OUTPUT_COUNT = downcall("tfe_model_output_count", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static int tfe_model_output_count(MemorySegment model, MemorySegment count) {
        try { return (int) TFE_MODEL_OUTPUT_COUNT.invokeExact(model, count); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_MODEL_OUTPUT_SHAPE_AT = downcall("tfe_model_output_shape_at", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS));
    static int tfe_model_output_shape_at(MemorySegment model, long index, MemorySegment shape, MemorySegment rank) {
        try { return (int) TFE_MODEL_OUTPUT_SHAPE_AT.invokeExact(model, index, shape, rank); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_MODEL_LOAD_ONNX = downcall("tfe_model_load_onnx", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static int tfe_model_load_onnx(MemorySegment path, MemorySegment out) {
        try { return (int) TFE_MODEL_LOAD_ONNX.invokeExact(path, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_MODEL_LOAD_ONNX_BYTES = downcall("tfe_model_load_onnx_bytes", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS));
    static int tfe_model_load_onnx_bytes(MemorySegment bytes, long len, MemorySegment out) {
        try { return (int) TFE_MODEL_LOAD_ONNX_BYTES.invokeExact(bytes, len, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_PREDICTOR_NEW_LOCAL = downcall("tfe_predictor_new_local", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_predictor_new_local(MemorySegment model, long max_batch, MemorySegment owner, MemorySegment client, MemorySegment options, MemorySegment out) {
        try { return (int) TFE_PREDICTOR_NEW_LOCAL.invokeExact(model, max_batch, owner, client, options, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_PREDICTOR_FREE = downcall("tfe_predictor_free", FunctionDescriptor.ofVoid(ADDRESS));
    static void tfe_predictor_free(MemorySegment pred) {
        try { TFE_PREDICTOR_FREE.invokeExact(pred); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_PREDICTOR_OUTPUT_COUNT = downcall("tfe_predictor_output_count", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static int tfe_predictor_output_count(MemorySegment pred, MemorySegment count) {
        try { return (int) TFE_PREDICTOR_OUTPUT_COUNT.invokeExact(pred, count); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_PREDICTOR_OUTPUT_SHAPE_AT = downcall("tfe_predictor_output_shape_at", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS));
    static int tfe_predictor_output_shape_at(MemorySegment pred, long index, MemorySegment shape, MemorySegment rank) {
        try { return (int) TFE_PREDICTOR_OUTPUT_SHAPE_AT.invokeExact(pred, index, shape, rank); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_PREDICTOR_PREDICT_OUTPUTS = downcall("tfe_predictor_predict_outputs", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG));
    static int tfe_predictor_predict_outputs(MemorySegment pred, MemorySegment x, long x_len, MemorySegment outs, MemorySegment out_lens, long count) {
        try { return (int) TFE_PREDICTOR_PREDICT_OUTPUTS.invokeExact(pred, x, x_len, outs, out_lens, count); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_PREDICTOR_PREDICT = downcall("tfe_predictor_predict", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG));
    static int tfe_predictor_predict(MemorySegment pred, MemorySegment x, long x_len, MemorySegment out, long out_len) {
        try { return (int) TFE_PREDICTOR_PREDICT.invokeExact(pred, x, x_len, out, out_len); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_PREDICTOR_INPUT_SHAPE = downcall("tfe_predictor_input_shape", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_predictor_input_shape(MemorySegment pred, MemorySegment shape, MemorySegment rank) {
        try { return (int) TFE_PREDICTOR_INPUT_SHAPE.invokeExact(pred, shape, rank); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_PREDICTOR_OUTPUT_SHAPE = downcall("tfe_predictor_output_shape", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_predictor_output_shape(MemorySegment pred, MemorySegment shape, MemorySegment rank) {
        try { return (int) TFE_PREDICTOR_OUTPUT_SHAPE.invokeExact(pred, shape, rank); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_PREDICTOR_LAST_STATS = downcall("tfe_predictor_last_stats", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static int tfe_predictor_last_stats(MemorySegment pred, MemorySegment out) {
        try { return (int) TFE_PREDICTOR_LAST_STATS.invokeExact(pred, out); } catch (Throwable t) { throw rethrow(t); }
    }
}
