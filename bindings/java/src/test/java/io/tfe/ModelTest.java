package io.tfe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class ModelTest {
    static double[] random(int n, long seed) {
        Random random = new Random(seed);
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = random.nextDouble() - 0.5;
        }
        return values;
    }

    @Test
    void layersAreCheckedAndPredictPlainComputes() {
        try (Model model = new Model(new long[] {4, 4, 1})) {
            model.addConv2d(new long[] {3, 3, 1, 2}, random(18, 1), new double[2], 1, 1, Padding.SAME)
                    .addBatchNorm(new double[] {1, 1}, new double[] {0, 0}, new double[] {0, 0}, new double[] {1, 1},
                            1e-3)
                    .addRelu().addMaxPool2d(2, 2, 2, 2, Padding.VALID).addAvgPool2d(1, 1, 1, 1, Padding.VALID)
                    .addGlobalAvgPool2d().addFlatten().addDense(2, 3, random(6, 2), new double[3]).addSigmoid()
                    .addSoftmax();
            // The batch normalization is folded into the convolution before it.
            assertEquals(9, model.layerCount());
            assertArrayEquals(new long[] {4, 4, 1}, model.inputShape());
            assertArrayEquals(new long[] {3}, model.outputShape());
            double[] out = model.predictPlain(random(32, 3), 2);
            assertEquals(6, out.length);
            assertEquals(1.0, out[0] + out[1] + out[2], 1e-9);
            // Wrong shape: a dense layer of the wrong input size names both sizes.
            TfeException e = assertThrows(TfeException.class, () -> model.addDense(7, 1, new double[7], new double[1]));
            assertEquals(Status.INVALID_ARGUMENT, e.status());
            assertThrows(IllegalArgumentException.class,
                    () -> model.addBatchNorm(new double[2], new double[1], new double[2], new double[2], 1e-3));
        }
    }

    @Test
    void privatePredictionMatchesThePlaintextModel() throws Exception {
        try (Model model = Model.network(Network.A, 7)) {
            double[] x = random(784 * 2, 4);
            double[] plain = model.predictPlain(x, 2);
            SessionOptions memory = SessionOptions.defaults().withTransport(Transport.MEMORY);
            try (Predictor pred = new Predictor(model, 2, "server0", "input-provider", memory)) {
                assertArrayEquals(new long[] {2, 784}, pred.inputShape());
                assertArrayEquals(new long[] {2, 10}, pred.outputShape());
                assertArrayEquals(plain, pred.predict(x), 0.05);
                try (Result stats = pred.lastStats()) {
                    assertEquals(0, stats.count());
                    assertTrue(stats.playerCount() > 0);
                }
                // Concurrent predictions are serialized by the library.
                ExecutorService pool = Executors.newFixedThreadPool(3);
                try {
                    List<Future<double[]>> runs = new ArrayList<>();
                    for (int i = 0; i < 3; i++) {
                        runs.add(pool.submit(() -> pred.predict(java.util.Arrays.copyOf(x, 784))));
                    }
                    for (Future<double[]> run : runs) {
                        assertArrayEquals(java.util.Arrays.copyOf(plain, 10), run.get(), 0.05);
                    }
                } finally {
                    pool.shutdown();
                }
                TfeException e = assertThrows(TfeException.class, () -> pred.predict(new double[785]));
                assertEquals(Status.INVALID_ARGUMENT, e.status());
            }
        }
    }
}
