package io.tfe;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Every {@link StructLayout} of the mirror classes is the struct of {@code include/tfe.h} it is
 * named after: the same fields (names, in order), each of the carrier and size of its C type,
 * at the offsets, and with the total size, that C's natural alignment gives on x86-64 and
 * aarch64 Linux (LP64). The wrappers read and write the fields by name through these layouts
 * ({@code Layouts.field}), so a field the C struct gains, loses, renames, moves or retypes
 * fails here rather than reading the wrong bytes. The header is read as {@link DescriptorsTest}
 * reads it.
 */
class StructLayoutsTest {
    /** The value layout of each carrier: its size is the C type's, and on LP64 its alignment too. */
    private static final Map<Class<?>, ValueLayout> LAYOUTS = Map.of(byte.class, JAVA_BYTE, short.class, JAVA_SHORT,
            int.class, JAVA_INT, long.class, JAVA_LONG, float.class, JAVA_FLOAT, double.class, JAVA_DOUBLE,
            boolean.class, JAVA_BOOLEAN, MemorySegment.class, ADDRESS);

    @Test
    void everyStructLayoutHasTheFieldsOfItsCStruct() throws Exception {
        DescriptorsTest.Header header = DescriptorsTest.Header.read();
        List<String> mismatches = new ArrayList<>();
        Set<String> checked = new TreeSet<>();
        for (Class<?> mirror : SymbolsTest.MIRRORS) {
            for (Field field : mirror.getDeclaredFields()) {
                if (Modifier.isStatic(field.getModifiers()) && field.getType() == StructLayout.class) {
                    field.setAccessible(true);
                    String where = mirror.getSimpleName() + "." + field.getName();
                    StructLayout layout = (StructLayout) field.get(null);
                    String struct = layout.name().orElse("");
                    if (!header.fields().containsKey(struct)) {
                        mismatches.add(where + ": " + (struct.isEmpty() ? "unnamed" : "named " + struct)
                                + ", no struct with fields in include/tfe.h (name each layout after its C struct:"
                                + " .withName(\"tfe_..._t\"))");
                        continue;
                    }
                    compare(where, layout, struct, header, mismatches);
                    checked.add(struct);
                }
            }
        }
        if (!mismatches.isEmpty()) {
            fail("struct layouts that are not their struct in include/tfe.h:\n" + String.join("\n", mismatches));
        }
        assertEquals(new TreeSet<>(header.fields().keySet()), checked,
                "the structs with fields in include/tfe.h against those with a layout in the mirror classes");
        assertTrue(checked.size() >= 7, "only " + checked + " found in include/tfe.h");
    }

    /** Adds to {@code mismatches} how {@code layout} differs from the C struct {@code struct}. */
    private static void compare(String where, StructLayout layout, String struct, DescriptorsTest.Header header,
            List<String> mismatches) {
        List<ValueLayout> members = new ArrayList<>();
        for (MemoryLayout member : layout.memberLayouts()) {
            if (member instanceof ValueLayout value) {
                members.add(value);
            } else if (!(member instanceof PaddingLayout)) {
                mismatches.add(where + ": the member " + member + " is neither a value nor padding; extend this test");
                return;
            }
        }
        List<String> declarations = header.fields().get(struct);
        List<String> cNames = declarations.stream().map(DescriptorsTest::nameOf).toList();
        List<String> javaNames = members.stream().map(m -> m.name().orElse("(unnamed)")).toList();
        if (!javaNames.equals(cNames)) {
            mismatches.add(where + ": fields " + javaNames + ", but " + struct + " has " + cNames);
            return;
        }
        long offset = 0;
        long alignment = 1;
        for (int i = 0; i < declarations.size(); i++) {
            String name = cNames.get(i);
            String type = DescriptorsTest.typeOf(declarations.get(i));
            if (!type.contains("*") && header.isStruct(type)) {
                mismatches.add(where + "." + name + ": a struct by value (" + type + "); extend this test");
                return;
            }
            ValueLayout c = LAYOUTS.get(header.carrier(struct + "." + name, type));
            ValueLayout java = members.get(i);
            if (java.carrier() != c.carrier() || java.byteSize() != c.byteSize()) {
                mismatches.add(where + "." + name + ": " + java.carrier().getSimpleName() + " of " + java.byteSize()
                        + " bytes, but the C type " + type + " is " + c.carrier().getSimpleName() + " of "
                        + c.byteSize() + " bytes");
            }
            offset = align(offset, c.byteSize());
            long javaOffset = layout.byteOffset(PathElement.groupElement(name));
            if (javaOffset != offset) {
                mismatches.add(where + "." + name + ": at byte " + javaOffset + ", in C at byte " + offset);
            }
            offset += c.byteSize();
            alignment = Math.max(alignment, c.byteSize());
        }
        long size = align(offset, alignment);
        if (layout.byteSize() != size) {
            mismatches.add(where + ": " + layout.byteSize() + " bytes, " + struct + " " + size);
        }
        if (layout.byteAlignment() != alignment) {
            mismatches.add(where + ": aligned to " + layout.byteAlignment() + " bytes, " + struct + " to " + alignment);
        }
    }

    /** {@code offset} rounded up to a multiple of {@code alignment}. */
    private static long align(long offset, long alignment) {
        return (offset + alignment - 1) / alignment * alignment;
    }
}
