package io.tfe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Private training: a logistic regression follows an f64 training from the same weights and
 * batches, a test seed repeats it bit for bit, a listener stops fit by returning false or by
 * throwing (the exception comes out of fit, the JVM is unharmed), interrupt() stops it at its next
 * batch, bad arguments are errors.
 */
class TrainerTest {
    static final double[] X = new double[32];
    static final double[] Y = new double[16];

    static {
        for (int i = 0; i < 16; i++) {
            X[2 * i] = (i * 37 % 17) / 8.0 - 1;
            X[2 * i + 1] = (i * 11 % 13) / 6.0 - 1;
            Y[i] = X[2 * i] - X[2 * i + 1] / 2 > 0.1 ? 1 : 0;
        }
    }

    static SessionOptions memory() {
        return SessionOptions.defaults().withTransport(Transport.MEMORY);
    }

    static Trainer logistic(long seed) {
        try (Model model = new Model(new long[] {2})) {
            model.addDense(2, 1, new double[] {0.25, -0.5}, new double[] {0}).addSigmoid();
            Trainer trainer = new Trainer(model, "model-owner", "data-owner", "label-owner", memory());
            trainer.setInsecureTestSeed(seed);
            trainer.compile(Optimizer.defaults(OptimizerKind.SGD).withLearningRate(0.5), Loss.BINARY_CROSSENTROPY,
                    Metrics.ACCURACY);
            return trainer;
        }
    }

    static double[] weights(Trainer trainer) {
        try (Model model = trainer.export()) {
            assertEquals(2, model.weightCount());
            double[] w = model.weight(0);
            return new double[] {w[0], w[1], model.weight(1)[0]};
        }
    }

    @Test
    void fitFollowsAnF64TrainingAndRepeatsWithASeed() {
        double[] got;
        try (Trainer trainer = logistic(1)) {
            List<TrainProgress> reports = new ArrayList<>();
            trainer.fit(X, Y, 2, 4, X, Y, p -> reports.add(p));
            assertEquals(8, reports.size());
            assertTrue(reports.get(7).loss() < reports.get(3).loss());
            assertTrue(Double.isNaN(reports.get(0).valLoss()) && !Double.isNaN(reports.get(3).valLoss()));
            double[] w = {0.25, -0.5, 0};
            for (int step = 0; step < 8; step++) {
                double[] g = new double[3];
                for (int i = step % 4 * 4; i < step % 4 * 4 + 4; i++) {
                    double p = 1 / (1 + Math.exp(-(w[0] * X[2 * i] + w[1] * X[2 * i + 1] + w[2])));
                    g[0] += (p - Y[i]) * X[2 * i];
                    g[1] += (p - Y[i]) * X[2 * i + 1];
                    g[2] += p - Y[i];
                }
                for (int k = 0; k < 3; k++) {
                    w[k] -= 0.5 / 4 * g[k];
                }
            }
            got = weights(trainer);
            assertArrayEquals(w, got, 0.03);
            double[] eval = trainer.evaluate(X, Y);
            assertTrue(eval[0] > 0 && eval[0] < reports.get(3).loss() && eval[1] >= 0.75, eval[0] + " " + eval[1]);
            assertEquals(16, trainer.predict(X, 16).length);
        }
        try (Trainer again = logistic(1)) {
            again.fit(X, Y, 2, 4, X, Y, null);
            assertArrayEquals(got, weights(again), 0.0);
        }
    }

    @Test
    void aListenerStopsFitAndItsExceptionComesOut() {
        try (Trainer trainer = logistic(2)) {
            int[] calls = {0};
            TfeException stopped = assertThrows(TfeException.class,
                    () -> trainer.fit(X, Y, 2, 4, null, null, p -> ++calls[0] < 3));
            assertEquals(Status.ABORTED, stopped.status());
            assertEquals(3, calls[0]);
            IllegalStateException boom = new IllegalStateException("boom");
            IllegalStateException thrown = assertThrows(IllegalStateException.class,
                    () -> trainer.fit(X, Y, 1, 4, null, null, p -> {
                        throw boom;
                    }));
            assertSame(boom, thrown);
            assertTrue(thrown.getSuppressed()[0].getMessage().contains("progress callback returned 1"));
            RuntimeException checked = assertThrows(RuntimeException.class,
                    () -> trainer.fit(X, Y, 1, 4, null, null, p -> {
                        throw new java.io.IOException("checked");
                    }));
            assertTrue(checked.getCause() instanceof java.io.IOException);
            trainer.fit(X, Y, 1, 4, null, null, null); // still usable
        }
    }

