/*
 * Error handling of the C API: NULL pointers, wrong shapes, bad player
 * names, tensors of another context, a failing input callback and use of
 * the session after it, an input callback that runs or resets its own
 * session, _free(NULL), and the version macros against
 * tfe_version(). Every failure must be a
 * status with a useful message, leave out-params untouched, and leave the
 * objects usable. Exits 0 when every check passes.
 */
#include "check.h"

int failures = 0;

/* A pointer value that no call may write over when it fails. */
static int sentinel_storage;
#define SENTINEL ((void *)&sentinel_storage)

static const size_t shape_w[2] = {10, 10};
static const size_t shape_x[2] = {5, 10};
static double ones[100];

/* Fails on its first call, succeeds afterwards. */
static int fail_once(void *user_data, const char *name, const size_t *shape, size_t rank,
                     double *out, size_t len) {
    int *calls = user_data;
    *calls += 1;
    if (*calls == 1) {
        return TFE_ERR_INVALID_ARGUMENT;
    }
    return provide_ones(NULL, name, shape, rank, out, len);
}

static void test_version(void) {
    char expected[64];
    snprintf(expected, sizeof expected, "%d.%d.%d", TFE_VERSION_MAJOR, TFE_VERSION_MINOR,
             TFE_VERSION_PATCH);
    EXPECT(strcmp(tfe_version(), expected) == 0);
}

static void test_free_null(void) {
    tfe_context_free(NULL);
    tfe_tensor_free(NULL);
    tfe_session_free(NULL);
    tfe_result_free(NULL);
    tfe_feeds_free(NULL);
    EXPECT(tfe_last_error_status() == TFE_OK || tfe_last_error_status() != TFE_ERR_PANIC);
}

static void test_null_pointers(tfe_context_t *ctx, tfe_tensor_t *w) {
    tfe_tensor_t *out = SENTINEL;
    EXPECT_ERROR(tfe_context_new(NULL, NULL), TFE_ERR_NULL_POINTER, "'out'");
    EXPECT_ERROR(tfe_matmul(NULL, w, w, &out), TFE_ERR_NULL_POINTER, "tfe_matmul: parameter 'ctx'");
    EXPECT_ERROR(tfe_matmul(ctx, NULL, w, &out), TFE_ERR_NULL_POINTER, "'x'");
    EXPECT_ERROR(tfe_matmul(ctx, w, NULL, &out), TFE_ERR_NULL_POINTER, "'y'");
    EXPECT_ERROR(tfe_matmul(ctx, w, w, NULL), TFE_ERR_NULL_POINTER, "'out'");
    EXPECT_ERROR(tfe_define_private_variable(ctx, NULL, NULL, ones, 100, shape_w, 2, &out),
                 TFE_ERR_NULL_POINTER, "'owner'");
    EXPECT_ERROR(tfe_define_private_variable(ctx, NULL, "server0", NULL, 100, shape_w, 2, &out),
                 TFE_ERR_NULL_POINTER, "'values'");
    EXPECT_ERROR(tfe_define_private_variable(ctx, NULL, "server0", ones, 100, NULL, 2, &out),
                 TFE_ERR_NULL_POINTER, "'shape'");
    EXPECT_ERROR(tfe_define_private_input(ctx, NULL, NULL, shape_x, 2, NULL, NULL, &out),
                 TFE_ERR_NULL_POINTER, "'owner'");
    EXPECT_ERROR(tfe_define_private_input(ctx, NULL, "alice", NULL, 2, NULL, NULL, &out),
                 TFE_ERR_NULL_POINTER, "'shape'");
    EXPECT_ERROR(tfe_define_constant(ctx, NULL, 1, shape_x, 1, &out), TFE_ERR_NULL_POINTER, "'values'");
    EXPECT_ERROR(tfe_tensor_name(NULL, NULL), TFE_ERR_NULL_POINTER, "'tensor'");
    EXPECT_ERROR(tfe_feeds_new(NULL), TFE_ERR_NULL_POINTER, "'out'");
    EXPECT_ERROR(tfe_feeds_set(NULL, w, ones, 100), TFE_ERR_NULL_POINTER, "'feeds'");
    EXPECT_ERROR(tfe_session_run_with_feeds(NULL, NULL, 0, NULL, NULL), TFE_ERR_NULL_POINTER, "'sess'");
    EXPECT_ERROR(tfe_session_reset_variables(NULL), TFE_ERR_NULL_POINTER, "'sess'");
    EXPECT_ERROR(tfe_result_player_index(NULL, "server0", NULL), TFE_ERR_NULL_POINTER, "'result'");
    EXPECT_ERROR(tfe_result_op_count(NULL, 0, NULL), TFE_ERR_NULL_POINTER, "'result'");
    EXPECT_ERROR(tfe_result_op_stats(NULL, 0, 0, NULL), TFE_ERR_NULL_POINTER, "'result'");
    EXPECT_ERROR(tfe_context_save(NULL, "x"), TFE_ERR_NULL_POINTER, "'ctx'");
    EXPECT_ERROR(tfe_tensor_shape(w, NULL, NULL), TFE_ERR_NULL_POINTER, "'shape'");
    EXPECT_ERROR(tfe_session_new_local(NULL, NULL), TFE_ERR_NULL_POINTER, "'ctx'");
    EXPECT_ERROR(tfe_result_count(NULL, NULL), TFE_ERR_NULL_POINTER, "'result'");
    EXPECT(out == SENTINEL);

    /* A success clears the last error. */
    const size_t *shape;
    size_t rank;
    EXPECT_OK(tfe_tensor_shape(w, &shape, &rank));
    EXPECT(rank == 2 && shape[0] == 10 && shape[1] == 10);
    EXPECT(tfe_last_error_status() == TFE_OK && strcmp(tfe_last_error_message(), "") == 0);
}

