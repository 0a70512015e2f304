"""Private training (tfe_trainer_t): a model's layers trained on shares by a
model owner (the weights), a data owner (the features) and a label owner
(the labels), every player in this process. Sequential.compile/fit use it;
it mirrors the C API.

A progress callback gets a dict per batch; an exception it raises stops fit
and is raised again by fit (its cause the library's TFE_ERR_ABORTED).
Ctrl-C stops a fit, evaluate or predict on the main thread within its run in
progress (tfe_trainer_interrupt, see tfe._sigint); interrupt() does so from
another thread.
"""

import contextlib
import ctypes
import math
import threading

import numpy as np

from .. import _capi
from .._handle import Handle
from .._sigint import Run
from .._values import as_array, doubles, read_doubles
from ..errors import AbortedError, InvalidArgumentError
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
    knows it can undo the sharing) makes two trainings give the same weights.

    Trainer.party(model, hostmap, me, key=...) is this process as one player
    of a deployed training instead: every player makes the same trainer,
    compiles it the same way, calls fit_party (and evaluate_party) with the
    same sample count, then export (the model owner gets the model, the
    others None) and finish."""

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

    @classmethod
    def party(cls, model, hostmap, me, key=None, insecure_plaintext=False, model_owner="model-owner",
              data_owner="data-owner", label_owner="label-owner"):
        """Player `me` of the deployment of the hostmap file `hostmap` (a path
        or a tfe.RemoteConfig), over TLS with `me`'s private key file `key`,
        or over plaintext TCP when insecure_plaintext=True (tests only)."""
        path = str(getattr(hostmap, "path", hostmap))
        out = _capi.HANDLE()
        owners = (model_owner.encode(), data_owner.encode(), label_owner.encode())
        if insecure_plaintext:
            _capi.tfe_trainer_new_party_insecure_plaintext(model._ptr, path.encode(), me.encode(), *owners,
                                                           ctypes.byref(out))
        elif key is None:
            raise ValueError("Trainer.party: give key (this player's TLS key file) or insecure_plaintext=True")
        else:
            _capi.tfe_trainer_new_party(model._ptr, path.encode(), me.encode(), str(key).encode(), *owners,
                                        ctypes.byref(out))
        trainer = cls.__new__(cls)
        Handle.__init__(trainer, out.value, _capi.tfe_trainer_free)
        trainer.input_shape = tuple(model.input_shape)
        trainer.output_shape = tuple(model.output_shape)
        trainer.metrics = ()
        return trainer

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

    def interrupt(self) -> None:
        """Interrupts the fit, evaluate, predict, export or finish in progress
        on another thread, which then raises tfe.AbortedError within its run
        in progress (tfe_trainer_interrupt); does nothing between calls. A
        local trainer stays usable; a deployed one, after any failed call,
        is made anew at every player. It does not wait for the call, nor for
        a close() waiting for it."""
        self._interrupt(_capi.tfe_trainer_interrupt)

    def close(self) -> None:
        """Frees the trainer now (see Handle.close). From its fit's progress
        callback, which runs inside the fit on the fit's thread, it raises
        tfe.InvalidArgumentError instead: the fit would go on with a freed
        trainer. Return True there to stop the fit, and close after it."""
        if getattr(self, "_fitting_on", None) == threading.get_ident():
            raise InvalidArgumentError(
                "tfe.keras.Trainer.close() called from the progress callback of its fit in progress: "
                "expected after the fit returns (return True from the callback to stop it)"
            )
        super().close()

    @contextlib.contextmanager
    def _calling(self):
        """The trainer's pointer for one call that runs the model, alone
        (the lock) and stopped by Ctrl-C on the main thread."""
        with self._lock:
            ptr = self._ptr
            with Run(lambda: _capi.tfe_trainer_interrupt(ptr)):
                yield ptr

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
        (xp, xn), (yp, yn) = doubles(x), doubles(y)
        vxp, vxn = doubles(vx) if vx is not None else (None, 0)
        vyp, vyn = doubles(vy) if vy is not None else (None, 0)
        return self._fit_with(lambda callback: _capi.tfe_trainer_fit(
            self._ptr, xp, xn, yp, yn, int(epochs), int(batch_size), vxp, vxn, vyp, vyn, callback, None), progress)

    def fit_party(self, samples, x=None, y=None, epochs=1, batch_size=32, progress=None) -> list:
        """fit at one player of a deployment: every player passes the same
        `samples` (public); the data owner its features x, the label owner
        its labels y, the others None. The logs' losses are the model
        owner's (absent at the others)."""
        (xp, xn), (yp, yn) = self._party_xy(x, y, "fit_party")
        return self._fit_with(lambda callback: _capi.tfe_trainer_fit_party(
            self._ptr, int(samples), xp, xn, yp, yn, int(epochs), int(batch_size), callback, None), progress)

    def _party_xy(self, x, y, what):
        """This player's parts as C buffers: (NULL, 0) for a part it does not own."""
        x = None if x is None else as_array(x, f"{what}: x")
        y = None if y is None else as_array(y, f"{what}: y")
        return (doubles(x) if x is not None else (None, 0)), (doubles(y) if y is not None else (None, 0))

    def _fit_with(self, call, progress) -> list:
        """Runs call(callback), a C fit, with the progress callback; the logs
        of each epoch's end."""
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
        try:
            with self._calling():
                self._fitting_on = threading.get_ident()
                try:
                    call(callback)
                finally:
                    self._fitting_on = None
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
        with self._calling() as ptr:
            _capi.tfe_trainer_evaluate(ptr, xp, xn, yp, yn, ctypes.byref(loss), ctypes.byref(accuracy))
        return loss.value, None if math.isnan(accuracy.value) else accuracy.value

    def evaluate_party(self, samples, x=None, y=None) -> tuple:
        """evaluate at one player of a deployment (x, y as for fit_party):
        (loss, accuracy or None) at the model owner, (nan, None) elsewhere."""
        (xp, xn), (yp, yn) = self._party_xy(x, y, "evaluate_party")
        loss, accuracy = ctypes.c_double(), ctypes.c_double()
        with self._calling() as ptr:
            _capi.tfe_trainer_evaluate_party(ptr, int(samples), xp, xn, yp, yn, ctypes.byref(loss),
                                             ctypes.byref(accuracy))
        return loss.value, None if math.isnan(accuracy.value) else accuracy.value

    def predict_party(self, samples, x=None, owner=False):
        """predict at one player of a deployment: every player passes the same
        `samples`, the data owner its features x; the model owner (owner=True)
        receives the outputs, every other player None."""
        (xp, xn), _ = self._party_xy(x, None, "predict_party")
        out = np.zeros((int(samples), *self.output_shape)) if owner else None
        op, on = doubles(out) if out is not None else (None, 0)
        with self._calling() as ptr:
            _capi.tfe_trainer_predict_party(ptr, int(samples), xp, xn, op, on)
        return out

    def finish(self) -> None:
        """At a deployed player, after its last call: waits until every other
        player has completed the same calls (nothing for a local trainer).
        Ctrl-C or interrupt() ends the wait."""
        with self._calling() as ptr:
            _capi.tfe_trainer_finish(ptr)

    def predict(self, x) -> np.ndarray:
        """The model's outputs for x, revealed to the model owner."""
        x = as_array(x, "predict: x")
        samples = x.size // max(1, int(np.prod(self.input_shape)))
        out = np.zeros((samples, *self.output_shape))
        (xp, xn), (op, on) = doubles(x), doubles(out)
        with self._calling() as ptr:
            _capi.tfe_trainer_predict(ptr, xp, xn, op, on)
        return out

    def export(self):
        """The trained model (a tfe.keras Model), revealed to the model owner;
        None at the other players of a deployment."""
        from .models import Model

        out = _capi.HANDLE()
        with self._calling() as ptr:
            _capi.tfe_trainer_export(ptr, ctypes.byref(out))
        return Model(out.value) if out.value else None


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
