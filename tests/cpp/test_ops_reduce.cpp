// GoogleTest tests of reduce_mean, division by a public value, abs,
// minimum, reduce_min, argmin, cumsum and sort through the C++ binding
// (tfe_ops.hpp) and the C functions under it: values through a run, public
// operands, and the errors of bad arguments.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_support.hpp"

namespace {

using tfe_test::expect_near;
using tfe_test::Shape;

TEST(OpsReduce, ValuesThroughARun) {
    tfe::Context ctx;
    auto x = ctx.private_variable("alice", {3.0, -1.5, 0.25, -4.0, 2.0, -1.5}, {2, 3});
    auto y = ctx.private_variable("bob", {1.0, 1.0, 1.0, -5.0, 5.0, -1.5}, {2, 3});
    auto c = ctx.constant({2.0, -6.0, 1.0}, {3});
    auto mean_all = tfe::reduce_mean(x);
    auto mean_rows = tfe::reduce_mean(x, 1);
    EXPECT_EQ(mean_all.shape(), (Shape{}));
    EXPECT_EQ(mean_rows.shape(), (Shape{2}));
    std::vector<tfe::Tensor> fetches;
    fetches.push_back(mean_all.reveal());
    fetches.push_back(mean_rows.reveal());
    fetches.push_back((x / 4.0).reveal());
    fetches.push_back((x / -0.5).reveal());
    fetches.push_back(tfe::abs(x).reveal());
    fetches.push_back(tfe::minimum(x, y).reveal());
    fetches.push_back(tfe::minimum(x, c).reveal());
    fetches.push_back(tfe::reduce_min(x, 1).reveal());
    fetches.push_back(tfe::argmin(x, 1).reveal());
    fetches.push_back(tfe::cumsum(x, 1).reveal());
    fetches.push_back(tfe::cumsum(x, 1, tfe::Cumsum::ExclusiveReverse).reveal());
    fetches.push_back(tfe::sort(x, 1).reveal());
    fetches.push_back(tfe::sort(x, 0, tfe::SortOrder::Descending).reveal());
    // Public operands are computed by every player: mean(c) / 2 = -0.5
    // (within the rounding of 1/3 and two truncations),
    // cumsum(c) = {2, -4, -3}.
    fetches.push_back((x + tfe::reduce_mean(c) / 2.0 + tfe::cumsum(c, 0)).reveal());
    auto result = tfe_test::run_in_memory(ctx, fetches);
    const double ulp = 1.0 / 65536.0;
    expect_near(result.value(0), {-1.75 / 6.0}, 1e-4);
    expect_near(result.value(1), {1.75 / 3.0, -3.5 / 3.0}, 1e-4);
    expect_near(result.value(2), {0.75, -0.375, 0.0625, -1.0, 0.5, -0.375}, 2 * ulp);
    expect_near(result.value(3), {-6.0, 3.0, -0.5, 8.0, -4.0, 3.0}, 2 * ulp);
    expect_near(result.value(4), {3.0, 1.5, 0.25, 4.0, 2.0, 1.5}, 0.0);
    expect_near(result.value(5), {1.0, -1.5, 0.25, -5.0, 2.0, -1.5}, 0.0);
    expect_near(result.value(6), {2.0, -6.0, 0.25, -4.0, -6.0, -1.5}, 0.0);
    expect_near(result.value(7), {-1.5, -4.0}, 0.0);
    expect_near(result.value(8), {1.0, 0.0}, 0.0);
    expect_near(result.value(9), {3.0, 1.5, 1.75, -4.0, -2.0, -3.5}, 0.0);
    expect_near(result.value(10), {-1.25, 0.25, 0.0, 0.5, -1.5, 0.0}, 0.0);
    expect_near(result.value(11), {-1.5, 0.25, 3.0, -4.0, -1.5, 2.0}, 0.0);
    expect_near(result.value(12), {3.0, 2.0, 0.25, -4.0, -1.5, -1.5}, 0.0);
    expect_near(result.value(13), {4.5, -6.0, -3.25, -2.5, -2.5, -5.0}, 1e-4);
}

TEST(OpsReduce, BadArgumentsAreErrorsThatSayWhy) {
    tfe::Context ctx;
    auto x = ctx.private_variable("alice", {1, 2, 3, 4, 5, 6}, {2, 3});
    auto c = ctx.constant({1.0, 2.0}, {2});
    EXPECT_TFE_ERROR(x / 0.0, TFE_ERR_INVALID_ARGUMENT, "2^-20 <= |divisor| <= 2^16");
    EXPECT_TFE_ERROR(x / 1e6, TFE_ERR_INVALID_ARGUMENT, "tfe_div_public");
    EXPECT_TFE_ERROR(tfe::reduce_mean(x, 2), TFE_ERR_INVALID_ARGUMENT, "tfe_reduce_mean_axis");
    EXPECT_TFE_ERROR(tfe::abs(c), TFE_ERR_INVALID_ARGUMENT, "public");
    EXPECT_TFE_ERROR(tfe::minimum(c, c), TFE_ERR_INVALID_ARGUMENT, "both public");
    EXPECT_TFE_ERROR(tfe::minimum(x, c), TFE_ERR_INVALID_ARGUMENT, "[2]");
    EXPECT_TFE_ERROR(tfe::reduce_min(x, 2), TFE_ERR_INVALID_ARGUMENT, "tfe_reduce_min");
    EXPECT_TFE_ERROR(tfe::argmin(x, 5), TFE_ERR_INVALID_ARGUMENT, "tfe_argmin");
    EXPECT_TFE_ERROR(tfe::cumsum(x, 2), TFE_ERR_INVALID_ARGUMENT, "tfe_cumsum");
    EXPECT_TFE_ERROR(tfe::sort(c, 0), TFE_ERR_INVALID_ARGUMENT, "tfe_sort");
    tfe_tensor_t *out = nullptr;
    EXPECT_EQ(tfe_cumsum(ctx.get(), x.get(), 0, 4, &out), TFE_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(tfe_last_error_message()).find("cumsum mode 4"), std::string::npos);
    EXPECT_EQ(tfe_sort(ctx.get(), x.get(), 0, 2, &out), TFE_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(tfe_last_error_message()).find("sort order 2"), std::string::npos);
    EXPECT_EQ(tfe_sort(ctx.get(), nullptr, 0, TFE_SORT_ASCENDING, &out), TFE_ERR_NULL_POINTER);
    EXPECT_EQ(tfe_minimum(ctx.get(), x.get(), nullptr, &out), TFE_ERR_NULL_POINTER);
    EXPECT_EQ(tfe_div_public(ctx.get(), x.get(), 2.0, nullptr), TFE_ERR_NULL_POINTER);
    EXPECT_EQ(out, nullptr);
}

} // namespace