static void test_shapes(tfe_context_t *ctx, tfe_tensor_t *w, tfe_tensor_t *x) {
    tfe_tensor_t *out = SENTINEL;
    EXPECT_ERROR(tfe_matmul(ctx, w, x, &out), TFE_ERR_INVALID_ARGUMENT, "[10, 10]");
    EXPECT_ERROR(tfe_matmul(ctx, w, x, &out), TFE_ERR_INVALID_ARGUMENT, "[5, 10]");
    EXPECT_ERROR(tfe_add(ctx, w, x, &out), TFE_ERR_INVALID_ARGUMENT, "[5, 10]");
    EXPECT_ERROR(tfe_define_private_variable(ctx, NULL, "server0", ones, 99, shape_w, 2, &out),
                 TFE_ERR_INVALID_ARGUMENT, "99");
    const size_t bad[1] = {7};
    EXPECT_ERROR(tfe_reshape(ctx, x, bad, 1, &out), TFE_ERR_INVALID_ARGUMENT, "tfe_reshape");
    EXPECT_ERROR(tfe_reduce_sum_axis(ctx, x, 2, &out), TFE_ERR_INVALID_ARGUMENT, "tfe_reduce_sum_axis");
    double big = 1e300;
    const size_t one[1] = {1};
    EXPECT_ERROR(tfe_define_constant(ctx, &big, 1, one, 1, &out), TFE_ERR_INVALID_ARGUMENT, "tfe_define_constant");
    EXPECT(out == SENTINEL);
}

static void test_player_names(tfe_context_t *ctx, tfe_tensor_t *x) {
    tfe_tensor_t *out = SENTINEL;
    EXPECT_ERROR(tfe_define_private_input(ctx, NULL, "bad name!", shape_x, 2, provide_ones, NULL, &out),
                 TFE_ERR_INVALID_ARGUMENT, "'bad name!'");
    EXPECT_ERROR(tfe_define_private_input(ctx, NULL, "", shape_x, 2, provide_ones, NULL, &out),
                 TFE_ERR_INVALID_ARGUMENT, "player name");
    EXPECT_ERROR(tfe_define_private_input(ctx, NULL, "caf\xff", shape_x, 2, provide_ones, NULL, &out),
                 TFE_ERR_INVALID_ARGUMENT, "'owner' is not valid UTF-8");
    EXPECT_ERROR(tfe_reveal(ctx, x, "no/slashes", &out), TFE_ERR_INVALID_ARGUMENT, "'no/slashes'");
    EXPECT(out == SENTINEL);
}

