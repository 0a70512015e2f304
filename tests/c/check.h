/*
 * The checks the C tests share: EXPECT, EXPECT_OK, EXPECT_ERROR (a status
 * and a message containing a text), EXPECT_OUTCOME (the same for a call made
 * on another thread), counting failures in `failures`, which each test
 * program defines; and their helpers. Header-only, C11.
 */
#ifndef TFE_TEST_CHECK_H
#define TFE_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

#include "tfe.h"

extern int failures;

#define EXPECT(cond)                                                               \
    do {                                                                           \
        if (!(cond)) {                                                             \
            fprintf(stderr, "%s:%d: expected %s (last error: %s)\n", __FILE__,    \
                    __LINE__, #cond, tfe_last_error_message());                    \
            failures++;                                                            \
        }                                                                          \
    } while (0)

/* Expects `call` to return `status` with a last error message containing `text`. */
#define EXPECT_ERROR(call, status, text)                                           \
    do {                                                                           \
        tfe_status_t got_ = (call);                                                \
        const char *message_ = tfe_last_error_message();                           \
        if (got_ != (status) || tfe_last_error_status() != (status) ||             \
            strstr(message_, (text)) == NULL) {                                    \
            fprintf(stderr, "%s:%d: %s returned %s (expected %s), message \"%s\" " \
                    "(expected it to contain \"%s\")\n", __FILE__, __LINE__,       \
                    #call, tfe_status_name((int)got_), tfe_status_name((int)(status)), \
                    message_, (text));                                             \
            failures++;                                                            \
        }                                                                          \
    } while (0)

#define EXPECT_OK(call)                                                            \
    do {                                                                           \
        if ((call) != TFE_OK) {                                                    \
            fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, #call,   \
                    tfe_last_error_message());                                     \
            failures++;                                                            \
        }                                                                          \
    } while (0)

/* An input callback (a tfe_input_fn) that provides ones. */
static inline int provide_ones(void *user_data, const char *name, const size_t *shape, size_t rank,
                               double *out, size_t len) {
    (void)user_data, (void)name, (void)shape, (void)rank;
    for (size_t i = 0; i < len; i++) {
        out[i] = 1.0;
    }
    return TFE_OK;
}

/* Writes `len` bytes to `path`; returns 0 on failure. */
static inline int write_file(const char *path, const void *bytes, size_t len) {
    FILE *file = fopen(path, "wb");
    if (file == NULL) {
        fprintf(stderr, "cannot write %s\n", path);
        failures++;
        return 0;
    }
    size_t written = fwrite(bytes, 1, len, file);
    fclose(file);
    return written == len;
}

/* What a call on another thread returned: its status and that thread's last
 * error message, copied before the thread ends. */
typedef struct {
    tfe_status_t status;
    char message[512];
} outcome_t;

/* Keeps `status` and the calling thread's last error message in `outcome`. */
static inline void keep_outcome(outcome_t *outcome, tfe_status_t status) {
    outcome->status = status;
    snprintf(outcome->message, sizeof outcome->message, "%s", tfe_last_error_message());
}

/* Expects `outcome` (of the call `what`) to be `status` with a message containing `text`. */
#define EXPECT_OUTCOME(what, outcome, status, text) \
    expect_outcome_(__FILE__, __LINE__, (what), &(outcome), (status), (text))

static inline void expect_outcome_(const char *file, int line, const char *what, const outcome_t *outcome,
                                   tfe_status_t status, const char *text) {
    if (outcome->status != status || strstr(outcome->message, text) == NULL) {
        fprintf(stderr, "%s:%d: %s: got %s \"%s\", expected %s with a message containing \"%s\"\n", file, line,
                what, tfe_status_name((int)outcome->status), outcome->message, tfe_status_name((int)status), text);
        failures++;
    }
}

/* The exit code of a test program: prints the summary. */
static inline int finish(const char *program) {
    if (failures != 0) {
        fprintf(stderr, "%s: %d check(s) failed\n", program, failures);
        return 1;
    }
    printf("%s: all checks passed\n", program);
    return 0;
}

#endif
