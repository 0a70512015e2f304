package io.tfe;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Settings of a {@link Server} ({@code tfe_server_options_t}).
 *
 * @param maxBatch the most samples a request, and a run of the model, may hold (&gt; 0)
 * @param batchWindowUs how long the service waits for more requests before a run, in µs
 * @param maxConnections connections open at once, three per client (&gt; 0)
 * @param maxInFlight unanswered requests per connection before the service waits (&gt; 0)
 */
public record ServerOptions(long maxBatch, long batchWindowUs, long maxConnections, long maxInFlight) {
    /** The library's defaults ({@code tfe_server_options_default()}). */
    public static ServerOptions defaults() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment o = NativeServe.tfe_server_options_default(arena);
            return new ServerOptions(o.get(JAVA_LONG, 0), o.get(JAVA_LONG, 8), o.get(JAVA_LONG, 16),
                    o.get(JAVA_LONG, 24));
        }
    }

    /** These options with batches of up to {@code maxBatch} samples. */
    public ServerOptions withMaxBatch(long maxBatch) {
        return new ServerOptions(maxBatch, batchWindowUs, maxConnections, maxInFlight);
    }

    MemorySegment toNative(Arena arena) {
        MemorySegment o = arena.allocate(NativeServe.SERVER_OPTIONS);
        o.set(JAVA_LONG, 0, maxBatch);
        o.set(JAVA_LONG, 8, batchWindowUs);
        o.set(JAVA_LONG, 16, maxConnections);
        o.set(JAVA_LONG, 24, maxInFlight);
        return o;
    }
}
