package io.tfe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class SessionTest {
    @Test
    void seedRunGivesFiftyTens() {
        try (Seed seed = new Seed(); Session sess = seed.ctx.newSession(); Result result = sess.run(seed.y)) {
            assertEquals(1, result.count());
            assertArrayEquals(new long[] {5, 10}, result.shape(0));
            assertArrayEquals(Seed.filled(50, 10.0), result.values(0), 1e-3);
            assertEquals(4, result.playerCount());
            Result.PlayerStats server0 = result.playerStats(result.playerIndex("server0"));
            assertEquals("server0", server0.name());
            assertTrue(server0.bytesSent() > 0 && server0.rounds() > 0);
            assertTrue(result.opCount(0) > 0);
            assertTrue(!result.opStats(0, 0).name().isEmpty());
            assertTrue(result.traceJson().startsWith("{") || result.traceJson().startsWith("["));
            assertTrue(result.statsTable().contains("server0"));
        }
    }

    @Test
    void providerGetsNameAndShapeAtEveryRun() {
        AtomicInteger calls = new AtomicInteger();
        InputProvider provider = (name, shape, out) -> {
            assertEquals("x", name);
            assertArrayEquals(new long[] {5, 10}, shape);
            assertEquals(50, out.length);
            java.util.Arrays.fill(out, calls.incrementAndGet());
        };
        try (Seed seed = new Seed(provider); Session sess = seed.ctx.newSession(SessionOptions.defaults()
                .withTransport(Transport.MEMORY))) {
            for (int run = 1; run <= 2; run++) {
                try (Result result = sess.run(seed.y)) {
                    assertArrayEquals(Seed.filled(50, 10.0 * run), result.values(0), 1e-3);
                }
            }
        }
        assertEquals(2, calls.get());
    }

    @Test
    void providerFindsOutZeroedAtEveryRunThoughTheArrayIsReused() {
        // The binding reuses the values array between calls: what one run wrote must not
        // reach the next (here the second run writes nothing, so its input is zero).
        AtomicInteger calls = new AtomicInteger();
        InputProvider provider = (name, shape, out) -> {
            for (double v : out) {
                assertEquals(0.0, v);
            }
            if (calls.incrementAndGet() == 1) {
                java.util.Arrays.fill(out, 2.0);
            }
        };
        try (Seed seed = new Seed(provider); Session sess = seed.ctx.newSession(SessionOptions.defaults()
                .withTransport(Transport.MEMORY))) {
            try (Result result = sess.run(seed.y)) {
                assertArrayEquals(Seed.filled(50, 20.0), result.values(0), 1e-3);
            }
            try (Result result = sess.run(seed.y)) {
                assertArrayEquals(Seed.filled(50, 0.0), result.values(0), 1e-3);
            }
        }
        assertEquals(2, calls.get());
    }

    /** Runs {@code seed.y} once per entry of {@code sessions}, all at once on {@code pool}; checks each result. */
    private static void runAtOnce(ExecutorService pool, Seed seed, List<Session> sessions) throws Exception {
        List<Future<double[]>> runs = new ArrayList<>();
        for (Session sess : sessions) {
            runs.add(pool.submit(() -> {
                try (Result result = sess.run(seed.y)) {
                    return result.values(0);
                }
            }));
        }
        for (Future<double[]> run : runs) {
            assertArrayEquals(Seed.filled(50, 10.0), run.get(), 1e-3);
        }
    }

    @Test
    void twoSessionsCallingOneProviderAtOnceGetTheirOwnArrays() throws Exception {
        // Both calls wait for each other inside the provider, so they overlap: each must fill
        // an array of its own.
        CyclicBarrier bothInside = new CyclicBarrier(2);
        Set<double[]> arrays = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        InputProvider provider = (name, shape, out) -> {
            synchronized (arrays) {
                arrays.add(out);
            }
            bothInside.await(30, TimeUnit.SECONDS);
            java.util.Arrays.fill(out, 1.0);
        };
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (Seed seed = new Seed(provider); Session first = seed.ctx.newSession();
                Session second = seed.ctx.newSession()) {
            runAtOnce(pool, seed, List.of(first, second));
        } finally {
            pool.shutdown();
        }
        assertEquals(2, arrays.size());
    }

    @Test
    void aRunInterruptedFromAnotherThreadIsAbortedAndTheSessionStaysUsable() throws Exception {
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch interrupted = new java.util.concurrent.CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        // The first run is held in progress by its provider until the interrupt has been sent.
        InputProvider provider = (name, shape, out) -> {
            if (calls.incrementAndGet() == 1) {
                started.countDown();
                try {
                    interrupted.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
            java.util.Arrays.fill(out, 1.0);
        };
        try (Seed seed = new Seed(provider); Session sess = seed.ctx.newSession()) {
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                Future<Result> run = pool.submit(() -> sess.run(seed.y));
                started.await();
                sess.interrupt();
                interrupted.countDown();
                java.util.concurrent.ExecutionException e =
                        assertThrows(java.util.concurrent.ExecutionException.class, run::get);
                TfeException cause = (TfeException) e.getCause();
                assertEquals(Status.ABORTED, cause.status());
                assertTrue(cause.getMessage().contains("interrupted"), cause.getMessage());
            } finally {
                pool.shutdown();
            }
            sess.interrupt(); // between runs: reaches no later run
            try (Result result = sess.run(seed.y)) {
                assertArrayEquals(Seed.filled(50, 10.0), result.values(0), 1e-3);
            }
        }
    }

    @Test
    void aProviderThatThrowsFailsTheRunWithItsMessage() {
        InputProvider provider = (name, shape, out) -> {
            throw new IllegalStateException("sensor offline");
        };
        try (Seed seed = new Seed(provider); Session sess = seed.ctx.newSession()) {
            TfeException e = assertThrows(TfeException.class, () -> sess.run(seed.y));
            assertEquals(Status.INVALID_ARGUMENT, e.status());
            assertTrue(e.getMessage().contains("sensor offline"), e.getMessage());
            assertTrue(e.getMessage().contains("x"), e.getMessage());
        }
    }

    @Test
    void providersOutliveTheirContextWhileASessionLives() {
        Seed seed = new Seed(InputProvider.of(Seed.filled(50, 2.0)));
        try (Session sess = seed.ctx.newSession()) {
            seed.ctx.close();
            try (Result result = sess.run(seed.y)) {
                assertArrayEquals(Seed.filled(50, 20.0), result.values(0), 1e-3);
            }
        } finally {
            seed.close();
        }
    }

    @Test
    void feedsReplaceTheProviderAndResetReinitializesVariables() {
        try (Seed seed = new Seed(); Session sess = seed.ctx.newSession(); Feeds feeds = new Feeds()) {
            feeds.set(seed.x, Seed.filled(50, 3.0));
            try (Result result = sess.run(feeds, seed.y)) {
                assertArrayEquals(Seed.filled(50, 30.0), result.values(0), 1e-3);
            }
            try (Tensor two = seed.ctx.defineConstant(Seed.filled(100, 2.0), new long[] {10, 10})) {
                assertEquals(TensorKind.PUBLIC, two.kind());
            }
            sess.resetVariables();
            try (Result result = sess.run(seed.y)) {
                assertArrayEquals(Seed.filled(50, 10.0), result.values(0), 1e-3);
            }
        }
    }

    /**
     * A seed whose provider runs what {@code inside} holds, records what it throws in
     * {@code thrown}, then gives ones.
     */
    private static Seed callingSeed(AtomicReference<Runnable> inside, List<Throwable> thrown) {
        return new Seed((name, shape, out) -> {
            try {
                inside.get().run();
            } catch (RuntimeException | Error e) {
                thrown.add(e);
            }
            java.util.Arrays.fill(out, 1.0);
        });
    }

    /** {@code e} is the library's refusal of {@code function} from a provider of the session's own run. */
    private static void assertRefusedFromOwnRun(Throwable e, String function) {
        TfeException refused = assertInstanceOf(TfeException.class, e);
        assertEquals(Status.INVALID_ARGUMENT, refused.status(), refused.getMessage());
        assertTrue(refused.getMessage().contains(function + " was called from an input callback of this session's"
                + " own run"), refused.getMessage());
    }

    // A provider runs on a library thread while the run, on the caller's thread, holds the
    // session and waits for it: running the session or resetting its variables there waited for
    // itself. The timeouts turn a hang into a failure.

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aProviderRunningOrResettingItsOwnSessionIsRefusedAndTheRunGoesOn() {
        AtomicReference<Runnable> inside = new AtomicReference<>(() -> {});
        List<Throwable> thrown = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicReference<double[]> otherValues = new AtomicReference<>();
        try (Seed seed = callingSeed(inside, thrown); Session sess = seed.ctx.newSession(); Feeds feeds = new Feeds();
                Seed other = new Seed(); Session otherSess = other.ctx.newSession()) {
            java.util.Map<String, Runnable> calls = new java.util.LinkedHashMap<>();
            calls.put("tfe_session_run", () -> sess.run(seed.y).close());
            calls.put("tfe_session_run_with_feeds", () -> sess.run(feeds, seed.y).close());
            calls.put("tfe_session_reset_variables", sess::resetVariables);
            for (java.util.Map.Entry<String, Runnable> call : calls.entrySet()) {
                thrown.clear();
                inside.set(call.getValue());
                try (Result result = sess.run(seed.y)) {
                    assertArrayEquals(Seed.filled(50, 10.0), result.values(0), 1e-3, call.getKey());
                }
                assertEquals(1, thrown.size(), call.getKey());
                assertRefusedFromOwnRun(thrown.get(0), call.getKey());
            }
            // A session of another context runs there.
            thrown.clear();
            inside.set(() -> {
                try (Result result = otherSess.run(other.y)) {
                    otherValues.set(result.values(0));
                }
            });
            try (Result result = sess.run(seed.y)) {
                assertArrayEquals(Seed.filled(50, 10.0), result.values(0), 1e-3);
            }
            assertEquals(List.of(), thrown);
            assertArrayEquals(Seed.filled(50, 10.0), otherValues.get(), 1e-3);
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aProviderRunningItsOwnSessionWhileAnotherThreadClosesItIsRefused() throws Exception {
        // The close waits for the run, which holds the session; a call queued behind the close
        // would wait for it, which waits for the run, which waits for the provider.
        AtomicReference<Runnable> inside = new AtomicReference<>(() -> {});
        List<Throwable> thrown = java.util.Collections.synchronizedList(new ArrayList<>());
        try (Seed seed = callingSeed(inside, thrown)) {
            for (String function : List.of("tfe_session_run", "tfe_session_reset_variables")) {
                thrown.clear();
                Session sess = seed.ctx.newSession();
                AtomicReference<Thread> closer = new AtomicReference<>();
                inside.set(() -> {
                    closer.set(Thread.ofPlatform().start(sess::close));
                    while (closer.get().getState() != Thread.State.WAITING) {
                        Thread.onSpinWait(); // until the close waits for the run
                    }
                    if (function.equals("tfe_session_run")) {
                        sess.run(seed.y).close();
                    } else {
                        sess.resetVariables();
                    }
                });
                try (Result result = sess.run(seed.y)) {
                    assertArrayEquals(Seed.filled(50, 10.0), result.values(0), 1e-3, function);
                }
                closer.get().join();
                assertTrue(sess.isClosed(), function);
                assertEquals(1, thrown.size(), function);
                assertRefusedFromOwnRun(thrown.get(0), function);
            }
        }
    }

    @Test
    void feedsOfTheWrongSizeAreRefused() {
        try (Seed seed = new Seed(); Feeds feeds = new Feeds()) {
            TfeException e = assertThrows(TfeException.class, () -> feeds.set(seed.x, new double[3]));
            assertEquals(Status.INVALID_ARGUMENT, e.status());
        }
    }

    @Test
    void concurrentRunsOfOneSession() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        InputProvider provider = (name, shape, out) -> {
            calls.incrementAndGet();
            java.util.Arrays.fill(out, 1.0);
        };
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (Seed seed = new Seed(provider); Session sess = seed.ctx.newSession()) {
            runAtOnce(pool, seed, java.util.Collections.nCopies(8, sess));
        } finally {
            pool.shutdown();
        }
        assertEquals(8, calls.get());
    }

    @Test
    void concurrentRunsOnVirtualThreadsReadTheirOwnErrors() throws Exception {
        // Half the runs fail (a provider that throws), half succeed: each thread's exception
        // must carry its own run's message, read on its own OS thread.
        try (Seed good = new Seed(); Seed bad = new Seed((n, s, o) -> {
            throw new IllegalArgumentException("bad input");
        }); Session goodSess = good.ctx.newSession(); Session badSess = bad.ctx.newSession();
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<String>> runs = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                boolean fail = i % 2 == 0;
                runs.add(pool.submit(() -> {
                    if (fail) {
                        TfeException e = assertThrows(TfeException.class, () -> badSess.run(bad.y));
                        return e.getMessage();
                    }
                    try (Result result = goodSess.run(good.y)) {
                        return result.count() == 1 ? "ok" : "bad count";
                    }
                }));
            }
            for (int i = 0; i < runs.size(); i++) {
                String outcome = runs.get(i).get();
                if (i % 2 == 0) {
                    assertTrue(outcome.contains("bad input"), outcome);
                } else {
                    assertEquals("ok", outcome);
                }
            }
        }
    }
}
