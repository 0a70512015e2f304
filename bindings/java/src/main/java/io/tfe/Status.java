package io.tfe;

/** The statuses of the C API ({@code tfe_status_t}): what kind of failure a {@link TfeException} is. */
public enum Status {
    /** Success (never the status of an exception). */
    OK(0),
    /** Something unusable was passed: a shape, a value out of range, a player name, a closed handle. */
    INVALID_ARGUMENT(1),
    /** A configuration (fixed point, session options) is inconsistent. */
    CONFIG(2),
    /** A connection to a player failed or closed; the message names the player. */
    NETWORK(3),
    /** A player sent nothing within the receive timeout; the message names it. */
    TIMEOUT(4),
    /** A player sent something malformed or ran a different graph. */
    PROTOCOL(5),
    /** Another player gave up on the run; the message names it and says why. */
    ABORTED(6),
    /** A bug in tfe: an invariant did not hold. */
    INTERNAL(7),
    /** A bug in tfe: the library panicked (caught; the process is not harmed). */
    PANIC(8),
    /** A required pointer was NULL (the binding never passes one: a bug in the binding). */
    NULL_POINTER(9),
    /** A revealed result left the fixed-point range; the message names the fetch. */
    OUT_OF_RANGE(10);

    private final int code;

    Status(int code) {
        this.code = code;
    }

    /** The C value ({@code TFE_OK} is 0). */
    public int code() {
        return code;
    }

    /** The C constant's name, as {@code tfe_status_name} gives it ({@code "TFE_ERR_TIMEOUT"}). */
    public String cName() {
        return this == OK ? "TFE_OK" : "TFE_ERR_" + name();
    }

    /** The status of a C value; a value this binding does not know is {@link #INTERNAL}. */
    public static Status of(int code) {
        Status[] all = values();
        return code >= 0 && code < all.length ? all[code] : INTERNAL;
    }
}
