package io.tfe;

/**
 * Receives the library's log records ({@link Tfe#setLogHandler}). Called on library threads,
 * possibly several at once; an exception it throws is dropped (it must not reach the library).
 */
@FunctionalInterface
public interface LogHandler {
    /** One record: its level, the library module ({@code "tfe::net::tcp"}) and the message. */
    void log(LogLevel level, String target, String message);
}
