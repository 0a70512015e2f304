"""tfe.keras models for private prediction: Sequential (TF Encrypted's name),
the benchmark networks, and clone_model, which converts a trained tf.keras
Sequential model.

The weights are the model owner's. A Predictor (model.predictor(), or
model.predict()) runs the owner, the client and the three servers in this
process: the owner shares the weights once; each batch is the client's, and
only the client learns the outputs.
"""

import ctypes

import numpy as np

from .. import _capi
from .._batches import BatchPredictor
from .._handle import Handle
from .._values import as_array, as_shape, doubles, read_shape, sizes
from ..session import RunStats, session_options
from . import layers as layers_module
from .fitting import KerasTraining
from .training import model_weights

NETWORKS = {"A": _capi.TFE_NETWORK_A, "B": _capi.TFE_NETWORK_B, "C": _capi.TFE_NETWORK_C, "D": _capi.TFE_NETWORK_D}


class Model(KerasTraining, Handle):
    """A sequential model in the library (tfe_model_t): an input shape (one
    sample, without the batch axis) and layers. Sequential builds one.
    compile/fit/evaluate train it privately (tfe.keras.fitting)."""

    def __init__(self, handle):
        super().__init__(handle, _capi.tfe_model_free)
        self._predictors = {}

    @property
    def input_shape(self) -> tuple:
        return read_shape(_capi.tfe_model_input_shape, self._ptr)

    @property
    def output_shape(self) -> tuple:
        """The shape of one sample's output (the first output's)."""
        return read_shape(_capi.tfe_model_output_shape, self._ptr)

    @property
    def output_shapes(self) -> list:
        """The shape of one sample's output, of each output (an imported model may have several)."""
        count = ctypes.c_size_t()
        _capi.tfe_model_output_count(self._ptr, ctypes.byref(count))
        return [read_shape(_capi.tfe_model_output_shape_at, self._ptr, i) for i in range(count.value)]

    def layer_count(self) -> int:
        """Layers as the model runs (a batch normalization after a Dense or Conv2D is folded)."""
        count = ctypes.c_size_t()
        _capi.tfe_model_layer_count(self._ptr, ctypes.byref(count))
        return count.value

    def _batch(self, x, what):
        x = as_array(x, what)
        sample = self.input_shape
        if x.shape == sample:
            x = x[None]
        if x.shape[1:] != sample or x.shape[0] == 0:
            raise ValueError(f"{what}: expected a batch of samples of shape {sample}, found shape {x.shape}")
        return x

    def predict_plain(self, x) -> np.ndarray:
        """Plaintext inference in float64: what private prediction approximates."""
        x = self._batch(x, "predict_plain: x")
        out = np.zeros((x.shape[0], *self.output_shape))
        (xp, xn), (op, on) = doubles(x), doubles(out)
        _capi.tfe_model_predict_plain(self._ptr, xp, xn, x.shape[0], op, on)
        return out

    def predictor(self, max_batch=1, owner="model-owner", client="prediction-client", **session) -> "Predictor":
        """A Predictor for batches of 1 to `max_batch` samples; `session`:
        transport ("tcp", "memory", "tls"), connect_timeout_ms, recv_timeout_ms."""
        return Predictor(self, max_batch, owner, client, **session)

    def predict(self, x, **session) -> np.ndarray:
        """Private prediction of the batch `x` (the client's), through a predictor
        kept for batches up to this size: the (first) output."""
        x = self._batch(x, "predict: x")
        return self._predictor_for(x, session).predict(x)

    def predict_outputs(self, x, **session) -> list:
        """As predict, every output of the model (an imported model may have several)."""
        x = self._batch(x, "predict_outputs: x")
        return self._predictor_for(x, session).predict_outputs(x)

    def _predictor_for(self, x, session):
        key = tuple(sorted(session.items()))
        predictor = self._predictors.get(key)
        if predictor is None or predictor.max_batch < x.shape[0] or predictor.closed:
            if predictor is not None:
                predictor.close()
            predictor = self._predictors[key] = self.predictor(max_batch=x.shape[0], **session)
        return predictor

    def _take_trained(self, trained) -> None:
        """Holds the weights of `trained` (a Model that fit exported) from now
        on: predictors made with the old weights are closed."""
        self._close_predictors()
        self._take(trained)

    def _close_predictors(self):
        for predictor in self._predictors.values():
            predictor.close()
        self._predictors.clear()

    def close(self):
        self._close_predictors()
        if self._trainer is not None:
            self._trainer.close()
        super().close()


