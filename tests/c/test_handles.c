/*
 * Handles of the wrong kind through the C API: a context, tensor, feeds,
 * session or result cast to another handle type and passed to the most
 * used calls (session creation and runs, tensor accessors, context calls,
 * operations, feeds, results, parties, models) is TFE_ERR_INVALID_ARGUMENT
 * naming the kind expected and the kind found; a pointer that is no handle,
 * or a freed one (even after its memory went to a new handle), is the
 * same status saying so; every _free of another kind leaves the handle
 * alone (each stays usable and is freed once at the end, which
 * AddressSanitizer and valgrind check). Exits 0 when every check passes.
 */
#include "check.h"

int failures = 0;

/* A pointer value that no call may write over when it fails. */
static int sentinel_storage;
#define SENTINEL ((void *)&sentinel_storage)

static const size_t shape2[1] = {2};
static const double values2[2] = {1.5, 2.5};

/* One live handle of each kind the tests can make in-process (a party
 * needs a deployment); `revealed` is a fetchable tensor of `ctx`. */
struct live {
    tfe_context_t *ctx;
    tfe_tensor_t *variable, *revealed;
    tfe_feeds_t *feeds;
    tfe_session_t *sess;
    tfe_result_t *result;
};

static int make_live(struct live *h) {
    tfe_session_options_t options = tfe_session_options_default();
    options.transport = TFE_TRANSPORT_MEMORY;
    memset(h, 0, sizeof *h);
    if (tfe_context_new(NULL, &h->ctx) != TFE_OK ||
        tfe_define_private_variable(h->ctx, NULL, "server0", values2, 2, shape2, 1, &h->variable) != TFE_OK ||
        tfe_reveal(h->ctx, h->variable, NULL, &h->revealed) != TFE_OK || tfe_feeds_new(&h->feeds) != TFE_OK ||
        tfe_session_new_local_with_options(h->ctx, &options, &h->sess) != TFE_OK ||
        tfe_session_run(h->sess, &h->revealed, 1, &h->result) != TFE_OK) {
        fprintf(stderr, "setup failed: %s\n", tfe_last_error_message());
        return 0;
    }
    return 1;
}

static void free_live(struct live *h) {
    tfe_result_free(h->result);
    tfe_session_free(h->sess);
    tfe_feeds_free(h->feeds);
    tfe_tensor_free(h->revealed);
    tfe_tensor_free(h->variable);
    tfe_context_free(h->ctx);
}

static void test_sessions(const struct live *h) {
    tfe_session_options_t options = tfe_session_options_default();
    tfe_session_t *sess = SENTINEL;
    tfe_result_t *result = SENTINEL;
    EXPECT_ERROR(tfe_session_new_local((tfe_context_t *)h->variable, &sess), TFE_ERR_INVALID_ARGUMENT,
                 "tfe_session_new_local: parameter 'ctx' is a tfe_tensor_t, expected a tfe_context_t");
    EXPECT_ERROR(tfe_session_new_local_with_options((tfe_context_t *)h->sess, &options, &sess),
                 TFE_ERR_INVALID_ARGUMENT, "parameter 'ctx' is a tfe_session_t, expected a tfe_context_t");
    EXPECT(sess == SENTINEL);

    EXPECT_ERROR(tfe_session_run((tfe_session_t *)h->revealed, &h->revealed, 1, &result), TFE_ERR_INVALID_ARGUMENT,
                 "tfe_session_run: parameter 'sess' is a tfe_tensor_t, expected a tfe_session_t");
    EXPECT_ERROR(tfe_session_run((tfe_session_t *)h->ctx, &h->revealed, 1, &result), TFE_ERR_INVALID_ARGUMENT,
                 "parameter 'sess' is a tfe_context_t, expected a tfe_session_t");
    tfe_tensor_t *fetches[2] = {h->revealed, (tfe_tensor_t *)h->result};
    EXPECT_ERROR(tfe_session_run(h->sess, fetches, 2, &result), TFE_ERR_INVALID_ARGUMENT,
                 "parameter 'fetches[1]' is a tfe_result_t, expected a tfe_tensor_t");
    EXPECT_ERROR(tfe_session_run_with_feeds(h->sess, &h->revealed, 1, (tfe_feeds_t *)h->sess, &result),
                 TFE_ERR_INVALID_ARGUMENT, "parameter 'feeds' is a tfe_session_t, expected a tfe_feeds_t");
    EXPECT_ERROR(tfe_session_run_with_feeds((tfe_session_t *)h->feeds, &h->revealed, 1, NULL, &result),
                 TFE_ERR_INVALID_ARGUMENT, "parameter 'sess' is a tfe_feeds_t, expected a tfe_session_t");
    EXPECT_ERROR(tfe_session_reset_variables((tfe_session_t *)h->result), TFE_ERR_INVALID_ARGUMENT,
                 "parameter 'sess' is a tfe_result_t, expected a tfe_session_t");
    EXPECT(result == SENTINEL);
    /* NULL stays TFE_ERR_NULL_POINTER. */
    EXPECT_ERROR(tfe_session_run(NULL, &h->revealed, 1, &result), TFE_ERR_NULL_POINTER, "parameter 'sess' is NULL");
}

