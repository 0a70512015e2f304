package io.tfe;

import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemorySegment;

/**
 * A running service of a model ({@code tfe_server_t}): the three servers and the model owner's
 * shared weights on threads of this process, answering {@link Client}s over TCP. Closing it stops
 * the service. Thread-safe.
 */
public final class Server extends Handle {
    /**
     * Starts a service of {@code model} on {@code listen} ({@code host:port}; port 0 picks a free
     * one, see {@link #port()}), with {@code options} and {@code session} (null: the defaults).
     * The model may be closed afterwards: the service keeps a copy of the weights.
     */
    public Server(Model model, String listen, ServerOptions options, SessionOptions session) {
        super("Server", start(model, listen, options, session), NativeServe::tfe_server_free, null);
    }

    private static MemorySegment start(Model model, String listen, ServerOptions options, SessionOptions session) {
        return model.getAddress((m, arena, out) -> NativeServe.tfe_server_start(m, Strings.of(arena, listen),
                options == null ? MemorySegment.NULL : options.toNative(arena),
                session == null ? MemorySegment.NULL : session.toNative(arena), out));
    }

    /** The TCP port the service listens on. */
    public int port() {
        return get(JAVA_SHORT, (server, arena, port) -> NativeServe.tfe_server_port(server, port),
                port -> Short.toUnsignedInt(port.get(JAVA_SHORT, 0)));
    }
}
