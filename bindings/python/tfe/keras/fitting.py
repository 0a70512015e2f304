"""Keras's training methods on a tfe.keras model: compile, fit, evaluate.

    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=3, batch_size=32, validation_data=(vx, vy))
    loss, accuracy = model.evaluate(tx, ty)
    y = model.predict(tx)               # the trained weights, privately

compile makes the model's Trainer (every player in this process: the model
owner, the data owner, the label owner and three servers). fit trains on
shares; at its end the trained weights are revealed to the model owner, and
the model takes them, so predict, get_weights and a later compile start from
them. A second fit continues the training, optimizer state included.
"""

import sys
import time

from .training import Trainer


class History:
    """What fit returns, as Keras's: `history` maps each log name (loss,
    accuracy, val_loss, val_accuracy) to its value at the end of each epoch;
    `epoch` counts the epochs from 0."""

    def __init__(self, epoch_logs, params):
        names = [name for name in ("loss", "accuracy", "val_loss", "val_accuracy")
                 if any(name in logs for logs in epoch_logs)]
        self.history = {name: [logs.get(name, float("nan")) for logs in epoch_logs] for name in names}
        self.epoch = list(range(len(epoch_logs)))
        self.params = params

    def __repr__(self):
        return f"History(epochs={len(self.epoch)}, history={self.history!r})"


class _Progress:
    """Turns the trainer's per-batch reports into Keras callback calls and
    verbose output; returns True (stop) once a callback set stop_training."""

    def __init__(self, model, callbacks, verbose, out):
        self.model, self.callbacks, self.verbose, self.out = model, list(callbacks or ()), verbose, out
        self.started = time.monotonic()

    def __call__(self, logs):
        metrics = {k: logs[k] for k in ("loss", "accuracy", "val_loss", "val_accuracy") if k in logs}
        for callback in self.callbacks:
            if hasattr(callback, "on_train_batch_end"):
                callback.on_train_batch_end(logs["batch"] - 1, dict(metrics))
        end_of_epoch = logs["batch"] == logs["batches"]
        if end_of_epoch:
            for callback in self.callbacks:
                if hasattr(callback, "on_epoch_end"):
                    callback.on_epoch_end(logs["epoch"] - 1, dict(metrics))
        self._print(logs, metrics, end_of_epoch)
        return bool(getattr(self.model, "stop_training", False))

    def _print(self, logs, metrics, end_of_epoch):
        if self.verbose == 0 or (self.verbose == 2 and not end_of_epoch):
            return
        shown = " - ".join(f"{k}: {v:.4f}" for k, v in metrics.items())
        line = (f"Epoch {logs['epoch']}/{logs['epochs']} {logs['batch']}/{logs['batches']} "
                f"- {logs['elapsed']:.1f}s - eta {logs.get('eta', 0.0):.1f}s - {shown}")
        if self.verbose == 1:
            self.out.write("\r" + line + ("\n" if end_of_epoch else ""))
        else:
            self.out.write(line + "\n")
        self.out.flush()


class KerasTraining:
    """compile/fit/evaluate for tfe.keras.Model (Keras's names and returns).
    The model must provide `_take_trained(model)`: adopt a trained model's
    weights."""

    _trainer = None
    stop_training = False

    def compile(self, optimizer="sgd", loss="mse", metrics=(), insecure_test_seed=None, **session):
        """optimizer: a tfe.keras.optimizers optimizer or its name; loss: a
        tfe.keras.losses loss or Keras's name; metrics: () or ["accuracy"];
        `session`: transport ("tcp", "memory", "tls"), timeouts.
        `insecure_test_seed` (tests only: anyone who knows it can undo the
        sharing) makes two trainings give the same weights."""
        trainer = Trainer(self, insecure_test_seed=insecure_test_seed, **session)
        try:
            trainer.compile(optimizer, loss, metrics)
        except BaseException:
            trainer.close()
            raise
        if self._trainer is not None:
            self._trainer.close()
        self._trainer = trainer

    def _compiled(self, what):
        if self._trainer is None:
            raise RuntimeError(f"{what}: the model is not compiled; call model.compile(optimizer, loss) first")
        return self._trainer

    def fit(self, x, y, epochs=1, batch_size=32, validation_data=None, verbose="auto", callbacks=None) -> History:
        """Trains on shares of x (the data owner's) and y (the label
        owner's): `batch_size` samples a step, a last partial batch dropped.
        verbose: 0 silent, 1 (or "auto") a progress line, 2 a line an epoch.
        callbacks: objects with Keras's on_train_batch_end(batch, logs) and
        on_epoch_end(epoch, logs), any of them; one that sets
        model.stop_training = True stops fit after that batch. Returns a
        History; the model then holds the trained weights."""
        trainer = self._compiled("fit")
        verbose = 1 if verbose == "auto" else verbose
        if verbose not in (0, 1, 2):
            raise ValueError(f"fit: verbose expected 0, 1, 2 or 'auto', found {verbose!r}")
        for callback in callbacks or ():
            if hasattr(callback, "set_model"):
                callback.set_model(self)
        self.stop_training = False
        progress = _Progress(self, callbacks, verbose, sys.stdout)
        try:
            epoch_logs = trainer.fit(x, y, epochs=epochs, batch_size=batch_size, validation_data=validation_data,
                                     progress=progress)
        finally:
            # The steps taken stay, also when a callback stopped fit or raised.
            self._take_trained(trainer.export())
        return History(epoch_logs, {"epochs": epochs, "batch_size": batch_size, "verbose": verbose})

    def evaluate(self, x, y, verbose=0):
        """The loss of x and y (with metrics=["accuracy"]: [loss, accuracy]),
        computed on shares with the trained weights and revealed to the
        model owner."""
        loss, accuracy = self._compiled("evaluate").evaluate(x, y)
        if verbose:
            print(f"loss: {loss:.4f}" + ("" if accuracy is None else f" - accuracy: {accuracy:.4f}"))
        return loss if accuracy is None else [loss, accuracy]
