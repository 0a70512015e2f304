"""Context (a computation under construction: tfe_context_t) and Tensor (one
node of its graph: tfe_tensor_t).

Defining inputs, variables, constants and ops adds nodes to the graph at once;
nothing runs until a value is asked for (Tensor.to_native(), Context.run()).
Then the context runs its graph in a local session that it keeps, and makes
anew when the graph has grown since (a session is a snapshot of the graph).
"""

import ctypes
import math
import threading

import numpy as np

from . import _capi
from ._handle import Handle
from ._values import as_array, as_shape, doubles, read_shape, sizes, text
from .errors import Error
from .session import _INTERRUPT, _RUN, Session, locked_for, providing, refuse_close_in_provider, run_handle

COMPARISONS = {
    "fixed_point_range": _capi.TFE_COMPARISON_FIXED_POINT_RANGE,
    "full": _capi.TFE_COMPARISON_FULL,
}
KINDS = {
    _capi.TFE_TENSOR_PUBLIC: "public",
    _capi.TFE_TENSOR_PRIVATE: "private",
    _capi.TFE_TENSOR_REVEALED: "revealed",
    _capi.TFE_TENSOR_ASSIGNMENT: "assignment",
}

# Set while tfe.function traces a body: to_native() then returns a placeholder.
_tracing = threading.local()


class Tensor(Handle):
    """A node of a context's graph. Private tensors are secret-shared; ask
    for a value with .reveal().to_native(). Operators: + - * @ / (by a public
    number), unary -, < <= > >=; every op of tfe is also a method."""

    def __init__(self, handle, context):
        super().__init__(handle, _capi.tfe_tensor_free)
        self.context = context
        with context._lock:
            context._version += 1  # the graph may have grown: session() checks it
        self.shape = read_shape(_capi.tfe_tensor_shape, handle)
        kind = ctypes.c_int()
        _capi.tfe_tensor_kind(handle, ctypes.byref(kind))
        self.kind = KINDS[kind.value]

    @property
    def name(self):
        """The name of an input or variable; None for any other tensor."""
        if self.kind not in ("private",):
            return None
        out = ctypes.c_char_p()
        try:
            _capi.tfe_tensor_name(self._ptr, ctypes.byref(out))
        except Error:
            return None
        return text(out.value)

    @property
    def owner(self):
        """The player owning an input or a variable, or receiving a reveal."""
        out = ctypes.c_char_p()
        _capi.tfe_tensor_owner(self._ptr, ctypes.byref(out))
        return text(out.value)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def reveal(self, to=None) -> "Tensor":
        """This private value revealed to every server, or to player `to` only."""
        from . import ops

        return ops.reveal(self, to)

    def to_native(self):
        """The value as a numpy array: runs the graph (a reveal, a public
        value). Inside a tfe.function body, a placeholder its call fills."""
        if self.kind == "private":
            raise Error("to_native() of a private tensor: reveal() it first (to every server or to a player)")
        trace = getattr(_tracing, "trace", None)
        if trace is not None:
            return trace.fetch(self)
        return self.context.run(self)

    def numpy(self):
        return self.to_native()

    def __repr__(self):
        return f"<tfe.Tensor {self.kind} shape={self.shape}>"

    # numpy defers to the reflected operators (array @ tensor is Tensor.__rmatmul__).
    __array_ufunc__ = None

    def __array__(self, dtype=None, copy=None):
        raise TypeError("a tfe.Tensor is not an array: call .reveal().to_native() for its value")

    def __bool__(self):
        raise TypeError("a tfe.Tensor has no truth value (its value is secret)")

    def __getattr__(self, attr):
        # Every op of tfe.ops as a method: x.relu(), x.reduce_sum(axis=0), ...
        if attr.startswith("_"):
            raise AttributeError(attr)
        from . import ops

        fn = getattr(ops, attr, None)
        if fn is None or attr not in ops.__all__:
            raise AttributeError(f"tfe.Tensor has no attribute {attr!r}")
        return lambda *args, **kwargs: fn(self, *args, **kwargs)

    def _binary(name, reflected=False):  # noqa: N805 (builds methods)
        def method(self, other):
            from . import ops

            fn = getattr(ops, name)
            return fn(other, self) if reflected else fn(self, other)

        return method

    __add__, __radd__ = _binary("add"), _binary("add", True)
    __sub__, __rsub__ = _binary("sub"), _binary("sub", True)
    __mul__, __rmul__ = _binary("mul"), _binary("mul", True)
    __matmul__, __rmatmul__ = _binary("matmul"), _binary("matmul", True)
    __lt__, __le__ = _binary("less"), _binary("less_equal")
    __gt__, __ge__ = _binary("greater"), _binary("greater_equal")
    __truediv__ = _binary("truediv")
    __hash__ = Handle.__hash__

    def __neg__(self):
        from . import ops

        return ops.neg(self)


