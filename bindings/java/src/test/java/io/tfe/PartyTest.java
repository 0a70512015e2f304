package io.tfe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Deployments: each player a Party on its own thread, over loopback. */
class PartyTest {
    static final String[] PLAYERS = {"server0", "server1", "server2", "input-provider"};

    static Path writeHostmap(Path dir) throws Exception {
        return writeHostmap(dir, PLAYERS);
    }

    /** A hostmap of {@code names} on free loopback ports, in {@code dir}, with a 20 s connect timeout. */
    static Path writeHostmap(Path dir, String... names) throws Exception {
        return writeHostmap(dir, 20_000, names);
    }

    /**
     * A hostmap of {@code names} on free loopback ports, in {@code dir}, with a connect timeout of
     * {@code connectTimeoutMs}. Every socket stays bound until all ports are chosen: released one
     * by one, the system may hand the same port out twice.
     */
    static Path writeHostmap(Path dir, long connectTimeoutMs, String... names) throws Exception {
        StringBuilder players = new StringBuilder();
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (String name : names) {
                ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
                sockets.add(socket);
                players.append(players.isEmpty() ? "" : ",").append("{\"name\":\"").append(name)
                        .append("\",\"address\":\"127.0.0.1:").append(socket.getLocalPort()).append("\"}");
            }
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
        Path path = dir.resolve("hostmap.json");
        Files.writeString(path, "{\"players\":[" + players + "],\"connect_timeout_ms\":" + connectTimeoutMs
                + ",\"recv_timeout_ms\":20000}");
        return path;
    }

    /**
     * Opens {@code me} of {@code hostmap} with {@code key} (null: plaintext) and {@code cancelled}
     * (null: the overload without it).
     */
    static Party open(Seed seed, Path hostmap, String me, String key, BooleanSupplier cancelled) {
        return cancelled == null ? seed.ctx.openParty(hostmap.toString(), me, key)
                : seed.ctx.openParty(hostmap.toString(), me, key, cancelled);
    }

    /** Each player's values, or the exception of its open, run or read. */
    static List<Object> runParties(Seed seed, Path hostmap, Path keys) throws Exception {
        return runParties(seed, hostmap, keys, null);
    }

    /** {@link #runParties(Seed, Path, Path)}, each player opening with {@code cancelled} (null: none). */
    static List<Object> runParties(Seed seed, Path hostmap, Path keys, BooleanSupplier cancelled) throws Exception {
        return runParties(seed, hostmap, keys, cancelled, (name, party) -> {});
    }

    /**
     * {@link #runParties(Seed, Path, Path, BooleanSupplier)}, handing each player's name and
     * party to {@code opened} (on the player's thread) before it runs.
     */
    static List<Object> runParties(Seed seed, Path hostmap, Path keys, BooleanSupplier cancelled,
            BiConsumer<String, Party> opened) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(PLAYERS.length);
        try {
            List<Future<Object>> outcomes = new ArrayList<>();
            for (String name : PLAYERS) {
                outcomes.add(pool.submit(() -> {
                    String key = keys == null ? null : keys.resolve(name + ".key").toString();
                    try (Party party = open(seed, hostmap, name, key, cancelled)) {
                        opened.accept(name, party);
                        try (Result result = party.run(null, seed.y)) {
                            assertEquals(1, result.playerCount());
                            return result.values(0);
                        }
                    } catch (TfeException e) {
                        return e;
                    }
                }));
            }
            List<Object> values = new ArrayList<>();
            for (Future<Object> outcome : outcomes) {
                values.add(outcome.get());
            }
            return values;
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void fourPartiesRunTheSeedProgram(@TempDir Path dir) throws Exception {
        try (Seed seed = new Seed()) {
            List<Object> outcomes = runParties(seed, writeHostmap(dir), null);
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(Seed.filled(50, 10.0), (double[]) outcomes.get(i), 1e-3, PLAYERS[i]);
            }
            // The input provider learns nothing.
            assertEquals(Status.INVALID_ARGUMENT, assertInstanceOf(TfeException.class, outcomes.get(3)).status());
        }
    }

