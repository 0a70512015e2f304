package io.tfe;

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
        return new NdArray(create((arena, out) -> Native.tfe_array_load(arena.allocateFrom(path), out)));
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
        return getDoubles(Native::tfe_array_values);
    }

    /** The shape. */
    public long[] shape() {
        return getShape(Native::tfe_array_shape);
    }
}