class Context(Handle):
    """A computation under construction, over the servers server0, server1,
    server2, with fixed-point values of `frac_bits` fractional and `int_bits`
    integer bits. Session options (transport "tcp", "memory" or "tls", the
    timeouts) apply to the sessions it makes for runs."""

    def __init__(self, frac_bits=None, int_bits=None, comparison=None, *, transport=None,
                 connect_timeout_ms=None, recv_timeout_ms=None, _handle=None):
        if _handle is None:
            config = _capi.tfe_config_default()
            if frac_bits is not None:
                config.frac_bits = int(frac_bits)
            if int_bits is not None:
                config.int_bits = int(int_bits)
            if comparison is not None:
                if comparison not in COMPARISONS:
                    raise ValueError(f"comparison: expected one of {sorted(COMPARISONS)}, found {comparison!r}")
                config.comparison = COMPARISONS[comparison]
            out = _capi.HANDLE()
            _capi.tfe_context_new(ctypes.byref(config), ctypes.byref(out))
            _handle = out.value
        self._callbacks = []  # ctypes callbacks: alive while the context or a session is
        super().__init__(_handle, _capi.tfe_context_free, self._callbacks)
        self._callback_failures = []  # exceptions raised by input callbacks in the last run
        self._session_options = dict(
            transport=transport, connect_timeout_ms=connect_timeout_ms, recv_timeout_ms=recv_timeout_ms
        )
        self._session = None
        self._version = 0  # counts Tensors made; the session is fresh while it holds
        self._session_version = -1
        self._pending_assignments = []
        self._assigned = False  # the session's variables were assigned by a run
        self.last_stats = None

    @classmethod
    def load(cls, path, **session_options) -> "Context":
        """A context from a graph file (tfe_context_save); its inputs have no
        callbacks: feed them."""
        out = _capi.HANDLE()
        _capi.tfe_context_load(str(path).encode(), ctypes.byref(out))
        return cls(_handle=out.value, **session_options)

    def close(self) -> None:
        """Frees the context (and its default session) now; from one of its
        input providers during a run it raises tfe.InvalidArgumentError."""
        refuse_close_in_provider(self, self)
        with self._lock:
            if self._session is not None:
                self._session.close()
                self._session = None
            super().close()

    # --- introspection -------------------------------------------------------

    @property
    def config(self) -> dict:
        out = _capi.Config()
        _capi.tfe_context_config(self._ptr, ctypes.byref(out))
        comparison = {v: k for k, v in COMPARISONS.items()}[out.comparison]
        return {"frac_bits": out.frac_bits, "int_bits": out.int_bits, "comparison": comparison}

    def tensor_count(self) -> int:
        count = ctypes.c_size_t()
        _capi.tfe_context_tensor_count(self._ptr, ctypes.byref(count))
        return count.value

    def tensor(self, index: int) -> Tensor:
        """A new handle of tensor number `index` (in the order of definition)."""
        out = _capi.HANDLE()
        _capi.tfe_context_tensor(self._ptr, index, ctypes.byref(out))
        return Tensor(out.value, self)

    def find(self, name: str) -> Tensor:
        """The input or variable called `name`."""
        out = _capi.HANDLE()
        _capi.tfe_context_find(self._ptr, name.encode(), ctypes.byref(out))
        return Tensor(out.value, self)

    @property
    def players(self) -> list:
        count = ctypes.c_size_t()
        _capi.tfe_context_player_count(self._ptr, ctypes.byref(count))
        names = []
        for i in range(count.value):
            name = ctypes.c_char_p()
            _capi.tfe_context_player_name(self._ptr, i, ctypes.byref(name))
            names.append(text(name.value))
        return names

    def save(self, path) -> None:
        """Writes the graph (shapes, never values) for other processes."""
        _capi.tfe_context_save(self._ptr, str(path).encode())

    # --- definitions ---------------------------------------------------------

    def define_constant(self, value) -> Tensor:
        """A public constant (known to every player)."""
        array = as_array(value, "define_constant: value")
        ptr, length = doubles(array)
        shape, rank = sizes(array.shape)
        out = _capi.HANDLE()
        with self._lock:
            _capi.tfe_define_constant(self._ptr, ptr, length, shape, rank, ctypes.byref(out))
        return Tensor(out.value, self)

    def define_private_variable(self, value=None, owner="server0", name=None, shape=None) -> Tensor:
        """A private variable owned by `owner`, initialized from `value` (kept in
        this process, shared at the first run) or, with value None, from a feed
        of `shape`. Its shares persist across runs of a session."""
        if value is None:
            if shape is None:
                raise ValueError("define_private_variable: give a value, or a shape to feed it later")
            array, dims = None, as_shape(shape, "define_private_variable: shape")
        else:
            array = as_array(value, "define_private_variable: value", shape)
            dims = array.shape
        ptr, length = doubles(array) if array is not None else (None, 0)
        shape_ptr, rank = sizes(dims)
        out = _capi.HANDLE()
        with self._lock:
            _capi.tfe_define_private_variable(
                self._ptr, _name(name), owner.encode(), ptr, length, shape_ptr, rank, ctypes.byref(out)
            )
        return Tensor(out.value, self)

    def define_private_input(self, owner, provider=None, shape=None, name=None) -> Tensor:
        """A private input of `owner`: `provider()` (called at the owner, on a
        library thread, at each run that needs it) returns its values; with
        provider None, feed it at each run. `shape` defaults to the shape of
        one call of the provider, made now."""
        if shape is None:
            if provider is None:
                raise ValueError("define_private_input: give a provider or a shape")
            dims = as_array(provider(), f"define_private_input: value of {owner}'s provider").shape
        else:
            dims = as_shape(shape, "define_private_input: shape")
        callback = _input_callback(provider, dims, self._callback_failures) if provider is not None else None
        shape_ptr, rank = sizes(dims)
        out = _capi.HANDLE()
        with self._lock:
            _capi.tfe_define_private_input(
                self._ptr, _name(name), owner.encode(), shape_ptr, rank, callback or _capi.INPUT_FN(), None,
                ctypes.byref(out),
            )
            if callback is not None:
                self._callbacks.append(callback)
        return Tensor(out.value, self)

    # --- running -------------------------------------------------------------

    def session(self) -> Session:
        """The session runs use: made anew when the graph has grown since."""
        with self._lock:
            if self._session is not None and self._session_version == self._version:
                return self._session  # no Tensor made since: the graph did not grow
            version = self._version
            current = self.tensor_count()
            if self._session is not None and self._session.tensor_count == current:
                self._session_version = version
                return self._session
            if self._session is not None:
                if self._assigned:
                    raise Error(
                        "the graph grew after a run assigned variables: a new session would start them "
                        "again from their initial values. Define every op before the first assignment "
                        "runs (a tfe.function body is traced once), or call reset() to start again"
                    )
                self._session.close()
            self._session = Session(self, **self._session_options)
            self._session_version = version
            return self._session

    def reset(self) -> None:
        """Drops the session: the next run starts variables from their initial values."""
        with self._lock:
            if self._session is not None:
                self._session.close()
            self._session, self._assigned, self._session_version = None, False, -1

    def run(self, fetches, feeds=None):
        """Values of `fetches` (a Tensor or a list), running pending
        assignments first. Returns numpy arrays (None for an assignment).
        From an input provider of this context while it runs, it raises
        tfe.InvalidArgumentError: that run waits for the provider."""
        single = not isinstance(fetches, (list, tuple))
        fetch_list = [fetches] if single else list(fetches)
        assigns = False
        for tensor in fetch_list:
            if tensor.context is not self:
                raise ValueError("fetches: expected tensors of this context, found one of another context")
            if tensor.kind == "assignment":
                assigns = True
        with locked_for(self, self, "run"):
            session = self._session
            if session is None or self._session_version != self._version:
                session = self.session()
            if self._pending_assignments:
                pending, self._pending_assignments = self._pending_assignments, []
                session.run(pending, feeds)
                self._assigned = True
            with session._lock:
                values, stats = run_handle(_RUN, _INTERRUPT, session._ptr, fetch_list, feeds, self)
            session.last_stats = self.last_stats = stats
            if assigns:
                self._assigned = True
        return values[0] if single else values

    def _defer_assignment(self, assignment: Tensor) -> None:
        with self._lock:
            self._pending_assignments.append(assignment)


