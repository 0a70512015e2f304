package io.tfe;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * The fixed-point configuration of a context ({@code tfe_config_t}): values are stored as
 * {@code round(v * 2^fracBits)} and must lie within {@code ±2^intBits}.
 *
 * @param fracBits fractional bits, 1 to 30
 * @param intBits integer bits; {@code 2 * fracBits + intBits} at most 62
 * @param comparison how many bits comparisons read
 */
public record Config(int fracBits, int intBits, Comparison comparison) {
    private static final VarHandle FRAC_BITS = Layouts.field(Native.CONFIG, "frac_bits");
    private static final VarHandle INT_BITS = Layouts.field(Native.CONFIG, "int_bits");
    private static final VarHandle COMPARISON = Layouts.field(Native.CONFIG, "comparison");

    /** The library's default ({@code tfe_config_default()}: 16 fractional, 20 integer bits). */
    public static Config defaults() {
        return Layouts.returned(Native::tfe_config_default, Config::fromNative);
    }

    MemorySegment toNative(Arena arena) {
        MemorySegment c = arena.allocate(Native.CONFIG);
        FRAC_BITS.set(c, fracBits);
        INT_BITS.set(c, intBits);
        COMPARISON.set(c, comparison.ordinal());
        return c;
    }

    static Config fromNative(MemorySegment c) {
        return new Config((int) FRAC_BITS.get(c), (int) INT_BITS.get(c),
                Enums.ofOrdinal(Comparison.class, (int) COMPARISON.get(c)));
    }
}
