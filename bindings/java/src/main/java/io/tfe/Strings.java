package io.tfe;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** C strings in and out: NUL-terminated UTF-8. */
final class Strings {
    private Strings() {}

    /** Reads a NUL-terminated string the library owns (NULL reads as ""). */
    static String read(MemorySegment cString) {
        if (cString.equals(MemorySegment.NULL)) {
            return "";
        }
        return cString.reinterpret(Long.MAX_VALUE).getString(0);
    }

    /** A C copy of {@code s} in {@code arena}; {@code null} is NULL. */
    static MemorySegment of(Arena arena, String s) {
        return s == null ? MemorySegment.NULL : arena.allocateFrom(s);
    }
}