class Predictor(BatchPredictor):
    """Private prediction of a model (tfe_predictor_t): every player local."""

    _prefix = "tfe_predictor"

    def __init__(self, model, max_batch, owner="model-owner", client="prediction-client", **session):
        if isinstance(max_batch, bool) or not isinstance(max_batch, int):
            raise TypeError(f"max_batch: expected an int, found {max_batch!r}")
        options = session_options(**session)
        out = _capi.HANDLE()
        _capi.tfe_predictor_new_local(model._ptr, max_batch, owner.encode(), client.encode(),
                                      ctypes.byref(options), ctypes.byref(out))
        super().__init__(out.value, _capi.tfe_predictor_free)
        self._read_shapes()

    @property
    def last_stats(self):
        """What the last prediction cost each player (a tfe.RunStats)."""
        out = _capi.HANDLE()
        with self._lock:
            _capi.tfe_predictor_last_stats(self._ptr, ctypes.byref(out))
        return RunStats(out.value)


class Sequential(Model):
    """tfe.keras.Sequential([layers...]): the first layer gives input_shape
    (one sample), or build(input_shape) does. Weights are set with
    set_weights (Keras' order) or drawn as Keras draws them (seed `seed`)."""

    def __init__(self, layers=(), seed=0):
        self.layers = list(layers)
        self._seed = seed
        self._handle = None  # built lazily: Handle.__init__ runs at build()
        self._predictors = {}

    def add(self, layer) -> None:
        if self._handle is not None:
            raise ValueError("Sequential: the model is built; add layers before the first use")
        self.layers.append(layer)

    @property
    def _ptr(self):
        if self._handle is None:
            self.build()
        return super()._ptr

    @property
    def closed(self):
        return getattr(self, "_finalizer", None) is not None and self._handle is None

    def close(self):
        if getattr(self, "_finalizer", None) is not None:
            super().close()

    def build(self, input_shape=None) -> None:
        """Makes the C model for samples of `input_shape` (or the first layer's)."""
        if self._handle is not None:
            return
        if getattr(self, "_finalizer", None) is not None:
            super()._ptr  # closed: raises tfe.ClosedError
        if not self.layers:
            raise ValueError("Sequential: a model needs at least one layer")
        shape = input_shape if input_shape is not None else self.layers[0].input_shape
        if shape is None:
            raise ValueError("Sequential: give the first layer input_shape=..., or call build(input_shape)")
        shape = as_shape(shape, "input_shape")
        rng = np.random.default_rng(self._seed)
        sample = shape
        for layer in self.layers:
            sample = layer.build(sample, rng)
        dims, rank = sizes(shape)
        out = _capi.HANDLE()
        _capi.tfe_model_new(dims, rank, ctypes.byref(out))
        try:
            for layer in self.layers:
                layer.add_to(out.value)
        except BaseException:
            _capi.tfe_model_free(out.value)
            raise
        Handle.__init__(self, out.value, _capi.tfe_model_free)

    def get_weights(self) -> list:
        self._ptr  # noqa: B018 (builds)
        if self._trained_elsewhere:
            raise ValueError(f"get_weights: {self._trained_elsewhere}; tfe.keras.training.model_weights(model) "
                             "gives the trained weights as the model runs")
        return [w for layer in self.layers for w in layer.get_weights()]

    _trained_elsewhere = None  # why the layers' weights are not the trained ones, once they are not

    def _take_trained(self, trained) -> None:
        """As Model's, and each layer takes its trained weights (Keras's
        get_weights order) where the layers can hold them."""
        running = model_weights(trained)
        super()._take_trained(trained)
        # The model as it runs has two arrays per Dense or Conv2D (weights, bias) and four per
        # batch normalization, unless one was folded into the layer before it.
        per_layer = [2 if isinstance(layer, (layers_module.Dense, layers_module.Conv2D)) else
                     4 if isinstance(layer, layers_module.BatchNormalization) else 0 for layer in self.layers]
        if len(running) != sum(per_layer):
            self._trained_elsewhere = "a BatchNormalization was folded into the layer before it"
            return
        trained_layers = []
        for layer, count in zip(self.layers, per_layer):
            arrays, running = running[:count], running[count:]
            shapes = layer.weight_shapes()
            if count == 2 and len(shapes) == 1:
                # use_bias=False: the library's layer has a bias, zero at the start and trained.
                if np.any(arrays[1] != 0):
                    self._trained_elsewhere = f"{layer.name} has use_bias=False but its trained bias is not zero"
                    return
                arrays = arrays[:1]
            trained_layers.append([a.reshape(shape) for a, shape in zip(arrays, shapes)])
        for layer, weights in zip(self.layers, trained_layers):
            layer._weights = weights
        self._trained_elsewhere = None

    def set_weights(self, weights) -> None:
        """Every layer's weights in order (Keras' model.get_weights() order);
        before the model is built (it copies them into the library)."""
        if self._handle is not None:
            raise ValueError("set_weights: the model is built already (it holds a copy of the weights)")
        weights = list(weights)
        shape = self.layers[0].input_shape if self.layers else None
        if shape is None:
            raise ValueError("set_weights: give the first layer input_shape=... first")
        rng = np.random.default_rng(self._seed)
        sample = as_shape(shape, "input_shape")
        for layer in self.layers:
            sample = layer.build(sample, rng)
            n = len(layer.weight_shapes())
            layer.set_weights(weights[:n])
            weights = weights[n:]
        if weights:
            raise ValueError(f"set_weights: {len(weights)} weight arrays more than the layers take")


