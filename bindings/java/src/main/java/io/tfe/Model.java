package io.tfe;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;

/**
 * A model ({@code tfe_model_t}): sequential, an input shape (one sample) and layers, each checked
 * against the shape it receives when added; or imported from an ONNX file ({@link #loadOnnx}), which
 * takes no layers and may have several outputs. The weights are the model owner's, in plaintext;
 * {@link Predictor} shares them among the servers. Not thread-safe while layers are added.
 */
public final class Model extends Handle {
    private Model(MemorySegment address) {
        super("Model", address, NativeModel::tfe_model_free, null);
    }

    /** A model handle the library handed out, now owned by the new object. */
    static Model wrap(MemorySegment address) {
        return new Model(address);
    }

    /** An empty model taking samples of {@code inputShape}. */
    public Model(long[] inputShape) {
        this(newModel(inputShape));
    }

    private static MemorySegment newModel(long[] inputShape) {
        return create((arena, out) -> NativeModel.tfe_model_new(Context.longs(arena, inputShape), inputShape.length,
                out));
    }

    /** A benchmark network with pseudo-random weights from {@code seed}. */
    public static Model network(Network network, long seed) {
        return new Model(create((arena, out) -> NativeModel.tfe_model_network(network.ordinal(), seed, out)));
    }

    /**
     * The model of the ONNX file at {@code path}, its initializers the owner's weights; an
     * unsupported node is a {@link TfeException} naming the file and the node.
     */
    public static Model loadOnnx(String path) {
        return new Model(create((arena, out) -> NativeModel.tfe_model_load_onnx(arena.allocateFrom(path), out)));
    }

    /** As {@link #loadOnnx(String)}, from the bytes of a model file. */
    public static Model loadOnnx(byte[] model) {
        return new Model(create((arena, out) -> NativeModel.tfe_model_load_onnx_bytes(
                model.length == 0 ? MemorySegment.NULL : arena.allocateFrom(JAVA_BYTE, model), model.length, out)));
    }

    /** The shape of one sample. */
    public long[] inputShape() {
        return getShape(NativeModel::tfe_model_input_shape);
    }

    /** The shape of one sample's output (the first output's). */
    public long[] outputShape() {
        return getShape(NativeModel::tfe_model_output_shape);
    }

    /** The number of outputs: 1, or several for an imported model. */
    public long outputCount() {
        return getLong((model, arena, out) -> NativeModel.tfe_model_output_count(model, out));
    }

    /** The shape of output {@code index} for one sample. */
    public long[] outputShape(long index) {
        return getShape((model, shape, rank) -> NativeModel.tfe_model_output_shape_at(model, index, shape, rank));
    }

    /** The number of layers. */
    public long layerCount() {
        return getLong((model, arena, out) -> NativeModel.tfe_model_layer_count(model, out));
    }

    /** Plaintext inference of {@code batch} samples {@code x} (row-major, batch first). */
    public double[] predictPlain(double[] x, long batch) {
        return BatchPredictor.predict(this, (model, xs, xLen, out, outLen) ->
                NativeModel.tfe_model_predict_plain(model, xs, xLen, batch, out, outLen), x,
                batch * Predictor.product(outputShape()));
    }

    /** A dense layer of {@code units} ({@code weights}: inputs x units, row-major); returns this. */
    public Model addDense(long inputs, long units, double[] weights, double[] bias) {
        return addLayer((m, a) -> NativeModel.tfe_model_add_dense(m, inputs, units, Context.doubles(a, weights),
                weights.length, Context.doubles(a, bias), bias.length));
    }

    /** A convolution ({@code kernel}: h, w, in, out; weights HWIO); returns this. */
    public Model addConv2d(long[] kernel, double[] weights, double[] bias, long strideH, long strideW,
            Padding padding) {
        return addLayer((m, a) -> NativeModel.tfe_model_add_conv2d(m, Context.longs(a, kernel), kernel.length,
                Context.doubles(a, weights), weights.length, Context.doubles(a, bias), bias.length, strideH, strideW,
                padding.ordinal()));
    }

    /** Max pooling; returns this. */
    public Model addMaxPool2d(long windowH, long windowW, long strideH, long strideW, Padding padding) {
        return addLayer((m, a) -> NativeModel.tfe_model_add_max_pool2d(m, windowH, windowW, strideH, strideW,
                padding.ordinal()));
    }

    /** Average pooling; returns this. */
    public Model addAvgPool2d(long windowH, long windowW, long strideH, long strideW, Padding padding) {
        return addLayer((m, a) -> NativeModel.tfe_model_add_avg_pool2d(m, windowH, windowW, strideH, strideW,
                padding.ordinal()));
    }

    /** Batch normalization (inference) over {@code gamma.length} channels; returns this. */
    public Model addBatchNorm(double[] gamma, double[] beta, double[] mean, double[] variance, double epsilon) {
        long channels = gamma.length;
        if (beta.length != channels || mean.length != channels || variance.length != channels) {
            throw new IllegalArgumentException("batch norm: gamma has " + channels + " values, beta " + beta.length
                    + ", mean " + mean.length + ", variance " + variance.length + "; all need the same count");
        }
        return addLayer((m, a) -> NativeModel.tfe_model_add_batch_norm(m, Context.doubles(a, gamma),
                Context.doubles(a, beta), Context.doubles(a, mean), Context.doubles(a, variance), channels, epsilon));
    }

    /** ReLU; returns this. */
    public Model addRelu() {
        return addLayer((m, a) -> NativeModel.tfe_model_add_relu(m));
    }

    /** Sigmoid; returns this. */
    public Model addSigmoid() {
        return addLayer((m, a) -> NativeModel.tfe_model_add_sigmoid(m));
    }

    /** Softmax; returns this. */
    public Model addSoftmax() {
        return addLayer((m, a) -> NativeModel.tfe_model_add_softmax(m));
    }

    /** Flatten; returns this. */
    public Model addFlatten() {
        return addLayer((m, a) -> NativeModel.tfe_model_add_flatten(m));
    }

    /** Global average pooling; returns this. */
    public Model addGlobalAvgPool2d() {
        return addLayer((m, a) -> NativeModel.tfe_model_add_global_avg_pool2d(m));
    }

    /** Runs {@code layer}, a {@code tfe_model_add_*} call, and returns this for chaining. */
    private Model addLayer(Call layer) {
        call(layer);
        return this;
    }

    /**
     * The number of weight arrays of the model as it runs ({@code tfe_model_weight_count}): two
     * per Dense or Conv2D layer, four per batch normalization not folded.
     */
    public long weightCount() {
        return getLong((model, arena, out) -> NativeTrain.tfe_model_weight_count(model, out));
    }

    /** A copy of weight array {@code index} ({@code tfe_model_weight}). */
    public double[] weight(long index) {
        return getDoubles((model, values, len) -> NativeTrain.tfe_model_weight(model, index, values, len));
    }
}