static void test_contexts_and_tensors(const struct live *h) {
    const size_t *shape;
    size_t rank, count;
    const char *name;
    tfe_tensor_t *out = SENTINEL;
    EXPECT_ERROR(tfe_tensor_shape((tfe_tensor_t *)h->ctx, &shape, &rank), TFE_ERR_INVALID_ARGUMENT,
                 "tfe_tensor_shape: parameter 'tensor' is a tfe_context_t, expected a tfe_tensor_t");
    EXPECT_ERROR(tfe_tensor_shape((tfe_tensor_t *)h->sess, &shape, &rank), TFE_ERR_INVALID_ARGUMENT,
                 "parameter 'tensor' is a tfe_session_t, expected a tfe_tensor_t");
    EXPECT_ERROR(tfe_tensor_name((tfe_tensor_t *)h->feeds, &name), TFE_ERR_INVALID_ARGUMENT,
                 "parameter 'tensor' is a tfe_feeds_t, expected a tfe_tensor_t");
    EXPECT_ERROR(tfe_context_tensor_count((tfe_context_t *)h->result, &count), TFE_ERR_INVALID_ARGUMENT,
                 "parameter 'ctx' is a tfe_result_t, expected a tfe_context_t");
    EXPECT_ERROR(tfe_context_find((tfe_context_t *)h->variable, "variable0", &out), TFE_ERR_INVALID_ARGUMENT,
                 "parameter 'ctx' is a tfe_tensor_t, expected a tfe_context_t");
    EXPECT_ERROR(tfe_context_save((tfe_context_t *)h->sess, "tfe-test-handles.tfe"), TFE_ERR_INVALID_ARGUMENT,
                 "parameter 'ctx' is a tfe_session_t, expected a tfe_context_t");
    EXPECT_ERROR(tfe_define_constant((tfe_context_t *)h->revealed, values2, 2, shape2, 1, &out),
                 TFE_ERR_INVALID_ARGUMENT, "parameter 'ctx' is a tfe_tensor_t, expected a tfe_context_t");
    EXPECT_ERROR(tfe_neg((tfe_context_t *)h->feeds, h->variable, &out), TFE_ERR_INVALID_ARGUMENT,
                 "tfe_neg: parameter 'ctx' is a tfe_feeds_t, expected a tfe_context_t");
    EXPECT_ERROR(tfe_add(h->ctx, (tfe_tensor_t *)h->ctx, h->variable, &out), TFE_ERR_INVALID_ARGUMENT,
                 "tfe_add: parameter 'x' is a tfe_context_t, expected a tfe_tensor_t");
    EXPECT_ERROR(tfe_matmul(h->ctx, h->variable, (tfe_tensor_t *)h->sess, &out), TFE_ERR_INVALID_ARGUMENT,
                 "parameter 'y' is a tfe_session_t, expected a tfe_tensor_t");
    EXPECT_ERROR(tfe_reveal(h->ctx, (tfe_tensor_t *)h->result, NULL, &out), TFE_ERR_INVALID_ARGUMENT,
                 "parameter 'x' is a tfe_result_t, expected a tfe_tensor_t");
    EXPECT(out == SENTINEL);
}

