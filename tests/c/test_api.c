/*
 * The parts of the C API beyond the seed program, through runs: inputs
 * without callbacks fed per run, variables initialized from a feed, names,
 * assignments and tfe_session_reset_variables, per-player and per-op stats,
 * player lookup by name (an unknown player is a status), graphs saved and
 * loaded, tensors found by name and position.
 */
#include "check.h"

int failures = 0;

static const size_t shape2[1] = {2};

/* Runs `fetch` with `feeds` (may be NULL) and expects the values `want`. */
static void expect_run(tfe_session_t *sess, tfe_tensor_t *fetch, tfe_feeds_t *feeds, const double *want,
                       size_t want_len) {
    tfe_result_t *result = NULL;
    EXPECT_OK(tfe_session_run_with_feeds(sess, &fetch, 1, feeds, &result));
    if (result == NULL) {
        return;
    }
    const double *values = NULL;
    size_t len = 0;
    EXPECT_OK(tfe_result_value(result, 0, &values, &len));
    EXPECT(len == want_len);
    for (size_t i = 0; i < len && i < want_len; i++) {
        EXPECT(values[i] > want[i] - 1e-3 && values[i] < want[i] + 1e-3);
    }
    tfe_result_free(result);
}

/* select and the one-hot arg-max, in a context whose comparisons read all
 * 64 bits. */
static void test_select_and_one_hot_with_full_comparisons(void) {
    tfe_config_t config = tfe_config_default();
    config.comparison = TFE_COMPARISON_FULL;
    tfe_context_t *ctx = NULL;
    tfe_tensor_t *x = NULL, *y = NULL, *less = NULL, *min = NULL, *hot = NULL, *out_min = NULL, *out_hot = NULL;
    tfe_session_t *sess = NULL;
    EXPECT_OK(tfe_context_new(&config, &ctx));
    const double x_values[2] = {-3.0, 4.0}, y_values[2] = {1.0, -2.0};
    EXPECT_OK(tfe_define_private_variable(ctx, NULL, "alice", x_values, 2, shape2, 1, &x));
    EXPECT_OK(tfe_define_private_variable(ctx, NULL, "bob", y_values, 2, shape2, 1, &y));
    EXPECT_OK(tfe_less(ctx, x, y, &less));
    EXPECT_OK(tfe_select(ctx, less, x, y, &min));
    EXPECT_OK(tfe_argmax_one_hot(ctx, x, 0, &hot));
    EXPECT_ERROR(tfe_select(ctx, less, x, NULL, &out_min), TFE_ERR_NULL_POINTER, "parameter 'b' is NULL");
    EXPECT_ERROR(tfe_argmax_one_hot(ctx, x, 1, &out_hot), TFE_ERR_INVALID_ARGUMENT, "axis");
    EXPECT_OK(tfe_reveal(ctx, min, NULL, &out_min));
    EXPECT_OK(tfe_reveal(ctx, hot, NULL, &out_hot));
    tfe_session_options_t options = tfe_session_options_default();
    options.transport = TFE_TRANSPORT_MEMORY;
    EXPECT_OK(tfe_session_new_local_with_options(ctx, &options, &sess));
    const double want_min[2] = {-3.0, -2.0}, want_hot[2] = {0.0, 1.0};
    expect_run(sess, out_min, NULL, want_min, 2);
    expect_run(sess, out_hot, NULL, want_hot, 2);
    tfe_session_free(sess);
    tfe_tensor_t *tensors[] = {x, y, less, min, hot, out_min, out_hot};
    for (size_t i = 0; i < sizeof tensors / sizeof tensors[0]; i++) {
        tfe_tensor_free(tensors[i]);
    }
    tfe_context_free(ctx);
}

