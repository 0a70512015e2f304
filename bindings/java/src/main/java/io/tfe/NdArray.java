package io.tfe;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Values and their shape read from a {@code .npy} or {@code .csv} file ({@code tfe_array_t}).
 * Immutable; {@link #values()} and {@link #shape()} return copies.
 */
public final class NdArray extends Handle {
    private NdArray(MemorySegment address) {
        super("NdArray", address, Native::tfe_array_free, null);
    }

    /** Reads the file at {@code path}. */
    public static NdArray load(String path) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            TfeException.check(Native.tfe_array_load(arena.allocateFrom(path), out));
            return new NdArray(out.get(ADDRESS, 0));
        }
    }

    /** Writes {@code values} of {@code shape} to {@code path} ({@code .npy} or {@code .csv}). */
    public static void save(double[] values, long[] shape, String path) {
        try (Arena arena = Arena.ofConfined()) {
            TfeException.check(Native.tfe_array_save(Context.doubles(arena, values), values.length,
                    Context.longs(arena, shape), shape.length, arena.allocateFrom(path)));
        }
    }

    /** The values, row-major. */
    public double[] values() {
        MemorySegment array = acquire();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(ADDRESS);
            MemorySegment len = arena.allocate(JAVA_LONG);
            TfeException.check(Native.tfe_array_values(array, data, len));
            long n = len.get(JAVA_LONG, 0);
            return n == 0 ? new double[0] : data.get(ADDRESS, 0).reinterpret(n * Double.BYTES).toArray(JAVA_DOUBLE);
        } finally {
            release();
        }
    }

    /** The shape. */
    public long[] shape() {
        MemorySegment array = acquire();
        try {
            return Tensor.readShape((shape, rank) -> Native.tfe_array_shape(array, shape, rank));
        } finally {
            release();
        }
    }
}