static void test_bad_configs(tfe_context_t *ctx) {
    tfe_context_t *other = SENTINEL;
    tfe_config_t config = tfe_config_default();
    EXPECT(config.frac_bits == 16 && config.int_bits == 20);
    config.frac_bits = 40;
    EXPECT_ERROR(tfe_context_new(&config, &other), TFE_ERR_CONFIG, "fractional bits");
    EXPECT(other == SENTINEL);

    tfe_session_t *sess = SENTINEL;
    tfe_session_options_t options = tfe_session_options_default();
    options.transport = 7;
    EXPECT_ERROR(tfe_session_new_local_with_options(ctx, &options, &sess), TFE_ERR_CONFIG, "transport = 7");
    options = tfe_session_options_default();
    options.recv_timeout_ms = 0;
    EXPECT_ERROR(tfe_session_new_local_with_options(ctx, &options, &sess), TFE_ERR_CONFIG, "recv_timeout_ms");
    EXPECT(sess == SENTINEL);
}

static void test_other_context(tfe_context_t *ctx, tfe_tensor_t *w) {
    tfe_context_t *other = NULL;
    tfe_tensor_t *v = NULL, *out = SENTINEL;
    EXPECT_OK(tfe_context_new(NULL, &other));
    EXPECT_OK(tfe_define_private_variable(other, NULL, "server1", ones, 100, shape_w, 2, &v));
    EXPECT_ERROR(tfe_add(ctx, w, v, &out), TFE_ERR_INVALID_ARGUMENT, "'y' is a tensor of another context");
    EXPECT_ERROR(tfe_neg(other, w, &out), TFE_ERR_INVALID_ARGUMENT, "'x' is a tensor of another context");
    EXPECT(out == SENTINEL);

    tfe_tensor_t *revealed = NULL;
    tfe_session_t *sess = NULL;
    tfe_result_t *result = SENTINEL;
    EXPECT_OK(tfe_reveal(other, v, NULL, &revealed));
    tfe_session_options_t options = tfe_session_options_default();
    options.transport = TFE_TRANSPORT_MEMORY;
    EXPECT_OK(tfe_session_new_local_with_options(ctx, &options, &sess));
    EXPECT_ERROR(tfe_session_run(sess, &revealed, 1, &result), TFE_ERR_INVALID_ARGUMENT,
                 "'fetches[0]' is a tensor of another context");
    EXPECT(result == SENTINEL);
    tfe_session_free(sess);
    tfe_tensor_free(revealed);
    tfe_tensor_free(v);
    tfe_context_free(other);
}

