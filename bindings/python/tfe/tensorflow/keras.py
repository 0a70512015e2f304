"""PrivatePrediction: a Keras layer that predicts with a trained tf.keras
model under secure multi-party computation, for an existing Keras or TF
pipeline.

    private = tfe.tensorflow.PrivatePrediction(model, batch_size=8)
    pipeline = tf.keras.Sequential([preprocess, private, tf.keras.layers.Softmax()])

The model's weights become private variables of `model_owner`, the samples
private inputs of `client`; the servers compute on shares and reveal the
prediction to `client` only. Supported layers: Dense (activation linear,
relu, sigmoid or softmax), ReLU, Activation of those, Flatten and
InputLayer. The weights are shared once, at the first prediction (later
changes to the Keras model are not seen until reset()). Batches of any size
run in chunks of `batch_size` (the last one padded); outputs are float32.
"""

import numpy as np
import tensorflow as tf

from .. import Context, matmul, relu, sigmoid, softmax
from .computation import Computation

_ACTIVATIONS = {"linear": None, "relu": relu, "sigmoid": sigmoid, "softmax": softmax}


def _activation(layer, fn):
    name = getattr(fn, "__name__", str(fn))
    if name not in _ACTIVATIONS:
        raise ValueError(f"PrivatePrediction: layer {layer.name!r}: activation {name!r} is not supported "
                         f"(supported: {', '.join(_ACTIVATIONS)})")
    return _ACTIVATIONS[name]


class PrivatePrediction(tf.keras.layers.Layer):
    """Predicts with `model` (a built tf.keras model of supported layers)
    under MPC, in a local session of every player (`transport` "tcp",
    "memory" or "tls")."""

    def __init__(self, model, batch_size=1, client="prediction-client", model_owner="model-owner",
                 transport="tcp", **kwargs):
        super().__init__(trainable=False, **kwargs)
        if not model.built:
            raise ValueError("PrivatePrediction: the model is not built: call it or build() it first")
        self.batch_size = int(batch_size)
        if self.batch_size < 1:
            raise ValueError(f"PrivatePrediction: batch_size: expected at least 1, found {batch_size}")
        self._model = model
        self._transport = transport
        self._client, self._model_owner = client, model_owner
        self._sample_shape = tuple(int(d) for d in model.inputs[0].shape[1:]) if getattr(model, "inputs", None) \
            else tuple(int(d) for d in model.layers[0].input.shape[1:])
        self._weights = []  # the Keras variables fed for the tfe variables, in order
        self._computation = self._build_computation()

    def _build_computation(self):
        ctx = Context()
        x = ctx.define_private_input(self._client, shape=(self.batch_size,) + self._sample_shape, name="x")
        inputs, y = [x], x
        for layer in self._model.layers:
            kind = type(layer).__name__
            if kind == "InputLayer":
                continue
            if kind == "Flatten":
                y = y.reshape((self.batch_size, int(np.prod(y.shape[1:]))))
            elif kind == "Dense":
                kernel = ctx.define_private_variable(shape=tuple(layer.kernel.shape), owner=self._model_owner,
                                                     name=f"{layer.name}.kernel")
                y = matmul(y, kernel)
                inputs.append(kernel)
                self._weights.append(layer.kernel)
                if layer.use_bias:
                    bias = ctx.define_private_variable(shape=tuple(layer.bias.shape), owner=self._model_owner,
                                                       name=f"{layer.name}.bias")
                    y = y + bias
                    inputs.append(bias)
                    self._weights.append(layer.bias)
                fn = _activation(layer, layer.activation)
                y = fn(y) if fn else y
            elif kind in ("ReLU", "Activation"):
                fn = relu if kind == "ReLU" else _activation(layer, layer.activation)
                y = fn(y) if fn else y
            else:
                raise ValueError(f"PrivatePrediction: layer {layer.name!r} ({kind}) is not supported "
                                 "(supported: Dense, ReLU, Activation, Flatten, InputLayer)")
        self.output_dim = tuple(y.shape[1:])
        return Computation(ctx, outputs=[y], inputs=inputs, reveal_to=self._client, transport=self._transport)

    def call(self, samples):
        samples = tf.convert_to_tensor(samples, tf.float32)
        n = tf.shape(samples)[0]
        batch = self.batch_size
        chunks = (n + batch - 1) // batch
        padding = [[0, chunks * batch - n]] + [[0, 0]] * len(self._sample_shape)
        padded = tf.reshape(tf.pad(samples, padding), (chunks, batch) + self._sample_shape)
        weights = [tf.cast(w, tf.float32) for w in self._weights]
        out = tf.map_fn(
            lambda chunk: self._computation(chunk, *weights),
            padded,
            fn_output_signature=tf.TensorSpec((batch,) + self.output_dim, tf.float32),
        )
        return tf.reshape(out, (-1,) + self.output_dim)[:n]

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self.output_dim

    def reset(self):
        """Closes the session: the next prediction shares the weights again."""
        self._computation.close()