    @Test
    void fourPartiesOverTls(@TempDir Path dir) throws Exception {
        Path hostmap = writeHostmap(dir);
        Path keys = Files.createDirectory(dir.resolve("keys"));
        Tfe.hostmapGenerateCertificates(hostmap.toString(), keys.toString());
        try (Seed seed = new Seed(InputProvider.of(Seed.filled(50, 3.0)))) {
            List<Object> outcomes = runParties(seed, hostmap, keys);
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(Seed.filled(50, 30.0), (double[]) outcomes.get(i), 1e-3, PLAYERS[i]);
            }
            TfeException e = assertThrows(TfeException.class,
                    () -> seed.ctx.openParty(hostmap.toString(), "server0", keys.resolve("missing.key").toString()));
            assertEquals(Status.CONFIG, e.status());
        }
        assertEquals(Status.CONFIG, assertThrows(TfeException.class,
                () -> Tfe.hostmapGenerateCertificates("/nonexistent/hostmap.json", keys.toString())).status());
    }

    @Test
    void aThrowingProviderAbortsTheOtherParties(@TempDir Path dir) throws Exception {
        try (Seed seed = new Seed((n, s, o) -> {
            throw new IllegalStateException("sensor offline");
        })) {
            List<Object> outcomes = runParties(seed, writeHostmap(dir), null);
            TfeException provider = assertInstanceOf(TfeException.class, outcomes.get(3));
            assertEquals(Status.INVALID_ARGUMENT, provider.status(), provider.getMessage());
            assertTrue(provider.getMessage().contains("sensor offline"), provider.getMessage());
            for (int i = 0; i < 3; i++) {
                TfeException e = assertInstanceOf(TfeException.class, outcomes.get(i));
                assertEquals(Status.ABORTED, e.status(), e.getMessage());
                assertFalse(e.getMessage().contains("sensor offline"), e.getMessage());
            }
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aProviderRunningItsOwnPartyIsRefusedAndEveryRunCompletes(@TempDir Path dir) throws Exception {
        // The provider runs on the thread that called the owner's Party.run, inside that run: a
        // run of the same party there waited for itself (or failed as a panic). The timeout
        // turns a hang into a failure.
        AtomicReference<Party> own = new AtomicReference<>();
        List<Throwable> thrown = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicReference<Seed> seedRef = new AtomicReference<>();
        try (Seed seed = new Seed((name, shape, out) -> {
            try {
                own.get().run(null, seedRef.get().y).close();
            } catch (RuntimeException e) {
                thrown.add(e);
            }
            java.util.Arrays.fill(out, 1.0);
        })) {
            seedRef.set(seed);
            List<Object> outcomes = runParties(seed, writeHostmap(dir), null, null, (name, party) -> {
                if (name.equals("input-provider")) {
                    own.set(party);
                }
            });
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(Seed.filled(50, 10.0), (double[]) outcomes.get(i), 1e-3, PLAYERS[i]);
            }
            // The owner's run completed too: only reading a value revealed to the servers fails.
            TfeException read = assertInstanceOf(TfeException.class, outcomes.get(3));
            assertTrue(read.getMessage().contains("is not revealed to this player"), read.getMessage());
            assertEquals(1, thrown.size());
            TfeException refused = assertInstanceOf(TfeException.class, thrown.get(0));
            assertEquals(Status.INVALID_ARGUMENT, refused.status(), refused.getMessage());
            assertTrue(refused.getMessage().contains("tfe_party_run was called from an input callback of this party's"
                    + " own run"), refused.getMessage());
        }
    }

    @Test
    void partyUseAfterClose(@TempDir Path dir) throws Exception {
        // Open fails (nobody else comes) within the hostmap's timeout; a Party that never opened
        // leaves nothing to close, and the context's providers are released with it.
        Path hostmap = dir.resolve("bad.json");
        Files.writeString(hostmap, "{}");
        try (Seed seed = new Seed()) {
            TfeException e = assertThrows(TfeException.class,
                    () -> seed.ctx.openParty(hostmap.toString(), "server0", null));
            assertEquals(Status.CONFIG, e.status());
            assertNull(seed.y.owner());
        }
    }

    /**
     * The players whose opening the tests cancel, with what each waits for when nobody else
     * comes: server0 for the higher players to connect to it, server2 to connect to server0.
     */
    private static final Map<String, String> WAITS_FOR =
            Map.of("server0", "server1, server2, input-provider", "server2", "server0");

    /**
     * A hostmap of {@link #PLAYERS} with certificates in {@code dir/keys}, whose connect timeout
     * (60 s) no test reaches: were opening not cancelled, it would fail there with
     * {@link Status#NETWORK}, not {@link Status#ABORTED}.
     */
    private static Path writeLongHostmap(Path dir) throws Exception {
        Path hostmap = writeHostmap(dir, 60_000, PLAYERS);
        Tfe.hostmapGenerateCertificates(hostmap.toString(), Files.createDirectory(dir.resolve("keys")).toString());
        return hostmap;
    }

    /** Opens {@code me} of {@code hostmap} over TLS (its key in {@code keys/}) or plaintext. */
    private static Party open(Seed seed, Path hostmap, String me, boolean tls, BooleanSupplier cancelled) {
        return open(seed, hostmap, me, tls ? hostmap.resolveSibling("keys").resolve(me + ".key").toString() : null,
                cancelled);
    }

    /** Checks that {@code e} is {@code me}'s cancelled opening, naming whom it waited for. */
    private static void assertCancelled(TfeException e, String me, boolean tls) {
        String function = tls ? "tfe_party_open_cancellable" : "tfe_party_open_insecure_plaintext_cancellable";
        assertEquals(Status.ABORTED, e.status(), e.getMessage());
        assertEquals(function + ": player '" + me + "' aborted the run: opening was cancelled by its caller while "
                + "waiting for " + WAITS_FOR.get(me), e.getMessage());
    }

    /** One opening that the test cancels: player {@code me} of {@code hostmap}, over TLS or in plaintext. */
    @FunctionalInterface
    private interface Opening {
        void check(Seed seed, Path hostmap, String me, boolean tls) throws Exception;
    }

    /** Runs {@code opening} for each player of {@link #WAITS_FOR}, in plaintext and over TLS. */
    private static void forEachOpening(Path dir, Opening opening) throws Exception {
        Path hostmap = writeLongHostmap(dir);
        try (Seed seed = new Seed()) {
            for (boolean tls : new boolean[] {false, true}) {
                for (String me : WAITS_FOR.keySet()) {
                    opening.check(seed, hostmap, me, tls);
                }
            }
        }
    }

    @Test
    void anInterruptedThreadGivesUpOpeningAndStaysInterrupted(@TempDir Path dir) throws Exception {
        // Interrupted before the call: the library's first check, before it waits, gives up.
        forEachOpening(dir, (seed, hostmap, me, tls) -> {
            Thread.currentThread().interrupt();
            try {
                assertCancelled(assertThrows(TfeException.class, () -> open(seed, hostmap, me, tls, null)), me, tls);
                assertTrue(Thread.currentThread().isInterrupted(), "the interrupt status is kept");
            } finally {
                Thread.interrupted();
            }
        });
    }

    @Test
    void interruptingAWaitingOpenerFromAnotherThreadGivesUp(@TempDir Path dir) throws Exception {
        forEachOpening(dir, (seed, hostmap, me, tls) -> {
            for (Thread.Builder builder : List.of(Thread.ofPlatform(), Thread.ofVirtual())) {
                // The check's first call says the opener is waiting; a later one sees the interrupt.
                CountDownLatch waiting = new CountDownLatch(1);
                AtomicReference<Object> outcome = new AtomicReference<>();
                AtomicBoolean interrupted = new AtomicBoolean();
                Thread opener = builder.start(() -> {
                    try (Party party = open(seed, hostmap, me, tls, () -> {
                        waiting.countDown();
                        return false;
                    })) {
                        outcome.set(party);
                    } catch (TfeException e) {
                        outcome.set(e);
                    }
                    interrupted.set(Thread.currentThread().isInterrupted());
                });
                waiting.await();
                opener.interrupt();
                opener.join();
                String what = me + (tls ? " over TLS" : " in plaintext") + " on " + opener;
                assertCancelled(assertInstanceOf(TfeException.class, outcome.get(), what), me, tls);
                assertTrue(interrupted.get(), what + ": the interrupt status is kept");
            }
        });
    }

    @Test
    void aCheckGivesUpOpeningOrThrowsThroughIt(@TempDir Path dir) throws Exception {
        forEachOpening(dir, (seed, hostmap, me, tls) -> {
            AtomicInteger calls = new AtomicInteger();
            assertCancelled(assertThrows(TfeException.class,
                    () -> open(seed, hostmap, me, tls, () -> calls.incrementAndGet() == 3)), me, tls);
            assertEquals(3, calls.get());
            assertFalse(Thread.currentThread().isInterrupted());

            IllegalStateException thrown = assertThrows(IllegalStateException.class,
                    () -> open(seed, hostmap, me, tls, () -> {
                        throw new IllegalStateException("operator left");
                    }));
            assertEquals("operator left", thrown.getMessage());
            assertEquals(1, thrown.getSuppressed().length);
            assertCancelled(assertInstanceOf(TfeException.class, thrown.getSuppressed()[0]), me, tls);
        });
    }

    @Test
    void fourPartiesWhoseCheckNeverGivesUpRun(@TempDir Path dir) throws Exception {
        Path hostmap = writeLongHostmap(dir);
        try (Seed seed = new Seed()) {
            List<Object> outcomes = runParties(seed, hostmap, hostmap.resolveSibling("keys"), () -> false);
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(Seed.filled(50, 10.0), (double[]) outcomes.get(i), 1e-3, PLAYERS[i]);
            }
            assertEquals(Status.INVALID_ARGUMENT, assertInstanceOf(TfeException.class, outcomes.get(3)).status());
        }
    }
}
