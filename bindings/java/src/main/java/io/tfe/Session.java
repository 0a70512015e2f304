package io.tfe;

import java.lang.foreign.MemorySegment;

/**
 * Every player of a context's graph running in this process, each on its own thread
 * ({@code tfe_session_t}). Private variables keep their shares across runs. Thread-safe: runs
 * from several threads are serialized by the library. The context's input providers stay
 * callable while the session is open, even after the context is closed.
 */
public final class Session extends Handle {
    Session(MemorySegment address, Upcalls upcalls) {
        super("Session", address, Native::tfe_session_free, upcalls);
    }

    /**
     * Runs the graph and returns the values of {@code fetches} (revealed tensors or assignments).
     *
     * <p>Inside an input provider called by a run of this session it throws a
     * {@link TfeException} of {@link Status#INVALID_ARGUMENT} at once, also while another thread
     * waits to close the session: that run waits for the provider, so this one would wait for
     * good. Run it after that run returns; sessions of other contexts run there.
     */
    public Result run(Tensor... fetches) {
        return run(null, fetches);
    }

    /**
     * Runs with {@code feeds} (null: none) for inputs and variables; refused inside an input
     * provider of this session's own run as {@link #run(Tensor...)} is.
     */
    public Result run(Feeds feeds, Tensor... fetches) {
        MemorySegment sess = acquire();
        try {
            return Runs.run((array, n, f, out) -> feeds == null ? Native.tfe_session_run(sess, array, n, out)
                    : Native.tfe_session_run_with_feeds(sess, array, n, f, out), feeds, fetches);
        } finally {
            release();
        }
    }

    /**
     * Interrupts the run in progress on another thread, if any: it fails soon with a
     * {@link TfeException} of status {@link Status#ABORTED}; the session stays usable. Between
     * runs it does nothing and reaches no later run. Safe to call from any thread.
     */
    public void interrupt() {
        interruptWith(Native::tfe_session_interrupt);
    }

    /**
     * Forgets the shares of every private variable: the next run initializes them again.
     * Refused inside an input provider of this session's own run as {@link #run(Tensor...)} is
     * ({@link Status#INVALID_ARGUMENT}).
     */
    public void resetVariables() {
        call((sess, arena) -> Native.tfe_session_reset_variables(sess));
    }
}
