// GoogleTest tests of tfe_serve.hpp: a Server of the committed
// scikit-learn MLP (tests/onnx/models, two outputs) and Clients of it:
// predictions agree with a local Predictor's, a request of a wrong length
// is refused and the client goes on, a client reconnects, and a client of a
// stopped service gets TFE_ERR_NETWORK. TFE_SOURCE_DIR is the repository
// (CMake defines it).
#include "test_support.hpp"

namespace {

const std::string kModel = TFE_SOURCE_DIR "/tests/onnx/models/sklearn_mlp.onnx";

tfe_server_options_t batches_of(std::size_t max_batch) {
    tfe_server_options_t options = tfe::default_server_options();
    options.max_batch = max_batch;
    return options;
}

TEST(Serve, AClientPredictsAsALocalPredictorDoes) {
    tfe::Model model = tfe::Model::load_onnx(kModel);
    tfe::Server server(model, "127.0.0.1:0", batches_of(8), tfe_test::memory());
    tfe::Client client("127.0.0.1:" + std::to_string(server.port()));
    EXPECT_EQ(client.input_shape(), (tfe_test::Shape{8, 64}));
    ASSERT_EQ(client.output_count(), 2u);
    EXPECT_EQ(client.output_shape(1), (tfe_test::Shape{8, 10}));

    tfe::Array x = tfe::Array::load(TFE_SOURCE_DIR "/tests/onnx/models/sklearn_mlp.input.npy");
    x.values.resize(3 * 64);
    tfe::Predictor predictor(model, 3, "model-owner", "client", tfe_test::memory());
    auto local = predictor.predict_outputs(x.values);
    auto served = client.predict_outputs(x.values);
    ASSERT_EQ(served.size(), 2u);
    EXPECT_EQ(served[0], local[0]); // the labels
    ASSERT_EQ(served[1].size(), local[1].size());
    for (std::size_t i = 0; i < local[1].size(); ++i) {
        EXPECT_NEAR(served[1][i], local[1][i], 0.01) << "probability " << i;
    }
    EXPECT_EQ(client.predict(x.values), served[0]);

    // One value too many: refused, and the client goes on.
    std::vector<double> wrong(65, 0.0);
    EXPECT_THROW(
        {
            try {
                client.predict(wrong);
            } catch (const tfe::Error &e) {
                EXPECT_EQ(e.status(), TFE_ERR_INVALID_ARGUMENT);
                EXPECT_NE(std::string(e.what()).find("'x' has 65 values"), std::string::npos) << e.what();
                throw;
            }
        },
        tfe::Error);
    client.reconnect();
    EXPECT_EQ(client.predict_outputs(x.values)[0], local[0]);
}

TEST(Serve, AClientOfAStoppedServiceGetsANetworkError) {
    tfe::Model model = tfe::Model::load_onnx(kModel);
    auto server = std::make_unique<tfe::Server>(model, "127.0.0.1:0", batches_of(2), tfe_test::memory());
    tfe::Client client("127.0.0.1:" + std::to_string(server->port()), 5000);
    std::vector<double> x(64, 0.5);
    EXPECT_EQ(client.predict(x).size(), 1u);
    server.reset();
    try {
        client.predict(x);
        FAIL() << "a stopped service answered";
    } catch (const tfe::Error &e) {
        EXPECT_EQ(e.status(), TFE_ERR_NETWORK) << e.what();
    }
}

} // namespace
