package io.tfe;

/** The benchmark networks of SecureNN and TF Encrypted ({@code tfe_network_t}), with pseudo-random weights. The C value is the ordinal. */
public enum Network {
    /** Inputs of 784: FC 784-128, ReLU, FC 128-128, ReLU, FC 128-10. */
    A,
    /** Inputs of 28x28x1: two Conv 5x5x16 with MaxPool and ReLU, FC 100, FC 10. */
    B,
    /** Inputs of 28x28x1: Conv 5x5x20, Conv 5x5x50 with MaxPool and ReLU, FC 500, FC 10. */
    C,
    /** Inputs of 28x28x1: Conv 5x5x5 stride 2 (SAME), ReLU, FC 100, ReLU, FC 10. */
    D
}
