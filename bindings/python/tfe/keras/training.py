"""Private training (tfe_trainer_t): a model's layers trained on shares by a
model owner (the weights), a data owner (the features) and a label owner
(the labels), every player in this process. Sequential.compile/fit use it;
it mirrors the C API.

A progress callback gets a dict per batch; an exception it raises stops fit
and is raised again by fit (its cause the library's TFE_ERR_ABORTED).
"""

import ctypes
import math

import numpy as np

from .. import _capi
from .._handle import Handle
from .._values import as_array, doubles, read_doubles
from ..errors import AbortedError
from ..session import session_options
from . import losses as losses_module
from . import optimizers as optimizers_module

METRICS = {(): _capi.TFE_METRICS_NONE, ("accuracy",): _capi.TFE_METRICS_ACCURACY}


def _report(p) -> dict:
    """A tfe_train_progress_t as a dict of Keras's log names (NaN: absent)."""
    logs = {"epoch": p.epoch, "epochs": p.epochs, "batch": p.batch, "batches": p.batches, "loss": p.loss,
            "accuracy": p.accuracy, "val_loss": p.val_loss, "val_accuracy": p.val_accuracy,
            "elapsed": p.elapsed_seconds, "eta": p.eta_seconds}
    return {k: v for k, v in logs.items() if not (isinstance(v, float) and math.isnan(v))}


class Trainer(Handle):
    """trainer = Trainer(model) (a tfe.keras Model), then compile, fit,
    evaluate, predict, export. `insecure_test_seed` (tests only: anyone who
    knows it can undo the sharing) makes two trainings give the same weights."""

    def __init__(self, model, model_owner="model-owner", data_owner="data-owner", label_owner="label-owner",
                 insecure_test_seed=None, **session):
        options = session_options(**session)
        out = _capi.HANDLE()
        _capi.tfe_trainer_new_local(model._ptr, model_owner.encode(), data_owner.encode(), label_owner.encode(),
                                    ctypes.byref(options), ctypes.byref(out))
        super().__init__(out.value, _capi.tfe_trainer_free)
        if insecure_test_seed is not None:
            _capi.tfe_trainer_set_insecure_test_seed(out.value, int(insecure_test_seed))
        self.input_shape = tuple(model.input_shape)
        self.output_shape = tuple(model.output_shape)
        self.metrics = ()

    def compile(self, optimizer="sgd", loss="mse", metrics=()):
        """optimizer: a tfe.keras.optimizers optimizer or name; loss: a
        tfe.keras.losses loss or Keras's name; metrics: () or ["accuracy"]."""
        opt = optimizers_module.get(optimizer).to_c()
        loss = losses_module.get(loss)
        metrics = tuple(str(m).lower() for m in (metrics or ()))
        metrics = tuple("accuracy" if m in ("acc", "accuracy", "binary_accuracy", "categorical_accuracy") else m
                        for m in metrics)
        if metrics not in METRICS:
            raise ValueError(f"compile: metrics expected [] or ['accuracy'], found {list(metrics)!r}")
        with self._lock:
            _capi.tfe_trainer_compile(self._ptr, ctypes.byref(opt), loss.to_c(), METRICS[metrics])
        self.metrics = metrics

    def _xy(self, x, y, what):
        x = as_array(x, f"{what}: x")
        y = as_array(y, f"{what}: y")
        if y.ndim == 1 and self.output_shape == (1,):
            y = y.reshape(-1, 1)
        return x, y

    def fit(self, x, y, epochs=1, batch_size=32, validation_data=None, progress=None) -> list:
        """Trains; calls progress(logs) after each batch (a dict: epoch,
        batch, batches, loss, accuracy, val_loss, val_accuracy at the end of
        an epoch, elapsed, eta in seconds); returns the logs of each epoch's end."""
        x, y = self._xy(x, y, "fit")
        vx = vy = None
        if validation_data is not None:
            vx, vy = self._xy(*validation_data, "fit: validation_data")
        history, raised = [], []

        def on_progress(_user_data, report):
            try:
                logs = _report(ctypes.cast(report, ctypes.POINTER(_capi.TrainProgress)).contents)
                if logs["batch"] == logs["batches"]:
                    history.append(logs)
                if progress is not None and progress(logs):
                    raised.append(None)  # asked to stop: not an error
                    return 1
                return 0
            except BaseException as exc:  # noqa: BLE001 (nothing may unwind into the library)
                raised.append(exc)
                return 1

        callback = _capi.PROGRESS_FN(on_progress)
        (xp, xn), (yp, yn) = doubles(x), doubles(y)
        vxp, vxn = doubles(vx) if vx is not None else (None, 0)
        vyp, vyn = doubles(vy) if vy is not None else (None, 0)
        try:
            with self._lock:
                _capi.tfe_trainer_fit(self._ptr, xp, xn, yp, yn, int(epochs), int(batch_size), vxp, vxn, vyp, vyn,
                                      callback, None)
        except AbortedError as error:
            if not raised:
                raise
            if raised[0] is not None:
                raise raised[0] from error
        return history

    def evaluate(self, x, y) -> tuple:
        """(loss, accuracy or None) of x and y, revealed to the model owner."""
        x, y = self._xy(x, y, "evaluate")
        loss, accuracy = ctypes.c_double(), ctypes.c_double()
        (xp, xn), (yp, yn) = doubles(x), doubles(y)
        with self._lock:
            _capi.tfe_trainer_evaluate(self._ptr, xp, xn, yp, yn, ctypes.byref(loss), ctypes.byref(accuracy))
        return loss.value, None if math.isnan(accuracy.value) else accuracy.value

    def predict(self, x) -> np.ndarray:
        """The model's outputs for x, revealed to the model owner."""
        x = as_array(x, "predict: x")
        samples = x.size // max(1, int(np.prod(self.input_shape)))
        out = np.zeros((samples, *self.output_shape))
        (xp, xn), (op, on) = doubles(x), doubles(out)
        with self._lock:
            _capi.tfe_trainer_predict(self._ptr, xp, xn, op, on)
        return out

    def export(self):
        """The trained model (a tfe.keras Model), revealed to the model owner."""
        from .models import Model

        out = _capi.HANDLE()
        with self._lock:
            _capi.tfe_trainer_export(self._ptr, ctypes.byref(out))
        return Model(out.value)


def model_weights(model) -> list:
    """The weight arrays of a C model as it runs (tfe_model_weight), flat."""
    count = ctypes.c_size_t()
    _capi.tfe_model_weight_count(model._ptr, ctypes.byref(count))
    weights = []
    for i in range(count.value):
        ptr, n = ctypes.POINTER(ctypes.c_double)(), ctypes.c_size_t()
        _capi.tfe_model_weight(model._ptr, i, ctypes.byref(ptr), ctypes.byref(n))
        weights.append(read_doubles(ptr, n.value))
    return weights
