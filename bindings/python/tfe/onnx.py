"""tfe.onnx: models imported from ONNX files (torch.onnx, tf2onnx,
skl2onnx, ...) for private prediction, as tfe.keras models predict: the
file's weights are the model owner's, each batch is the client's, and only
the client learns the outputs.

    model = tfe.onnx.load("model.onnx")
    scores = model.predict(x)               # the first output
    labels, probabilities = model.predict_outputs(x)

The supported nodes and opsets are in docs/onnx.md; an unsupported node is a
tfe.InvalidArgumentError naming the file and the node.
"""

import ctypes
import os

import numpy as np

from . import _capi
from .keras.models import Model

__all__ = ["OnnxModel", "load"]


class OnnxModel(Model):
    """A model imported from ONNX (a tfe_model_t): input_shape, output_shapes,
    predict (the first output), predict_outputs (every output), predictor.
    It takes no layers and has no plaintext inference (onnxruntime has)."""


def load(model) -> OnnxModel:
    """The model of an ONNX file: a path (str or os.PathLike) or the file's bytes."""
    out = _capi.HANDLE()
    if isinstance(model, (bytes, bytearray, memoryview)):
        data = np.frombuffer(model, dtype=np.uint8)
        pointer = data.ctypes.data_as(ctypes.POINTER(ctypes.c_uint8))
        _capi.tfe_model_load_onnx_bytes(pointer, data.size, ctypes.byref(out))
    elif isinstance(model, (str, os.PathLike)):
        _capi.tfe_model_load_onnx(os.fsencode(model), ctypes.byref(out))
    else:
        raise TypeError(f"load: expected a path or the bytes of an ONNX file, found {type(model).__name__}")
    return OnnxModel(out.value)
