/*
 * Models, private prediction and array files through the C API: every
 * layer kind, the benchmark networks, plaintext against private
 * prediction, the stats of a prediction, .npy and .csv files; and the
 * errors: NULL pointers, wrong sizes and shapes (the message names the
 * layer and both shapes), a handle of another kind or a freed one, bad
 * files (the message names the file and what was wrong). Exits 0 when
 * every check passes.
 */
#include <math.h>
#include <stdlib.h>

#include "check.h"

int failures = 0;

static const double w_dense[6] = {0.5, -1.0, 0.25, 2.0, -0.75, 1.5}; /* 3 x 2 */
static const double b_dense[2] = {0.1, -0.2};

static tfe_session_options_t in_memory(void) {
    tfe_session_options_t options = tfe_session_options_default();
    options.transport = TFE_TRANSPORT_MEMORY;
    return options;
}

/* Private prediction of `x` against the plaintext one, within `bound`. */
static void expect_private_like_plain(const tfe_model_t *model, const double *x, size_t x_len, size_t batch,
                                      double bound) {
    const size_t *shape;
    size_t rank;
    EXPECT_OK(tfe_model_output_shape(model, &shape, &rank));
    size_t n = batch;
    for (size_t i = 0; i < rank; i++) {
        n *= shape[i];
    }
    double *plain = calloc(n, sizeof *plain), *private_ = calloc(n, sizeof *private_);
    tfe_predictor_t *pred = NULL;
    tfe_session_options_t options = in_memory();
    EXPECT_OK(tfe_model_predict_plain(model, x, x_len, batch, plain, n));
    EXPECT_OK(tfe_predictor_new_local(model, batch, "model-owner", "client", &options, &pred));
    EXPECT_OK(tfe_predictor_predict(pred, x, x_len, private_, n));
    for (size_t i = 0; i < n; i++) {
        if (fabs(plain[i] - private_[i]) > bound) {
            fprintf(stderr, "output %zu: private %f, plaintext %f\n", i, private_[i], plain[i]);
            failures++;
        }
    }
    tfe_predictor_free(pred);
    free(plain);
    free(private_);
}

static void test_dense_model_and_folding(void) {
    const size_t input[1] = {3};
    const double gamma[2] = {1.5, 0.5}, beta[2] = {0.1, -0.3}, mean[2] = {0.2, -1.0}, var[2] = {4.0, 0.25};
    tfe_model_t *model = NULL;
    EXPECT_OK(tfe_model_new(input, 1, &model));
    EXPECT_OK(tfe_model_add_dense(model, 3, 2, w_dense, 6, b_dense, 2));
    EXPECT_OK(tfe_model_add_batch_norm(model, gamma, beta, mean, var, 2, 1e-3)); /* folded */
    EXPECT_OK(tfe_model_add_relu(model));
    EXPECT_OK(tfe_model_add_batch_norm(model, gamma, beta, mean, var, 2, 1e-3)); /* not folded */
    EXPECT_OK(tfe_model_add_sigmoid(model));
    EXPECT_OK(tfe_model_add_softmax(model));
    size_t layers = 0, rank = 0;
    const size_t *shape = NULL;
    EXPECT_OK(tfe_model_layer_count(model, &layers));
    EXPECT(layers == 5);
    EXPECT_OK(tfe_model_input_shape(model, &shape, &rank));
    EXPECT(rank == 1 && shape[0] == 3);
    EXPECT_OK(tfe_model_output_shape(model, &shape, &rank));
    EXPECT(rank == 1 && shape[0] == 2);

    const double x[6] = {0.5, -2.0, 1.25, 3.0, 0.75, -1.5};
    double y[4];
    EXPECT_OK(tfe_model_predict_plain(model, x, 6, 2, y, 4));
    EXPECT(fabs(y[0] + y[1] - 1.0) < 1e-9 && fabs(y[2] + y[3] - 1.0) < 1e-9); /* softmax rows */
    expect_private_like_plain(model, x, 6, 2, 0.01);
    tfe_model_free(model);
}

