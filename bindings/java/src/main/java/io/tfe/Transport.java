package io.tfe;

/** How the players of a local session talk ({@code tfe_transport_t}). The C value is the ordinal. */
public enum Transport {
    /** Loopback TCP, the code path of a deployment (the default). */
    TCP,
    /** In-memory channels, no sockets. */
    MEMORY,
    /** Loopback TCP with TLS 1.3 and fresh certificates. */
    TLS
}
