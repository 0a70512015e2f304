"""tfe: TF Encrypted rebuilt in Rust, from Python.

Privacy-preserving machine learning on secret-shared data: three servers run
the ABY3 protocol; input providers and result receivers are players of their
own. This package speaks to libtfe (installed inside it) through ctypes
(tfe._capi, a mirror of include/tfe.h); the API follows TF Encrypted's:

    @tfe.local_computation('input-provider')
    def provide_input():
        return tf.ones(shape=(5, 10))

    w = tfe.define_private_variable(tf.ones(shape=(10, 10)))
    x = provide_input()
    y = tfe.matmul(x, w)
    print(y.reveal().to_native())  # 5x10 of 10.0

Ops add nodes to a graph (the default context's, or their operands'); the graph
runs when a value is asked for. Values are numpy arrays, TF tensors, lists or
numbers; results are numpy arrays.
"""

from . import _capi
from ._default import get_context, set_context
from .context import Context, Tensor
from .errors import (
    AbortedError,
    ClosedError,
    ConfigError,
    Error,
    InternalError,
    InvalidArgumentError,
    NetworkError,
    NullPointerError,
    OutOfRangeError,
    PanicError,
    ProtocolError,
    TimeoutError,  # noqa: A004 (tfe.TimeoutError, a builtins.TimeoutError too)
)
from . import keras, onnx, serve
from .arrays import load_array, save_array
from .function import function, local_computation
from .logs import enable_logging
from .ops import *  # noqa: F403 (every op: tfe.matmul, tfe.relu, ...)
from .ops import __all__ as _ops
from .remote import Party, RemoteConfig
from .session import Feeds, OpStats, PlayerStats, RunStats, Session

__version__ = _capi.VERSION


def define_constant(value) -> Tensor:
    """A public constant in the default context."""
    return get_context().define_constant(value)


def define_private_variable(initial_value=None, owner="server0", name=None, shape=None) -> Tensor:
    """A private variable in the default context, owned by `owner`."""
    return get_context().define_private_variable(initial_value, owner=owner, name=name, shape=shape)


def define_private_input(player, provider=None, shape=None, name=None) -> Tensor:
    """A private input of `player` in the default context: `provider()` returns
    its values at every run (TF Encrypted's define_private_input)."""
    return get_context().define_private_input(player, provider, shape=shape, name=name)


def last_stats():
    """The RunStats of the default context's last run (None before any)."""
    return get_context().last_stats


__all__ = [
    "AbortedError", "ClosedError", "ConfigError", "Context", "Error", "Feeds", "InternalError",
    "InvalidArgumentError", "NetworkError", "NullPointerError", "OpStats", "OutOfRangeError",
    "PanicError", "Party", "PlayerStats", "ProtocolError", "RemoteConfig", "RunStats", "Session",
    "Tensor", "TimeoutError", "define_constant", "define_private_input", "define_private_variable",
    "enable_logging", "keras", "function", "get_context", "last_stats", "load_array", "local_computation",
    "save_array", "serve", "set_context",
] + list(_ops)
