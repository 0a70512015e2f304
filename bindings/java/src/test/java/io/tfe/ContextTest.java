package io.tfe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContextTest {
    @Test
    void configAndPlayers() {
        assertEquals(new Config(16, 20, Comparison.FIXED_POINT_RANGE), Config.defaults());
        try (Context ctx = new Context(new Config(12, 20, Comparison.FULL))) {
            assertEquals(new Config(12, 20, Comparison.FULL), ctx.config());
            try (Seed seed = new Seed()) {
                assertEquals(4, seed.ctx.playerCount());
                assertTrue(java.util.stream.LongStream.range(0, 4).mapToObj(seed.ctx::playerName).toList()
                        .containsAll(java.util.List.of("server0", "server1", "server2", "input-provider")));
            }
        }
        SessionOptions o = SessionOptions.defaults();
        assertEquals(Transport.TCP, o.transport());
        assertTrue(o.connectTimeoutMs() > 0 && o.recvTimeoutMs() > 0);
    }

    @Test
    void tensorsOfTheGraph() {
        try (Seed seed = new Seed()) {
            assertEquals("x", seed.x.name());
            assertEquals("input-provider", seed.x.owner());
            assertEquals(TensorKind.PRIVATE, seed.x.kind());
            assertEquals(TensorKind.REVEALED, seed.y.kind());
            assertNull(seed.y.owner());
            assertEquals(Status.INVALID_ARGUMENT, assertThrows(TfeException.class, seed.y::name).status());
            assertEquals(4, seed.ctx.tensorCount());
            try (Tensor first = seed.ctx.tensor(0); Tensor w = seed.ctx.find("w")) {
                assertEquals("w", first.name());
                assertArrayEquals(new long[] {10, 10}, w.shape());
            }
            assertThrows(TfeException.class, () -> seed.ctx.tensor(99));
            try (Tensor unnamed = seed.ctx.definePrivateInput(null, "server1", new long[] {2}, null);
                    Tensor t = seed.ctx.transpose(seed.x, null); Tensor v = seed.ctx.assign(seed.w, seed.w)) {
                assertTrue(unnamed.name().startsWith("input"));
                assertArrayEquals(new long[] {10, 5}, t.shape());
                assertEquals(TensorKind.ASSIGNMENT, v.kind());
            }
        }
    }

    @Test
    void savedGraphsLoadAndRunWithFeeds(@TempDir Path dir) {
        String path = dir.resolve("seed.graph").toString();
        try (Seed seed = new Seed()) {
            seed.ctx.save(path);
        }
        try (Context ctx = Context.load(path); Tensor x = ctx.find("x"); Tensor w = ctx.find("w");
                Tensor y = ctx.tensor(ctx.tensorCount() - 1); Session sess = ctx.newSession(); Feeds feeds = new Feeds()) {
            feeds.set(x, Seed.filled(50, 1.0)).set(w, Seed.filled(100, 0.5));
            try (Result result = sess.run(feeds, y)) {
                assertArrayEquals(Seed.filled(50, 5.0), result.values(0), 1e-3);
            }
        }
        assertEquals(Status.INVALID_ARGUMENT,
                assertThrows(TfeException.class, () -> Context.load(dir.resolve("none").toString())).status());
    }

    @Test
    void arraysReadBackExactly(@TempDir Path dir) {
        double[] values = {1.5, -2.25, 3, 4, 5, 6.125};
        for (String name : new String[] {"a.npy", "a.csv"}) {
            String path = dir.resolve(name).toString();
            NdArray.save(values, new long[] {2, 3}, path);
            try (NdArray array = NdArray.load(path)) {
                assertArrayEquals(new long[] {2, 3}, array.shape());
                assertArrayEquals(values, array.values());
            }
        }
        assertEquals(Status.INVALID_ARGUMENT, assertThrows(TfeException.class,
                () -> NdArray.save(values, new long[] {2, 3}, dir.resolve("a.txt").toString())).status());
    }
}
