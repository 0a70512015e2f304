"""tfe.keras: Sequential, predictors, benchmark networks, clone_model."""

import numpy as np
import pytest

import tfe
from tfe.keras import layers


def small_model():
    return tfe.keras.Sequential([
        layers.Dense(6, activation="relu", input_shape=(4,)),
        layers.Dense(3, activation="softmax"),
    ], seed=1)


def test_sequential_private_prediction_matches_plaintext():
    model = small_model()
    x = np.random.default_rng(0).uniform(-1, 1, (5, 4))
    with model:
        plain = model.predict_plain(x)
        assert plain.shape == (5, 3) and np.allclose(plain.sum(axis=1), 1.0)
        private = model.predict(x, transport="memory")
        np.testing.assert_allclose(private, plain, atol=0.02)
        assert model.input_shape == (4,) and model.output_shape == (3,) and model.layer_count() == 4
    model.close()  # twice is fine
    with pytest.raises(tfe.ClosedError):
        model.predict_plain(x)


def test_predictor_batches_stats_and_errors():
    model = small_model()
    with model.predictor(max_batch=4, transport="memory") as predictor:
        x = np.ones((4, 4))
        assert predictor.predict(x).shape == (4, 3)
        assert predictor.predict(x[0]).shape == (1, 3)
        stats = predictor.last_stats
        assert {"model-owner", "prediction-client", "server0"} <= {p.name for p in stats.players}
        assert "server0" in str(stats)
        with pytest.raises(ValueError, match=r"expected 1 to 4 samples of shape \(4,\), found shape \(5, 4\)"):
            predictor.predict(np.ones((5, 4)))
        with pytest.raises(TypeError, match="expected real numbers"):
            predictor.predict(np.array([["a"] * 4]))
    with pytest.raises(tfe.ClosedError):
        predictor.predict(x)
    with pytest.raises(tfe.InvalidArgumentError):
        model.predictor(max_batch=0)


def test_set_weights_and_layer_kinds():
    model = tfe.keras.Sequential([
        layers.Conv2D(2, 3, padding="same", input_shape=(6, 6, 1)),
        layers.BatchNormalization(),
        layers.ReLU(),
        layers.MaxPooling2D(2),
        layers.AveragePooling2D(pool_size=(1, 1)),
        layers.Conv2D(2, (2, 2), strides=2, activation="sigmoid"),
        layers.GlobalAveragePooling2D(),
        layers.Activation("linear"),
        layers.Dense(2),
        layers.Softmax(),
    ])
    rng = np.random.default_rng(3)
    shapes = [(3, 3, 1, 2), (2,), (2,), (2,), (2,), (2,), (2, 2, 2, 2), (2,), (2, 2), (2,)]
    weights = [rng.uniform(-1, 1, s) for s in shapes]
    weights[5] = np.abs(weights[5]) + 0.5  # a variance
    model.set_weights(weights)
    for got, want in zip(model.get_weights(), weights):
        np.testing.assert_array_equal(got, want)
    x = rng.uniform(-1, 1, (2, 6, 6, 1))
    np.testing.assert_allclose(model.predict(x, transport="memory"), model.predict_plain(x), atol=0.02)
    with pytest.raises(ValueError, match="built already"):
        model.set_weights(weights)


def test_bad_layers_and_weights():
    with pytest.raises(ValueError, match="activation expected one of"):
        layers.Dense(2, activation="gelu")
    with pytest.raises(ValueError, match="padding expected"):
        layers.Conv2D(2, 3, padding="full")
    model = tfe.keras.Sequential([layers.Dense(2, input_shape=(3,))])
    with pytest.raises(ValueError, match=r"dense: weights\[0\]: expected shape \(3, 2\), found \(2, 3\)"):
        model.set_weights([np.ones((2, 3)), np.zeros(2)])
    with pytest.raises(ValueError, match="expected a batch of samples of shape"):
        model.predict_plain(np.ones((2, 4)))
    with pytest.raises(ValueError, match="input_shape"):
        tfe.keras.Sequential([layers.Dense(2)]).build()
    with pytest.raises(ValueError, match="flat input"):
        tfe.keras.Sequential([layers.Dense(2, input_shape=(2, 2))]).build()


def test_benchmark_network_a():
    with tfe.keras.network("A", seed=7) as model:
        assert model.input_shape == (784,) and model.output_shape == (10,)
        x = np.random.default_rng(0).uniform(0, 1, (1, 784))
        np.testing.assert_allclose(model.predict(x, transport="memory"), model.predict_plain(x), atol=0.05)
    with pytest.raises(ValueError, match="network"):
        tfe.keras.network("Z")


def test_clone_model_from_tf_keras():
    tf = pytest.importorskip("tensorflow")
    keras_model = tf.keras.Sequential([
        tf.keras.Input(shape=(6, 6, 1)),
        tf.keras.layers.Conv2D(3, 3, activation="relu"),
        tf.keras.layers.BatchNormalization(),
        tf.keras.layers.MaxPooling2D(2),
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dropout(0.1),
        tf.keras.layers.Dense(4, activation="relu"),
        tf.keras.layers.Dense(2, activation="softmax"),
    ])
    x = np.random.default_rng(5).uniform(-1, 1, (3, 6, 6, 1)).astype(np.float32)
    expected = keras_model(x, training=False).numpy()
    model = tfe.keras.models.clone_model(keras_model)
    np.testing.assert_allclose(model.predict_plain(x), expected, atol=1e-5)
    np.testing.assert_allclose(model.predict(x, transport="memory"), expected, atol=0.02)

    unsupported = tf.keras.Sequential([tf.keras.Input(shape=(4,)), tf.keras.layers.Dense(2, activation="gelu")])
    with pytest.raises(ValueError, match="activation 'gelu' is not supported"):
        tfe.keras.models.clone_model(unsupported)
    lstm = tf.keras.Sequential([tf.keras.Input(shape=(3, 4)), tf.keras.layers.LSTM(2)])
    with pytest.raises(ValueError, match=r"\(LSTM\) is not supported"):
        tfe.keras.models.clone_model(lstm)
