package io.tfe;

/** The losses of training ({@code tfe_loss_t}), Keras's definitions. The C value is the ordinal. */
public enum Loss {
    /** Binary cross-entropy of probabilities (after a sigmoid). */
    BINARY_CROSSENTROPY,
    /** Binary cross-entropy of logits. */
    BINARY_CROSSENTROPY_FROM_LOGITS,
    /** Categorical cross-entropy of probabilities (after a softmax), one-hot labels. */
    CATEGORICAL_CROSSENTROPY,
    /** Categorical cross-entropy of logits, one-hot labels. */
    CATEGORICAL_CROSSENTROPY_FROM_LOGITS,
    /** Mean squared error. */
    MEAN_SQUARED_ERROR
}