static void test_convolutional_model(void) {
    const size_t input[3] = {6, 6, 1}, kernel[4] = {3, 3, 1, 2};
    double filter[18], x[36];
    for (int i = 0; i < 18; i++) {
        filter[i] = (i % 5 - 2) * 0.25;
    }
    for (int i = 0; i < 36; i++) {
        x[i] = (i % 7 - 3) * 0.5;
    }
    const double bias[2] = {0.5, -0.25}, ones[2] = {1.0, 1.0}, zeros[2] = {0.0, 0.0};
    const double dense_w[6] = {1.0, -1.0, 0.5, 0.5, -0.5, 2.0}, dense_b[3] = {0.0, 0.1, -0.1};
    tfe_model_t *model = NULL;
    EXPECT_OK(tfe_model_new(input, 3, &model));
    EXPECT_OK(tfe_model_add_conv2d(model, kernel, 4, filter, 18, bias, 2, 1, 1, TFE_PADDING_VALID)); /* 4x4x2 */
    EXPECT_OK(tfe_model_add_batch_norm(model, ones, zeros, zeros, ones, 2, 0.0));                   /* folded */
    EXPECT_OK(tfe_model_add_relu(model));
    EXPECT_OK(tfe_model_add_max_pool2d(model, 2, 2, 2, 2, TFE_PADDING_VALID)); /* 2x2x2 */
    EXPECT_OK(tfe_model_add_avg_pool2d(model, 2, 2, 1, 1, TFE_PADDING_SAME));  /* 2x2x2 */
    EXPECT_OK(tfe_model_add_global_avg_pool2d(model));                         /* 2 */
    EXPECT_OK(tfe_model_add_dense(model, 2, 3, dense_w, 6, dense_b, 3));
    const size_t *shape;
    size_t rank, layers;
    EXPECT_OK(tfe_model_output_shape(model, &shape, &rank));
    EXPECT(rank == 1 && shape[0] == 3);
    EXPECT_OK(tfe_model_layer_count(model, &layers));
    EXPECT(layers == 6);
    expect_private_like_plain(model, x, 36, 1, 0.01);
    tfe_model_free(model);

    /* Flatten: NHWC [2, 2, 1] becomes 4 values per sample. */
    const size_t image[3] = {2, 2, 1};
    EXPECT_OK(tfe_model_new(image, 3, &model));
    EXPECT_OK(tfe_model_add_flatten(model));
    EXPECT_OK(tfe_model_output_shape(model, &shape, &rank));
    EXPECT(rank == 1 && shape[0] == 4);
    tfe_model_free(model);
}

static void test_networks(void) {
    static const size_t expected_layers[4] = {5, 10, 10, 6};
    for (uint32_t network = TFE_NETWORK_A; network <= TFE_NETWORK_D; network++) {
        tfe_model_t *model = NULL;
        const size_t *shape;
        size_t rank, layers;
        EXPECT_OK(tfe_model_network(network, 7, &model));
        EXPECT_OK(tfe_model_output_shape(model, &shape, &rank));
        EXPECT(rank == 1 && shape[0] == 10);
        EXPECT_OK(tfe_model_layer_count(model, &layers));
        EXPECT(layers == expected_layers[network]);
        tfe_model_free(model);
    }
    tfe_model_t *model = NULL;
    EXPECT_ERROR(tfe_model_network(4, 0, &model), TFE_ERR_INVALID_ARGUMENT, "network 4: expected TFE_NETWORK_A (0)");
    EXPECT(model == NULL);
}

