package io.tfe;

/** Which pooling {@link Context#pool2d} applies ({@code tfe_pool_t}). The C value is the ordinal. */
public enum Pool {
    /** The maximum of each window. */
    MAX,
    /** The average of each window. */
    AVERAGE
}