def _name(name):
    return None if name is None else str(name).encode()


def _input_callback(provider, dims, failures):
    """The ctypes callback of an input of shape `dims`: fills the buffer from
    `provider()`; an exception fails the run with its type and message (and
    is kept in `failures` to become the run error's __cause__).

    It runs on a library thread, where every Python object it touches was
    last touched on another core: the common case (a C-contiguous float64
    array of the right shape) is checked and copied in as few steps as
    possible, with the names it needs bound in advance."""
    count = math.prod(dims)
    nbytes = 8 * count
    memmove, addressof, c_char, ndarray, float64 = ctypes.memmove, ctypes.addressof, ctypes.c_char, np.ndarray, _FLOAT64

    def provide(_user_data, name, _shape, _rank, out, length):
        try:
            if length != count:  # (the library passes the input's own shape: never seen)
                raise ValueError(f"input {text(name)}: the library asks for {length} values, expected {count}")
            with providing(failures):
                value = provider()
            if type(value) is ndarray and value.dtype is float64 and value.shape == dims:
                try:
                    # A buffer of its bytes, in order: fails unless C-contiguous (and writable).
                    memmove(out, addressof(c_char.from_buffer(value)), nbytes)
                    return 0
                except (TypeError, ValueError):
                    pass
            array = as_array(value, f"input {text(name)}", dims)
            memmove(out, array.ctypes.data, nbytes)
            return 0
        except BaseException as exc:  # noqa: BLE001 (a callback must not unwind into C)
            failures.append(exc)
            try:
                _capi.tfe_input_set_error(f"{type(exc).__name__}: {exc}".encode("utf-8", "replace"))
            except Error:
                pass
            return 1

    return _capi.INPUT_FN(provide)


_FLOAT64 = np.dtype(np.float64)