static void test_predictor_stats_and_reuse(void) {
    const size_t input[1] = {3};
    tfe_model_t *model = NULL;
    tfe_predictor_t *pred = NULL;
    tfe_result_t *stats = NULL;
    EXPECT_OK(tfe_model_new(input, 1, &model));
    EXPECT_OK(tfe_model_add_dense(model, 3, 2, w_dense, 6, b_dense, 2));
    EXPECT_OK(tfe_predictor_new_local(model, 1, "owner", "client", NULL, &pred));
    tfe_model_free(model); /* the predictor keeps what it needs */

    const size_t *shape;
    size_t rank;
    EXPECT_OK(tfe_predictor_output_shape(pred, &shape, &rank));
    EXPECT(rank == 2 && shape[0] == 1 && shape[1] == 2);
    EXPECT_ERROR(tfe_predictor_last_stats(pred, &stats), TFE_ERR_INVALID_ARGUMENT, "no prediction has succeeded");

    const double x[3] = {1.0, 2.0, -1.0};
    double y[2];
    EXPECT_OK(tfe_predictor_predict(pred, x, 3, y, 2));
    EXPECT(fabs(y[0] - (0.5 * 1 + 0.25 * 2 - 0.75 * -1 + 0.1)) < 1e-3);
    EXPECT(fabs(y[1] - (-1.0 * 1 + 2.0 * 2 + 1.5 * -1 - 0.2)) < 1e-3);
    /* The second prediction reuses the shared weights: the owner sends nothing. */
    EXPECT_OK(tfe_predictor_predict(pred, x, 3, y, 2));
    EXPECT_OK(tfe_predictor_last_stats(pred, &stats));
    size_t values = 1, index = 0;
    tfe_player_stats_t owner, client;
    EXPECT_OK(tfe_result_count(stats, &values));
    EXPECT(values == 0);
    EXPECT_OK(tfe_result_player_index(stats, "owner", &index));
    EXPECT_OK(tfe_result_player_stats(stats, index, &owner));
    EXPECT(owner.bytes_sent == 0);
    EXPECT_OK(tfe_result_player_index(stats, "client", &index));
    EXPECT_OK(tfe_result_player_stats(stats, index, &client));
    EXPECT(client.bytes_sent > 0 && client.rounds > 0);
    tfe_result_free(stats);

    /* Bad sizes are statuses, and the predictor stays usable. */
    double sentinel[2] = {42.0, 42.0};
    EXPECT_ERROR(tfe_predictor_predict(pred, x, 2, sentinel, 2), TFE_ERR_INVALID_ARGUMENT,
                 "'x' has 2 values, expected 1 to 1 samples of 3 values each (shape [1, 3], batch first)");
    EXPECT_ERROR(tfe_predictor_predict(pred, x, 3, sentinel, 1), TFE_ERR_INVALID_ARGUMENT,
                 "'out' has 1 values, expected 2 (shape [1, 2])");
    EXPECT_ERROR(tfe_predictor_predict(pred, x, 3, NULL, 2), TFE_ERR_NULL_POINTER, "'out'");
    const double too_big[3] = {1e9, 0.0, 0.0};
    EXPECT(tfe_predictor_predict(pred, too_big, 3, sentinel, 2) == TFE_ERR_INVALID_ARGUMENT);
    EXPECT(sentinel[0] == 42.0 && sentinel[1] == 42.0);
    EXPECT_OK(tfe_predictor_predict(pred, x, 3, y, 2));
    tfe_predictor_free(pred);
}

