/*
 * Bad input gets a status and a message, never an abort, a panic or a
 * wrong answer: results larger than the size limit (refused when the op is
 * defined, not when a run allocates them), slice and pad arithmetic that
 * would overflow, .npy files whose data is not as long as their header
 * says, CSV files with empty cells or an upper-case extension, and
 * fixed-point configurations (the message names the field and its range).
 * Exits 0 when every check passes.
 */
#include <stdint.h>

#include "check.h"

int failures = 0;

static void test_results_above_the_size_limit(void) {
    tfe_context_t *ctx = NULL;
    EXPECT_OK(tfe_context_new(NULL, &ctx));
    const size_t col_shape[2] = {(size_t)1 << 20, 1};
    const size_t row_shape[2] = {1, (size_t)1 << 20};
    tfe_tensor_t *col = NULL, *row = NULL, *out = NULL;
    EXPECT_OK(tfe_define_private_input(ctx, NULL, "alice", col_shape, 2, NULL, NULL, &col));
    EXPECT_OK(tfe_define_private_input(ctx, NULL, "alice", row_shape, 2, NULL, NULL, &row));
    const char *too_big = "the result of shape [1048576, 1048576] has 1099511627776 elements, "
                          "expected at most 17179869184";
    EXPECT_ERROR(tfe_add(ctx, col, row, &out), TFE_ERR_INVALID_ARGUMENT, too_big);
    EXPECT_ERROR(tfe_less(ctx, col, row, &out), TFE_ERR_INVALID_ARGUMENT, too_big);
    EXPECT_ERROR(tfe_select(ctx, col, col, row, &out), TFE_ERR_INVALID_ARGUMENT, too_big);
    EXPECT_ERROR(tfe_matmul(ctx, col, row, &out), TFE_ERR_INVALID_ARGUMENT, too_big);
    EXPECT(out == NULL);
    tfe_tensor_free(col);
    tfe_tensor_free(row);
    tfe_context_free(ctx);
}

static void test_shape_arithmetic_that_overflows(void) {
    tfe_context_t *ctx = NULL;
    EXPECT_OK(tfe_context_new(NULL, &ctx));
    const size_t shape[2] = {3, 4};
    tfe_tensor_t *x = NULL, *out = NULL;
    EXPECT_OK(tfe_define_private_input(ctx, NULL, "alice", shape, 2, NULL, NULL, &x));
    const size_t begin[2] = {SIZE_MAX, 0};
    const size_t size[2] = {2, 2};
    EXPECT_ERROR(tfe_slice(ctx, x, begin, 2, size, 2, &out), TFE_ERR_INVALID_ARGUMENT,
                 "does not fit shape [3, 4]");
    const size_t pads[4] = {SIZE_MAX, 0, 0, 0};
    EXPECT_ERROR(tfe_pad(ctx, x, pads, 4, &out), TFE_ERR_INVALID_ARGUMENT, "overflows");
    const size_t huge_pads[4] = {(size_t)1 << 40, 0, 0, 0};
    EXPECT_ERROR(tfe_pad(ctx, x, huge_pads, 4, &out), TFE_ERR_INVALID_ARGUMENT, "too many elements");
    EXPECT(out == NULL);
    tfe_tensor_free(x);
    tfe_context_free(ctx);
}

/* A version 1.0 .npy file: the header dictionary `dict`, then `data_len` zero bytes. */
static int write_npy(const char *path, const char *dict, size_t data_len) {
    unsigned char bytes[256] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
    size_t header_len = strlen(dict) + 1;
    while ((10 + header_len) % 64 != 0) {
        header_len++;
    }
    if (10 + header_len + data_len > sizeof bytes) {
        failures++;
        return 0;
    }
    bytes[8] = (unsigned char)(header_len & 0xff);
    bytes[9] = (unsigned char)(header_len >> 8);
    memset(bytes + 10, ' ', header_len - 1);
    memcpy(bytes + 10, dict, strlen(dict));
    bytes[10 + header_len - 1] = '\n';
    return write_file(path, bytes, 10 + header_len + data_len);
}

