package io.tfe;

/** The order of {@link Context#sort} ({@code tfe_sort_order_t}). The C value is the ordinal. */
public enum SortOrder {
    /** Smallest first. */
    ASCENDING,
    /** Largest first. */
    DESCENDING
}
