"""The wrapper of a C handle that answers batches of 1 to max_batch samples:
a tfe_predictor_t (tfe.keras) or a tfe_client_t (tfe.serve). Both have the
same functions under their own prefix: the shapes, the check of a batch, and
the two prediction calls live here once."""

import ctypes

import numpy as np

from . import _capi
from ._handle import Handle
from .errors import InvalidArgumentError
from ._values import as_array, doubles, read_shape, sizes


_FUNCTIONS = ("input_shape", "output_count", "output_shape_at", "predict", "predict_outputs")


class BatchPredictor(Handle):
    """A handle with <prefix>_input_shape, _output_count, _output_shape_at,
    _predict and _predict_outputs, where a subclass's `_prefix` names the
    prefix: its functions are looked up once, when the subclass is made."""

    _prefix = ""
    _functions: dict = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._functions = {name: getattr(_capi, f"{cls._prefix}_{name}") for name in _FUNCTIONS}

    def _c(self, name):
        return self._functions[name]

    def _read_shapes(self):
        shape = read_shape(self._c("input_shape"), self._ptr)
        self.max_batch, self.sample_shape = shape[0], shape[1:]
        count = ctypes.c_size_t()
        self._c("output_count")(self._ptr, ctypes.byref(count))
        self.output_sample_shapes = [read_shape(self._c("output_shape_at"), self._ptr, i)[1:]
                                     for i in range(count.value)]
        self.output_sample_shape = self.output_sample_shapes[0]

    def _batch(self, x, what):
        x = as_array(x, what)
        if x.shape == self.sample_shape:
            x = x[None]
        if x.shape[1:] != self.sample_shape or not 1 <= x.shape[0] <= self.max_batch:
            # The library's status for a batch of the wrong shape, said in numpy's terms.
            raise InvalidArgumentError(
                f"{what}: expected 1 to {self.max_batch} samples of shape {self.sample_shape}, "
                f"found shape {x.shape}"
            )
        return x

    def predict(self, x) -> np.ndarray:
        """The (first) output of the batch `x` (1 to max_batch samples),
        computed on shares and revealed to the client only."""
        x = self._batch(x, "predict: x")
        out = np.zeros((x.shape[0], *self.output_sample_shape))
        (xp, xn), (op, on) = doubles(x), doubles(out)
        with self._lock:
            self._c("predict")(self._ptr, xp, xn, op, on)
        return out

    def predict_outputs(self, x) -> list:
        """Every output of the model for the batch `x`, in the model's order."""
        x = self._batch(x, "predict_outputs: x")
        outs = [np.zeros((x.shape[0], *shape)) for shape in self.output_sample_shapes]
        ptrs = (ctypes.POINTER(ctypes.c_double) * len(outs))(*(doubles(o)[0] for o in outs))
        lens, count = sizes(o.size for o in outs)
        xp, xn = doubles(x)
        with self._lock:
            self._c("predict_outputs")(self._ptr, xp, xn, ptrs, lens, count)
        return outs