static void test_npy_data_of_another_length(void) {
    tfe_array_t *array = NULL;
    if (write_npy("tfe-test-bad-huge.npy",
                  "{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776,), }", 16)) {
        EXPECT_ERROR(tfe_array_load("tfe-test-bad-huge.npy", &array), TFE_ERR_INVALID_ARGUMENT,
                     "expected 8796093022208 bytes of data, found 16");
        EXPECT(strstr(tfe_last_error_message(), "tfe-test-bad-huge.npy") != NULL);
    }
    remove("tfe-test-bad-huge.npy");
    if (write_npy("tfe-test-bad-short.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }",
                  40)) {
        EXPECT_ERROR(tfe_array_load("tfe-test-bad-short.npy", &array), TFE_ERR_INVALID_ARGUMENT,
                     "expected 48 bytes of data, found 40");
    }
    remove("tfe-test-bad-short.npy");
    if (write_npy("tfe-test-bad-long.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 12)) {
        EXPECT_ERROR(tfe_array_load("tfe-test-bad-long.npy", &array), TFE_ERR_INVALID_ARGUMENT,
                     "expected 8 bytes of data, found 12");
    }
    remove("tfe-test-bad-long.npy");
    EXPECT(array == NULL);
}

static void test_csv_cells_and_extensions(void) {
    tfe_array_t *array = NULL;
    const char *cases[3][2] = {
        {"1,,3\n", "line 1, column 2: empty cell"},
        {"1,,3\n4,5,\n", "line 1, column 2: empty cell"},
        {"1,2,3\n4,5,\n", "line 2, column 3: empty cell"},
    };
    for (int i = 0; i < 3; i++) {
        if (write_file("tfe-test-bad-cells.csv", cases[i][0], strlen(cases[i][0]))) {
            EXPECT_ERROR(tfe_array_load("tfe-test-bad-cells.csv", &array), TFE_ERR_INVALID_ARGUMENT,
                         cases[i][1]);
        }
    }
    remove("tfe-test-bad-cells.csv");
    EXPECT(array == NULL);

    const char *text = "1,2\n3,4\n";
    if (write_file("tfe-test-upper.CSV", text, strlen(text))) {
        EXPECT_OK(tfe_array_load("tfe-test-upper.CSV", &array));
        const size_t *shape = NULL;
        size_t rank = 0;
        if (array != NULL) {
            EXPECT_OK(tfe_array_shape(array, &shape, &rank));
            EXPECT(rank == 2 && shape[0] == 2 && shape[1] == 2);
        }
        tfe_array_free(array);
    }
    remove("tfe-test-upper.CSV");
}

static void test_config_messages_name_the_field_and_its_range(void) {
    struct {
        tfe_config_t config;
        const char *message;
    } cases[] = {
        {{16, 0, TFE_COMPARISON_FIXED_POINT_RANGE}, "int_bits = 0: expected 1 to 30 integer bits with frac_bits = 16"},
        {{16, 31, TFE_COMPARISON_FIXED_POINT_RANGE}, "int_bits = 31: expected 1 to 30"},
        {{16, UINT32_MAX, TFE_COMPARISON_FIXED_POINT_RANGE}, "int_bits = 4294967295: expected 1 to 30"},
        {{24, 20, TFE_COMPARISON_FIXED_POINT_RANGE}, "2 * frac_bits + int_bits must be at most 62"},
        {{0, 20, TFE_COMPARISON_FIXED_POINT_RANGE}, "frac_bits = 0: expected 1 to 30 fractional bits"},
        {{31, 1, TFE_COMPARISON_FIXED_POINT_RANGE}, "frac_bits = 31: expected 1 to 30 fractional bits"},
        {{16, 20, 7}, "comparison = 7: expected TFE_COMPARISON_FIXED_POINT_RANGE (0) or TFE_COMPARISON_FULL (1)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tfe_context_t *ctx = NULL;
        EXPECT_ERROR(tfe_context_new(&cases[i].config, &ctx), TFE_ERR_CONFIG, cases[i].message);
        EXPECT(ctx == NULL);
    }
    tfe_config_t widest = {1, 60, TFE_COMPARISON_FULL};
    tfe_context_t *ctx = NULL;
    EXPECT_OK(tfe_context_new(&widest, &ctx));
    tfe_context_free(ctx);
}

int main(void) {
    test_results_above_the_size_limit();
    test_shape_arithmetic_that_overflows();
    test_npy_data_of_another_length();
    test_csv_cells_and_extensions();
    test_config_messages_name_the_field_and_its_range();
    return finish("test_bad_input");
}