static void test_feeds_names_and_variables(void) {
    tfe_context_t *ctx = NULL;
    tfe_tensor_t *x = NULL, *v = NULL, *sum = NULL, *out = NULL, *update = NULL, *read = NULL;
    tfe_session_t *sess = NULL;
    tfe_feeds_t *feeds = NULL, *empty = NULL;
    EXPECT_OK(tfe_context_new(NULL, &ctx));
    EXPECT_OK(tfe_define_private_input(ctx, NULL, "alice", shape2, 1, NULL, NULL, &x));
    EXPECT_OK(tfe_define_private_variable(ctx, NULL, "server1", NULL, 0, shape2, 1, &v));
    EXPECT_OK(tfe_add(ctx, x, v, &sum));
    EXPECT_OK(tfe_reveal(ctx, sum, NULL, &out));
    EXPECT_OK(tfe_assign(ctx, v, sum, &update));
    EXPECT_OK(tfe_reveal(ctx, v, "alice", &read));

    const char *name = NULL;
    EXPECT_OK(tfe_tensor_name(x, &name));
    EXPECT(name != NULL && strcmp(name, "input0") == 0);
    EXPECT_OK(tfe_tensor_name(v, &name));
    EXPECT(name != NULL && strcmp(name, "variable0") == 0);
    EXPECT_ERROR(tfe_tensor_name(sum, &name), TFE_ERR_INVALID_ARGUMENT, "expected an input or a variable");

    tfe_session_options_t options = tfe_session_options_default();
    options.transport = TFE_TRANSPORT_MEMORY;
    EXPECT_OK(tfe_session_new_local_with_options(ctx, &options, &sess));
    EXPECT_OK(tfe_feeds_new(&feeds));
    EXPECT_OK(tfe_feeds_new(&empty));
    const double x_values[2] = {1.0, 2.0}, v_values[2] = {10.0, 20.0};
    EXPECT_ERROR(tfe_feeds_set(feeds, x, x_values, 1), TFE_ERR_INVALID_ARGUMENT, "1 values for 'input0'");
    EXPECT_ERROR(tfe_feeds_set(feeds, sum, x_values, 2), TFE_ERR_INVALID_ARGUMENT, "an input or a variable");
    EXPECT_OK(tfe_feeds_set(feeds, x, x_values, 2));
    EXPECT_OK(tfe_feeds_set(feeds, v, v_values, 2));

    tfe_result_t *result = NULL;
    EXPECT_ERROR(tfe_session_run_with_feeds(sess, &out, 1, empty, &result), TFE_ERR_INVALID_ARGUMENT,
                 "'input0' has neither a feed nor a provider");
    const double first[2] = {11.0, 22.0};
    expect_run(sess, out, feeds, first, 2);
    /* v = x + v, then read by alice: 11, 22. */
    expect_run(sess, update, feeds, NULL, 0);
    expect_run(sess, read, NULL, first, 2);
    /* Forgotten: the next run initializes v from the feed again. */
    EXPECT_OK(tfe_session_reset_variables(sess));
    expect_run(sess, read, feeds, v_values, 2);

    tfe_feeds_free(empty);
    tfe_feeds_free(feeds);
    tfe_session_free(sess);
    tfe_tensor_free(read);
    tfe_tensor_free(update);
    tfe_tensor_free(out);
    tfe_tensor_free(sum);
    tfe_tensor_free(v);
    tfe_tensor_free(x);
    tfe_context_free(ctx);
}

static void test_stats(void) {
    static const size_t shape_w[2] = {10, 10}, shape_x[2] = {5, 10};
    double w_values[100];
    for (size_t i = 0; i < 100; i++) {
        w_values[i] = 1.0;
    }
    tfe_context_t *ctx = NULL;
    tfe_tensor_t *w = NULL, *x = NULL, *y = NULL, *out = NULL;
    tfe_session_t *sess = NULL;
    tfe_result_t *result = NULL;
    EXPECT_OK(tfe_context_new(NULL, &ctx));
    EXPECT_OK(tfe_define_private_variable(ctx, NULL, "server0", w_values, 100, shape_w, 2, &w));
    EXPECT_OK(tfe_define_private_input(ctx, NULL, "input-provider", shape_x, 2, provide_ones, NULL, &x));
    EXPECT_OK(tfe_matmul(ctx, x, w, &y));
    EXPECT_OK(tfe_reveal(ctx, y, NULL, &out));
    EXPECT_OK(tfe_session_new_local(ctx, &sess));
    EXPECT_OK(tfe_session_run(sess, &out, 1, &result));
    if (result != NULL) {
        size_t index = 99, ops = 0;
        EXPECT_OK(tfe_result_player_index(result, "server1", &index));
        EXPECT(index == 1);
        EXPECT_ERROR(tfe_result_player_index(result, "mallory", &index), TFE_ERR_INVALID_ARGUMENT,
                     "unknown player 'mallory': expected one of server0, server1, server2, input-provider");
        EXPECT(index == 1);
        tfe_player_stats_t player;
        EXPECT_OK(tfe_result_player_stats(result, 1, &player));
        EXPECT_OK(tfe_result_op_count(result, 1, &ops));
        EXPECT(ops > 0);
        uint64_t bytes = 0, matmuls = 0;
        for (size_t op = 0; op < ops; op++) {
            tfe_op_stats_t stats;
            EXPECT_OK(tfe_result_op_stats(result, 1, op, &stats));
            bytes += stats.bytes_sent;
            if (strcmp(stats.name, "matmul") == 0) {
                matmuls += stats.count;
                EXPECT(stats.rounds > 0 && stats.bytes_sent > 0);
            }
        }
        EXPECT(matmuls == 1);
        /* The ops account for (at most) what the player sent in the run. */
        EXPECT(bytes > 0 && bytes <= player.bytes_sent);
        tfe_op_stats_t stats;
        EXPECT_ERROR(tfe_result_op_stats(result, 1, ops, &stats), TFE_ERR_INVALID_ARGUMENT,
                     "op index");
        EXPECT_ERROR(tfe_result_op_count(result, 4, &ops), TFE_ERR_INVALID_ARGUMENT, "out of range");
        const char *json = NULL, *again = NULL, *table = NULL;
        EXPECT_OK(tfe_result_trace_json(result, &json));
        EXPECT(json != NULL && strncmp(json, "{\"traceEvents\":[", 16) == 0 && strstr(json, "\"matmul\"") != NULL);
        EXPECT_OK(tfe_result_trace_json(result, &again));
        EXPECT(again == json); /* made once, kept by the result */
        EXPECT_OK(tfe_result_stats_table(result, &table));
        EXPECT(table != NULL && strstr(table, "input-provider") != NULL && strstr(table, "rounds") != NULL);
        EXPECT_ERROR(tfe_result_trace_json(result, NULL), TFE_ERR_NULL_POINTER, "'json'");
    }
    tfe_result_free(result);
    tfe_session_free(sess);
    tfe_tensor_free(out);
    tfe_tensor_free(y);
    tfe_tensor_free(x);
    tfe_tensor_free(w);
    tfe_context_free(ctx);
}

