package io.tfe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
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
}
