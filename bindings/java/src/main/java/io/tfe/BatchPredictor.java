package io.tfe;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;

/**
 * A handle that answers batches of 1 to {@code maxBatch} samples ({@link Predictor},
 * {@link Client}): the sizes of a sample's input and outputs, and the buffers of the two
 * prediction calls, written once for both.
 */
abstract class BatchPredictor extends Handle {
    /** A {@code tfe_*_predict}: (handle, x, x_len, out, out_len). */
    @FunctionalInterface
    interface Predict {
        int call(MemorySegment handle, MemorySegment x, long xLen, MemorySegment out, long outLen);
    }

    /** A {@code tfe_*_predict_outputs}: (handle, x, x_len, outs, out_lens, count). */
    @FunctionalInterface
    interface PredictOutputs {
        int call(MemorySegment handle, MemorySegment x, long xLen, MemorySegment outs, MemorySegment outLens,
                long count);
    }

    private volatile long inputSize;
    private volatile long[] outputSizes;

    BatchPredictor(String type, MemorySegment address, Consumer<MemorySegment> free) {
        super(type, address, free, null);
    }

    /** The shape of a full batch of inputs, {@code [maxBatch, sample shape...]}. */
    public abstract long[] inputShape();

    /** The number of outputs of each prediction. */
    public abstract long outputCount();

    /** The shape of output {@code index} of a full batch, {@code [maxBatch, sample shape...]}. */
    public abstract long[] outputShape(long index);

    /** Reads the sizes of one sample's input and outputs from the shapes of a full batch. */
    final void readSizes() {
        long[] in = inputShape();
        long[] sizes = new long[(int) outputCount()];
        for (int i = 0; i < sizes.length; i++) {
            long[] shape = outputShape(i);
            sizes[i] = Predictor.product(shape) / shape[0];
        }
        inputSize = Predictor.product(in) / in[0];
        outputSizes = sizes;
    }

    private long batch(double[] x) {
        return inputSize == 0 ? 0 : x.length / inputSize;
    }

    /** The first output for the samples {@code x}, through {@code call}. */
    final double[] predictWith(Predict call, double[] x) {
        return predict(this, call, x, batch(x) * outputSizes[0]);
    }

    /** The {@code outLen} values {@code call} writes for {@code x}, with {@code handle} held. */
    static double[] predict(Handle handle, Predict call, double[] x, long outLen) {
        MemorySegment h = handle.acquire();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_DOUBLE, Math.max(1, outLen));
            TfeException.check(call.call(h, Context.doubles(arena, x), x.length, out, outLen));
            return Predictor.readDoubles(out, outLen);
        } finally {
            handle.release();
        }
    }

    /** Every output for the samples {@code x}, through {@code call}. */
    final double[][] predictOutputsWith(PredictOutputs call, double[] x) {
        long[] sizes = outputSizes;
        int count = sizes.length;
        MemorySegment handle = acquire();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment[] outs = new MemorySegment[count];
            MemorySegment pointers = arena.allocate(ADDRESS, Math.max(1, count));
            MemorySegment outLens = arena.allocate(JAVA_LONG, Math.max(1, count));
            for (int i = 0; i < count; i++) {
                long len = batch(x) * sizes[i];
                outs[i] = arena.allocate(JAVA_DOUBLE, Math.max(1, len));
                pointers.setAtIndex(ADDRESS, i, outs[i]);
                outLens.setAtIndex(JAVA_LONG, i, len);
            }
            TfeException.check(call.call(handle, Context.doubles(arena, x), x.length, pointers, outLens, count));
            double[][] values = new double[count][];
            for (int i = 0; i < count; i++) {
                values[i] = Predictor.readDoubles(outs[i], outLens.getAtIndex(JAVA_LONG, i));
            }
            return values;
        } finally {
            release();
        }
    }
}
