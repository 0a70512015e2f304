/*
 * The seed program of TF Encrypted, in C: a private 5x10 input from an input
 * provider times a private 10x10 variable of ones held by server0, revealed
 * to the servers: a 5x10 matrix of 10.0. Prints it and what the run cost
 * each player; on any error prints tfe_last_error_message() and exits 1.
 *
 * Build: cc -std=c11 -Iinclude examples/c/seed_matmul.c -Ltarget/release -ltfe
 *           -Wl,-rpath,$PWD/target/release -o seed_matmul
 */
#include <inttypes.h>
#include <stdio.h>

#include "tfe.h"

/* Runs at the input provider only, on a library thread. */
static int provide_input(void *user_data, const char *name, const size_t *shape, size_t rank,
                         double *out, size_t len) {
    (void)user_data;
    (void)name;
    (void)shape;
    (void)rank;
    for (size_t i = 0; i < len; i++) {
        out[i] = 1.0;
    }
    return TFE_OK;
}

#define CHECK(call)                                                      \
    do {                                                                 \
        if ((call) != TFE_OK) {                                          \
            fprintf(stderr, "error: %s\n", tfe_last_error_message());   \
            goto done;                                                   \
        }                                                                \
    } while (0)

int main(void) {
    double ones[100];
    for (size_t i = 0; i < 100; i++) {
        ones[i] = 1.0;
    }
    const size_t shape_w[2] = {10, 10};
    const size_t shape_x[2] = {5, 10};

    int exit_code = 1;
    tfe_context_t *ctx = NULL;
    tfe_tensor_t *w = NULL, *x = NULL, *y = NULL, *out = NULL;
    tfe_session_t *sess = NULL;
    tfe_result_t *result = NULL;

    CHECK(tfe_context_new(NULL /* ABY3, default fixed point */, &ctx));
    /* w's values stay in this process, for its owner: the graph holds its shape. */
    CHECK(tfe_define_private_variable(ctx, "w", "server0", ones, 100, shape_w, 2, &w));
    CHECK(tfe_define_private_input(ctx, "x", "input-provider", shape_x, 2, provide_input, NULL, &x));
    CHECK(tfe_matmul(ctx, x, w, &y));
    CHECK(tfe_reveal(ctx, y, NULL /* to every server */, &out));
    CHECK(tfe_session_new_local(ctx, &sess));
    CHECK(tfe_session_run(sess, &out, 1, &result)); /* 5x10 of 10.0 */

    const double *values;
    size_t len;
    const size_t *shape;
    size_t rank;
    CHECK(tfe_result_value(result, 0, &values, &len));
    CHECK(tfe_result_shape(result, 0, &shape, &rank));
    if (rank != 2 || shape[0] * shape[1] != len) {
        fprintf(stderr, "error: unexpected result shape\n");
        goto done;
    }
    for (size_t i = 0; i < shape[0]; i++) {
        for (size_t j = 0; j < shape[1]; j++) {
            printf("%s%.1f", j ? " " : "", values[i * shape[1] + j]);
        }
        printf("\n");
    }

    size_t players;
    CHECK(tfe_result_player_count(result, &players));
    printf("%-18s %12s %9s %7s %11s\n", "player", "bytes sent", "messages", "rounds", "wall time");
    for (size_t i = 0; i < players; i++) {
        tfe_player_stats_t stats;
        CHECK(tfe_result_player_stats(result, i, &stats));
        printf("%-18s %12" PRIu64 " %9" PRIu64 " %7" PRIu64 " %9.3fms\n", stats.name, stats.bytes_sent,
               stats.messages_sent, stats.rounds, (double)stats.wall_time_ns / 1e6);
    }
    exit_code = 0;

done:
    tfe_result_free(result);
    tfe_session_free(sess);
    tfe_tensor_free(out);
    tfe_tensor_free(y);
    tfe_tensor_free(x);
    tfe_tensor_free(w);
    tfe_context_free(ctx);
    return exit_code;
}