static void test_model_errors(void) {
    const size_t input[1] = {3}, kernel[4] = {3, 3, 1, 2};
    tfe_model_t *model = NULL, *untouched = (tfe_model_t *)&failures;
    EXPECT_ERROR(tfe_model_new(NULL, 1, &model), TFE_ERR_NULL_POINTER, "'input_shape'");
    EXPECT_ERROR(tfe_model_new(input, 0, &untouched), TFE_ERR_INVALID_ARGUMENT, "no axes");
    EXPECT(untouched == (tfe_model_t *)&failures);
    EXPECT_ERROR(tfe_model_new(input, 1, NULL), TFE_ERR_NULL_POINTER, "'out'");
    EXPECT_OK(tfe_model_new(input, 1, &model));

    EXPECT_ERROR(tfe_model_add_relu(NULL), TFE_ERR_NULL_POINTER, "tfe_model_add_relu: parameter 'model' is NULL");
    EXPECT_ERROR(tfe_model_add_dense(model, 3, 2, w_dense, 5, b_dense, 2), TFE_ERR_INVALID_ARGUMENT,
                 "Dense weights: shape [3, 2] needs 6 values, found 5");
    EXPECT_ERROR(tfe_model_add_dense(model, 3, 2, NULL, 6, b_dense, 2), TFE_ERR_NULL_POINTER, "'weights'");
    EXPECT_ERROR(tfe_model_add_dense(model, 4, 1, w_dense, 4, b_dense, 1), TFE_ERR_INVALID_ARGUMENT,
                 "layer 0 (Dense) on input [1, 3]");
    EXPECT_ERROR(tfe_model_add_conv2d(model, kernel, 3, w_dense, 6, b_dense, 2, 1, 1, TFE_PADDING_VALID),
                 TFE_ERR_INVALID_ARGUMENT, "'kernel' has 3 sizes, expected 4");
    EXPECT_ERROR(tfe_model_add_max_pool2d(model, 2, 2, 2, 2, 7), TFE_ERR_INVALID_ARGUMENT,
                 "padding 7: expected TFE_PADDING_VALID (0) or TFE_PADDING_SAME (1)");
    EXPECT_ERROR(tfe_model_add_max_pool2d(model, 2, 2, 2, 2, TFE_PADDING_VALID), TFE_ERR_INVALID_ARGUMENT,
                 "MaxPooling2D");
    EXPECT_ERROR(tfe_model_add_global_avg_pool2d(model), TFE_ERR_INVALID_ARGUMENT, "GlobalAveragePooling2D");
    const double negative[1] = {-1.0}, one[1] = {1.0};
    EXPECT_ERROR(tfe_model_add_batch_norm(model, one, one, one, negative, 1, 0.0), TFE_ERR_INVALID_ARGUMENT,
                 "variance + epsilon must be positive");
    /* Every failure left the model as it was: no layers, output [3]. */
    size_t layers = 9;
    EXPECT_OK(tfe_model_layer_count(model, &layers));
    EXPECT(layers == 0);

    double y[3];
    const double x[3] = {1, 2, 3};
    EXPECT_ERROR(tfe_model_predict_plain(model, x, 3, 0, y, 3), TFE_ERR_INVALID_ARGUMENT, "batch is 0");
    EXPECT_ERROR(tfe_model_predict_plain(model, x, 3, 2, y, 6), TFE_ERR_INVALID_ARGUMENT,
                 "'x' has 3 values, expected 6 (shape [2, 3])");

    tfe_predictor_t *pred = NULL;
    EXPECT_ERROR(tfe_predictor_new_local(model, 0, "owner", "client", NULL, &pred), TFE_ERR_INVALID_ARGUMENT,
                 "max_batch is 0");
    EXPECT_ERROR(tfe_predictor_new_local(model, 1, "owner", NULL, NULL, &pred), TFE_ERR_NULL_POINTER, "'client'");
    EXPECT_ERROR(tfe_predictor_new_local(model, 1, "bad owner", "client", NULL, &pred), TFE_ERR_INVALID_ARGUMENT,
                 "'bad owner'");
    tfe_session_options_t options = tfe_session_options_default();
    options.recv_timeout_ms = 0;
    EXPECT_ERROR(tfe_predictor_new_local(model, 1, "owner", "client", &options, &pred), TFE_ERR_CONFIG,
                 "recv_timeout_ms is 0");
    EXPECT(pred == NULL);

    /* A handle of another kind, and one freed already: statuses, not crashes. */
    options = in_memory();
    EXPECT_OK(tfe_predictor_new_local(model, 1, "owner", "client", &options, &pred));
    EXPECT_ERROR(tfe_model_add_relu((tfe_model_t *)pred), TFE_ERR_INVALID_ARGUMENT,
                 "parameter 'model' is a tfe_predictor_t, expected a tfe_model_t");
    EXPECT_ERROR(tfe_predictor_output_shape((tfe_predictor_t *)model, NULL, NULL), TFE_ERR_INVALID_ARGUMENT,
                 "parameter 'pred' is a tfe_model_t, expected a tfe_predictor_t");
    tfe_predictor_free(pred);
    tfe_model_free(model);
    EXPECT_ERROR(tfe_model_add_relu(model), TFE_ERR_INVALID_ARGUMENT,
                 "parameter 'model' is not a live tfe_model_t (not a tfe handle, or freed already)");
    EXPECT_ERROR(tfe_predictor_predict(pred, x, 3, y, 3), TFE_ERR_INVALID_ARGUMENT, "not a live tfe_predictor_t");
    tfe_model_free(model); /* a second free is ignored */
    tfe_predictor_free(NULL);
    tfe_model_free(NULL);
    tfe_array_free(NULL);
}

