package io.tfe;

import static io.tfe.Native.downcall;
import static io.tfe.Native.rethrow;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;

/**
 * The serving functions of the C API ({@code tfe_server_*}, {@code tfe_client_*}), one downcall
 * handle each, as {@link Native} holds the others: a thin mirror with no logic of its own.
 */
final class NativeServe {
    private NativeServe() {}

    /** {@code tfe_server_options_t}. */
    static final StructLayout SERVER_OPTIONS = MemoryLayout.structLayout(
            JAVA_LONG.withName("max_batch"), JAVA_LONG.withName("batch_window_us"),
            JAVA_LONG.withName("max_connections"), JAVA_LONG.withName("max_in_flight"))
            .withName("tfe_server_options_t");

    private static final MethodHandle TFE_SERVER_OPTIONS_DEFAULT = downcall("tfe_server_options_default", FunctionDescriptor.of(SERVER_OPTIONS));
    static MemorySegment tfe_server_options_default(SegmentAllocator allocator) {
        try { return (MemorySegment) TFE_SERVER_OPTIONS_DEFAULT.invokeExact(allocator); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_SERVER_START = downcall("tfe_server_start", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_server_start(MemorySegment model, MemorySegment listen, MemorySegment options, MemorySegment session, MemorySegment out) {
        try { return (int) TFE_SERVER_START.invokeExact(model, listen, options, session, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_SERVER_PORT = downcall("tfe_server_port", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static int tfe_server_port(MemorySegment server, MemorySegment port) {
        try { return (int) TFE_SERVER_PORT.invokeExact(server, port); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_SERVER_FREE = downcall("tfe_server_free", FunctionDescriptor.ofVoid(ADDRESS));
    static void tfe_server_free(MemorySegment server) {
        try { TFE_SERVER_FREE.invokeExact(server); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_CLIENT_CONNECT = downcall("tfe_client_connect", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS));
    static int tfe_client_connect(MemorySegment addr, long timeout_ms, MemorySegment out) {
        try { return (int) TFE_CLIENT_CONNECT.invokeExact(addr, timeout_ms, out); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_CLIENT_FREE = downcall("tfe_client_free", FunctionDescriptor.ofVoid(ADDRESS));
    static void tfe_client_free(MemorySegment client) {
        try { TFE_CLIENT_FREE.invokeExact(client); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_CLIENT_RECONNECT = downcall("tfe_client_reconnect", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static int tfe_client_reconnect(MemorySegment client) {
        try { return (int) TFE_CLIENT_RECONNECT.invokeExact(client); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_CLIENT_INPUT_SHAPE = downcall("tfe_client_input_shape", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    static int tfe_client_input_shape(MemorySegment client, MemorySegment shape, MemorySegment rank) {
        try { return (int) TFE_CLIENT_INPUT_SHAPE.invokeExact(client, shape, rank); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_CLIENT_OUTPUT_COUNT = downcall("tfe_client_output_count", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static int tfe_client_output_count(MemorySegment client, MemorySegment count) {
        try { return (int) TFE_CLIENT_OUTPUT_COUNT.invokeExact(client, count); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_CLIENT_OUTPUT_SHAPE_AT = downcall("tfe_client_output_shape_at", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS));
    static int tfe_client_output_shape_at(MemorySegment client, long index, MemorySegment shape, MemorySegment rank) {
        try { return (int) TFE_CLIENT_OUTPUT_SHAPE_AT.invokeExact(client, index, shape, rank); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_CLIENT_PREDICT_OUTPUTS = downcall("tfe_client_predict_outputs", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG));
    static int tfe_client_predict_outputs(MemorySegment client, MemorySegment x, long x_len, MemorySegment outs, MemorySegment out_lens, long count) {
        try { return (int) TFE_CLIENT_PREDICT_OUTPUTS.invokeExact(client, x, x_len, outs, out_lens, count); } catch (Throwable t) { throw rethrow(t); }
    }
    private static final MethodHandle TFE_CLIENT_PREDICT = downcall("tfe_client_predict", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG));
    static int tfe_client_predict(MemorySegment client, MemorySegment x, long x_len, MemorySegment out, long out_len) {
        try { return (int) TFE_CLIENT_PREDICT.invokeExact(client, x, x_len, out, out_len); } catch (Throwable t) { throw rethrow(t); }
    }
}
