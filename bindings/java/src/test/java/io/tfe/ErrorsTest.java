package io.tfe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class ErrorsTest {
    @Test
    void everyStatusBecomesItsExceptionWithTheLibrarysMessage() {
        for (Status status : Status.values()) {
            assertEquals(status.cName(), Tfe.statusName(status));
            if (status == Status.OK) {
                Tfe.selftestFail(status);
                continue;
            }
            TfeException e = assertThrows(TfeException.class, () -> Tfe.selftestFail(status));
            assertEquals(status, e.status());
            assertTrue(e.getMessage().contains(status.cName()), e.getMessage());
        }
    }

    @Test
    void wrongShape() {
        try (Context ctx = new Context(); Tensor a = ctx.defineConstant(new double[6], new long[] {2, 3});
                Tensor b = ctx.defineConstant(new double[6], new long[] {2, 3})) {
            TfeException e = assertThrows(TfeException.class, () -> ctx.matmul(a, b));
            assertEquals(Status.INVALID_ARGUMENT, e.status());
            assertTrue(e.getMessage().contains("[2, 3]"), e.getMessage());
            assertThrows(TfeException.class, () -> ctx.defineConstant(new double[5], new long[] {2, 3}));
        }
    }

    @Test
    void unknownPlayer() {
        try (Context ctx = new Context()) {
            TfeException e = assertThrows(TfeException.class,
                    () -> ctx.definePrivateInput("x", "no such player!", new long[] {2}, null));
            assertEquals(Status.INVALID_ARGUMENT, e.status());
            assertTrue(e.getMessage().contains("no such player!"), e.getMessage());
        }
    }

    @Test
    void tensorOfAnotherContext() {
        try (Context one = new Context(); Context two = new Context();
                Tensor a = one.defineConstant(new double[] {1}, new long[] {1})) {
            TfeException e = assertThrows(TfeException.class, () -> two.neg(a));
            assertEquals(Status.INVALID_ARGUMENT, e.status());
        }
    }

    @Test
    void badConfigAndOptions() {
        assertEquals(Status.CONFIG,
                assertThrows(TfeException.class, () -> new Context(new Config(40, 40, Comparison.FULL))).status());
        try (Seed seed = new Seed()) {
            SessionOptions zero = SessionOptions.defaults().withRecvTimeoutMs(0);
            assertEquals(Status.CONFIG, assertThrows(TfeException.class, () -> seed.ctx.newSession(zero)).status());
        }
    }

    @Test
    void aCEnumValueTheBindingDoesNotKnowIsAnExceptionNamingTheEnumAndTheValue() {
        assertEquals(TensorKind.ASSIGNMENT, Enums.ofOrdinal(TensorKind.class, 3));
        assertEquals(Transport.TCP, Enums.ofOrdinal(Transport.class, 0));
        for (int value : new int[] {4, -1, Integer.MAX_VALUE}) {
            TfeException e = assertThrows(TfeException.class, () -> Enums.ofOrdinal(TensorKind.class, value));
            assertEquals(Status.INTERNAL, e.status());
            assertTrue(e.getMessage().contains("TensorKind") && e.getMessage().contains(" " + value + " "),
                    e.getMessage());
        }
        // Through a reader of a struct: a tfe_config_t whose comparison is newer than the binding.
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment config = new Config(16, 20, Comparison.FULL).toNative(arena);
            Layouts.field(Native.CONFIG, "comparison").set(config, 7);
            TfeException e = assertThrows(TfeException.class, () -> Config.fromNative(config));
            assertTrue(e.getMessage().contains("Comparison") && e.getMessage().contains(" 7 "), e.getMessage());
        }
    }

    @Test
    void logHandlerReceivesRecords() {
        List<String> records = new CopyOnWriteArrayList<>();
        Tfe.setLogHandler((level, target, message) -> records.add(level + " " + target + " " + message),
                LogLevel.WARN);
        try {
            assertThrows(TfeException.class, () -> Tfe.selftestFail(Status.TIMEOUT));
            assertTrue(records.stream().anyMatch(r -> r.startsWith("WARN tfe::ffi::selftest")), records.toString());
        } finally {
            Tfe.setLogHandler(null, LogLevel.ERROR);
        }
    }

    @Test
    void aMissingLibraryNamesThePropertyAndLoadLibrary() throws Exception {
        String withProperty = probe(List.of("-Dtfe.library.path=/nonexistent/libtfe.so"));
        assertTrue(withProperty.contains("tfe.library.path") && withProperty.contains("/nonexistent/libtfe.so"),
                withProperty);
        String withoutProperty = probe(List.of("-Djava.library.path=/nonexistent"));
        assertTrue(withoutProperty.contains("tfe.library.path")
                && withoutProperty.contains("System.loadLibrary(\"tfe\")"), withoutProperty);
    }

    /** The first line LoadProbe prints in a fresh JVM with {@code options}. */
    private static String probe(List<String> options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(options);
        command.add("-cp");
        command.add(System.getProperty("java.class.path") + java.io.File.pathSeparator
                + System.getProperty("jdk.module.path", ""));
        command.add(LoadProbe.class.getName());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor();
        return output;
    }
}
