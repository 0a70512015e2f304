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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Deployments: each player a Party on its own thread, over loopback. */
class PartyTest {
    static final String[] PLAYERS = {"server0", "server1", "server2", "input-provider"};

    static Path writeHostmap(Path dir) throws Exception {
        return writeHostmap(dir, PLAYERS);
    }

    /**
     * A hostmap of {@code names} on free loopback ports, in {@code dir}. Every socket stays bound
     * until all ports are chosen: released one by one, the system may hand the same port out twice.
     */
    static Path writeHostmap(Path dir, String... names) throws Exception {
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
        Files.writeString(path, "{\"players\":[" + players + "],\"connect_timeout_ms\":20000,\"recv_timeout_ms\":20000}");
        return path;
    }

    /** Each player's values, or the exception of its open, run or read. */
    static List<Object> runParties(Seed seed, Path hostmap, Path keys) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(PLAYERS.length);
        try {
            List<Future<Object>> outcomes = new ArrayList<>();
            for (String name : PLAYERS) {
                outcomes.add(pool.submit(() -> {
                    String key = keys == null ? null : keys.resolve(name + ".key").toString();
                    try (Party party = seed.ctx.openParty(hostmap.toString(), name, key);
                            Result result = party.run(null, seed.y)) {
                        assertEquals(1, result.playerCount());
                        return result.values(0);
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
}
