/*
 * Names given from C, the message an input callback leaves
 * (tfe_input_set_error), values out of range named by their index, and
 * variables' initial values that never enter a saved graph.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

int failures = 0;

static const size_t shape2[1] = {2};
static const size_t shape23[2] = {2, 3};

static tfe_session_options_t memory(void) {
    tfe_session_options_t options = tfe_session_options_default();
    options.transport = TFE_TRANSPORT_MEMORY;
    return options;
}

/* Whether `needle` (n bytes) occurs in `haystack` (len bytes). */
static int contains_bytes(const unsigned char *haystack, size_t len, const void *needle, size_t n) {
    for (size_t i = 0; i + n <= len; i++) {
        if (memcmp(haystack + i, needle, n) == 0) {
            return 1;
        }
    }
    return 0;
}

static void test_names(void) {
    tfe_context_t *ctx = NULL;
    tfe_tensor_t *x = NULL, *w = NULL, *auto_input = NULL, *auto_variable = NULL, *bad = NULL, *found = NULL;
    const double values[2] = {1.0, 2.0};
    const char *name = NULL;
    EXPECT_OK(tfe_context_new(NULL, &ctx));
    EXPECT_OK(tfe_define_private_input(ctx, "input0", "alice", shape2, 1, NULL, NULL, &x));
    EXPECT_OK(tfe_define_private_variable(ctx, "model.w_1", "server0", values, 2, shape2, 1, &w));
    EXPECT_OK(tfe_define_private_input(ctx, NULL, "alice", shape2, 1, NULL, NULL, &auto_input));
    EXPECT_OK(tfe_define_private_variable(ctx, NULL, "server1", NULL, 0, shape2, 1, &auto_variable));
    EXPECT_OK(tfe_tensor_name(x, &name));
    EXPECT(strcmp(name, "input0") == 0);
    EXPECT_OK(tfe_tensor_name(w, &name));
    EXPECT(strcmp(name, "model.w_1") == 0);
    /* Automatic names skip the names a caller chose. */
    EXPECT_OK(tfe_tensor_name(auto_input, &name));
    EXPECT(strcmp(name, "input1") == 0);
    EXPECT_OK(tfe_tensor_name(auto_variable, &name));
    EXPECT(strcmp(name, "variable0") == 0);
    EXPECT_OK(tfe_context_find(ctx, "model.w_1", &found));

    EXPECT_ERROR(tfe_define_private_input(ctx, "model.w_1", "bob", shape2, 1, NULL, NULL, &bad),
                 TFE_ERR_INVALID_ARGUMENT, "named 'model.w_1' exists already");
    EXPECT_ERROR(tfe_define_private_variable(ctx, "input1", "bob", NULL, 0, shape2, 1, &bad),
                 TFE_ERR_INVALID_ARGUMENT, "named 'input1' exists already");
    EXPECT_ERROR(tfe_define_private_input(ctx, "no spaces", "bob", shape2, 1, NULL, NULL, &bad),
                 TFE_ERR_INVALID_ARGUMENT, "input or variable name 'no spaces'");
    EXPECT_ERROR(tfe_define_private_input(ctx, "", "bob", shape2, 1, NULL, NULL, &bad), TFE_ERR_INVALID_ARGUMENT,
                 "1 to 64 characters");
    EXPECT_ERROR(tfe_define_private_variable(ctx, "caf\xff", "bob", NULL, 0, shape2, 1, &bad),
                 TFE_ERR_INVALID_ARGUMENT, "'name'");
    EXPECT(bad == NULL);

    tfe_tensor_free(found);
    tfe_tensor_free(auto_variable);
    tfe_tensor_free(auto_input);
    tfe_tensor_free(w);
    tfe_tensor_free(x);
    tfe_context_free(ctx);
}

/* What the callbacks below do; the user data of each. */
struct behaviour {
    const char *message; /* left with tfe_input_set_error, or NULL */
    int code;            /* returned */
    double fill;         /* written to every element */
    size_t bad_index;    /* where 1e300 goes, or SIZE_MAX */
    tfe_status_t set_status;
};

static int scripted(void *user_data, const char *name, const size_t *shape, size_t rank, double *out, size_t len) {
    (void)name, (void)shape, (void)rank;
    struct behaviour *b = user_data;
    for (size_t i = 0; i < len; i++) {
        out[i] = i == b->bad_index ? 1e300 : b->fill;
    }
    if (b->message != NULL) {
        b->set_status = tfe_input_set_error(b->message);
    }
    return b->code;
}

