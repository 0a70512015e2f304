"""Computation: a tfe graph run by the TfeRun op, with TensorFlow tensors as
its private inputs and its revealed results as TensorFlow tensors.

    ctx = tfe.Context()
    x = ctx.define_private_input("input-provider", shape=(5, 10), name="x")
    w = ctx.define_private_variable(shape=(10, 10), owner="server0", name="w")
    with tfe.tensorflow.Computation(ctx, outputs=[tfe.matmul(x, w)], inputs=[x, w]) as run:
        y = run(tf.ones((5, 10)), tf.ones((10, 10)))     # a tf.Tensor, shape (5, 10)

The graph (shapes, never values) travels in the op's `graph` attr; the
session (every player in this process) or the party (this process as one
player of a deployment) is a TensorFlow resource made at the first run and
kept, with the shares of private variables, until close(). A call works
eagerly, inside tf.function and in a tf.data map; output shapes are known
when the TensorFlow graph is built. TfeRun has no gradient: asking for one
raises NoGradientError.
"""

import tempfile
import uuid

import tensorflow as tf

from .. import Tensor
from ..errors import Error
from ._library import load

TRANSPORTS = ("tcp", "memory", "tls")


class NoGradientError(Error):
    """A gradient was asked through a tfe computation."""


def _refuse_gradient(op, *grads):
    raise NoGradientError(
        f"tfe.tensorflow: {op.type} has no gradient: it runs a secure multi-party "
        "computation whose private values TensorFlow cannot differentiate through; train the "
        "model with tfe, or keep the computation out of the gradient (tf.stop_gradient on its "
        "inputs and outputs)"
    )


def _register_gradient():
    try:
        tf.RegisterGradient("TfeRun")(_refuse_gradient)
    except KeyError:  # registered already (module reloaded)
        pass


_register_gradient()


def _graph_bytes(context) -> bytes:
    with tempfile.NamedTemporaryFile(prefix="tfe-graph-", suffix=".tfe") as file:
        context.save(file.name)
        return file.read()


class Computation:
    """Runs `outputs` (private tensors of `context`, revealed to `reveal_to`,
    or to every server when it is None) with the TensorFlow values given to
    each call for `inputs` (the context's private inputs and variables; a
    variable's value is read at the first run only, when its shares are made).

    Where: every player in this process (`player` None; `transport` "tcp",
    "memory" or "tls"), or this process as `player` of the deployment the
    hostmap file `hostmap` describes, over TLS with the private key `tls_key`
    (or `insecure_plaintext=True`, for tests on a trusted network). In a
    deployment every player runs the same graph and the same sequence of
    calls, feeds the inputs it owns, and gets the outputs revealed to it
    (others come out empty, shape [0]).

    Outputs are `dtype` (tf.float32 or tf.float64). Defining outputs adds
    reveal nodes to `context`.
    """

    def __init__(self, context, outputs, inputs=(), *, reveal_to=None, player=None, hostmap=None,
                 tls_key=None, insecure_plaintext=False, transport="tcp", dtype=tf.float32,
                 library_dir=None):
        self._ops = load(library_dir)
        if isinstance(outputs, Tensor):
            outputs = [outputs]
        if not outputs:
            raise ValueError("Computation: outputs: expected at least one private tensor, found none")
        if transport not in TRANSPORTS:
            raise ValueError(f"Computation: transport: expected one of {TRANSPORTS}, found {transport!r}")
        self.dtype = tf.as_dtype(dtype)
        if self.dtype not in (tf.float32, tf.float64):
            raise TypeError(f"Computation: dtype: expected tf.float32 or tf.float64, found {self.dtype.name}")
        fetches = []
        for i, tensor in enumerate(outputs):
            if not isinstance(tensor, Tensor) or tensor.kind != "private":
                found = tensor.kind if isinstance(tensor, Tensor) else type(tensor).__name__
                raise TypeError(
                    f"Computation: outputs[{i}]: expected a private tfe.Tensor (the computation reveals "
                    f"it), found {found}"
                )
            tensor.reveal(reveal_to)
            # An op adds one node at the end of the graph (tfe.h): the reveal's index.
            index = context.tensor_count() - 1
            node = context.tensor(index)
            if node.kind != "revealed" or tuple(node.shape) != tuple(tensor.shape):
                raise Error(f"Computation: outputs[{i}]: tensor {index} is not its reveal")
            fetches.append(index)
        self.output_shapes = [tuple(t.shape) for t in outputs]
        self.input_names, self.input_shapes = [], []
        for i, tensor in enumerate(inputs):
            name = tensor.name if isinstance(tensor, Tensor) else None
            if name is None:
                raise TypeError(f"Computation: inputs[{i}]: expected a private input or variable of the "
                                f"context, found {tensor!r}")
            self.input_names.append(name)
            self.input_shapes.append(tuple(tensor.shape))
        self._attrs = dict(
            graph=_graph_bytes(context),
            fetches=fetches,
            input_names=self.input_names,
            player=player or "",
            hostmap=str(hostmap) if hostmap else "",
            tls_key=str(tls_key) if tls_key else "",
            insecure_plaintext=bool(insecure_plaintext),
            transport=transport,
            shared_name=f"tfe_computation_{uuid.uuid4().hex}",
        )

    def __call__(self, *values):
        """Runs the computation: one TensorFlow value per input (float32 or
        float64, of the input's shape); returns the outputs (one tf.Tensor,
        or a list of them)."""
        if len(values) != len(self.input_names):
            raise TypeError(f"Computation: expected {len(self.input_names)} values (for "
                            f"{', '.join(self.input_names) or 'no inputs'}), found {len(values)}")
        tensors = []
        for name, value in zip(self.input_names, values):
            tensor = tf.convert_to_tensor(value)
            if tensor.dtype not in (tf.float32, tf.float64):
                raise TypeError(f"Computation: the value of {name!r}: expected float32 or float64, "
                                f"found {tensor.dtype.name}")
            tensors.append(tensor)
        outputs = self._ops.tfe_run(inputs=tensors, Tout=[self.dtype] * len(self.output_shapes), **self._attrs)
        return outputs[0] if len(outputs) == 1 else list(outputs)

    def close(self):
        """Closes the session or party now (its players stop); the next call
        opens a new one, whose variables are initialized again. Safe twice."""
        self._ops.tfe_release(shared_name=self._attrs["shared_name"])

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
