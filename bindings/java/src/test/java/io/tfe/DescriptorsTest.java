package io.tfe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Every downcall handle has the Java type the FFM linker gives its function's prototype in
 * {@code include/tfe.h}. The descriptors are written by hand, and a symbol carries no signature,
 * so a {@code size_t} declared as {@code JAVA_INT}, or a parameter too many or too few, links
 * without complaint; this test compares each handle's {@link MethodType} with the carriers of
 * the C types on x86-64 and aarch64 Linux. The fields of struct layouts are checked by
 * {@link StructLayoutsTest}, through the same reading of the header ({@link Header}).
 */
class DescriptorsTest {
    /** The carriers of the C scalar types (LP64: {@code size_t} is 64 bits, {@code int} 32). */
    private static final Map<String, Class<?>> SCALARS = Map.ofEntries(
            Map.entry("size_t", long.class), Map.entry("uint64_t", long.class), Map.entry("int64_t", long.class),
            Map.entry("int", int.class), Map.entry("int32_t", int.class), Map.entry("uint32_t", int.class),
            Map.entry("double", double.class), Map.entry("float", float.class), Map.entry("bool", boolean.class),
            Map.entry("uint8_t", byte.class), Map.entry("uint16_t", short.class));

    /** A block or line comment; one pattern, so a marker inside the other kind of comment is skipped. */
    private static final Pattern COMMENT = Pattern.compile("/\\*.*?\\*/|//[^\\n]*", Pattern.DOTALL);

    /** An enum's tag and its typedef name (empty when it has none). */
    private static final Pattern ENUM = Pattern.compile("\\benum\\s+(\\w+)\\s*\\{[^}]*\\}\\s*(\\w*)");

    /** A struct declaration: its tag, its fields (none: opaque) and its typedef name (empty when it has none). */
    private static final Pattern STRUCT =
            Pattern.compile("\\bstruct\\s+(?<tag>\\w+)\\s*(?:\\{(?<body>[^}]*)\\}\\s*)?(?<typedef>\\w*)\\s*;");

    /** The name of a function-pointer typedef: {@code typedef int (*tfe_input_fn)(...)}. */
    private static final Pattern CALLBACK = Pattern.compile("\\btypedef\\s[^;(]*\\(\\s*\\*\\s*(\\w+)\\s*\\)\\s*\\(");

    /**
     * A prototype: return type, name, parameters, from the start of a line, where a callback
     * typedef's {@code (*name)(} cannot match. The parameters hold no parenthesis (the header
     * names function pointers by typedef); a prototype missed fails the comparison with
     * {@code tests/abi/symbols.txt} below.
     */
    private static final Pattern PROTOTYPE = Pattern.compile("(?m)^(\\w[\\w *]*?)\\s*\\b(tfe_\\w+)\\(([^)]*)\\);");

    /**
     * {@code include/tfe.h} without its comments, and the types it declares: the names of its
     * enums, structs (tags and typedef names) and callback typedefs, and the field declarations
     * ({@code const char *name}) of each struct with a body, by tag, in order.
     */
    record Header(String text, Set<String> enums, Set<String> structs, Set<String> callbacks,
            Map<String, List<String>> fields) {
        static Header read() throws IOException {
            String text = COMMENT.matcher(Files.readString(SymbolsTest.repoRoot().resolve("include/tfe.h")))
                    .replaceAll(" ");
            Set<String> structs = new HashSet<>();
            Map<String, List<String>> fields = new HashMap<>();
            Matcher m = STRUCT.matcher(text);
            while (m.find()) {
                structs.add(m.group("tag"));
                if (!m.group("typedef").isEmpty()) {
                    structs.add(m.group("typedef"));
                }
                if (m.group("body") != null) {
                    fields.put(m.group("tag"), Arrays.stream(m.group("body").split(";")).map(String::strip)
                            .filter(d -> !d.isEmpty()).toList());
                }
            }
            return new Header(text, names(ENUM, text), structs, names(CALLBACK, text), fields);
        }

        /**
         * The Java class the linker uses for a value of the (normalized) C type {@code type}, of
         * {@code where} (a function or a struct's field).
         */
        Class<?> carrier(String where, String type) {
            if (type.contains("*")) {
                return MemorySegment.class;
            }
            if ((type.startsWith("enum ") && enums.contains(type.substring(5))) || enums.contains(type)) {
                return int.class;
            }
            if (isStruct(type) || callbacks.contains(type)) {
                return MemorySegment.class;
            }
            if (SCALARS.containsKey(type)) {
                return SCALARS.get(type);
            }
            return fail(where + ": the C type '" + type + "' has no known Java carrier; add it to DescriptorsTest");
        }

        /** Whether the (normalized) C type {@code type} is a struct by value. */
        boolean isStruct(String type) {
            return structs.contains(type.replaceFirst("^struct ", ""));
        }
    }