static void test_failing_callback(void) {
    int calls = 0;
    tfe_context_t *ctx = NULL;
    tfe_tensor_t *w = NULL, *x = NULL, *y = NULL, *out = NULL, *late = NULL;
    tfe_session_t *sess = NULL;
    tfe_result_t *result = SENTINEL;
    EXPECT_OK(tfe_context_new(NULL, &ctx));
    EXPECT_OK(tfe_define_private_variable(ctx, NULL, "server0", ones, 100, shape_w, 2, &w));
    EXPECT_OK(tfe_define_private_input(ctx, NULL, "input-provider", shape_x, 2, fail_once, &calls, &x));
    EXPECT_OK(tfe_matmul(ctx, x, w, &y));
    EXPECT_OK(tfe_reveal(ctx, y, NULL, &out));
    EXPECT_OK(tfe_session_new_local(ctx, &sess));
    if (sess == NULL) {
        return;
    }

    /* A private tensor cannot be fetched; nothing runs. */
    EXPECT_ERROR(tfe_session_run(sess, &y, 1, &result), TFE_ERR_INVALID_ARGUMENT, "private");
    EXPECT_ERROR(tfe_session_run(sess, NULL, 1, &result), TFE_ERR_NULL_POINTER, "'fetches'");
    /* A tensor defined after the session was made is not part of its graph. */
    EXPECT_OK(tfe_reveal(ctx, x, NULL, &late));
    EXPECT_ERROR(tfe_session_run(sess, &late, 1, &result), TFE_ERR_INVALID_ARGUMENT, "tfe_session_run");

    /* The first call of the callback fails: the run fails and names the input. */
    EXPECT_ERROR(tfe_session_run(sess, &out, 1, &result), TFE_ERR_INVALID_ARGUMENT, "input0");
    EXPECT(result == SENTINEL);
    EXPECT(calls == 1);

    /* The session stays usable. */
    result = NULL;
    EXPECT_OK(tfe_session_run(sess, &out, 1, &result));
    if (result != NULL) {
        const double *values = NULL;
        size_t len = 0, count = 0;
        EXPECT_OK(tfe_result_count(result, &count));
        EXPECT(count == 1);
        EXPECT_OK(tfe_result_value(result, 0, &values, &len));
        EXPECT(len == 50);
        for (size_t i = 0; i < len; i++) {
            EXPECT(values[i] > 9.99 && values[i] < 10.01);
        }
        EXPECT_ERROR(tfe_result_value(result, 1, &values, &len), TFE_ERR_INVALID_ARGUMENT, "out of range");
        tfe_player_stats_t stats;
        EXPECT_ERROR(tfe_result_player_stats(result, 99, &stats), TFE_ERR_INVALID_ARGUMENT, "out of range");
        EXPECT_OK(tfe_result_player_stats(result, 3, &stats));
        EXPECT(strcmp(stats.name, "input-provider") == 0 && stats.bytes_sent > 0);
    }
    EXPECT(calls == 2);
    tfe_result_free(result);
    tfe_session_free(sess);
    tfe_tensor_free(late);
    tfe_tensor_free(out);
    tfe_tensor_free(y);
    tfe_tensor_free(x);
    tfe_tensor_free(w);
    tfe_context_free(ctx);
}

/* The calls an input callback makes into its own session (refused: the run
 * that called the callback waits for it) and into another one (allowed),
 * in order, and what they returned, kept on the callback's thread. */
enum { OWN_RUN, OWN_RUN_WITH_FEEDS, OWN_RESET, OTHER_RUN, REENTRIES };
static const char *const reentry_calls[REENTRIES] = {"tfe_session_run", "tfe_session_run_with_feeds",
                                                     "tfe_session_reset_variables", "the other session's run"};

struct reentry {
    tfe_session_t *own, *other;
    tfe_tensor_t *own_fetch, *other_fetch;
    outcome_t outcomes[REENTRIES];
    int calls;
};

/* Runs `fetch` on `sess` (with no feeds when `with_feeds`); keeps the
 * outcome and checks the result was left untouched by a refusal. */
static void run_kept(outcome_t *outcome, tfe_session_t *sess, tfe_tensor_t *fetch, int with_feeds) {
    tfe_result_t *result = NULL;
    tfe_status_t status = with_feeds ? tfe_session_run_with_feeds(sess, &fetch, 1, NULL, &result)
                                     : tfe_session_run(sess, &fetch, 1, &result);
    keep_outcome(outcome, status);
    EXPECT((status == TFE_OK) == (result != NULL));
    tfe_result_free(result);
}

/* Calls back into its own session and into another, then provides ones. */
static int reenter(void *user_data, const char *name, const size_t *shape, size_t rank, double *out,
                   size_t len) {
    struct reentry *r = user_data;
    r->calls++;
    run_kept(&r->outcomes[OWN_RUN], r->own, r->own_fetch, 0);
    run_kept(&r->outcomes[OWN_RUN_WITH_FEEDS], r->own, r->own_fetch, 1);
    keep_outcome(&r->outcomes[OWN_RESET], tfe_session_reset_variables(r->own));
    run_kept(&r->outcomes[OTHER_RUN], r->other, r->other_fetch, 0);
    return provide_ones(NULL, name, shape, rank, out, len);
}

