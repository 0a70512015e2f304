// GoogleTest tests of ONNX models in tfe_nn.hpp: Model::load_onnx and
// load_onnx_bytes (the committed scikit-learn logistic regression of
// tests/onnx/models, two outputs), Predictor::predict_outputs against
// onnxruntime's outputs, and the errors of an imported model. TFE_SOURCE_DIR
// is the repository (CMake defines it).
#include <fstream>
#include <iterator>

#include "test_support.hpp"

namespace {

const std::string kModels = TFE_SOURCE_DIR "/tests/onnx/models/";

TEST(Onnx, ALogisticRegressionPredictsEveryOutputLikeOnnxruntime) {
    std::ifstream file(kModels + "sklearn_logreg.onnx", std::ios::binary);
    std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    ASSERT_FALSE(bytes.empty());
    tfe::Model model = tfe::Model::load_onnx_bytes(bytes);
    EXPECT_EQ(model.input_shape(), tfe_test::Shape{64});
    ASSERT_EQ(model.output_count(), 2u);
    EXPECT_EQ(model.output_shape(0), tfe_test::Shape{});
    EXPECT_EQ(model.output_shape(1), tfe_test::Shape{10});

    // The first 20 test samples.
    tfe::Array x = tfe::Array::load(kModels + "sklearn_logreg.input.npy");
    std::size_t batch = 20;
    x.values.resize(batch * 64);
    tfe::Predictor predictor(model, batch, "model-owner", "client", tfe_test::memory());
    ASSERT_EQ(predictor.output_count(), 2u);
    EXPECT_EQ(predictor.output_shape(1), (tfe_test::Shape{batch, 10}));
    auto outputs = predictor.predict_outputs(x.values);
    ASSERT_EQ(outputs.size(), 2u);
    tfe::Array labels = tfe::Array::load(kModels + "sklearn_logreg.label.npy");
    tfe::Array probabilities = tfe::Array::load(kModels + "sklearn_logreg.probabilities.npy");
    ASSERT_EQ(outputs[0].size(), batch);
    ASSERT_EQ(outputs[1].size(), batch * 10);
    std::size_t agree = 0;
    for (std::size_t i = 0; i < batch; ++i) {
        agree += outputs[0][i] == labels.values[i];
    }
    EXPECT_GE(agree, batch - 1) << "labels that agree with onnxruntime's";
    for (std::size_t i = 0; i < batch * 10; ++i) {
        EXPECT_NEAR(outputs[1][i], probabilities.values[i], 0.05) << "probability " << i;
    }
    // predict gives the first output.
    EXPECT_EQ(predictor.predict(x.values), outputs[0]);
}

TEST(Onnx, AnImportedModelTakesNoLayersAndBadFilesThrow) {
    tfe::Model model = tfe::Model::load_onnx(kModels + "keras_cnn.onnx");
    EXPECT_EQ(model.input_shape(), (tfe_test::Shape{8, 8, 1}));
    EXPECT_EQ(model.output_shape(), tfe_test::Shape{10});
    EXPECT_TFE_ERROR(model.relu(), TFE_ERR_INVALID_ARGUMENT, "imported from ONNX and takes no more layers");
    EXPECT_TFE_ERROR(model.output_shape(1), TFE_ERR_INVALID_ARGUMENT, "index 1 is past the last output");
    EXPECT_TFE_ERROR(tfe::Model::load_onnx(kModels + "missing.onnx"), TFE_ERR_INVALID_ARGUMENT,
                     "cannot read the ONNX model " + kModels + "missing.onnx");
    EXPECT_TFE_ERROR(tfe::Model::load_onnx_bytes({1, 2, 3}), TFE_ERR_INVALID_ARGUMENT, "tfe_model_load_onnx_bytes");
}

} // namespace
