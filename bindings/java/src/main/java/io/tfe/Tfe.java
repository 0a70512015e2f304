package io.tfe;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.List;

/** The library-wide functions of the C API: version, status names, logging, certificates. */
public final class Tfe {
    private Tfe() {}

    /** The version of this binding's header: the loaded library's major version must match. */
    public static final int VERSION_MAJOR = 0;

    /** The version of the loaded library, "MAJOR.MINOR.PATCH". */
    public static String version() {
        return Strings.read(Native.tfe_version());
    }

    /** The C name of a status value ({@code "TFE_ERR_TIMEOUT"}), from the library. */
    public static String statusName(Status status) {
        return Strings.read(Native.tfe_status_name(status.code()));
    }

    // Every stub ever installed stays alive: a library thread may still be inside the previous
    // handler when a new one replaces it.
    private static final List<Arena> LOG_ARENAS = new ArrayList<>();
    private static final MethodHandle LOG = Native.upcallTarget(MethodHandles.lookup(), "log",
            MethodType.methodType(void.class, LogHandler.class, MemorySegment.class, int.class, MemorySegment.class,
                    MemorySegment.class));

    /**
     * Sends the library's log records up to {@code maxLevel} to {@code handler}; a null handler
     * turns logging off. Replaces any previous handler. Not from inside a handler.
     */
    public static synchronized void setLogHandler(LogHandler handler, LogLevel maxLevel) {
        if (handler == null) {
            TfeException.check(Native.tfe_set_log_callback(MemorySegment.NULL, MemorySegment.NULL, 0));
            return;
        }
        Arena arena = Arena.ofShared();
        MemorySegment stub = Native.LINKER.upcallStub(MethodHandles.insertArguments(LOG, 0, handler), Native.LOG_FN,
                arena);
        try {
            TfeException.check(Native.tfe_set_log_callback(stub, MemorySegment.NULL, maxLevel.code()));
        } catch (TfeException e) {
            arena.close();
            throw e;
        }
        LOG_ARENAS.add(arena);
    }

    private static void log(LogHandler handler, MemorySegment userData, int level, MemorySegment target,
            MemorySegment message) {
        try {
            handler.log(LogLevel.of(level), Strings.read(target), Strings.read(message));
        } catch (Throwable ignored) {
            // An exception must not unwind into the library (it would abort the JVM).
        }
    }

    /** Writes a certificate and key per player of the hostmap at {@code hostmapPath} into {@code dir}. */
    public static void hostmapGenerateCertificates(String hostmapPath, String dir) {
        try (Arena arena = Arena.ofConfined()) {
            TfeException.check(Native.tfe_hostmap_generate_certificates(arena.allocateFrom(hostmapPath),
                    arena.allocateFrom(dir)));
        }
    }

    /**
     * For tests of bindings: the library fails with {@code status} (for {@link Status#PANIC} it
     * really panics, caught at its boundary) and logs one warning. {@link Status#OK} succeeds.
     */
    public static void selftestFail(Status status) {
        TfeException.check(Native.tfe_selftest_fail(status.code()));
    }
}
