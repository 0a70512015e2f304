package io.tfe;

/** What a tensor is ({@code tfe_tensor_kind_t}). The C value is the ordinal. */
public enum TensorKind {
    /** Known to every player. */
    PUBLIC,
    /** Secret-shared among the servers. */
    PRIVATE,
    /** A revealed value: fetch it. */
    REVEALED,
    /** An assignment: fetch it to make it happen. */
    ASSIGNMENT
}
