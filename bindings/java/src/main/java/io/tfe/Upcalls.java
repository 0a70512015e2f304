package io.tfe;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The upcall stubs of one context's input providers, in a shared arena that lives as long as
 * anything that can call them: the context and every session or party made from it each hold
 * a reference, and the last release closes the arena (the C API calls a provider only during a
 * run of one of them).
 */
final class Upcalls {
    private static final MethodHandle PROVIDE = Native.upcallTarget(MethodHandles.lookup(), "provide",
            MethodType.methodType(int.class, Input.class, MemorySegment.class, MemorySegment.class,
                    MemorySegment.class, long.class, MemorySegment.class, long.class));

    /**
     * The contexts whose input providers run on this thread, innermost first (null: none).
     * Nested when a provider runs a party of another context, whose providers run on the same
     * thread.
     */
    private static final ThreadLocal<Providing> PROVIDING = new ThreadLocal<>();

    private record Providing(Upcalls upcalls, Providing outer) {}

    private final Arena arena = Arena.ofShared();
    private int references = 1;

    /**
     * A C function pointer calling {@code provider} for one input (the library calls each
     * input's own pointer), valid until the last release.
     */
    synchronized MemorySegment stub(InputProvider provider) {
        MethodHandle target = MethodHandles.insertArguments(PROVIDE, 0, new Input(this, provider));
        return Native.LINKER.upcallStub(target, Native.INPUT_FN, arena);
    }

    /**
     * One input's provider and what its calls reuse: the input's name (read once: a stub
     * serves one input) and a spare values array. Allocating 8 bytes per value at every run,
     * on a library thread, cost several times the copy into the library's buffer. A call takes
     * the spare and puts it back zeroed (so no private value stays in it between runs); two runs
     * calling at once (two sessions of one context) each get an array, the second a new one.
     */
    private static final class Input {
        final Upcalls upcalls;
        final InputProvider provider;
        volatile String name;
        final AtomicReference<double[]> spare = new AtomicReference<>();

        Input(Upcalls upcalls, InputProvider provider) {
            this.upcalls = upcalls;
            this.provider = provider;
        }

        /** A zeroed array of {@code length} values. */
        double[] take(int length) {
            double[] values = spare.getAndSet(null);
            return values != null && values.length == length ? values : new double[length];
        }

        /** Gives back an array that {@link #take} returned, once its values are copied out. */
        void giveBack(double[] values) {
            Arrays.fill(values, 0.0);
            spare.set(values);
        }
    }

    /**
     * Whether one of these input providers runs on the calling thread: a run of a session or
     * party of their context is in progress, waiting for it ({@link Handle#close()} refuses to
     * close their context, sessions and parties there).
     */
    boolean providing() {
        for (Providing p = PROVIDING.get(); p != null; p = p.outer()) {
            if (p.upcalls() == this) {
                return true;
            }
        }
        return false;
    }

    /** Whether an input provider of any context runs on the calling thread. */
    static boolean insideAny() {
        return PROVIDING.get() != null;
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
    private static int provide(Input input, MemorySegment userData, MemorySegment name,
            MemorySegment shape, long rank, MemorySegment out, long len) {
        try {
            long[] dims = shape.reinterpret(rank * Long.BYTES).toArray(JAVA_LONG);
            String inputName = input.name;
            if (inputName == null) {
                inputName = input.name = Strings.read(name);
            }
            double[] values = input.take(Math.toIntExact(len));
            Providing outer = PROVIDING.get();
            PROVIDING.set(new Providing(input.upcalls, outer));
            try {
                input.provider.provide(inputName, dims, values);
            } finally {
                PROVIDING.set(outer);
            }
            MemorySegment.copy(values, 0, out.reinterpret(len * Double.BYTES), JAVA_DOUBLE, 0, values.length);
            input.giveBack(values);
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
