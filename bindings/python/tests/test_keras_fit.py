"""Keras's training methods on tfe.keras models (tfe/keras/fitting.py):
compile/fit/evaluate follow an f64 training, the model takes the trained
weights (get_weights, predict), a callback stops fit through
model.stop_training, verbose prints, and misuse is a clear error."""

import numpy as np
import pytest

import tfe
from tfe.keras import History, layers, optimizers

from training_data import B0, W0, data, f64_training


def compiled(lr=0.5):
    model = tfe.keras.Sequential([layers.Dense(1, activation="sigmoid", input_shape=(2,))])
    model.set_weights([W0, B0])
    model.compile(optimizers.SGD(learning_rate=lr), "binary_crossentropy", metrics=["accuracy"],
                  insecure_test_seed=1, transport="memory")
    return model


def test_fit_trains_the_model_itself_as_keras_does():
    x, y = data()
    with compiled() as model:
        history = model.fit(x, y, epochs=2, batch_size=4, validation_data=(x, y), verbose=0)
        assert isinstance(history, History) and history.epoch == [0, 1]
        assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
        assert history.history["loss"][1] < history.history["loss"][0]
        w, b = f64_training(x, y, 2, 4, 0.5)
        trained_w, trained_b = model.get_weights()
        # 8 steps of lr 0.5 over the sigmoid's 0.003 (docs/training.md).
        np.testing.assert_allclose(trained_w, w, atol=0.03)
        np.testing.assert_allclose(trained_b, b, atol=0.03)
        # predict (a private predictor) and predict_plain use the trained weights.
        plain = 1 / (1 + np.exp(-(x @ trained_w + trained_b)))
        np.testing.assert_allclose(model.predict_plain(x), plain, atol=1e-9)
        np.testing.assert_allclose(model.predict(x, transport="memory"), plain, atol=0.01)
        loss, accuracy = model.evaluate(x, y)
        assert 0 < loss < history.history["loss"][0] and 0.75 <= accuracy <= 1

        # A second fit continues from there.
        model.fit(x, y, epochs=1, batch_size=4, verbose=0)
        w3, b3 = f64_training(x, y, 3, 4, 0.5)
        np.testing.assert_allclose(model.get_weights()[0], w3, atol=0.04)
        np.testing.assert_allclose(model.get_weights()[1], b3, atol=0.04)


def test_a_callback_stops_fit_through_stop_training_and_the_steps_stay():
    x, y = data()

    class StopAfterThree:
        def __init__(self):
            self.batches, self.epochs, self.model = [], [], None

        def set_model(self, model):
            self.model = model

        def on_train_batch_end(self, batch, logs):
            self.batches.append((batch, logs["loss"]))
            if len(self.batches) == 3:
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs):
            self.epochs.append(epoch)

    with compiled() as model:
        callback = StopAfterThree()
        history = model.fit(x, y, epochs=2, batch_size=4, callbacks=[callback], verbose=0)
        assert [b for b, _ in callback.batches] == [0, 1, 2] and callback.epochs == []
        assert history.epoch == [] and history.history == {}
        # Three steps were taken: the weights moved from the initial ones.
        assert not np.allclose(model.get_weights()[0], W0)


def test_verbose_prints_a_line_an_epoch_or_a_progress_line(capsys):
    x, y = data()
    with compiled() as model:
        model.fit(x, y, epochs=2, batch_size=8, verbose=2)
        lines = capsys.readouterr().out.splitlines()
        assert [line.split()[:2] for line in lines] == [["Epoch", "1/2"], ["Epoch", "2/2"]]
        assert all("loss:" in line and "accuracy:" in line for line in lines)
        model.fit(x, y, epochs=1, batch_size=8)
        out = capsys.readouterr().out
        assert out.count("\r") == 2 and out.endswith("\n")
        loss, accuracy = model.evaluate(x, y, verbose=1)
        assert capsys.readouterr().out == f"loss: {loss:.4f} - accuracy: {accuracy:.4f}\n"


def test_misuse_is_a_clear_error():
    x, y = data()
    model = tfe.keras.Sequential([layers.Dense(1, activation="sigmoid", input_shape=(2,))])
    with pytest.raises(RuntimeError, match="not compiled; call model.compile"):
        model.fit(x, y)
    with pytest.raises(RuntimeError, match="not compiled"):
        model.evaluate(x, y)
    with pytest.raises(ValueError, match="loss: expected"):
        model.compile("sgd", "hinge")
    model.compile("sgd", "mse", transport="memory")
    with pytest.raises(ValueError, match="verbose expected 0, 1, 2 or 'auto', found 3"):
        model.fit(x, y, verbose=3)
    assert model.evaluate(x, y) > 0  # no metrics: the loss alone, as Keras
    model.close()
    with pytest.raises(tfe.ClosedError):
        model.predict(x)


def test_a_folded_batch_normalization_keeps_the_weights_in_the_library():
    x, y = data()
    model = tfe.keras.Sequential([layers.Dense(3, input_shape=(2,)), layers.BatchNormalization(),
                                  layers.Dense(1, activation="sigmoid")])
    model.compile("sgd", "binary_crossentropy", transport="memory")
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    with pytest.raises(ValueError, match="folded into the layer before it.*model_weights"):
        model.get_weights()
    assert model.predict(x, transport="memory").shape == (16, 1)
    model.close()
