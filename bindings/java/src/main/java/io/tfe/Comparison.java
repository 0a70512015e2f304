package io.tfe;

/** How many bits of a difference comparisons read ({@code tfe_comparison_t}). The C value is the ordinal. */
public enum Comparison {
    /** The low {@code frac_bits + int_bits + 3} bits (the default). */
    FIXED_POINT_RANGE,
    /** All 64 bits. */
    FULL
}
