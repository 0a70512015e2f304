package io.tfe;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The fixed-point configuration of a context ({@code tfe_config_t}): values are stored as
 * {@code round(v * 2^fracBits)} and must lie within {@code ±2^intBits}.
 *
 * @param fracBits fractional bits, 1 to 30
 * @param intBits integer bits; {@code 2 * fracBits + intBits} at most 62
 * @param comparison how many bits comparisons read
 */
public record Config(int fracBits, int intBits, Comparison comparison) {
    /** The library's default ({@code tfe_config_default()}: 16 fractional, 20 integer bits). */
    public static Config defaults() {
        try (Arena arena = Arena.ofConfined()) {
            return fromNative(Native.tfe_config_default(arena));
        }
    }

    MemorySegment toNative(Arena arena) {
        MemorySegment c = arena.allocate(Native.CONFIG);
        c.set(JAVA_INT, 0, fracBits);
        c.set(JAVA_INT, 4, intBits);
        c.set(JAVA_INT, 8, comparison.ordinal());
        return c;
    }

    static Config fromNative(MemorySegment c) {
        int comparison = c.get(JAVA_INT, 8);
        return new Config(c.get(JAVA_INT, 0),
                c.get(JAVA_INT, 4), Comparison.values()[comparison]);
    }
}
