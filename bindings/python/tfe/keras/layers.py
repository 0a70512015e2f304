"""tfe.keras layers, with TF Encrypted's (and Keras') names. Each layer knows
its weights (numpy, in Keras' order) and adds itself to a C model
(tfe_model_add_*), which checks it against the shape it receives."""

import math

import numpy as np

from .. import _capi
from .._values import as_array, as_shape, doubles, sizes

ACTIVATIONS = {
    None: None,
    "linear": None,
    "relu": _capi.tfe_model_add_relu,
    "sigmoid": _capi.tfe_model_add_sigmoid,
    "softmax": _capi.tfe_model_add_softmax,
}
PADDINGS = {"valid": _capi.TFE_PADDING_VALID, "same": _capi.TFE_PADDING_SAME}


def _activation(name, layer):
    if name not in ACTIVATIONS:
        raise ValueError(f"{layer}: activation expected one of relu, sigmoid, softmax, linear, found {name!r}")
    return name


def _pair(value, what):
    if isinstance(value, int):
        return value, value
    value = tuple(as_shape(value, what))
    if len(value) != 2:
        raise ValueError(f"{what}: expected an int or a pair, found {value!r}")
    return value


def _padding(padding, layer):
    if str(padding).lower() not in PADDINGS:
        raise ValueError(f"{layer}: padding expected 'valid' or 'same', found {padding!r}")
    return str(padding).lower()


class Layer:
    """A layer of a tfe.keras.Sequential model."""

    def __init__(self, input_shape=None, name=None):
        self.input_shape = None if input_shape is None else as_shape(input_shape, "input_shape")
        self.name = name or type(self).__name__.lower()
        self._weights = []

    def get_weights(self) -> list:
        return [w.copy() for w in self._weights]

    def set_weights(self, weights) -> None:
        """Keras' order and shapes (a Dense: kernel [in, units], bias [units])."""
        expected = self.weight_shapes()
        weights = list(weights)
        if len(weights) != len(expected):
            raise ValueError(f"{self.name}: expected {len(expected)} weight arrays, found {len(weights)}")
        self._weights = [
            as_array(w, f"{self.name}: weights[{i}]", shape) for i, (w, shape) in enumerate(zip(weights, expected))
        ]

    def weight_shapes(self) -> list:
        return [w.shape for w in self._weights]

    def build(self, input_shape, rng) -> tuple:
        """Makes the weights for a sample of `input_shape` (without the batch
        axis) if none were set; returns the output shape."""
        return input_shape

    def add_to(self, model_ptr) -> None:
        raise NotImplementedError


class Dense(Layer):
    def __init__(self, units, activation=None, use_bias=True, input_shape=None, name=None, **_keras):
        super().__init__(input_shape, name)
        self.units, self.use_bias = int(units), bool(use_bias)
        self.activation = _activation(activation, self.name)
        self._inputs = None

    def weight_shapes(self):
        return [(self._inputs, self.units), (self.units,)] if self.use_bias else [(self._inputs, self.units)]

    def build(self, input_shape, rng):
        if len(input_shape) != 1:
            raise ValueError(f"{self.name}: expected a flat input [batch, n], found a sample of shape {input_shape}")
        self._inputs = input_shape[0]
        if not self._weights:
            limit = math.sqrt(6 / (self._inputs + self.units))  # Glorot uniform, as Keras
            self._weights = [rng.uniform(-limit, limit, (self._inputs, self.units))]
            if self.use_bias:
                self._weights.append(np.zeros(self.units))
        return (self.units,)

    def add_to(self, model_ptr):
        kernel = self._weights[0]
        bias = self._weights[1] if self.use_bias else np.zeros(self.units)
        (kp, kn), (bp, bn) = doubles(kernel), doubles(bias)
        _capi.tfe_model_add_dense(model_ptr, self._inputs, self.units, kp, kn, bp, bn)
        if ACTIVATIONS[self.activation]:
            ACTIVATIONS[self.activation](model_ptr)


