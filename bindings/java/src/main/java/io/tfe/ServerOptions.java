package io.tfe;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * Settings of a {@link Server} ({@code tfe_server_options_t}).
 *
 * @param maxBatch the most samples a request, and a run of the model, may hold (&gt; 0)
 * @param batchWindowUs how long the service waits for more requests before a run, in µs
 * @param maxConnections connections open at once, three per client (&gt; 0)
 * @param maxInFlight unanswered requests per connection before the service waits (&gt; 0)
 */
public record ServerOptions(long maxBatch, long batchWindowUs, long maxConnections, long maxInFlight) {
    private static final VarHandle MAX_BATCH = Layouts.field(NativeServe.SERVER_OPTIONS, "max_batch");
    private static final VarHandle BATCH_WINDOW_US = Layouts.field(NativeServe.SERVER_OPTIONS, "batch_window_us");
    private static final VarHandle MAX_CONNECTIONS = Layouts.field(NativeServe.SERVER_OPTIONS, "max_connections");
    private static final VarHandle MAX_IN_FLIGHT = Layouts.field(NativeServe.SERVER_OPTIONS, "max_in_flight");

    /** The library's defaults ({@code tfe_server_options_default()}). */
    public static ServerOptions defaults() {
        return Layouts.returned(NativeServe::tfe_server_options_default, ServerOptions::fromNative);
    }

    /** These options with batches of up to {@code maxBatch} samples. */
    public ServerOptions withMaxBatch(long maxBatch) {
        return new ServerOptions(maxBatch, batchWindowUs, maxConnections, maxInFlight);
    }

    MemorySegment toNative(Arena arena) {
        MemorySegment o = arena.allocate(NativeServe.SERVER_OPTIONS);
        MAX_BATCH.set(o, maxBatch);
        BATCH_WINDOW_US.set(o, batchWindowUs);
        MAX_CONNECTIONS.set(o, maxConnections);
        MAX_IN_FLIGHT.set(o, maxInFlight);
        return o;
    }

    private static ServerOptions fromNative(MemorySegment o) {
        return new ServerOptions((long) MAX_BATCH.get(o), (long) BATCH_WINDOW_US.get(o),
                (long) MAX_CONNECTIONS.get(o), (long) MAX_IN_FLIGHT.get(o));
    }
}
