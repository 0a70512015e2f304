// GoogleTest tests of the nonlinear, comparison, layout, pooling and
// convolution operations through the C++ binding (tfe_ops.hpp): shapes,
// values through a run, and the errors of bad arguments.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_support.hpp"

namespace {

using tfe_test::expect_near;
using tfe_test::Shape;

TEST(Ops, NonlinearValuesThroughARun) {
    tfe::Context ctx;
    auto x = ctx.private_variable("alice", {-2.0, -0.5, 0.5, 3.0}, {4});
    auto y = ctx.private_variable("bob", {1.0, -1.0, 0.5, 4.0}, {4});
    auto m = ctx.private_variable("alice", {1.0, 5.0, 2.0, 7.0, 0.0, 3.0}, {2, 3});
    std::vector<tfe::Tensor> fetches;
    fetches.push_back(tfe::relu(x).reveal());
    fetches.push_back((x < y).reveal());
    fetches.push_back((x >= y).reveal());
    fetches.push_back(tfe::maximum(x, y).reveal());
    fetches.push_back(tfe::equal(x, x).reveal());
    fetches.push_back(tfe::reduce_max(m, 1).reveal());
    fetches.push_back(tfe::argmax(m, 1).reveal());
    fetches.push_back(tfe::sigmoid(x).reveal());
    fetches.push_back(tfe::hard_sigmoid(x).reveal());
    fetches.push_back(tfe::softmax(m).reveal());
    fetches.push_back(tfe::argmax_one_hot(m, 1).reveal());
    fetches.push_back(tfe::select(x < y, x, y).reveal());
    auto result = tfe_test::run_in_memory(ctx, fetches);
    expect_near(result.value(0), {0.0, 0.0, 0.5, 3.0}, 1e-3);
    expect_near(result.value(1), {1.0, 0.0, 0.0, 1.0}, 1e-3);
    expect_near(result.value(2), {0.0, 1.0, 1.0, 0.0}, 1e-3);
    expect_near(result.value(3), {1.0, -0.5, 0.5, 4.0}, 1e-3);
    expect_near(result.value(4), {1.0, 1.0, 1.0, 1.0}, 1e-3);
    expect_near(result.value(5), {5.0, 7.0}, 1e-3);
    expect_near(result.value(6), {1.0, 0.0}, 1e-3);
    expect_near(result.value(7), {0.1192, 0.3775, 0.6225, 0.9526}, 0.005);
    expect_near(result.value(8), {0.1, 0.4, 0.6, 1.0}, 1e-3);
    auto soft = result.value(9);
    ASSERT_EQ(soft.size(), 6u);
    EXPECT_NEAR(soft[0] + soft[1] + soft[2], 1.0, 0.02);
    EXPECT_GT(soft[1], soft[2]);
    expect_near(result.value(10), {0.0, 1.0, 0.0, 1.0, 0.0, 0.0}, 1e-3);
    expect_near(result.value(11), {-2.0, -1.0, 0.5, 3.0}, 1e-3);
    EXPECT_TFE_ERROR(tfe::select(x, m, y), TFE_ERR_INVALID_ARGUMENT, "tfe_select");
    EXPECT_TFE_ERROR(tfe::argmax_one_hot(m, 2), TFE_ERR_INVALID_ARGUMENT, "tfe_argmax_one_hot");
}

// tanh, log and sqrt within the bounds their C docs state (0.004, 10^-4,
// 10^-3 relative); a softmax row of 2048 equal logits (its sum is past the
// old reciprocal's domain); a reveal that leaves the fixed-point range.
TEST(Ops, ApproximationsAndOverflowThroughARun) {
    tfe::Context ctx;
    auto x = ctx.private_variable("alice", {-2.0, -0.5, 0.5, 3.0}, {4});
    auto p = ctx.private_variable("alice", {0.25, 1.0, 10.0, 900.0}, {4});
    auto wide = ctx.private_variable("alice", std::vector<double>(2048, 1.5), {1, 2048});
    auto big = ctx.private_variable("alice", {2000.0, 1.0}, {2});
    std::vector<tfe::Tensor> fetches;
    fetches.push_back(tfe::tanh(x).reveal());
    fetches.push_back(tfe::log(p).reveal());
    fetches.push_back(tfe::sqrt(p).reveal());
    fetches.push_back(tfe::softmax(wide).reveal());
    auto overflow = tfe::square(big).reveal();
    tfe::Session sess(ctx, tfe_test::memory());
    auto result = sess.run(tfe::Fetches(fetches.begin(), fetches.end()));
    expect_near(result.value(0), {-0.9640, -0.4621, 0.4621, 0.9951}, 0.004);
    expect_near(result.value(1), {-1.3863, 0.0, 2.3026, 6.8024}, 2e-4);
    expect_near(result.value(2), {0.5, 1.0, 3.1623, 30.0}, 0.03);
    expect_near(result.value(3), std::vector<double>(2048, 1.0 / 2048), 0.01);
    EXPECT_TFE_ERROR(sess.run(overflow), TFE_ERR_OUT_OF_RANGE,
                     "1 of 2 values are outside the fixed-point range");
}

TEST(Ops, LayoutShapesAndValues) {
    tfe::Context ctx;
    auto a = ctx.private_variable("alice", {1, 2, 3, 4, 5, 6}, {2, 3});
    auto sliced = tfe::slice(a, {0, 1}, {2, 2});
    auto padded = tfe::pad(a, {{1, 0}, {0, 1}});
    auto joined = tfe::concat(a, a, 0);
    auto expanded = tfe::expand_dims(a, 0);
    auto gathered = tfe::gather(a, {2, 0}, 1);
    EXPECT_EQ(sliced.shape(), (Shape{2, 2}));
    EXPECT_EQ(padded.shape(), (Shape{3, 4}));
    EXPECT_EQ(joined.shape(), (Shape{4, 3}));
    EXPECT_EQ(expanded.shape(), (Shape{1, 2, 3}));
    EXPECT_EQ(tfe::squeeze(expanded, 0).shape(), (Shape{2, 3}));
    EXPECT_EQ(tfe::flatten(expanded).shape(), (Shape{1, 6}));
    EXPECT_EQ(gathered.shape(), (Shape{2, 2}));
    auto s = sliced.reveal(), g = gathered.reveal();
    tfe::Session sess(ctx, tfe_test::memory());
    auto result = sess.run({s, g});
    expect_near(result.value(0), {2, 3, 5, 6}, 1e-3);
    expect_near(result.value(1), {3, 1, 6, 4}, 1e-3);

    EXPECT_TFE_ERROR(tfe::slice(a, {0}, {1}), TFE_ERR_INVALID_ARGUMENT, "tfe_slice");
    EXPECT_TFE_ERROR(tfe::concat(a, sliced, 0), TFE_ERR_INVALID_ARGUMENT, "tfe_concat");
    EXPECT_TFE_ERROR(tfe::squeeze(a, 0), TFE_ERR_INVALID_ARGUMENT, "tfe_squeeze");
    EXPECT_TFE_ERROR(tfe::gather(a, {7}, 1), TFE_ERR_INVALID_ARGUMENT, "tfe_gather");
    EXPECT_TFE_ERROR(tfe::reduce_max(a, 5), TFE_ERR_INVALID_ARGUMENT, "tfe_reduce_max");
    tfe_tensor_t *out = nullptr;
    const std::size_t odd[3] = {1, 0, 1};
    EXPECT_EQ(tfe_pad(ctx.get(), a.get(), odd, 3, &out), TFE_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(tfe_last_error_message()).find("(before, after) pairs"), std::string::npos);
}

TEST(Ops, PoolingAndConvolution) {
    tfe::Context ctx;
    std::vector<double> image(16);
    for (std::size_t i = 0; i < image.size(); i++) {
        image[i] = static_cast<double>(i);
    }
    auto x = ctx.private_variable("alice", image, {1, 4, 4, 1});
    auto filter = ctx.constant({1, 0, 0, 1}, {2, 2, 1, 1});
    auto pooled = tfe::max_pool2d(x, {2, 2}, {2, 2}, tfe::Padding::Valid);
    auto averaged = tfe::pool2d(x, tfe::Pool::Average, {2, 2}, {2, 2}, tfe::Padding::Valid);
    auto conv = tfe::conv2d(x, filter, {1, 1}, tfe::Padding::Valid);
    auto same = tfe::conv2d(x, filter, {1, 1}, tfe::Padding::Same);
    EXPECT_EQ(pooled.shape(), (Shape{1, 2, 2, 1}));
    EXPECT_EQ(conv.shape(), (Shape{1, 3, 3, 1}));
    EXPECT_EQ(same.shape(), (Shape{1, 4, 4, 1}));
    EXPECT_EQ(tfe::global_avg_pool2d(x).shape(), (Shape{1, 1}));
    auto p = pooled.reveal(), a = averaged.reveal(), c = conv.reveal();
    tfe::Session sess(ctx, tfe_test::memory());
    auto result = sess.run({p, a, c});
    expect_near(result.value(0), {5, 7, 13, 15}, 1e-3);
    expect_near(result.value(1), {2.5, 4.5, 10.5, 12.5}, 1e-3);
    expect_near(result.value(2), {5, 7, 9, 13, 15, 17, 21, 23, 25}, 1e-3);

    tfe_tensor_t *out = nullptr;
    EXPECT_EQ(tfe_pool2d(ctx.get(), x.get(), TFE_POOL_MAX, 2, 2, 2, 2, 7, &out), TFE_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(tfe_last_error_message()).find("padding 7"), std::string::npos);
    EXPECT_EQ(tfe_pool2d(ctx.get(), x.get(), 2, 2, 2, 2, 2, TFE_PADDING_VALID, &out), TFE_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(tfe_last_error_message()).find("pool 2: expected TFE_POOL_MAX (0) or TFE_POOL_AVERAGE (1)"), std::string::npos);
    EXPECT_EQ(tfe_conv2d(ctx.get(), x.get(), nullptr, 1, 1, TFE_PADDING_VALID, &out), TFE_ERR_NULL_POINTER);
    EXPECT_NE(std::string(tfe_last_error_message()).find("'filter'"), std::string::npos);
    auto flat = ctx.private_variable("alice", {1, 2}, {2});
    EXPECT_TFE_ERROR(tfe::max_pool2d(flat, {2, 2}, {2, 2}, tfe::Padding::Valid), TFE_ERR_INVALID_ARGUMENT,
                     "tfe_pool2d");
    EXPECT_TFE_ERROR(tfe::conv2d(x, flat, {1, 1}, tfe::Padding::Valid), TFE_ERR_INVALID_ARGUMENT, "tfe_conv2d");
    EXPECT_EQ(out, nullptr);
}

} // namespace
