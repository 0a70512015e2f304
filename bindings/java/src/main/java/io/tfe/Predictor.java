package io.tfe;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;

import java.lang.foreign.MemorySegment;

/**
 * A model ready for private prediction of 1 to {@code maxBatch} samples
 * ({@code tfe_predictor_t}): the servers keep the weights' shares between predictions.
 * Thread-safe: predictions from several threads are serialized.
 */
public final class Predictor extends BatchPredictor {
    /**
     * Shares {@code model}'s weights (owned by player {@code owner}) for predictions of inputs of
     * player {@code client}, in a local session with {@code options} (null: the defaults). The
     * model may be closed afterwards: the predictor keeps a copy.
     */
    public Predictor(Model model, long maxBatch, String owner, String client, SessionOptions options) {
        super("Predictor", newPredictor(model, maxBatch, owner, client, options), NativeModel::tfe_predictor_free);
        readSizes();
    }

    private static MemorySegment newPredictor(Model model, long maxBatch, String owner, String client,
            SessionOptions options) {
        return model.getAddress((m, arena, out) -> NativeModel.tfe_predictor_new_local(m, maxBatch,
                Strings.of(arena, owner), Strings.of(arena, client),
                options == null ? MemorySegment.NULL : options.toNative(arena), out));
    }

    /** The private prediction of the samples {@code x} (row-major, batch first). */
    public double[] predict(double[] x) {
        return predictWith(NativeModel::tfe_predictor_predict, x);
    }

    /** Every output of the model for the samples {@code x}, in the model's order. */
    public double[][] predictOutputs(double[] x) {
        return predictOutputsWith(NativeModel::tfe_predictor_predict_outputs, x);
    }

    @Override
    public long outputCount() {
        return getLong((pred, arena, out) -> NativeModel.tfe_predictor_output_count(pred, out));
    }

    @Override
    public long[] outputShape(long index) {
        return getShape((pred, shape, rank) -> NativeModel.tfe_predictor_output_shape_at(pred, index, shape, rank));
    }

    @Override
    public long[] inputShape() {
        return getShape(NativeModel::tfe_predictor_input_shape);
    }

    /** The shape of a full batch of predictions, {@code [maxBatch, sample shape...]}. */
    public long[] outputShape() {
        return getShape(NativeModel::tfe_predictor_output_shape);
    }

    /** What the last prediction cost each player (a result with stats and no values). */
    public Result lastStats() {
        return new Result(getAddress((pred, arena, out) -> NativeModel.tfe_predictor_last_stats(pred, out)));
    }

    static long product(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    static double[] readDoubles(MemorySegment segment, long count) {
        return count == 0 ? new double[0] : segment.asSlice(0, count * Double.BYTES).toArray(JAVA_DOUBLE);
    }
}
