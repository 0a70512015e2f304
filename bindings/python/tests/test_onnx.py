"""tfe.onnx: models imported from ONNX files (the committed models of
tests/onnx/models) predict as onnxruntime did; errors name the file and the node."""

import numpy as np
import pytest

import tfe
from conftest import REPO

MODELS = REPO / "tests" / "onnx" / "models"


def test_load_from_a_path_or_bytes_and_predict_every_output():
    x = np.load(MODELS / "sklearn_logreg.input.npy")[:16]
    labels = np.load(MODELS / "sklearn_logreg.label.npy")[:16]
    probabilities = np.load(MODELS / "sklearn_logreg.probabilities.npy")[:16]
    for source in (MODELS / "sklearn_logreg.onnx", str(MODELS / "sklearn_logreg.onnx"),
                   (MODELS / "sklearn_logreg.onnx").read_bytes()):
        with tfe.onnx.load(source) as model:
            assert isinstance(model, tfe.onnx.OnnxModel)
            assert model.input_shape == (64,)
            assert model.output_shapes == [(), (10,)] and model.output_shape == ()
            got_labels, got_probabilities = model.predict_outputs(x, transport="memory")
            assert got_labels.shape == (16,) and got_probabilities.shape == (16, 10)
            assert (got_labels == labels).mean() >= 0.9
            np.testing.assert_allclose(got_probabilities, probabilities, atol=0.05)
            np.testing.assert_array_equal(model.predict(x[:3], transport="memory"), got_labels[:3])


def test_a_keras_cnn_predicts_like_onnxruntime():
    x = np.load(MODELS / "keras_cnn.input.npy")[:8]
    want = np.load(MODELS / "keras_cnn.Identity_0.npy")[:8]
    with tfe.onnx.load(MODELS / "keras_cnn.onnx") as model:
        assert model.input_shape == (8, 8, 1) and model.output_shapes == [(10,)]
        with model.predictor(max_batch=8, transport="memory") as predictor:
            np.testing.assert_allclose(predictor.predict(x), want, atol=0.05)
            [scores] = predictor.predict_outputs(x[:2])
            np.testing.assert_allclose(scores, want[:2], atol=0.05)


def test_errors_name_the_file_and_the_node():
    with pytest.raises(tfe.InvalidArgumentError, match="cannot read the ONNX model .*missing.onnx"):
        tfe.onnx.load(MODELS / "missing.onnx")
    with pytest.raises(tfe.InvalidArgumentError, match="keras_cnn.input.npy"):
        tfe.onnx.load(MODELS / "keras_cnn.input.npy")
    renamed = (MODELS / "keras_cnn.onnx").read_bytes().replace(b"Relu", b"Relq")
    with pytest.raises(tfe.InvalidArgumentError, match=r"'sequential_1/re_lu_1/Relq' \(Relq\)"):
        tfe.onnx.load(renamed)
    with pytest.raises(TypeError, match="expected a path or the bytes of an ONNX file, found int"):
        tfe.onnx.load(3)
    with tfe.onnx.load(MODELS / "keras_cnn.onnx") as model:
        with pytest.raises(tfe.InvalidArgumentError, match="imported from ONNX"):
            model.layer_count()
        with pytest.raises(tfe.InvalidArgumentError, match="no plaintext inference"):
            model.predict_plain(np.zeros((1, 8, 8, 1)))
