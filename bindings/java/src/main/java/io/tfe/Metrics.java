package io.tfe;

/** What training measures besides the loss ({@code tfe_metrics_t}). The C value is the ordinal. */
public enum Metrics {
    /** The loss only. */
    NONE,
    /** The loss and the accuracy. */
    ACCURACY
}
