package io.tfe;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.Function;

/**
 * The one place where a field of a C struct is found in its layout ({@code Native.CONFIG} and
 * the others name every field of the header's struct): no class reads or writes a struct at
 * an offset of its own, which a field added to or moved in the C struct would silently
 * make wrong. It also reads the structs that C functions return by value ({@link #returned}).
 */
final class Layouts {
    private Layouts() {}

    /**
     * The accessor of field {@code name} of {@code struct} in a segment that starts with the
     * struct: {@code (long) EPOCH.get(segment)}, {@code EPOCH.set(segment, value)}. Looked up
     * once, into a static final field. It behaves as invoke-exact: a value of another type than
     * the field's carrier throws {@link java.lang.invoke.WrongMethodTypeException} instead of
     * being converted, so a field whose C type changes cannot be read as the old type.
     */
    static VarHandle field(StructLayout struct, String name) {
        VarHandle field = struct.varHandle(PathElement.groupElement(name));
        // The struct's handles take a base offset after the segment: always 0 here.
        return MethodHandles.insertCoordinates(field, 1, 0L).withInvokeExactBehavior();
    }

    /**
     * The Java value {@code read} makes of the struct that {@code function} returns by value (a
     * {@code tfe_*_default()}, as {@code Native::tfe_config_default}), the struct living in a
     * confined arena for the call and the read.
     */
    static <T> T returned(Function<SegmentAllocator, MemorySegment> function, Function<MemorySegment, T> read) {
        try (Arena arena = Arena.ofConfined()) {
            return read.apply(function.apply(arena));
        }
    }

    /** The byte offset of field {@code name} in {@code struct}, for a slice of it (an out-param). */
    static long offset(StructLayout struct, String name) {
        return struct.byteOffset(PathElement.groupElement(name));
    }
}