def network(name, seed=0) -> Model:
    """A benchmark network of SecureNN and TF Encrypted ("A" to "D") with
    pseudo-random weights from `seed`: for measuring costs, not predicting."""
    if name not in NETWORKS:
        raise ValueError(f"network: expected one of {sorted(NETWORKS)}, found {name!r}")
    out = _capi.HANDLE()
    _capi.tfe_model_network(NETWORKS[name], int(seed), ctypes.byref(out))
    return Model(out.value)


# Keras layer class name -> how to make the tfe.keras layer from its config and weights.
def _convert_layer(layer):
    kind = type(layer).__name__
    config = layer.get_config()
    weights = layer.get_weights()
    name = config.get("name")
    if config.get("data_format", "channels_last") != "channels_last":
        raise ValueError(f"clone_model: layer {name} ({kind}): only channels_last is supported")
    if kind in ("InputLayer", "Dropout"):
        return None, []
    if kind == "Dense":
        new = layers_module.Dense(config["units"], _keras_activation(config, name), config["use_bias"], name=name)
    elif kind == "Conv2D":
        if tuple(config.get("dilation_rate", (1, 1))) != (1, 1) or config.get("groups", 1) != 1:
            raise ValueError(f"clone_model: layer {name} (Conv2D): dilation and groups are not supported")
        new = layers_module.Conv2D(config["filters"], config["kernel_size"], config["strides"], config["padding"],
                                   _keras_activation(config, name), config["use_bias"], name=name)
    elif kind in ("MaxPooling2D", "AveragePooling2D"):
        cls = getattr(layers_module, kind)
        new = cls(config["pool_size"], config["strides"], config["padding"], name=name)
    elif kind == "BatchNormalization":
        axis = config.get("axis", -1)
        if axis not in (-1, [-1], len(layer.input.shape) - 1 if hasattr(layer, "input") else -1):
            raise ValueError(f"clone_model: layer {name} (BatchNormalization): only the last axis is supported")
        channels = weights[-1].shape[0]
        gamma = weights.pop(0) if config.get("scale", True) else np.ones(channels)
        beta = weights.pop(0) if config.get("center", True) else np.zeros(channels)
        weights = [gamma, beta, *weights]
        new = layers_module.BatchNormalization(config["epsilon"], name=name)
    elif kind == "Activation":
        new = layers_module.Activation(_keras_activation(config, name), name=name)
    elif kind == "ReLU":
        if config.get("max_value") is not None or config.get("negative_slope", 0) or config.get("threshold", 0):
            raise ValueError(f"clone_model: layer {name} (ReLU): only a plain ReLU is supported")
        new = layers_module.ReLU(name=name)
    elif kind == "Softmax":
        new = layers_module.Softmax(name=name)
    elif kind == "Flatten":
        new = layers_module.Flatten(name=name)
    elif kind == "GlobalAveragePooling2D":
        new = layers_module.GlobalAveragePooling2D(name=name)
    else:
        raise ValueError(
            f"clone_model: layer {name} ({kind}) is not supported; supported: Dense, Conv2D, MaxPooling2D, "
            "AveragePooling2D, BatchNormalization, Activation, ReLU, Softmax, Flatten, GlobalAveragePooling2D, "
            "Dropout (ignored at inference)"
        )
    return new, weights


def _keras_activation(config, name):
    activation = config.get("activation")
    if isinstance(activation, dict):  # serialized
        activation = activation.get("config", {}).get("name", activation.get("class_name"))
    if activation not in layers_module.ACTIVATIONS:
        raise ValueError(f"clone_model: layer {name}: activation {activation!r} is not supported "
                         "(relu, sigmoid, softmax, linear)")
    return activation


def clone_model(keras_model, seed=0) -> Sequential:
    """A tfe.keras.Sequential with the layers and trained weights of the
    tf.keras Sequential `keras_model` (TF Encrypted's
    tfe.keras.models.clone_model). Its weights are the model owner's."""
    if type(keras_model).__name__ != "Sequential":
        raise TypeError(f"clone_model: expected a tf.keras Sequential model, found {type(keras_model).__name__}")
    input_shape = tuple(keras_model.input_shape[1:])
    if None in input_shape:
        raise ValueError(f"clone_model: the model's input shape {keras_model.input_shape} must be known")
    converted, weights = [], []
    for layer in keras_model.layers:
        new, layer_weights = _convert_layer(layer)
        if new is not None:
            converted.append(new)
            weights.extend(np.asarray(w, dtype=np.float64) for w in layer_weights)
    if not converted:
        raise ValueError("clone_model: the model has no layer to convert")
    converted[0].input_shape = input_shape
    model = Sequential(converted, seed=seed)
    model.set_weights(weights)
    model.build()
    return model
