package io.tfe;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A node of one context's graph ({@code tfe_tensor_t}): immutable, usable from any thread, valid
 * after its context is closed. Using it with another context is {@link Status#INVALID_ARGUMENT}.
 */
public final class Tensor extends Handle {
    Tensor(MemorySegment address) {
        super("Tensor", address, Native::tfe_tensor_free, null);
    }

    /** The static shape. */
    public long[] shape() {
        return getShape(Native::tfe_tensor_shape);
    }

    /** The name of an input or variable; any other tensor is {@link Status#INVALID_ARGUMENT}. */
    public String name() {
        return string(Native::tfe_tensor_name);
    }

    /** The owner of an input or variable, or the player a reveal is to; null for any other tensor. */
    public String owner() {
        return string(Native::tfe_tensor_owner);
    }

    /** What the tensor is. */
    public TensorKind kind() {
        return get(JAVA_INT, (t, arena, kind) -> Native.tfe_tensor_kind(t, kind),
                kind -> Enums.ofOrdinal(TensorKind.class, kind.get(JAVA_INT, 0)));
    }

    private interface StringGetter {
        int call(MemorySegment tensor, MemorySegment out);
    }

    private String string(StringGetter getter) {
        return get(ADDRESS, (t, arena, out) -> getter.call(t, out), out -> {
            MemorySegment string = out.get(ADDRESS, 0);
            return string.equals(MemorySegment.NULL) ? null : Strings.read(string);
        });
    }

    /** A {@code tfe_*_shape} call writing its (pointer, rank) out-params. */
    @FunctionalInterface
    interface ShapeCall {
        int call(MemorySegment shape, MemorySegment rank);
    }

    /** Runs {@code call} and copies the shape it points to (the caller holds the handle). */
    static long[] readShape(ShapeCall call) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment shape = arena.allocate(ADDRESS);
            MemorySegment rank = arena.allocate(JAVA_LONG);
            TfeException.check(call.call(shape, rank));
            return readLongs(shape.get(ADDRESS, 0), rank.get(JAVA_LONG, 0));
        }
    }

    /** Reads {@code count} sizes at {@code pointer} (nothing when the count is 0). */
    static long[] readLongs(MemorySegment pointer, long count) {
        if (count == 0) {
            return new long[0];
        }
        return pointer.reinterpret(count * Long.BYTES).toArray(JAVA_LONG);
    }
}
