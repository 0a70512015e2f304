/*
 * tfe_session_interrupt and tfe_party_interrupt: a run in progress on one
 * thread, interrupted from another, fails with TFE_ERR_ABORTED saying so;
 * the session stays usable; an interrupt between runs reaches no run; bad
 * handles are statuses. The run is held in progress by its input callback,
 * which waits until the main thread has interrupted it (the servers wait
 * for the callback's input meanwhile), so no timing decides the outcome.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdatomic.h>
#include <threads.h>
#include <time.h>

#include "check.h"

int failures = 0;

static atomic_int started;  /* the callback of the current run has begun */
static atomic_int released; /* the callback may return */

static int provide(void *user_data, const char *name, const size_t *shape, size_t rank, double *out,
                   size_t len) {
    (void)user_data, (void)name, (void)shape, (void)rank;
    atomic_store(&started, 1);
    while (!atomic_load(&released)) {
        thrd_sleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
    }
    return provide_ones(NULL, name, shape, rank, out, len);
}

struct run {
    tfe_session_t *sess;
    tfe_tensor_t *fetch;
    outcome_t outcome;
};

/* Runs the session on its own thread; keeps the status and message. */
static int run_thread(void *arg) {
    struct run *r = arg;
    tfe_result_t *result = NULL;
    keep_outcome(&r->outcome, tfe_session_run(r->sess, &r->fetch, 1, &result));
    tfe_result_free(result);
    return 0;
}

static void expect_tens(tfe_session_t *sess, tfe_tensor_t *fetch) {
    tfe_result_t *result = NULL;
    EXPECT_OK(tfe_session_run(sess, &fetch, 1, &result));
    const double *values = NULL;
    size_t len = 0;
    EXPECT_OK(tfe_result_value(result, 0, &values, &len));
    EXPECT(len == 50 && values[0] > 9.99 && values[0] < 10.01);
    tfe_result_free(result);
}

int main(void) {
    double ones[100];
    for (size_t i = 0; i < 100; i++) {
        ones[i] = 1.0;
    }
    const size_t shape_w[2] = {10, 10}, shape_x[2] = {5, 10};
    tfe_context_t *ctx = NULL;
    tfe_tensor_t *w = NULL, *x = NULL, *y = NULL, *out = NULL;
    tfe_session_t *sess = NULL;
    EXPECT_OK(tfe_context_new(NULL, &ctx));
    EXPECT_OK(tfe_define_private_variable(ctx, "w", "server0", ones, 100, shape_w, 2, &w));
    EXPECT_OK(tfe_define_private_input(ctx, "x", "input-provider", shape_x, 2, provide, NULL, &x));
    EXPECT_OK(tfe_matmul(ctx, x, w, &y));
    EXPECT_OK(tfe_reveal(ctx, y, NULL, &out));
    EXPECT_OK(tfe_session_new_local(ctx, &sess));

    /* A run interrupted from this thread while its callback holds it. */
    struct run r = {.sess = sess, .fetch = out};
    thrd_t thread;
    EXPECT(thrd_create(&thread, run_thread, &r) == thrd_success);
    while (!atomic_load(&started)) {
        thrd_sleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
    }
    EXPECT_OK(tfe_session_interrupt(sess));
    atomic_store(&released, 1);
    thrd_join(thread, NULL);
    EXPECT_OUTCOME("interrupted run", r.outcome, TFE_ERR_ABORTED, "the run was interrupted by its caller");
    EXPECT(strstr(r.outcome.message, "tfe_session_run") != NULL);

    /* The session stays usable, and an interrupt between runs reaches none. */
    expect_tens(sess, out);
    EXPECT_OK(tfe_session_interrupt(sess));
    expect_tens(sess, out);

    /* Bad handles are statuses. */
    EXPECT_ERROR(tfe_session_interrupt(NULL), TFE_ERR_NULL_POINTER, "'sess'");
    EXPECT_ERROR(tfe_party_interrupt(NULL), TFE_ERR_NULL_POINTER, "'party'");
    EXPECT_ERROR(tfe_party_interrupt((tfe_party_t *)sess), TFE_ERR_INVALID_ARGUMENT, "tfe_session_t");
    tfe_session_free(sess);
    EXPECT_ERROR(tfe_session_interrupt(sess), TFE_ERR_INVALID_ARGUMENT, "sess");

    tfe_tensor_free(out);
    tfe_tensor_free(y);
    tfe_tensor_free(x);
    tfe_tensor_free(w);
    tfe_context_free(ctx);
    return failures == 0 ? 0 : 1;
}