static void test_array_files(void) {
    const double values[6] = {1.0, -2.5, 3.0, 4.0, 1e300, 0.1};
    const size_t shape[2] = {2, 3};
    static const char *const paths[2] = {"tfe-test-nn-array.npy", "tfe-test-nn-array.csv"};
    for (int i = 0; i < 2; i++) {
        tfe_array_t *array = NULL;
        const double *data;
        const size_t *got_shape;
        size_t len, rank;
        EXPECT_OK(tfe_array_save(values, 6, shape, 2, paths[i]));
        EXPECT_OK(tfe_array_load(paths[i], &array));
        EXPECT_OK(tfe_array_shape(array, &got_shape, &rank));
        EXPECT(rank == 2 && got_shape[0] == 2 && got_shape[1] == 3);
        EXPECT_OK(tfe_array_values(array, &data, &len));
        EXPECT(len == 6 && memcmp(data, values, sizeof values) == 0);
        tfe_array_free(array);
        remove(paths[i]);
    }

    tfe_array_t *array = NULL;
    EXPECT_ERROR(tfe_array_load("/nonexistent/weights.npy", &array), TFE_ERR_INVALID_ARGUMENT,
                 "/nonexistent/weights.npy");
    EXPECT_ERROR(tfe_array_save(values, 6, shape, 2, "weights.txt"), TFE_ERR_INVALID_ARGUMENT,
                 "output file weights.txt: expected a .npy or .csv file");
    EXPECT_ERROR(tfe_array_load(NULL, &array), TFE_ERR_NULL_POINTER, "'path'");
    const char *csv = "1,2,3\n4,five,6\n";
    if (write_file("tfe-test-nn-bad.csv", csv, strlen(csv))) {
        EXPECT_ERROR(tfe_array_load("tfe-test-nn-bad.csv", &array), TFE_ERR_INVALID_ARGUMENT,
                     "tfe-test-nn-bad.csv: line 2, column 2: 'five' is not a number");
        remove("tfe-test-nn-bad.csv");
    }
    const char *npy = "not an array";
    if (write_file("tfe-test-nn-bad.npy", npy, strlen(npy))) {
        EXPECT_ERROR(tfe_array_load("tfe-test-nn-bad.npy", &array), TFE_ERR_INVALID_ARGUMENT,
                     "not a .npy file");
        EXPECT(strstr(tfe_last_error_message(), "input file tfe-test-nn-bad.npy: ") != NULL);
        remove("tfe-test-nn-bad.npy");
    }
    EXPECT(array == NULL);

    const size_t cube[3] = {1, 2, 3};
    EXPECT_ERROR(tfe_array_save(values, 6, cube, 3, "cube.csv"), TFE_ERR_INVALID_ARGUMENT,
                 "cube.csv: a .csv file holds rank 1 or 2, found shape [1, 2, 3]");
    EXPECT_ERROR(tfe_array_save(values, 5, shape, 2, "short.npy"), TFE_ERR_INVALID_ARGUMENT,
                 "short.npy: 5 values do not fill shape [2, 3]");
    EXPECT_ERROR(tfe_array_save(values, 6, shape, 2, "/nonexistent/out.csv"), TFE_ERR_INVALID_ARGUMENT,
                 "/nonexistent/out.csv");
    EXPECT_ERROR(tfe_array_values(NULL, NULL, NULL), TFE_ERR_NULL_POINTER, "'array'");
}

int main(void) {
    test_dense_model_and_folding();
    test_convolutional_model();
    test_networks();
    test_predictor_stats_and_reuse();
    test_model_errors();
    test_array_files();
    return finish("test_nn");
}