    /** The type of a declaration ({@code const char *name}: {@code char *}), normalized. */
    static String typeOf(String declaration) {
        // Drop the name: the last identifier, after any '*'.
        return normalize(declaration.strip().replaceFirst("\\w+$", ""));
    }

    /** The name of a declaration: its last identifier. */
    static String nameOf(String declaration) {
        Matcher m = Pattern.compile("(\\w+)$").matcher(declaration.strip());
        return m.find() ? m.group(1) : fail("no name in the declaration '" + declaration + "'");
    }

    @Test
    void everyDowncallHasTheTypeOfItsPrototype() throws Exception {
        Header header = Header.read();
        List<String> mismatches = new ArrayList<>();
        Set<String> checked = new TreeSet<>();
        Matcher m = PROTOTYPE.matcher(header.text());
        while (m.find()) {
            String function = m.group(2);
            String returned = normalize(m.group(1));
            List<Class<?>> parameters = new ArrayList<>();
            // A struct returned by value comes back in a segment of the allocator the handle takes first.
            if (!returned.contains("*") && header.isStruct(returned)) {
                parameters.add(SegmentAllocator.class);
            }
            Class<?> result = returned.equals("void") ? void.class : header.carrier(function, returned);
            String list = m.group(3).strip();
            if (!list.equals("void")) {
                for (String parameter : list.split(",")) {
                    parameters.add(header.carrier(function, typeOf(parameter)));
                }
            }
            MethodType expected = MethodType.methodType(result, parameters);
            MethodHandle handle = handle(function);
            if (handle == null) {
                mismatches.add(function + ": no downcall handle");
            } else if (!handle.type().equals(expected)) {
                mismatches.add(function + ": C " + describe(expected) + ", Java " + describe(handle.type()));
            }
            checked.add(function);
        }
        if (!mismatches.isEmpty()) {
            fail("downcall handles whose type is not that of the prototype in include/tfe.h:\n"
                    + String.join("\n", mismatches));
        }
        assertEquals(new TreeSet<>(SymbolsTest.symbols()), checked, "prototypes found in include/tfe.h");
        assertTrue(checked.size() > 100, "only " + checked.size() + " prototypes found in include/tfe.h");
    }

    /** The names {@code pattern} declares in {@code header}: every non-empty group of every match. */
    private static Set<String> names(Pattern pattern, String header) {
        Set<String> names = new HashSet<>();
        Matcher m = pattern.matcher(header);
        while (m.find()) {
            for (int group = 1; group <= m.groupCount(); group++) {
                if (!m.group(group).isEmpty()) {
                    names.add(m.group(group));
                }
            }
        }
        return names;
    }

    /** A C type without {@code const}, with single spaces, and a space before each {@code *}. */
    private static String normalize(String type) {
        return type.replaceAll("\\bconst\\b", " ").replace("*", " * ").replaceAll("\\s+", " ").strip();
    }

    /** The downcall handle of {@code function} in one of the mirror classes, or null. */
    private static MethodHandle handle(String function) {
        return SymbolsTest.MIRRORS.stream().map(mirror -> SymbolsTest.handle(mirror, function))
                .filter(h -> h != null).findFirst().orElse(null);
    }

    /** {@code type} as {@code (long, MemorySegment) -> int}. */
    private static String describe(MethodType type) {
        return type.parameterList().stream().map(Class::getSimpleName).collect(Collectors.joining(", ", "(", ")"))
                + " -> " + type.returnType().getSimpleName();
    }
}
