package io.tfe;

/** How windows meet the input's edges ({@code tfe_padding_t}). The C value is the ordinal. */
public enum Padding {
    /** No padding: windows lie inside the input. */
    VALID,
    /** Output size {@code ceil(in / stride)}, zeros split before and after. */
    SAME
}