static void test_feeds_results_parties_models(const struct live *h) {
    size_t count;
    const double *data;
    size_t len;
    tfe_result_t *result = SENTINEL;
    EXPECT_ERROR(tfe_feeds_set((tfe_feeds_t *)h->variable, h->variable, values2, 2), TFE_ERR_INVALID_ARGUMENT,
                 "parameter 'feeds' is a tfe_tensor_t, expected a tfe_feeds_t");
    EXPECT_ERROR(tfe_feeds_set(h->feeds, (tfe_tensor_t *)h->ctx, values2, 2), TFE_ERR_INVALID_ARGUMENT,
                 "parameter 'input' is a tfe_context_t, expected a tfe_tensor_t");
    EXPECT_ERROR(tfe_result_count((tfe_result_t *)h->sess, &count), TFE_ERR_INVALID_ARGUMENT,
                 "tfe_result_count: parameter 'result' is a tfe_session_t, expected a tfe_result_t");
    EXPECT_ERROR(tfe_result_value((tfe_result_t *)h->revealed, 0, &data, &len), TFE_ERR_INVALID_ARGUMENT,
                 "parameter 'result' is a tfe_tensor_t, expected a tfe_result_t");
    EXPECT_ERROR(tfe_party_run((tfe_party_t *)h->sess, &h->revealed, 1, NULL, &result), TFE_ERR_INVALID_ARGUMENT,
                 "tfe_party_run: parameter 'party' is a tfe_session_t, expected a tfe_party_t");
    tfe_party_t *party = SENTINEL;
    EXPECT_ERROR(tfe_party_open_insecure_plaintext((tfe_context_t *)h->sess, "hostmap.json", "server0", &party),
                 TFE_ERR_INVALID_ARGUMENT, "parameter 'ctx' is a tfe_session_t, expected a tfe_context_t");
    EXPECT(result == SENTINEL && party == SENTINEL);

    /* The older kinds and the newer ones name each other. */
    tfe_model_t *model = NULL;
    const size_t input[1] = {2};
    EXPECT_OK(tfe_model_new(input, 1, &model));
    EXPECT_ERROR(tfe_model_layer_count((tfe_model_t *)h->ctx, &count), TFE_ERR_INVALID_ARGUMENT,
                 "parameter 'model' is a tfe_context_t, expected a tfe_model_t");
    EXPECT_ERROR(tfe_session_run((tfe_session_t *)model, &h->revealed, 1, &result), TFE_ERR_INVALID_ARGUMENT,
                 "parameter 'sess' is a tfe_model_t, expected a tfe_session_t");
    tfe_model_free((tfe_model_t *)h->result); /* not a model: left alone */
    tfe_result_free((tfe_result_t *)model);   /* not a result: left alone */
    EXPECT_OK(tfe_model_layer_count(model, &count));
    tfe_model_free(model);
}

/* Every _free given a live handle of another kind must leave it alone. */
static void test_frees_of_another_kind(const struct live *h) {
    tfe_context_free((tfe_context_t *)h->variable);
    tfe_context_free((tfe_context_t *)h->feeds);
    tfe_tensor_free((tfe_tensor_t *)h->ctx);
    tfe_tensor_free((tfe_tensor_t *)h->result);
    tfe_feeds_free((tfe_feeds_t *)h->sess);
    tfe_session_free((tfe_session_t *)h->revealed);
    tfe_session_free((tfe_session_t *)h->ctx);
    tfe_result_free((tfe_result_t *)h->sess);
    tfe_party_free((tfe_party_t *)h->sess);

    const size_t *shape;
    size_t rank, count;
    const double *data;
    size_t len;
    tfe_result_t *again = NULL;
    EXPECT_OK(tfe_tensor_shape(h->variable, &shape, &rank));
    EXPECT(rank == 1 && shape[0] == 2);
    EXPECT_OK(tfe_context_tensor_count(h->ctx, &count));
    EXPECT(count == 2);
    EXPECT_OK(tfe_feeds_set(h->feeds, h->variable, values2, 2));
    EXPECT_OK(tfe_result_value(h->result, 0, &data, &len));
    EXPECT(len == 2 && data[0] == 1.5 && data[1] == 2.5);
    EXPECT_OK(tfe_session_run(h->sess, &h->revealed, 1, &again));
    tfe_result_free(again);
}