/* A graph saved by one context, loaded by another, found by name and index, fed and run. */
static void test_load(void) {
    static const size_t shape[1] = {3};
    const char *path = "tfe-test-api.graph";
    tfe_context_t *ctx = NULL, *loaded = NULL, *sentinel = NULL;
    tfe_tensor_t *x = NULL, *out = NULL, *found = NULL, *last = NULL;
    EXPECT_OK(tfe_context_new(NULL, &ctx));
    EXPECT_OK(tfe_define_private_input(ctx, NULL, "alice", shape, 1, NULL, NULL, &x));
    EXPECT_OK(tfe_neg(ctx, x, &out));
    tfe_tensor_free(out);
    out = NULL;
    tfe_tensor_t *neg = NULL;
    EXPECT_OK(tfe_context_tensor(ctx, 1, &neg));
    EXPECT_OK(tfe_reveal(ctx, neg, "bob", &out));
    EXPECT_OK(tfe_context_save(ctx, path));
    EXPECT_ERROR(tfe_context_load("no-such-dir/graph", &sentinel), TFE_ERR_INVALID_ARGUMENT,
                 "cannot read graph file no-such-dir/graph");
    EXPECT(sentinel == NULL);
    EXPECT_OK(tfe_context_load(path, &loaded));
    remove(path);
    size_t count = 0;
    EXPECT_OK(tfe_context_tensor_count(loaded, &count));
    EXPECT(count == 3);
    EXPECT_OK(tfe_context_find(loaded, "input0", &found));
    EXPECT_ERROR(tfe_context_find(loaded, "input7", &last), TFE_ERR_INVALID_ARGUMENT, "'input7'");
    EXPECT(last == NULL);
    EXPECT_ERROR(tfe_context_tensor(loaded, 3, &last), TFE_ERR_INVALID_ARGUMENT, "out of range");
    EXPECT_OK(tfe_context_tensor(loaded, 2, &last));
    tfe_session_t *sess = NULL;
    tfe_feeds_t *feeds = NULL;
    tfe_session_options_t options = tfe_session_options_default();
    options.transport = TFE_TRANSPORT_MEMORY;
    EXPECT_OK(tfe_session_new_local_with_options(loaded, &options, &sess));
    EXPECT_OK(tfe_feeds_new(&feeds));
    const double values[3] = {1.0, 2.0, 3.0}, want[3] = {-1.0, -2.0, -3.0};
    EXPECT_OK(tfe_feeds_set(feeds, found, values, 3));
    /* Tensors of the original context are not the loaded context's. */
    EXPECT_ERROR(tfe_feeds_set(feeds, x, values, 3), TFE_ERR_INVALID_ARGUMENT, "context");
    expect_run(sess, last, feeds, want, 3);
    tfe_feeds_free(feeds);
    tfe_session_free(sess);
    tfe_tensor_free(last);
    tfe_tensor_free(found);
    tfe_tensor_free(neg);
    tfe_tensor_free(out);
    tfe_tensor_free(x);
    tfe_context_free(loaded);
    tfe_context_free(ctx);
}

static void on_log(void *user_data, int level, const char *target, const char *message) {
    (void)level, (void)target, (void)message;
    *(int *)user_data += 1;
}

/* The log callback: installed, checked, turned off (records are tested in src/ffi/tests.rs). */
static void test_log_callback(void) {
    static int records = 0;
    EXPECT_OK(tfe_set_log_callback(on_log, &records, TFE_LOG_WARN));
    EXPECT_ERROR(tfe_set_log_callback(on_log, &records, 6), TFE_ERR_INVALID_ARGUMENT, "max_level 6");
    EXPECT_ERROR(tfe_set_log_callback(on_log, &records, -1), TFE_ERR_INVALID_ARGUMENT, "max_level -1");
    EXPECT_OK(tfe_set_log_callback(NULL, NULL, 0));
}

int main(void) {
    test_log_callback();
    test_select_and_one_hot_with_full_comparisons();
    test_load();
    test_feeds_names_and_variables();
    test_stats();
    return finish("test_api");
}