class Conv2D(Layer):
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", activation=None, use_bias=True,
                 input_shape=None, name=None, **_keras):
        super().__init__(input_shape, name)
        self.filters, self.use_bias = int(filters), bool(use_bias)
        self.kernel_size = _pair(kernel_size, f"{self.name}: kernel_size")
        self.strides = _pair(strides, f"{self.name}: strides")
        self.padding = _padding(padding, self.name)
        self.activation = _activation(activation, self.name)
        self._channels = None

    def weight_shapes(self):
        kernel = (*self.kernel_size, self._channels, self.filters)
        return [kernel, (self.filters,)] if self.use_bias else [kernel]

    def build(self, input_shape, rng):
        if len(input_shape) != 3:
            raise ValueError(f"{self.name}: expected NHWC input [batch, H, W, C], found a sample of {input_shape}")
        h, w, self._channels = input_shape
        if not self._weights:
            fan_in = self.kernel_size[0] * self.kernel_size[1] * self._channels
            fan_out = self.kernel_size[0] * self.kernel_size[1] * self.filters
            limit = math.sqrt(6 / (fan_in + fan_out))
            self._weights = [rng.uniform(-limit, limit, self.weight_shapes()[0])]
            if self.use_bias:
                self._weights.append(np.zeros(self.filters))
        (kh, kw), (sh, sw) = self.kernel_size, self.strides
        if self.padding == "same":
            return (-(-h // sh), -(-w // sw), self.filters)
        return ((h - kh) // sh + 1, (w - kw) // sw + 1, self.filters)

    def add_to(self, model_ptr):
        kernel = self._weights[0]
        bias = self._weights[1] if self.use_bias else np.zeros(self.filters)
        shape, rank = sizes(kernel.shape)
        (kp, kn), (bp, bn) = doubles(kernel), doubles(bias)
        _capi.tfe_model_add_conv2d(model_ptr, shape, rank, kp, kn, bp, bn, *self.strides, PADDINGS[self.padding])
        if ACTIVATIONS[self.activation]:
            ACTIVATIONS[self.activation](model_ptr)


class _Pooling2D(Layer):
    _add = None

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", input_shape=None, name=None, **_keras):
        super().__init__(input_shape, name)
        self.pool_size = _pair(pool_size, f"{self.name}: pool_size")
        self.strides = _pair(strides, f"{self.name}: strides") if strides is not None else self.pool_size
        self.padding = _padding(padding, self.name)

    def build(self, input_shape, rng):
        if len(input_shape) != 3:
            raise ValueError(f"{self.name}: expected NHWC input [batch, H, W, C], found a sample of {input_shape}")
        h, w, c = input_shape
        (ph, pw), (sh, sw) = self.pool_size, self.strides
        if self.padding == "same":
            return (-(-h // sh), -(-w // sw), c)
        return ((h - ph) // sh + 1, (w - pw) // sw + 1, c)

    def add_to(self, model_ptr):
        type(self)._add(model_ptr, *self.pool_size, *self.strides, PADDINGS[self.padding])


class MaxPooling2D(_Pooling2D):
    _add = _capi.tfe_model_add_max_pool2d


class AveragePooling2D(_Pooling2D):
    _add = _capi.tfe_model_add_avg_pool2d


class BatchNormalization(Layer):
    """Inference batch normalization over the last axis: weights [gamma, beta,
    moving_mean, moving_variance] (Keras' order with center and scale)."""

    def __init__(self, epsilon=1e-3, input_shape=None, name=None, **_keras):
        super().__init__(input_shape, name)
        self.epsilon = float(epsilon)
        self._channels = None

    def weight_shapes(self):
        return [(self._channels,)] * 4

    def build(self, input_shape, rng):
        self._channels = input_shape[-1]
        if not self._weights:
            ones, zeros = np.ones(self._channels), np.zeros(self._channels)
            self._weights = [ones, zeros, zeros.copy(), ones.copy()]
        return input_shape

    def add_to(self, model_ptr):
        gamma, beta, mean, variance = (doubles(w)[0] for w in self._weights)
        _capi.tfe_model_add_batch_norm(model_ptr, gamma, beta, mean, variance, self._channels, self.epsilon)


class Activation(Layer):
    def __init__(self, activation, input_shape=None, name=None, **_keras):
        super().__init__(input_shape, name)
        self.activation = _activation(activation, self.name)

    def add_to(self, model_ptr):
        if ACTIVATIONS[self.activation]:
            ACTIVATIONS[self.activation](model_ptr)


class ReLU(Activation):
    def __init__(self, input_shape=None, name=None, **_keras):
        super().__init__("relu", input_shape, name)


class Softmax(Activation):
    def __init__(self, input_shape=None, name=None, **_keras):
        super().__init__("softmax", input_shape, name)


class Flatten(Layer):
    def build(self, input_shape, rng):
        return (int(np.prod(input_shape)),)

    def add_to(self, model_ptr):
        _capi.tfe_model_add_flatten(model_ptr)


class GlobalAveragePooling2D(Layer):
    def build(self, input_shape, rng):
        if len(input_shape) != 3:
            raise ValueError(f"{self.name}: expected NHWC input [batch, H, W, C], found a sample of {input_shape}")
        return (input_shape[-1],)

    def add_to(self, model_ptr):
        _capi.tfe_model_add_global_avg_pool2d(model_ptr)


__all__ = [
    "Activation", "AveragePooling2D", "BatchNormalization", "Conv2D", "Dense", "Flatten",
    "GlobalAveragePooling2D", "Layer", "MaxPooling2D", "ReLU", "Softmax",
]
