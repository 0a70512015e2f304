/*
 * Private prediction in C: a model owner, a client and three servers.
 *
 * The model owner holds a digits classifier (Dense 64-32, ReLU, Dense
 * 32-10) whose weights it reads from CSV files; the client holds an 8x8
 * image of a handwritten digit. The weights are shared once among the
 * servers, the client's image is shared at each prediction, the servers
 * compute the logits on shares and reveal them to the client alone: the
 * servers learn neither the weights, nor the image, nor the prediction.
 * All five players run on threads of this process over loopback TCP.
 *
 * Usage: private_prediction [DATA_DIR]   (default examples/c/data/digits-mlp)
 * Prints the client's logits, its predicted class and what the prediction
 * cost each player; on any error prints tfe_last_error_message(), exits 1.
 */
#include <inttypes.h>
#include <stdio.h>

#include "tfe.h"

/* On failure, print the library's message (`load` prints its own when the
 * library call succeeded but the file held the wrong count) and stop. */
#define CHECK(call)                                                      \
    do {                                                                 \
        if ((call) != TFE_OK) {                                          \
            const char *message = tfe_last_error_message();              \
            if (message[0] != '\0') {                                    \
                fprintf(stderr, "error: %s\n", message);                 \
            }                                                            \
            goto done;                                                   \
        }                                                                \
    } while (0)

/* The values of the CSV file `name` in `dir`, which must hold `expected` of them. */
static tfe_status_t load(const char *dir, const char *name, size_t expected, tfe_array_t **array,
                         const double **values) {
    char path[1024];
    size_t len = 0;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    tfe_status_t status = tfe_array_load(path, array);
    if (status == TFE_OK) {
        status = tfe_array_values(*array, values, &len);
    }
    if (status == TFE_OK && len != expected) {
        fprintf(stderr, "error: %s holds %zu values, expected %zu\n", path, len, expected);
        return TFE_ERR_INVALID_ARGUMENT;
    }
    return status;
}

static size_t argmax(const double *values, size_t n) {
    size_t best = 0;
    for (size_t i = 1; i < n; i++) {
        if (values[i] > values[best]) {
            best = i;
        }
    }
    return best;
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "examples/c/data/digits-mlp";
    int exit_code = 1;
    tfe_array_t *w1 = NULL, *b1 = NULL, *w2 = NULL, *b2 = NULL, *image = NULL;
    const double *w1_v, *b1_v, *w2_v, *b2_v, *pixels;
    tfe_model_t *model = NULL;
    tfe_predictor_t *predictor = NULL;
    tfe_result_t *stats = NULL;

    /* The model owner: its weights, in plaintext, as a sequential model. */
    CHECK(load(dir, "w1.csv", 64 * 32, &w1, &w1_v));
    CHECK(load(dir, "b1.csv", 32, &b1, &b1_v));
    CHECK(load(dir, "w2.csv", 32 * 10, &w2, &w2_v));
    CHECK(load(dir, "b2.csv", 10, &b2, &b2_v));
    const size_t input_shape[1] = {64};
    CHECK(tfe_model_new(input_shape, 1, &model));
    CHECK(tfe_model_add_dense(model, 64, 32, w1_v, 64 * 32, b1_v, 32));
    CHECK(tfe_model_add_relu(model));
    CHECK(tfe_model_add_dense(model, 32, 10, w2_v, 32 * 10, b2_v, 10));

    /* The players: the owner, the client and server0..server2, for batches of one image. */
    CHECK(tfe_predictor_new_local(model, 1, "model-owner", "client", NULL /* loopback TCP */, &predictor));

    /* The client: its image in, its logits out; nobody else learns either. */
    CHECK(load(dir, "image.csv", 64, &image, &pixels));
    double logits[10];
    CHECK(tfe_predictor_predict(predictor, pixels, 64, logits, 10));
    printf("the client learns the logits");
    for (size_t i = 0; i < 10; i++) {
        printf(" %.3f", logits[i]);
    }
    printf("\npredicted class %zu\n", argmax(logits, 10));

    /* For the example only: nobody in a deployment holds both the weights and the image. */
    double plain[10];
    CHECK(tfe_model_predict_plain(model, pixels, 64, 1, plain, 10));
    printf("plaintext inference agrees: %s\n", argmax(plain, 10) == argmax(logits, 10) ? "yes" : "no");

    CHECK(tfe_predictor_last_stats(predictor, &stats));
    size_t players;
    CHECK(tfe_result_player_count(stats, &players));
    for (size_t i = 0; i < players; i++) {
        tfe_player_stats_t player;
        CHECK(tfe_result_player_stats(stats, i, &player));
        printf("%-12s sent %7" PRIu64 " bytes in %3" PRIu64 " rounds\n", player.name, player.bytes_sent,
               player.rounds);
    }
    exit_code = 0;

done:
    tfe_result_free(stats);
    tfe_predictor_free(predictor);
    tfe_model_free(model);
    tfe_array_free(image);
    tfe_array_free(b2);
    tfe_array_free(w2);
    tfe_array_free(b1);
    tfe_array_free(w1);
    return exit_code;
}
