"""Private training through tfe.keras.Trainer (tfe_trainer_t): a logistic
regression follows an f64 training from the same weights and batches, its
loss decreases; a test seed repeats a training bit for bit; a progress
callback stops fit by returning True, and an exception it raises stops fit
and comes out of fit; interrupt() stops fit at its next batch; bad arguments
are clear errors."""

import numpy as np
import pytest

import tfe
from tfe.keras import Trainer, layers, losses, optimizers
from tfe.keras.training import model_weights

from training_data import B0, W0, data, f64_training


def logistic():
    model = tfe.keras.Sequential([layers.Dense(1, activation="sigmoid", input_shape=(2,))])
    model.set_weights([W0, B0])
    return model


def trainer(seed=1, lr=0.5):
    t = Trainer(logistic(), insecure_test_seed=seed, transport="memory")
    t.compile(optimizers.SGD(learning_rate=lr), "binary_crossentropy", metrics=["accuracy"])
    return t


def test_fit_follows_an_f64_training_and_the_loss_decreases():
    x, y = data()
    with trainer() as t:
        seen = []
        history = t.fit(x, y, epochs=2, batch_size=4, validation_data=(x, y), progress=seen.append)
        assert len(seen) == 8 and [h["epoch"] for h in history] == [1, 2]
        assert history[1]["loss"] < history[0]["loss"]
        assert "val_loss" in history[0] and "val_loss" not in seen[0] and "accuracy" in seen[0]
        w, b = f64_training(x, y, 2, 4, 0.5)
        exported = t.export()
        got = model_weights(exported)
        # 8 steps of lr 0.5 over the sigmoid's 0.003 (docs/training.md).
        np.testing.assert_allclose(got[0], w.ravel(), atol=0.03)
        np.testing.assert_allclose(got[1], b, atol=0.03)
        loss, accuracy = t.evaluate(x, y)
        assert 0 < loss < history[0]["loss"] and 0.75 <= accuracy <= 1
        np.testing.assert_allclose(t.predict(x), exported.predict_plain(x), atol=0.01)

    with trainer() as again:
        again.fit(x, y, epochs=2, batch_size=4, validation_data=(x, y))
        assert all(np.array_equal(a, b) for a, b in zip(model_weights(again.export()), got))


def test_a_callback_stops_fit_and_an_exception_comes_out_of_it():
    x, y = data()
    with trainer() as t:
        seen = []
        history = t.fit(x, y, epochs=2, batch_size=4, progress=lambda logs: seen.append(logs) or len(seen) == 3)
        assert len(seen) == 3 and history == []

        def boom(logs):
            raise KeyError("from the callback")

        with pytest.raises(KeyError, match="from the callback") as info:
            t.fit(x, y, epochs=2, batch_size=4, progress=boom)
        assert isinstance(info.value.__cause__, tfe.AbortedError)
        assert "progress callback returned 1" in str(info.value.__cause__)
        # The trainer stays usable.
        assert len(t.fit(x, y, epochs=1, batch_size=4)) == 1


def test_interrupt_stops_the_call_in_progress_at_its_next_run():
    x, y = data()
    with trainer() as t:
        t.interrupt()  # between calls: reaches none
        seen = []

        def interrupt_at_the_second_batch(logs):
            seen.append(logs)
            if len(seen) == 2:
                t.interrupt()

        with pytest.raises(tfe.AbortedError, match="the run was interrupted by its caller"):
            t.fit(x, y, epochs=2, batch_size=4, progress=interrupt_at_the_second_batch)
        assert len(seen) == 2
        # The trainer stays usable.
        assert len(t.fit(x, y, epochs=1, batch_size=4)) == 1


def test_bad_arguments_are_clear_errors():
    x, y = data()
    with pytest.raises(tfe.InvalidArgumentError, match="'data_owner'"):
        Trainer(logistic(), data_owner="a b")
    t = Trainer(logistic(), transport="memory")
    with pytest.raises(tfe.InvalidArgumentError, match="not compiled"):
        t.fit(x, y, batch_size=4)
    with pytest.raises(ValueError, match="optimizer: expected"):
        t.compile("rmsprop")
    with pytest.raises(ValueError, match="loss: expected"):
        t.compile("sgd", "hinge")
    with pytest.raises(tfe.InvalidArgumentError, match="2\\^−12"):
        t.compile(optimizers.Adam(epsilon=1e-7), "mse")
    with pytest.raises(tfe.InvalidArgumentError, match="optimizer.momentum is 1.5"):
        t.compile(optimizers.SGD(momentum=1.5), "mse")
    t.compile(optimizers.Adam(amsgrad=True, learning_rate=optimizers.schedules.ExponentialDecay(0.01, 2, 0.9)),
              losses.BinaryCrossentropy(from_logits=False))
    with pytest.raises(tfe.InvalidArgumentError, match="'x' has 31 and 'y' 16 values"):
        t.fit(x.ravel()[:31], y, batch_size=4)
    with pytest.raises(tfe.InvalidArgumentError, match="batch_size is 17"):
        t.fit(x, y, batch_size=17)
    assert t.evaluate(x, y)[1] is None
    t.close()
    t.close()
    with pytest.raises(tfe.ClosedError):
        t.predict(x)


def test_close_from_the_progress_callback_is_refused_and_the_trainer_goes_on():
    x, y = data()
    with trainer() as t:
        refused = []

        def close_it(logs):
            with pytest.raises(tfe.InvalidArgumentError, match=r"close\(\) called from the progress callback of its fit") as info:
                t.close()
            refused.append(info.value)
            return True  # stop the fit

        assert t.fit(x, y, epochs=2, batch_size=4, progress=close_it) == []
        assert len(refused) == 1 and not t.closed
        assert len(t.fit(x, y, epochs=1, batch_size=4)) == 1