    @Test
    @SuppressWarnings("try") // closes the try's resource inside the try, which is what is tested
    void closeFromTheProgressCallbackIsRefusedAndTheTrainerGoesOn() {
        try (Trainer trainer = logistic(4)) {
            TfeException refused = assertThrows(TfeException.class,
                    () -> trainer.fit(X, Y, 1, 4, null, null, p -> {
                        trainer.close();
                        return true;
                    }));
            assertEquals(Status.INVALID_ARGUMENT, refused.status());
            assertTrue(refused.getMessage().contains("Trainer.close() called inside a call on it"), refused.getMessage());
            assertFalse(trainer.isClosed());
            trainer.fit(X, Y, 1, 4, null, null, null); // still usable
        }
    }

    @Test
    void anInterruptStopsFitAtItsNextBatch() {
        try (Trainer trainer = logistic(3)) {
            trainer.interrupt(); // between calls: reaches none
            int[] calls = {0};
            TfeException interrupted = assertThrows(TfeException.class, () -> trainer.fit(X, Y, 2, 4, null, null, p -> {
                if (++calls[0] == 2) {
                    trainer.interrupt();
                }
                return true;
            }));
            assertEquals(Status.ABORTED, interrupted.status());
            assertTrue(interrupted.getMessage().contains("interrupted by its caller"), interrupted.getMessage());
            assertEquals(2, calls[0]);
            trainer.fit(X, Y, 1, 4, null, null, null); // still usable
        }
    }

    @Test
    void anInterruptReachesAFitThatAPendingCloseWaitsFor() throws Exception {
        Trainer trainer = logistic(3);
        CountDownLatch fitting = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        CompletableFuture<Throwable> fit = CompletableFuture.supplyAsync(() -> {
            try {
                trainer.fit(X, Y, 2, 4, null, null, p -> {
                    fitting.countDown();
                    try {
                        interrupted.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return true;
                });
                return null;
            } catch (TfeException e) {
                return e;
            }
        });
        assertTrue(fitting.await(60, TimeUnit.SECONDS));
        Thread closer = new Thread(trainer::close);
        closer.start();
        while (closer.getState() != Thread.State.WAITING) { // queued for the handle, behind fit
            Thread.sleep(1);
        }
        trainer.interrupt(); // must not queue behind the close
        interrupted.countDown();
        Throwable failure = fit.get(60, TimeUnit.SECONDS);
        assertTrue(failure instanceof TfeException e && e.status() == Status.ABORTED, String.valueOf(failure));
        closer.join();
        assertTrue(trainer.isClosed());
        assertThrows(IllegalStateException.class, trainer::interrupt);
    }

    @Test
    void badArgumentsAreErrors() {
        try (Model model = new Model(new long[] {2})) {
            model.addDense(2, 1, new double[] {0.25, -0.5}, new double[] {0});
            TfeException e = assertThrows(TfeException.class, () -> new Trainer(model, "a", "b c", "d", null));
            assertTrue(e.getMessage().contains("'data_owner'"), e.getMessage());
            Trainer trainer = new Trainer(model, "model-owner", "data-owner", "label-owner", memory());
            try {
                e = assertThrows(TfeException.class, () -> trainer.fit(X, Y, 1, 4, null, null, null));
                assertTrue(e.getMessage().contains("not compiled"), e.getMessage());
                Optimizer adam = Optimizer.defaults(OptimizerKind.ADAM).withEpsilon(1e-7);
                e = assertThrows(TfeException.class, () -> trainer.compile(adam, Loss.MEAN_SQUARED_ERROR, Metrics.NONE));
                assertTrue(e.getMessage().contains("2^−12"), e.getMessage());
                trainer.compile(adam.withEpsilon(1.0 / 256), Loss.MEAN_SQUARED_ERROR, Metrics.NONE);
                e = assertThrows(TfeException.class,
                        () -> trainer.fit(java.util.Arrays.copyOf(X, 31), Y, 1, 4, null, null, null));
                assertTrue(e.getMessage().contains("'x' has 31 and 'y' 16 values"), e.getMessage());
                assertTrue(Double.isNaN(trainer.evaluate(X, Y)[1]));
            } finally {
                trainer.close();
            }
            assertThrows(IllegalStateException.class, () -> trainer.predict(X, 16));
            trainer.close(); // safe twice
        }
    }
}