static void test_reentering_callback(void) {
    struct reentry r = {0};
    tfe_context_t *ctx = NULL, *other = NULL;
    tfe_tensor_t *w = NULL, *x = NULL, *y = NULL, *v = NULL;
    EXPECT_OK(tfe_context_new(NULL, &ctx));
    EXPECT_OK(tfe_define_private_variable(ctx, NULL, "server0", ones, 100, shape_w, 2, &w));
    EXPECT_OK(tfe_define_private_input(ctx, NULL, "input-provider", shape_x, 2, reenter, &r, &x));
    EXPECT_OK(tfe_matmul(ctx, x, w, &y));
    EXPECT_OK(tfe_reveal(ctx, y, NULL, &r.own_fetch));
    EXPECT_OK(tfe_session_new_local(ctx, &r.own));
    EXPECT_OK(tfe_context_new(NULL, &other));
    EXPECT_OK(tfe_define_private_variable(other, NULL, "server1", ones, 100, shape_w, 2, &v));
    EXPECT_OK(tfe_reveal(other, v, NULL, &r.other_fetch));
    tfe_session_options_t options = tfe_session_options_default();
    options.transport = TFE_TRANSPORT_MEMORY;
    EXPECT_OK(tfe_session_new_local_with_options(other, &options, &r.other));
    if (r.own == NULL || r.other == NULL) {
        return;
    }

    /* Twice: the session stays usable, and its callback meets the same refusals. */
    for (int run = 1; run <= 2; run++) {
        tfe_result_t *result = NULL;
        EXPECT_OK(tfe_session_run(r.own, &r.own_fetch, 1, &result));
        EXPECT(r.calls == run);
        const double *values = NULL;
        size_t len = 0;
        if (result != NULL && tfe_result_value(result, 0, &values, &len) == TFE_OK) {
            EXPECT(len == 50);
            for (size_t i = 0; i < len; i++) {
                EXPECT(values[i] > 9.99 && values[i] < 10.01);
            }
        }
        tfe_result_free(result);
        for (int call = OWN_RUN; call <= OWN_RESET; call++) {
            char expected[256];
            snprintf(expected, sizeof expected,
                     "%s: %s was called from an input callback of this session's own run, which waits for the "
                     "callback: expected the call after that run returns",
                     reentry_calls[call], reentry_calls[call]);
            EXPECT_OUTCOME(reentry_calls[call], r.outcomes[call], TFE_ERR_INVALID_ARGUMENT, expected);
            EXPECT(strcmp(r.outcomes[call].message, expected) == 0);
        }
        EXPECT_OUTCOME(reentry_calls[OTHER_RUN], r.outcomes[OTHER_RUN], TFE_OK, "");
        memset(r.outcomes, 0, sizeof r.outcomes);
    }
    tfe_session_free(r.other);
    tfe_session_free(r.own);
    tfe_tensor_free(r.other_fetch);
    tfe_tensor_free(r.own_fetch);
    tfe_tensor_free(v);
    tfe_tensor_free(y);
    tfe_tensor_free(x);
    tfe_tensor_free(w);
    tfe_context_free(other);
    tfe_context_free(ctx);
}

int main(void) {
    for (size_t i = 0; i < 100; i++) {
        ones[i] = 1.0;
    }
    tfe_context_t *ctx = NULL;
    tfe_tensor_t *w = NULL, *x = NULL;
    if (tfe_context_new(NULL, &ctx) != TFE_OK ||
        tfe_define_private_variable(ctx, NULL, "server0", ones, 100, shape_w, 2, &w) != TFE_OK ||
        tfe_define_private_input(ctx, NULL, "input-provider", shape_x, 2, provide_ones, NULL, &x) != TFE_OK) {
        fprintf(stderr, "setup failed: %s\n", tfe_last_error_message());
        return 1;
    }

    test_version();
    test_free_null();
    test_null_pointers(ctx, w);
    test_shapes(ctx, w, x);
    test_player_names(ctx, x);
    test_bad_configs(ctx);
    test_other_context(ctx, w);
    test_failing_callback();
    test_reentering_callback();

    tfe_tensor_free(x);
    tfe_tensor_free(w);
    tfe_context_free(ctx);
    return finish("test_errors");
}
