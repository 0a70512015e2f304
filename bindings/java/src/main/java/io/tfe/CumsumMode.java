package io.tfe;

/** Which cumulative sum {@link Context#cumsum} computes ({@code tfe_cumsum_t}). The C value is the ordinal. */
public enum CumsumMode {
    /** {@code out[i] = x[0] + ... + x[i]}. */
    INCLUSIVE,
    /** {@code out[i] = x[0] + ... + x[i-1]}. */
    EXCLUSIVE,
    /** {@code out[i] = x[i] + ... + x[n-1]}. */
    REVERSE,
    /** {@code out[i] = x[i+1] + ... + x[n-1]}. */
    EXCLUSIVE_REVERSE
}
