/*
 * Models imported from ONNX files through the C API (the committed models
 * of tests/onnx/models, made by skl2onnx and tf2onnx): loading from a path
 * and from bytes, the shapes of several outputs, private predictions of
 * every output compared with onnxruntime's (the same class for at least
 * 99 % of the samples, every output within 0.05, as tests/onnx.rs), and the
 * errors: a file that is no model (the message names the file), an
 * unsupported node (the message names the node and its op type), a model
 * that takes no layers, an output index past the last. TFE_SOURCE_DIR is
 * the repository (CMake defines it). Exits 0 when every check passes.
 */
#include <math.h>
#include <stdlib.h>

#include "check.h"

int failures = 0;

#define MODELS TFE_SOURCE_DIR "/tests/onnx/models/"

/* The whole file at `path` (NULL if it cannot be read); its size in `*len`. */
static unsigned char *read_file(const char *path, size_t *len) {
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        return NULL;
    }
    unsigned char *bytes = NULL;
    if (fseek(file, 0, SEEK_END) == 0) {
        long size = ftell(file);
        if (size > 0 && fseek(file, 0, SEEK_SET) == 0) {
            bytes = malloc((size_t)size);
            if (bytes != NULL && fread(bytes, 1, (size_t)size, file) != (size_t)size) {
                free(bytes);
                bytes = NULL;
            }
            *len = (size_t)size;
        }
    }
    fclose(file);
    return bytes;
}

/* The values of an .npy file and its number of rows (0 if it cannot be read). */
static double *read_npy(const char *path, size_t *rows, size_t *len) {
    tfe_array_t *array = NULL;
    const double *data;
    const size_t *shape;
    size_t rank;
    *rows = 0;
    EXPECT_OK(tfe_array_load(path, &array));
    if (array == NULL) {
        return NULL;
    }
    EXPECT_OK(tfe_array_values(array, &data, len));
    EXPECT_OK(tfe_array_shape(array, &shape, &rank));
    double *copy = malloc(*len * sizeof *copy);
    if (copy != NULL) {
        memcpy(copy, data, *len * sizeof *copy);
        *rows = shape[0];
    }
    tfe_array_free(array);
    return copy;
}

/* The class of a row of `width` values: the value itself (a label), or its argmax. */
static size_t class_of(const double *row, size_t width) {
    if (width == 1) {
        return (size_t)(row[0] + 0.5); /* labels are small non-negative integers */
    }
    size_t best = 0;
    for (size_t i = 1; i < width; i++) {
        best = row[i] > row[best] ? i : best;
    }
    return best;
}

/* Compares `got` with onnxruntime's values in `npy` for `batch` samples. */
static void expect_like_onnxruntime(const char *npy, const double *got, size_t batch) {
    size_t rows, len;
    double *want = read_npy(npy, &rows, &len);
    EXPECT(want != NULL && rows == batch);
    if (want == NULL || rows != batch) {
        free(want);
        return;
    }
    size_t width = len / batch, agree = 0;
    double worst = 0.0;
    for (size_t i = 0; i < len; i++) {
        double difference = fabs(got[i] - want[i]);
        worst = difference > worst ? difference : worst;
    }
    for (size_t s = 0; s < batch; s++) {
        agree += class_of(got + s * width, width) == class_of(want + s * width, width);
    }
    if (worst > 0.05 || agree * 100 < batch * 99) {
        fprintf(stderr, "%s: max |difference| %f, %zu of %zu classes agree\n", npy, worst, agree, batch);
        failures++;
    }
    free(want);
}

/* sklearn_logreg (from bytes): two outputs, a label (shape []) and probabilities [10]. */
static void test_logreg_outputs_like_onnxruntime(void) {
    size_t len = 0, rows, x_len, count = 0, rank;
    const size_t *shape;
    unsigned char *bytes = read_file(MODELS "sklearn_logreg.onnx", &len);
    EXPECT(bytes != NULL);
    tfe_model_t *model = NULL;
    EXPECT_OK(tfe_model_load_onnx_bytes(bytes, len, &model));
    free(bytes);
    EXPECT_OK(tfe_model_input_shape(model, &shape, &rank));
    EXPECT(rank == 1 && shape[0] == 64);
    EXPECT_OK(tfe_model_output_count(model, &count));
    EXPECT(count == 2);
    EXPECT_OK(tfe_model_output_shape_at(model, 1, &shape, &rank));
    EXPECT(rank == 1 && shape[0] == 10);
    EXPECT_OK(tfe_model_output_shape(model, &shape, &rank)); /* the first output's: one label per sample */
    EXPECT(rank == 0);
    EXPECT_ERROR(tfe_model_output_shape_at(model, 2, &shape, &rank), TFE_ERR_INVALID_ARGUMENT,
                 "index 2 is past the last output, expected 0 to 1 (2 outputs)");

    double *x = read_npy(MODELS "sklearn_logreg.input.npy", &rows, &x_len);
    EXPECT(x != NULL && rows > 0);
    tfe_predictor_t *pred = NULL;
    tfe_session_options_t options = tfe_session_options_default();
    options.transport = TFE_TRANSPORT_MEMORY;
    EXPECT_OK(tfe_predictor_new_local(model, rows, "model-owner", "client", &options, &pred));
    tfe_model_free(model); /* the predictor keeps what it needs */
    EXPECT_OK(tfe_predictor_output_count(pred, &count));
    EXPECT(count == 2);
    EXPECT_OK(tfe_predictor_output_shape_at(pred, 1, &shape, &rank));
    EXPECT(rank == 2 && shape[0] == rows && shape[1] == 10);
    EXPECT_ERROR(tfe_predictor_output_shape_at(pred, 5, &shape, &rank), TFE_ERR_INVALID_ARGUMENT,
                 "index 5 is past the last output");

    double *labels = calloc(rows, sizeof *labels), *probabilities = calloc(rows * 10, sizeof *probabilities);
    double *outs[2] = {labels, probabilities};
    size_t lens[2] = {rows, rows * 10};
    EXPECT_ERROR(tfe_predictor_predict_outputs(pred, x, x_len, outs, lens, 1), TFE_ERR_INVALID_ARGUMENT,
                 "count is 1, expected the model's 2 outputs");
    lens[1] = 10;
    EXPECT_ERROR(tfe_predictor_predict_outputs(pred, x, x_len, outs, lens, 2), TFE_ERR_INVALID_ARGUMENT,
                 "'outs[1]' has 10 values, expected");
    lens[1] = rows * 10;
    EXPECT_OK(tfe_predictor_predict_outputs(pred, x, x_len, outs, lens, 2));
    expect_like_onnxruntime(MODELS "sklearn_logreg.label.npy", labels, rows);
    expect_like_onnxruntime(MODELS "sklearn_logreg.probabilities.npy", probabilities, rows);

    /* tfe_predictor_predict gives the first output, the labels; a smaller batch too. */
    double first[3];
    EXPECT_OK(tfe_predictor_predict(pred, x, 3 * 64, first, 3));
    EXPECT(memcmp(first, labels, sizeof first) == 0);
    tfe_predictor_free(pred);
    free(labels);
    free(probabilities);
    free(x);
}