static void test_callback_messages_and_bad_values(void) {
    struct behaviour b = {NULL, 0, 1.0, SIZE_MAX, TFE_OK};
    tfe_context_t *ctx = NULL;
    tfe_tensor_t *x = NULL, *out = NULL;
    tfe_session_t *sess = NULL;
    tfe_result_t *result = NULL;
    tfe_session_options_t options = memory();
    EXPECT_OK(tfe_context_new(NULL, &ctx));
    EXPECT_OK(tfe_define_private_input(ctx, "sensor", "alice", shape23, 2, scripted, &b, &x));
    EXPECT_OK(tfe_reveal(ctx, x, NULL, &out));
    EXPECT_OK(tfe_session_new_local_with_options(ctx, &options, &sess));

    /* Outside a callback the setter is an error. */
    EXPECT_ERROR(tfe_input_set_error("nobody listens"), TFE_ERR_INVALID_ARGUMENT, "outside an input callback");
    EXPECT_ERROR(tfe_input_set_error(NULL), TFE_ERR_NULL_POINTER, "'message'");

    /* A failing callback's message is the run's error, with the input's name. */
    b.message = "camera 7 is offline";
    b.code = 1;
    EXPECT_ERROR(tfe_session_run(sess, &out, 1, &result), TFE_ERR_INVALID_ARGUMENT, "invalid input 'sensor'");
    EXPECT_ERROR(tfe_session_run(sess, &out, 1, &result), TFE_ERR_INVALID_ARGUMENT,
                 "the input callback returned 1: camera 7 is offline");
    EXPECT(b.set_status == TFE_OK);

    /* A message left by a callback that succeeds is dropped; none left: said so. */
    b.code = 0;
    EXPECT_OK(tfe_session_run(sess, &out, 1, &result));
    tfe_result_free(result);
    result = NULL;
    b.message = NULL;
    b.code = 5;
    EXPECT_ERROR(tfe_session_run(sess, &out, 1, &result), TFE_ERR_INVALID_ARGUMENT,
                 "returned 5 (expected 0 = TFE_OK) and left no message");

    /* A value out of range is named by its index, compactly. */
    b.code = 0;
    b.bad_index = 5;
    EXPECT_ERROR(tfe_session_run(sess, &out, 1, &result), TFE_ERR_INVALID_ARGUMENT,
                 "invalid input 'sensor': element [1, 2] of shape [2, 3] is 1e300, outside the fixed-point range");
    EXPECT(result == NULL);

    tfe_session_free(sess);
    tfe_tensor_free(out);
    tfe_tensor_free(x);
    tfe_context_free(ctx);
}

static void test_saved_graph_holds_no_initial_values(void) {
    const char *path = "tfe-test-privacy.graph";
    double secret[6];
    for (size_t i = 0; i < 6; i++) {
        secret[i] = 1234.5678;
    }
    const int64_t encoded = (int64_t)(1234.5678 * 65536.0 + 0.5); /* its fixed-point encoding */
    tfe_context_t *ctx = NULL, *loaded = NULL;
    tfe_tensor_t *w = NULL, *out = NULL, *bad = NULL;
    tfe_session_t *sess = NULL;
    tfe_result_t *result = NULL;
    tfe_session_options_t options = memory();
    EXPECT_OK(tfe_context_new(NULL, &ctx));
    /* Checked at definition, named by index. */
    secret[4] = 2e6;
    EXPECT_ERROR(tfe_define_private_variable(ctx, "w", "server0", secret, 6, shape23, 2, &bad),
                 TFE_ERR_INVALID_ARGUMENT, "variable 'w': element [1, 1] of shape [2, 3] is 2000000");
    secret[4] = 1234.5678;
    EXPECT_OK(tfe_define_private_variable(ctx, "w", "server0", secret, 6, shape23, 2, &w));
    EXPECT_OK(tfe_reveal(ctx, w, "bob", &out));
    EXPECT_OK(tfe_context_save(ctx, path));

    FILE *file = fopen(path, "rb");
    unsigned char bytes[4096];
    size_t len = file != NULL ? fread(bytes, 1, sizeof bytes, file) : 0;
    if (file != NULL) {
        fclose(file);
    }
    EXPECT(len > 0 && len < sizeof bytes);
    EXPECT(!contains_bytes(bytes, len, &secret[0], sizeof secret[0]));
    EXPECT(!contains_bytes(bytes, len, &encoded, sizeof encoded));

    /* The context's own sessions give w its values at its owner. */
    EXPECT_OK(tfe_session_new_local_with_options(ctx, &options, &sess));
    EXPECT_OK(tfe_session_run(sess, &out, 1, &result));
    const double *values = NULL;
    size_t count = 0;
    if (result != NULL) {
        EXPECT_OK(tfe_result_value(result, 0, &values, &count));
        EXPECT(count == 6 && values[5] > 1234.56 && values[5] < 1234.58);
    }
    tfe_result_free(result);
    result = NULL;
    tfe_session_free(sess);
    sess = NULL;

    /* A program that loads the graph has no values for w: its owner must feed it. */
    EXPECT_OK(tfe_context_load(path, &loaded));
    remove(path);
    tfe_tensor_t *loaded_out = NULL;
    EXPECT_OK(tfe_context_tensor(loaded, 1, &loaded_out));
    EXPECT_OK(tfe_session_new_local_with_options(loaded, &options, &sess));
    EXPECT_ERROR(tfe_session_run(sess, &loaded_out, 1, &result), TFE_ERR_INVALID_ARGUMENT,
                 "no feed and no provider for input or variable 'w'");

    tfe_session_free(sess);
    tfe_tensor_free(loaded_out);
    tfe_context_free(loaded);
    tfe_tensor_free(out);
    tfe_tensor_free(w);
    tfe_context_free(ctx);
}

int main(void) {
    test_names();
    test_callback_messages_and_bad_values();
    test_saved_graph_holds_no_initial_values();
    return finish("test_privacy");
}