static void test_freed_and_foreign_pointers(void) {
    tfe_context_t *ctx = NULL;
    tfe_tensor_t *tensor = NULL, *out = SENTINEL;
    const size_t *shape;
    size_t rank, count;
    double not_a_handle[8] = {0};
    EXPECT_OK(tfe_context_new(NULL, &ctx));
    EXPECT_OK(tfe_define_constant(ctx, values2, 2, shape2, 1, &tensor));
    EXPECT_ERROR(tfe_tensor_shape((tfe_tensor_t *)not_a_handle, &shape, &rank), TFE_ERR_INVALID_ARGUMENT,
                 "parameter 'tensor' is not a live tfe_tensor_t (not a tfe handle, or freed already)");
    tfe_tensor_free((tfe_tensor_t *)not_a_handle); /* not a handle: left alone */

    tfe_tensor_free(tensor);
    EXPECT_ERROR(tfe_tensor_shape(tensor, &shape, &rank), TFE_ERR_INVALID_ARGUMENT,
                 "parameter 'tensor' is not a live tfe_tensor_t (not a tfe handle, or freed already)");
    EXPECT_ERROR(tfe_neg(ctx, tensor, &out), TFE_ERR_INVALID_ARGUMENT, "parameter 'x' is not a live tfe_tensor_t");
    tfe_tensor_free(tensor); /* a second free is ignored */
    tfe_context_free(ctx);
    EXPECT_ERROR(tfe_context_tensor_count(ctx, &count), TFE_ERR_INVALID_ARGUMENT,
                 "parameter 'ctx' is not a live tfe_context_t (not a tfe handle, or freed already)");
    tfe_context_free(ctx); /* a second free is ignored */
    EXPECT(out == SENTINEL);
}

/* A freed tensor's memory is soon reused for a new one, but its handle is
 * never handed out again: the stale handle stays an error however many
 * tensors follow, and a second free of it frees none of them. */
static void test_freed_handle_after_reuse(void) {
    enum { MANY = 1000 };
    static tfe_tensor_t *newer[MANY];
    tfe_context_t *ctx = NULL;
    tfe_tensor_t *stale = NULL;
    const size_t *shape;
    size_t rank;
    const double one[1] = {1.0};
    const size_t shape1[1] = {1};
    EXPECT_OK(tfe_context_new(NULL, &ctx));
    EXPECT_OK(tfe_define_constant(ctx, one, 1, shape1, 1, &stale));
    tfe_tensor_free(stale);
    for (int i = 0; i < MANY; i++) {
        newer[i] = NULL;
        EXPECT_OK(tfe_define_constant(ctx, values2, 2, shape2, 1, &newer[i]));
        EXPECT(newer[i] != stale);
    }
    EXPECT_ERROR(tfe_tensor_shape(stale, &shape, &rank), TFE_ERR_INVALID_ARGUMENT,
                 "parameter 'tensor' is not a live tfe_tensor_t (not a tfe handle, or freed already)");
    tfe_tensor_free(stale); /* frees none of the newer tensors */
    for (int i = 0; i < MANY; i++) {
        EXPECT_OK(tfe_tensor_shape(newer[i], &shape, &rank));
        EXPECT(rank == 1 && shape[0] == 2);
        tfe_tensor_free(newer[i]);
    }
    tfe_context_free(ctx);
}

int main(void) {
    struct live h;
    if (!make_live(&h)) {
        free_live(&h);
        return 1;
    }
    test_sessions(&h);
    test_contexts_and_tensors(&h);
    test_feeds_results_parties_models(&h);
    test_frees_of_another_kind(&h);
    free_live(&h);
    test_freed_and_foreign_pointers();
    test_freed_handle_after_reuse();
    return finish("test_handles");
}
