package io.tfe;

/** The update rules of training ({@code tfe_optimizer_kind_t}). The C value is the ordinal. */
public enum OptimizerKind {
    /** Stochastic gradient descent, with momentum when it is &gt; 0. */
    SGD,
    /** Adam. */
    ADAM,
    /** Adam with the running maximum of the second moment (Keras's {@code amsgrad=True}). */
    AMSGRAD
}
