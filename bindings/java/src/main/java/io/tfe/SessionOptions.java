package io.tfe;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Settings of a local session or predictor ({@code tfe_session_options_t}).
 *
 * @param transport how the players talk
 * @param connectTimeoutMs how long players keep trying to connect, in ms (&gt; 0)
 * @param recvTimeoutMs how long a player waits for a message before the run fails with
 *     {@link Status#TIMEOUT}, in ms (&gt; 0)
 */
public record SessionOptions(Transport transport, long connectTimeoutMs, long recvTimeoutMs) {
    /** The library's defaults ({@code tfe_session_options_default()}). */
    public static SessionOptions defaults() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment o = Native.tfe_session_options_default(arena);
            return new SessionOptions(Transport.values()[o.get(JAVA_INT, 0)], o.get(JAVA_LONG, 8), o.get(JAVA_LONG, 16));
        }
    }

    /** These options with {@code transport}. */
    public SessionOptions withTransport(Transport transport) {
        return new SessionOptions(transport, connectTimeoutMs, recvTimeoutMs);
    }

    /** These options with a receive timeout of {@code ms}. */
    public SessionOptions withRecvTimeoutMs(long ms) {
        return new SessionOptions(transport, connectTimeoutMs, ms);
    }

    MemorySegment toNative(Arena arena) {
        MemorySegment o = arena.allocate(Native.SESSION_OPTIONS);
        o.set(JAVA_INT, 0, transport.ordinal());
        o.set(JAVA_LONG, 8, connectTimeoutMs);
        o.set(JAVA_LONG, 16, recvTimeoutMs);
        return o;
    }
}
