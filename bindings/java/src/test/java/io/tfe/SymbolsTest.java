package io.tfe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The binding mirrors the whole C API: tests/abi/symbols.txt against Native, NativeModel, NativeServe and NativeTrain. */
class SymbolsTest {
    /** The classes that hold the downcall handles, one per C function. */
    static final List<Class<?>> MIRRORS = List.of(Native.class, NativeModel.class, NativeServe.class, NativeTrain.class);

    static Path repoRoot() {
        return Path.of(System.getProperty("tfe.repo.root", "../.."));
    }

    static List<String> symbols() throws IOException {
        return Files.readAllLines(repoRoot().resolve("tests/abi/symbols.txt")).stream().map(String::strip)
                .filter(s -> !s.isEmpty() && !s.startsWith("#")).toList();
    }

    @Test
    void everyFunctionOfTheCApiHasADowncallHandle() throws Exception {
        List<String> missing = new ArrayList<>();
        for (String symbol : symbols()) {
            if (MIRRORS.stream().noneMatch(mirror -> mirrors(mirror, symbol))) {
                missing.add(symbol);
            }
        }
        assertEquals(List.of(), missing, "functions of tests/abi/symbols.txt without a downcall handle");
        assertTrue(symbols().size() > 100);
    }

    @Test
    void nativeDeclaresNoFunctionTheCApiLacks() throws Exception {
        Set<String> symbols = new TreeSet<>(symbols());
        List<String> extra = MIRRORS.stream().flatMap(mirror -> Arrays.stream(mirror.getDeclaredMethods()))
                .filter(m -> Modifier.isStatic(m.getModifiers()) && m.getName().startsWith("tfe_"))
                .map(Method::getName).filter(n -> !symbols.contains(n)).sorted().toList();
        assertEquals(List.of(), extra);
    }

    /** Whether {@code mirror} has the downcall handle and the method of the C function {@code symbol}. */
    private static boolean mirrors(Class<?> mirror, String symbol) {
        Set<String> methods = Arrays.stream(mirror.getDeclaredMethods())
                .filter(m -> Modifier.isStatic(m.getModifiers())).map(Method::getName).collect(Collectors.toSet());
        return handle(mirror, symbol) != null && methods.contains(symbol);
    }

    /** The downcall handle of the C function {@code symbol} in {@code mirror}, or null. */
    static MethodHandle handle(Class<?> mirror, String symbol) {
        try {
            Field field = mirror.getDeclaredField(symbol.toUpperCase(java.util.Locale.ROOT));
            field.setAccessible(true);
            return field.get(null) instanceof MethodHandle handle ? handle : null;
        } catch (NoSuchFieldException | IllegalAccessException e) {
            return null;
        }
    }

    @Test
    void versionMatchesTheBinding() {
        assertTrue(Tfe.version().startsWith(Tfe.VERSION_MAJOR + "."), Tfe.version());
    }
}
