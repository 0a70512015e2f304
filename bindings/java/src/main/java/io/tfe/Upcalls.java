package io.tfe;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The upcall stubs of one context's input providers, in a shared arena that lives as long as
 * anything that can call them: the context and every session or party made from it each hold
 * a reference, and the last release closes the arena (the C API calls a provider only during a
 * run of one of them).
 */
final class Upcalls {
    private static final MethodHandle PROVIDE;

    static {
        try {
            PROVIDE = MethodHandles.lookup().findStatic(Upcalls.class, "provide", MethodType.methodType(int.class,
                    InputProvider.class, MemorySegment.class, MemorySegment.class, MemorySegment.class, long.class,
                    MemorySegment.class, long.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Arena arena = Arena.ofShared();
    private int references = 1;

    /** A C function pointer calling {@code provider}, valid until the last release. */
    synchronized MemorySegment stub(InputProvider provider) {
        MethodHandle target = MethodHandles.insertArguments(PROVIDE, 0, provider);
        return Native.LINKER.upcallStub(target, Native.INPUT_FN, arena);
    }

    synchronized Upcalls retain() {
        if (references == 0) {
            throw new IllegalStateException("tfe: the context's input providers are released");
        }
        references++;
        return this;
    }

    synchronized void release() {
        if (--references == 0) {
            arena.close();
        }
    }

    /**
     * The {@code tfe_input_fn}: never lets an exception reach the library (that would abort
     * the JVM); one thrown by the provider becomes {@code tfe_input_set_error} and a nonzero
     * return, so the run fails with its message.
     */
    private static int provide(InputProvider provider, MemorySegment userData, MemorySegment name,
            MemorySegment shape, long rank, MemorySegment out, long len) {
        try {
            long[] dims = shape.reinterpret(rank * Long.BYTES).toArray(JAVA_LONG);
            double[] values = new double[Math.toIntExact(len)];
            provider.provide(Strings.read(name), dims, values);
            MemorySegment.copy(values, 0, out.reinterpret(len * Double.BYTES), JAVA_DOUBLE, 0, values.length);
            return 0;
        } catch (Throwable t) {
            String message = t.getMessage() != null ? t.getMessage() : t.toString();
            try (Arena call = Arena.ofConfined()) {
                Native.tfe_input_set_error(call.allocateFrom(message));
            } catch (Throwable ignored) {
                // Nothing may unwind into the library; the run still fails through the return value.
            }
            return 1;
        }
    }
}