/* keras_cnn (from a path): NHWC images [8, 8, 1], one output of 10 scores. */
static void test_keras_model_like_onnxruntime(void) {
    tfe_model_t *model = NULL;
    size_t rows, x_len, rank, count = 0;
    const size_t *shape;
    EXPECT_OK(tfe_model_load_onnx(MODELS "keras_cnn.onnx", &model));
    EXPECT_OK(tfe_model_input_shape(model, &shape, &rank));
    EXPECT(rank == 3 && shape[0] == 8 && shape[1] == 8 && shape[2] == 1);
    EXPECT_OK(tfe_model_output_count(model, &count));
    EXPECT(count == 1);

    double *x = read_npy(MODELS "keras_cnn.input.npy", &rows, &x_len);
    EXPECT(x != NULL && rows > 0);
    double *scores = calloc(rows * 10, sizeof *scores);
    tfe_predictor_t *pred = NULL;
    tfe_session_options_t options = tfe_session_options_default();
    options.transport = TFE_TRANSPORT_MEMORY;
    EXPECT_OK(tfe_predictor_new_local(model, rows, "model-owner", "client", &options, &pred));
    EXPECT_OK(tfe_predictor_predict(pred, x, x_len, scores, rows * 10));
    expect_like_onnxruntime(MODELS "keras_cnn.Identity_0.npy", scores, rows);
    tfe_predictor_free(pred);
    free(scores);
    free(x);

    /* An imported model takes no layers, has no layer count and no plaintext inference. */
    EXPECT_ERROR(tfe_model_add_relu(model), TFE_ERR_INVALID_ARGUMENT,
                 "tfe_model_add_relu: the model is imported from ONNX and takes no more layers");
    EXPECT_ERROR(tfe_model_layer_count(model, &count), TFE_ERR_INVALID_ARGUMENT, "imported from ONNX");
    double y[10];
    EXPECT_ERROR(tfe_model_predict_plain(model, y, 64, 1, y, 10), TFE_ERR_INVALID_ARGUMENT,
                 "imported from ONNX, which has no plaintext inference");
    tfe_model_free(model);
}

static void test_load_errors(void) {
    tfe_model_t *model = NULL;
    EXPECT_ERROR(tfe_model_load_onnx(MODELS "missing.onnx", &model), TFE_ERR_INVALID_ARGUMENT,
                 "cannot read the ONNX model " MODELS "missing.onnx");
    EXPECT_ERROR(tfe_model_load_onnx(MODELS "keras_cnn.input.npy", &model), TFE_ERR_INVALID_ARGUMENT,
                 "ONNX model " MODELS "keras_cnn.input.npy: ");
    EXPECT_ERROR(tfe_model_load_onnx(NULL, &model), TFE_ERR_NULL_POINTER, "'path'");
    EXPECT_ERROR(tfe_model_load_onnx_bytes(NULL, 10, &model), TFE_ERR_NULL_POINTER, "'bytes'");
    EXPECT(model == NULL);

    /* Every "Relu" renamed "Relq" (the op type and the names that contain it, alike):
     * a well-formed model with a node nobody supports. */
    size_t len = 0;
    unsigned char *bytes = read_file(MODELS "keras_cnn.onnx", &len);
    EXPECT(bytes != NULL);
    size_t renamed = 0;
    for (size_t i = 0; bytes != NULL && i + 4 <= len; i++) {
        if (memcmp(bytes + i, "Relu", 4) == 0) {
            bytes[i + 3] = 'q';
            renamed++;
        }
    }
    EXPECT(renamed > 0);
    EXPECT_ERROR(tfe_model_load_onnx_bytes(bytes, len, &model), TFE_ERR_INVALID_ARGUMENT,
                 "'sequential_1/re_lu_1/Relq' (Relq)");
    /* A truncated file: an error, not a crash. */
    EXPECT_ERROR(tfe_model_load_onnx_bytes(bytes, len / 2, &model), TFE_ERR_INVALID_ARGUMENT,
                 "tfe_model_load_onnx_bytes: ");
    EXPECT(model == NULL);
    free(bytes);
}

int main(void) {
    test_logreg_outputs_like_onnxruntime();
    test_keras_model_like_onnxruntime();
    test_load_errors();
    return finish("test_onnx");
}
