package io.tfe;

import java.util.Arrays;

/** The seed graph of the tests: a private 5x10 input of ones times a 10x10 variable of ones. */
final class Seed implements AutoCloseable {
    final Context ctx;
    final Tensor x;
    final Tensor w;
    final Tensor y;

    Seed(InputProvider provider) {
        ctx = new Context();
        double[] ones = new double[100];
        Arrays.fill(ones, 1.0);
        w = ctx.definePrivateVariable("w", "server0", ones, new long[] {10, 10});
        x = ctx.definePrivateInput("x", "input-provider", new long[] {5, 10}, provider);
        try (Tensor product = ctx.matmul(x, w)) {
            y = ctx.reveal(product, null);
        }
    }

    Seed() {
        this((name, shape, out) -> Arrays.fill(out, 1.0));
    }

    static double[] filled(int n, double value) {
        double[] values = new double[n];
        Arrays.fill(values, value);
        return values;
    }

    @Override
    public void close() {
        y.close();
        x.close();
        w.close();
        ctx.close();
    }
}
