package io.tfe;

import java.lang.foreign.MemorySegment;

/**
 * One player of a deployment ({@code tfe_party_t}), connected to every other player; made by
 * {@link Context#openParty}. Thread-safe: runs from several threads are serialized.
 */
public final class Party extends Handle {
    Party(MemorySegment address, Upcalls upcalls) {
        super("Party", address, Native::tfe_party_free, upcalls);
    }

    /**
     * This player's part of one run, with {@code feeds} (null: none); every player runs it.
     *
     * <p>Inside an input provider called by a run of this party (on that run's thread) it throws
     * a {@link TfeException} of {@link Status#INVALID_ARGUMENT} at once, also while another
     * thread waits to close the party: that run waits for the provider. Run it after that run
     * returns.
     */
    public Result run(Feeds feeds, Tensor... fetches) {
        MemorySegment party = acquire();
        try {
            return Runs.run((array, n, f, out) -> Native.tfe_party_run(party, array, n, f, out), feeds, fetches);
        } finally {
            release();
        }
    }

    /**
     * Interrupts this player's run in progress on another thread, if any: it fails soon with
     * status {@link Status#ABORTED}, and the other players see an abort naming this one.
     * Between runs it does nothing. Safe to call from any thread.
     */
    public void interrupt() {
        interruptWith(Native::tfe_party_interrupt);
    }
}
