package io.tfe;

/**
 * A failed call of the C API: its {@link Status} and the library's message (read on the
 * calling thread right after the call, as {@code tfe_last_error_message} requires).
 */
public class TfeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final Status status;

    /** An exception of {@code status} with the library's {@code message}. */
    public TfeException(Status status, String message) {
        super(message);
        this.status = status;
    }

    /** The kind of failure. */
    public Status status() {
        return status;
    }

    @Override
    public String toString() {
        return "TfeException[" + status.cName() + "]: " + getMessage();
    }

    /**
     * Throws the exception of a C status unless it is {@code TFE_OK}. Must run right after the
     * failing call, on its thread, with nothing in between that calls the library or blocks
     * (a virtual thread could change carrier there): the message is per OS thread.
     */
    static void check(int status) {
        if (status != 0) {
            throw new TfeException(Status.of(status), Strings.read(Native.tfe_last_error_message()));
        }
    }
}
