package io.tfe;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Values for the inputs and variables of one context ({@code tfe_feeds_t}), for
 * {@link Session#run(Feeds, Tensor...)} and {@link Party#run}: a feed replaces an input's
 * provider; it initializes a variable that is not initialized yet. Not thread-safe while being
 * set; a set of feeds nobody changes may go to runs on several threads.
 */
public final class Feeds extends Handle {
    /** An empty set of feeds. */
    public Feeds() {
        super("Feeds", newFeeds(), Native::tfe_feeds_free, null);
    }

    private static MemorySegment newFeeds() {
        return create((arena, out) -> Native.tfe_feeds_new(out));
    }

    /** Feeds {@code values} (row-major, the tensor's whole shape) to {@code input}; returns this. */
    public Feeds set(Tensor input, double[] values) {
        MemorySegment feeds = acquire();
        MemorySegment tensor = input.acquire();
        try (Arena arena = Arena.ofConfined()) {
            TfeException.check(Native.tfe_feeds_set(feeds, tensor, Context.doubles(arena, values), values.length));
            return this;
        } finally {
            input.release();
            release();
        }
    }
}
