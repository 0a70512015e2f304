// GoogleTest tests of tfe_nn.hpp: Model (every layer kind, the benchmark
// networks, plaintext inference), Predictor (private prediction against
// plaintext, its stats) and Array (.npy and .csv files), and their errors:
// each a tfe::Error with the right status and a message saying what was
// wrong, after which the object is as it was.
#include <cstdio>
#include <type_traits>

#include "test_support.hpp"

namespace {

using tfe_test::expect_near;
using tfe_test::memory;
using tfe_test::Shape;

static_assert(std::is_nothrow_move_constructible_v<tfe::Model> && !std::is_copy_constructible_v<tfe::Model> &&
                  std::is_nothrow_move_constructible_v<tfe::Predictor> &&
                  !std::is_copy_constructible_v<tfe::Predictor>,
              "models and predictors are move-only");

const std::vector<double> kDenseW = {0.5, -1.0, 0.25, 2.0, -0.75, 1.5}; // 3 x 2
const std::vector<double> kDenseB = {0.1, -0.2};

tfe::Model small_dense_model() {
    tfe::Model model({3});
    model.dense(3, 2, kDenseW, kDenseB);
    return model;
}

TEST(Model, EveryLayerKindPredictsPrivatelyLikePlaintext) {
    std::vector<double> filter(18), x(36);
    for (std::size_t i = 0; i < filter.size(); i++) {
        filter[i] = (static_cast<int>(i % 5) - 2) * 0.25;
    }
    for (std::size_t i = 0; i < x.size(); i++) {
        x[i] = (static_cast<int>(i % 7) - 3) * 0.5;
    }
    tfe::Model model({6, 6, 1});
    model.conv2d({3, 3, 1, 2}, filter, {0.5, -0.25}, {1, 1}, tfe::Padding::Valid)
        .batch_norm({1.5, 0.5}, {0.1, -0.3}, {0.2, -1.0}, {4.0, 0.25}, 1e-3) // folded into the convolution
        .relu()
        .max_pool2d({2, 2}, {2, 2}, tfe::Padding::Valid)
        .avg_pool2d({2, 2}, {1, 1}, tfe::Padding::Same)
        .batch_norm({1.0, 2.0}, {0.0, 0.5}, {0.1, 0.2}, {1.0, 1.0}, 0.0) // applied on shares
        .flatten()
        .dense(8, 3, std::vector<double>(24, 0.125), {0.0, 0.1, -0.1})
        .sigmoid()
        .softmax();
    EXPECT_EQ(model.input_shape(), (Shape{6, 6, 1}));
    EXPECT_EQ(model.output_shape(), (Shape{3}));
    EXPECT_EQ(model.layer_count(), 9u);
    auto plain = model.predict_plain(x, 1);
    tfe::Predictor predictor(model, 1, "model-owner", "client", memory());
    EXPECT_EQ(predictor.output_shape(), (Shape{1, 3}));
    expect_near(predictor.predict(x), plain, 0.01);

    tfe::Model pooled({4, 4, 2});
    pooled.global_avg_pool2d();
    EXPECT_EQ(pooled.output_shape(), (Shape{2}));
}

TEST(Model, BenchmarkNetworks) {
    for (auto network : {tfe::Network::A, tfe::Network::B, tfe::Network::C, tfe::Network::D}) {
        auto model = tfe::Model::network(network, 3);
        EXPECT_EQ(model.output_shape(), (Shape{10}));
    }
    EXPECT_EQ(tfe::Model::network(tfe::Network::A, 1).input_shape(), (Shape{784}));
    EXPECT_TFE_ERROR(tfe::Model::network(static_cast<tfe::Network>(9), 1), TFE_ERR_INVALID_ARGUMENT, "network 9");
}

TEST(Model, BadLayersThrowAndLeaveTheModelAsItWas) {
    tfe::Model model({3});
    EXPECT_TFE_ERROR(tfe::Model(Shape{}), TFE_ERR_INVALID_ARGUMENT, "no axes");
    EXPECT_TFE_ERROR(model.dense(3, 2, {1.0}, kDenseB), TFE_ERR_INVALID_ARGUMENT, "needs 6 values, found 1");
    EXPECT_TFE_ERROR(model.dense(4, 2, std::vector<double>(8, 1.0), kDenseB), TFE_ERR_INVALID_ARGUMENT,
                     "layer 0 (Dense) on input [1, 3]");
    EXPECT_TFE_ERROR(model.conv2d({1, 1, 3, 1}, {1, 1, 1}, {0}, {1, 1}, tfe::Padding::Valid),
                     TFE_ERR_INVALID_ARGUMENT, "layer 0 (Conv2D) on input [1, 3]");
    EXPECT_TFE_ERROR(model.max_pool2d({2, 2}, {0, 2}, tfe::Padding::Valid), TFE_ERR_INVALID_ARGUMENT,
                     "MaxPooling2D");
    EXPECT_TFE_ERROR(model.avg_pool2d({2, 2}, {2, 2}, static_cast<tfe::Padding>(5)), TFE_ERR_INVALID_ARGUMENT,
                     "padding 5");
    EXPECT_TFE_ERROR(model.batch_norm({1.0}, {0.0, 0.0}, {0.0}, {1.0}, 0.0), TFE_ERR_INVALID_ARGUMENT,
                     "have 1, 2, 1 and 1 values");
    EXPECT_TFE_ERROR(model.global_avg_pool2d(), TFE_ERR_INVALID_ARGUMENT, "GlobalAveragePooling2D");
    EXPECT_EQ(model.layer_count(), 0u);
    EXPECT_EQ(model.output_shape(), (Shape{3}));
    EXPECT_TFE_ERROR(model.predict_plain({1.0, 2.0}, 1), TFE_ERR_INVALID_ARGUMENT, "'x' has 2 values, expected 3");
    EXPECT_TFE_ERROR(model.predict_plain({}, 0), TFE_ERR_INVALID_ARGUMENT, "batch is 0");
}

TEST(Predictor, SharesTheWeightsOnceAndReportsStats) {
    auto model = small_dense_model();
    tfe::Predictor predictor(model, 2, "owner", "client");
    model = tfe::Model({1}); // the predictor does not need the model any more
    EXPECT_TFE_ERROR(predictor.last_stats(), TFE_ERR_INVALID_ARGUMENT, "no prediction has succeeded yet");
    const std::vector<double> x = {1.0, 2.0, -1.0, 0.0, 0.5, 0.25};
    expect_near(predictor.predict(x), {1.85, 1.3, 0.0375, 1.175});
    expect_near(predictor.predict(x), {1.85, 1.3, 0.0375, 1.175});
    auto stats = predictor.last_stats();
    EXPECT_EQ(stats.size(), 0u);
    EXPECT_EQ(stats.stats("owner").bytes_sent, 0u); // the second prediction reused the shares
    EXPECT_GT(stats.stats("client").bytes_sent, 0u);
    EXPECT_NE(stats.stats_table().find("server2"), std::string::npos);
}

TEST(Predictor, ServesAnyBatchUpToItsMaximumAndSharesTheWeightsOnce) {
    auto model = small_dense_model();
    tfe::Predictor predictor(model, 8, "owner", "client", memory());
    EXPECT_EQ(predictor.max_batch(), 8u);
    EXPECT_EQ(predictor.input_shape(), (std::vector<std::size_t>{8, 3}));
    EXPECT_EQ(predictor.output_shape(), (std::vector<std::size_t>{8, 2}));
    const std::vector<double> a = {1.0, 2.0, -1.0}, b = {0.0, 0.5, 0.25};
    const std::vector<double> ya = {1.85, 1.3}, yb = {0.0375, 1.175};
    bool first = true;
    for (std::size_t batch : {7u, 1u, 8u}) {
        std::vector<double> x, want;
        for (std::size_t i = 0; i < batch; i++) {
            const auto &row = i % 2 ? b : a;
            const auto &out = i % 2 ? yb : ya;
            x.insert(x.end(), row.begin(), row.end());
            want.insert(want.end(), out.begin(), out.end());
        }
        expect_near(predictor.predict(x), want);
        // Only the first prediction shares the weights, whatever the batch sizes after it.
        auto owner = predictor.last_stats().stats("owner").bytes_sent;
        if (first) {
            EXPECT_GT(owner, 0u);
        } else {
            EXPECT_EQ(owner, 0u) << "batch " << batch;
        }
        first = false;
    }
    EXPECT_TFE_ERROR(predictor.predict(std::vector<double>(27, 0.0)), TFE_ERR_INVALID_ARGUMENT,
                     "'x' has 27 values, expected 1 to 8 samples of 3 values each (shape [8, 3], batch first)");
    std::vector<double> out(4);
    EXPECT_EQ(tfe_predictor_predict(predictor.get(), a.data(), 3, out.data(), 4), TFE_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(tfe_last_error_message()).find("'out' has 4 values, expected 2 (shape [1, 2])"),
              std::string::npos);
}

TEST(Predictor, BadArgumentsThrowAndThePredictorStaysUsable) {
    auto model = small_dense_model();
    EXPECT_TFE_ERROR(tfe::Predictor(model, 0, "owner", "client"), TFE_ERR_INVALID_ARGUMENT, "max_batch is 0");
    EXPECT_TFE_ERROR(tfe::Predictor(model, 1, "owner", "the client"), TFE_ERR_INVALID_ARGUMENT, "'the client'");
    auto options = memory();
    options.transport = 7;
    EXPECT_TFE_ERROR(tfe::Predictor(model, 1, "owner", "client", options), TFE_ERR_CONFIG, "transport = 7");
    tfe::Predictor predictor(model, 1, "owner", "client", memory());
    expect_near(predictor.predict({1.0, 2.0, -1.0}), {1.85, 1.3});
    EXPECT_TFE_ERROR(predictor.predict({1.0}), TFE_ERR_INVALID_ARGUMENT, 
                     "'x' has 1 values, expected 1 to 1 samples of 3 values each (shape [1, 3], batch first)");
    EXPECT_TFE_ERROR(predictor.predict({1e9, 0.0, 0.0}), TFE_ERR_INVALID_ARGUMENT, "1000000000");
    expect_near(predictor.predict({1.0, 2.0, -1.0}), {1.85, 1.3});
}

TEST(MovedFrom, ModelsAndPredictorsGiveNullPointerErrors) {
    auto model = small_dense_model();
    tfe::Model other = std::move(model);
    EXPECT_TFE_ERROR(model.relu(), TFE_ERR_NULL_POINTER, "'model'"); // NOLINT(bugprone-use-after-move)
    EXPECT_TFE_ERROR(tfe::Predictor(model, 1, "owner", "client"), TFE_ERR_NULL_POINTER, "'model'");
    tfe::Predictor predictor(other, 1, "owner", "client", memory());
    tfe::Predictor kept = std::move(predictor);
    EXPECT_TFE_ERROR(predictor.predict({1.0, 2.0, 3.0}), TFE_ERR_NULL_POINTER, "'pred'"); // NOLINT
    EXPECT_TFE_ERROR(predictor.last_stats(), TFE_ERR_NULL_POINTER, "'pred'");
    EXPECT_EQ(kept.output_shape(), (Shape{1, 2}));
}

TEST(Array, RoundTripsThroughNpyAndCsv) {
    tfe::Array array{{2, 3}, {1.0, -2.5, 3.0, 4.0, 1e300, 0.1}};
    for (const char *name : {"tfe-cpp-array.npy", "tfe-cpp-array.csv"}) {
        std::string path = ::testing::TempDir() + name;
        array.save(path);
        auto loaded = tfe::Array::load(path);
        EXPECT_EQ(loaded.shape, array.shape) << name;
        EXPECT_EQ(loaded.values, array.values) << name;
        EXPECT_EQ(std::remove(path.c_str()), 0);
    }
}

TEST(Array, BadFilesNameTheFileAndWhatWasWrong) {
    std::string missing = ::testing::TempDir() + "tfe-cpp-missing.csv";
    EXPECT_TFE_ERROR(tfe::Array::load(missing), TFE_ERR_INVALID_ARGUMENT, "input file " + missing);
    std::string bad = ::testing::TempDir() + "tfe-cpp-bad.csv";
    tfe::Array{{3}, {1.0, 2.0, 3.0}}.save(bad);
    {
        FILE *file = std::fopen(bad.c_str(), "a");
        ASSERT_NE(file, nullptr);
        std::fputs("4,5\n", file);
        std::fclose(file);
    }
    EXPECT_TFE_ERROR(tfe::Array::load(bad), TFE_ERR_INVALID_ARGUMENT, "line 2 has 2 values, expected 3");
    EXPECT_EQ(std::remove(bad.c_str()), 0);
    EXPECT_TFE_ERROR((tfe::Array{{2, 2}, {1.0}}.save(bad)), TFE_ERR_INVALID_ARGUMENT, "1 values do not fill");
    EXPECT_TFE_ERROR((tfe::Array{{1}, {1.0}}.save("weights.json")), TFE_ERR_INVALID_ARGUMENT,
                     "expected a .npy or .csv file");
}

} // namespace
