package io.tfe;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * Settings of a local session or predictor ({@code tfe_session_options_t}).
 *
 * @param transport how the players talk
 * @param connectTimeoutMs how long players keep trying to connect, in ms (&gt; 0)
 * @param recvTimeoutMs how long a player waits for a message before the run fails with
 *     {@link Status#TIMEOUT}, in ms (&gt; 0)
 */
public record SessionOptions(Transport transport, long connectTimeoutMs, long recvTimeoutMs) {
    private static final VarHandle TRANSPORT = Layouts.field(Native.SESSION_OPTIONS, "transport");
    private static final VarHandle CONNECT_TIMEOUT_MS = Layouts.field(Native.SESSION_OPTIONS, "connect_timeout_ms");
    private static final VarHandle RECV_TIMEOUT_MS = Layouts.field(Native.SESSION_OPTIONS, "recv_timeout_ms");

    /** The library's defaults ({@code tfe_session_options_default()}). */
    public static SessionOptions defaults() {
        return Layouts.returned(Native::tfe_session_options_default, SessionOptions::fromNative);
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
        TRANSPORT.set(o, transport.ordinal());
        CONNECT_TIMEOUT_MS.set(o, connectTimeoutMs);
        RECV_TIMEOUT_MS.set(o, recvTimeoutMs);
        return o;
    }

    private static SessionOptions fromNative(MemorySegment o) {
        return new SessionOptions(Enums.ofOrdinal(Transport.class, (int) TRANSPORT.get(o)),
                (long) CONNECT_TIMEOUT_MS.get(o), (long) RECV_TIMEOUT_MS.get(o));
    }
}
