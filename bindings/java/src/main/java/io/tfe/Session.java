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

    /** Runs the graph and returns the values of {@code fetches} (revealed tensors or assignments). */
    public Result run(Tensor... fetches) {
        return run(null, fetches);
    }

    /** Runs with {@code feeds} (null: none) for inputs and variables. */
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

    /** Forgets the shares of every private variable: the next run initializes them again. */
    public void resetVariables() {
        call((sess, arena) -> Native.tfe_session_reset_variables(sess));
    }
}
