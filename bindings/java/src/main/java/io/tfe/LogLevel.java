package io.tfe;

/** Log levels, most severe first ({@code tfe_log_level_t}); the C value is {@link #code()}. */
public enum LogLevel {
    /** Errors (and caught panics). */
    ERROR,
    /** Warnings. */
    WARN,
    /** Information. */
    INFO,
    /** Debugging details. */
    DEBUG,
    /** Everything. */
    TRACE;

    /** The C value: 1 for {@link #ERROR} to 5 for {@link #TRACE}. */
    public int code() {
        return ordinal() + 1;
    }

    static LogLevel of(int code) {
        LogLevel[] all = values();
        return code >= 1 && code <= all.length ? all[code - 1] : TRACE;
    }
}
