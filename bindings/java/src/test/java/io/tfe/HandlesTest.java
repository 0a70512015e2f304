package io.tfe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.function.Executable;

/** Every handle class: close twice is fine, a use after close is a clear exception. */
class HandlesTest {
    private static void assertClosedUse(Handle handle, String type, Executable use) {
        assertFalse(handle.isClosed());
        handle.close();
        handle.close();
        assertTrue(handle.isClosed());
        IllegalStateException e = assertThrows(IllegalStateException.class, use);
        assertEquals("tfe: this " + type + " is closed", e.getMessage());
    }

    @Test
    void contextTensorSessionResultFeeds() {
        try (Seed seed = new Seed()) {
            Session sess = seed.ctx.newSession();
            Result result = sess.run(seed.y);
            assertClosedUse(result, "Result", () -> result.values(0));
            assertClosedUse(sess, "Session", () -> sess.run(seed.y));
            Feeds feeds = new Feeds();
            assertClosedUse(feeds, "Feeds", () -> feeds.set(seed.x, new double[50]));
            Tensor t = seed.ctx.relu(seed.x);
            assertClosedUse(t, "Tensor", t::shape);
            // A closed operand is refused before any call reaches the library.
            assertThrows(IllegalStateException.class, () -> seed.ctx.neg(t));
            assertClosedUse(seed.ctx, "Context", () -> seed.ctx.neg(seed.x));
            assertThrows(IllegalStateException.class, seed.ctx::newSession);
            // Tensors stay valid after their context is closed.
            assertEquals(List.of(5L, 10L), java.util.Arrays.stream(seed.x.shape()).boxed().toList());
        }
    }

    @Test
    void modelPredictorArray(@TempDir Path dir) {
        Model model = Model.network(Network.A, 1);
        Predictor pred = new Predictor(model, 1, "server0", "input-provider", null);
        assertClosedUse(model, "Model", model::layerCount);
        assertClosedUse(pred, "Predictor", () -> pred.predict(new double[784]));
        String path = dir.resolve("a.npy").toString();
        NdArray.save(new double[] {1, 2}, new long[] {2}, path);
        NdArray array = NdArray.load(path);
        assertClosedUse(array, "NdArray", array::values);
    }

    @Test
    void closeWaitsForARunInFlight() throws Exception {
        // The provider closes the session from another thread while the run is in flight:
        // close must wait for the run (a free racing a use would be a crash), then succeed.
        java.util.concurrent.CountDownLatch inRun = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
        try (Seed seed = new Seed((n, s, out) -> {
            inRun.countDown();
            java.util.Arrays.fill(out, 1.0);
        })) {
            Session sess = seed.ctx.newSession();
            Thread closer = Thread.ofPlatform().start(() -> {
                try {
                    inRun.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                sess.close();
                closed.countDown();
            });
            try (Result result = sess.run(seed.y)) {
                assertEquals(50, result.values(0).length);
            }
            closer.join();
            assertTrue(sess.isClosed());
            assertEquals(0, closed.getCount());
        }
    }

    /** A seed whose provider closes the handle in {@code target}, if any, then gives ones. */
    private static Seed closingSeed(AtomicReference<Handle> target) {
        return new Seed((name, shape, out) -> {
            Handle handle = target.get();
            if (handle != null) {
                handle.close();
            }
            Arrays.fill(out, 1.0);
        });
    }

    /** The run's error is the refused close of a {@code type} from inside its provider. */
    private static void assertCloseRefused(TfeException e, String type) {
        assertEquals(Status.INVALID_ARGUMENT, e.status(), e.getMessage());
        assertTrue(e.getMessage().contains("tfe: " + type + ".close() called inside an input provider"), e.getMessage());
        assertTrue(e.getMessage().contains("close it after run returns"), e.getMessage());
    }

    // A close of the running session from inside a provider of its context waited for the
    // run, which waits for the provider: for good. The timeouts turn a hang into a failure.
    // The context, whose close does not wait for runs, is refused there as well.

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void closingTheRunningSessionOrItsContextFromAProviderFailsTheRun() {
        // The provider runs on the owner's library thread, which holds no lock of the session.
        AtomicReference<Handle> target = new AtomicReference<>();
        try (Seed seed = closingSeed(target); Session sess = seed.ctx.newSession()) {
            for (Handle handle : List.<Handle>of(sess, seed.ctx)) {
                target.set(handle);
                assertCloseRefused(assertThrows(TfeException.class, () -> sess.run(seed.y)),
                        handle == sess ? "Session" : "Context");
                assertFalse(handle.isClosed());
            }
            target.set(null);
            try (Result result = sess.run(seed.y)) {
                assertArrayEquals(Seed.filled(50, 10.0), result.values(0), 1e-3);
            }
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void closingTheRunningPartyOrItsContextFromAProviderFailsTheRun(@TempDir Path dir) throws Exception {
        // The provider runs on the thread that called the input owner's Party.run.
        AtomicReference<Handle> target = new AtomicReference<>();
        try (Seed seed = closingSeed(target)) {
            for (String type : List.of("Party", "Context")) {
                Path hostmap = PartyTest.writeHostmap(Files.createDirectory(dir.resolve(type)));
                List<Object> outcomes = PartyTest.runParties(seed, hostmap, null, null, (name, party) -> {
                    if (name.equals("input-provider")) {
                        target.set(type.equals("Party") ? party : seed.ctx);
                    }
                });
                assertCloseRefused(assertInstanceOf(TfeException.class, outcomes.get(3)), type);
                for (int i = 0; i < 3; i++) {
                    TfeException e = assertInstanceOf(TfeException.class, outcomes.get(i));
                    assertEquals(Status.ABORTED, e.status(), e.getMessage());
                }
                assertFalse(seed.ctx.isClosed());
            }
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aProviderClosesAnotherContextsSessionAndContext() {
        AtomicReference<Handle> target = new AtomicReference<>();
        try (Seed seed = closingSeed(target); Session sess = seed.ctx.newSession(); Seed other = new Seed()) {
            Session otherSess = other.ctx.newSession();
            for (Handle handle : List.<Handle>of(otherSess, other.ctx)) {
                target.set(handle);
                try (Result result = sess.run(seed.y)) {
                    assertArrayEquals(Seed.filled(50, 10.0), result.values(0), 1e-3);
                }
                assertTrue(handle.isClosed());
            }
        }
    }
}
