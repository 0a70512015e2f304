package io.tfe;

/**
 * Produces the values of a private input at its owner, once per run that needs them
 * ({@link Context#definePrivateInput}). It runs on a library thread (the owner player's), so it
 * must be safe to call from a thread other than the one that made the context. Running the
 * session or party whose run called it, or resetting that session's variables, inside the
 * provider throws a {@link TfeException} of {@link Status#INVALID_ARGUMENT} (that run waits for
 * the provider). Closing that context, or a session or party made from it,
 * inside the provider is refused with a {@link TfeException} (a close of the running session
 * or party would wait for the run, which waits for the provider), which fails the run: close
 * them after run returns. An
 * exception it throws fails the run with a
 * {@link TfeException} of {@link Status#INVALID_ARGUMENT} whose message holds the exception's;
 * like the values, that text stays with the owner.
 */
@FunctionalInterface
public interface InputProvider {
    /**
     * Fills {@code out} (zeroed, row-major, {@code product(shape)} values) for the input called
     * {@code name} of shape {@code shape}. {@code out} is valid during the call only: the binding
     * copies it into the library and reuses it for a later call, so do not keep it.
     */
    void provide(String name, long[] shape, double[] out) throws Exception;

    /** A provider that gives {@code values} (copied now) at every run. */
    static InputProvider of(double... values) {
        double[] copy = values.clone();
        return (name, shape, out) -> {
            if (copy.length != out.length) {
                throw new IllegalArgumentException("input " + name + " takes " + out.length + " values, the provider has "
                        + copy.length);
            }
            System.arraycopy(copy, 0, out, 0, copy.length);
        };
    }
}
