package io.tfe;

/** How the learning rate changes per step ({@code tfe_schedule_t}). The C value is the ordinal. */
public enum Schedule {
    /** The learning rate every step. */
    CONSTANT,
    /** {@code learningRate * decay^floor(step / decaySteps)}. */
    STEP,
    /** {@code learningRate * decay^(step / decaySteps)}. */
    EXPONENTIAL
}
