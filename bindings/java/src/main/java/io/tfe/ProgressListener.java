package io.tfe;

/**
 * Receives {@link Trainer#fit}'s progress after each batch, on the thread that called fit.
 * Returning {@code false} stops fit (which then throws a {@link TfeException} of
 * {@link Status#ABORTED}); so does an exception, which fit throws with the library's
 * exception as its suppressed one.
 */
@FunctionalInterface
public interface ProgressListener {
    /** Whether to go on. */
    boolean onProgress(TrainProgress progress) throws Exception;
}
