"""Running graphs: Session (every player in this process), Result, RunStats.

A session is a snapshot of its context's graph, input callbacks and variable
values when it is made; its private variables keep their shares across runs.
Runs release the GIL; the input callbacks run on library threads. Ctrl-C
stops a run on the main thread with a KeyboardInterrupt (_sigint).
"""

import ctypes
import threading
from dataclasses import dataclass

import numpy as np

from . import _capi
from ._handle import Handle
from ._sigint import Run
from ._values import as_array, doubles, text
from .errors import InvalidArgumentError

TRANSPORTS = {
    "tcp": _capi.TFE_TRANSPORT_TCP,
    "memory": _capi.TFE_TRANSPORT_MEMORY,
    "tls": _capi.TFE_TRANSPORT_TLS,
}


def session_options(transport=None, connect_timeout_ms=None, recv_timeout_ms=None):
    """A tfe_session_options_t from the defaults and the given fields."""
    options = _capi.tfe_session_options_default()
    if transport is not None:
        if transport not in TRANSPORTS:
            raise ValueError(f"transport: expected one of {sorted(TRANSPORTS)}, found {transport!r}")
        options.transport = TRANSPORTS[transport]
    if connect_timeout_ms is not None:
        options.connect_timeout_ms = int(connect_timeout_ms)
    if recv_timeout_ms is not None:
        options.recv_timeout_ms = int(recv_timeout_ms)
    return options


@dataclass(frozen=True)
class PlayerStats:
    """What one run cost one player."""

    name: str
    bytes_sent: int
    wire_bytes_sent: int
    messages_sent: int
    rounds: int
    wall_time_s: float
    ops: tuple  # of OpStats, by op kind name


@dataclass(frozen=True)
class OpStats:
    """What the ops of one kind cost one player in one run."""

    name: str
    count: int
    bytes_sent: int
    wire_bytes_sent: int
    messages_sent: int
    rounds: int
    wall_time_s: float


class RunStats:
    """Per-player costs of one run (bytes, messages, rounds, time); prints as a
    table. `players` lists PlayerStats; `stats["server0"]` finds one. Read
    from the run's result (a tfe_result_t this object owns) at first use, so
    runs that nobody asks about pay nothing for them.

    The result is freed when the RunStats goes (CPython frees it as soon as
    the last reference does: a session keeps the last one). It has no
    close() and no weakref.finalize: a run's hand-off into Python must stay
    cheap (the package's overhead over the C API is measured per run), and
    nothing but this object ever holds the pointer."""

    __slots__ = ("_ptr", "_players", "_table", "_trace")

    def __init__(self, result_ptr):
        if not result_ptr:
            raise ValueError("RunStats: NULL tfe_result_t")
        self._ptr = result_ptr
        self._players = self._table = self._trace = None

    def __del__(self, _free=_capi.tfe_result_free):
        # (_free bound at definition: module globals may be gone at exit.)
        _free(self._ptr)

    @property
    def players(self) -> tuple:
        if self._players is None:
            self._players = _read_players(self._ptr)
        return self._players

    @property
    def table(self) -> str:
        if self._table is None:
            self._table = self._text(_capi.tfe_result_stats_table)
        return self._table

    @property
    def trace_json(self) -> str:
        """The run as a Chrome trace (chrome://tracing, Perfetto)."""
        if self._trace is None:
            self._trace = self._text(_capi.tfe_result_trace_json)
        return self._trace

    def _text(self, getter) -> str:
        """The string `getter(result, &out)` writes (the result owns it), copied."""
        out = ctypes.c_char_p()
        getter(self._ptr, ctypes.byref(out))
        return text(out.value)

    def __getitem__(self, name: str) -> PlayerStats:
        for player in self.players:
            if player.name == name:
                return player
        raise KeyError(f"no player {name!r} in this run (players: {[p.name for p in self.players]})")

    def __str__(self) -> str:
        return self.table

    def __repr__(self) -> str:
        return f"RunStats({', '.join(p.name for p in self.players)})"


def _seconds(ns: int) -> float:
    return ns / 1e9


def _read_players(result_ptr) -> tuple:
    players = []
    n = ctypes.c_size_t()
    _capi.tfe_result_player_count(result_ptr, ctypes.byref(n))
    for p in range(n.value):
        raw = _capi.PlayerStats()
        _capi.tfe_result_player_stats(result_ptr, p, ctypes.byref(raw))
        n_ops = ctypes.c_size_t()
        _capi.tfe_result_op_count(result_ptr, p, ctypes.byref(n_ops))
        ops = []
        for o in range(n_ops.value):
            op = _capi.OpStats()
            _capi.tfe_result_op_stats(result_ptr, p, o, ctypes.byref(op))
            ops.append(
                OpStats(text(op.name), op.count, op.bytes_sent, op.wire_bytes_sent,
                        op.messages_sent, op.rounds, _seconds(op.wall_time_ns))
            )
        players.append(
            PlayerStats(text(raw.name), raw.bytes_sent, raw.wire_bytes_sent, raw.messages_sent,
                        raw.rounds, _seconds(raw.wall_time_ns), tuple(ops))
        )
    return tuple(players)


class Feeds(Handle):
    """Values for inputs and variables of one run (tfe_feeds_t)."""

    def __init__(self, feeds=None):
        out = _capi.HANDLE()
        _capi.tfe_feeds_new(ctypes.byref(out))
        super().__init__(out.value, _capi.tfe_feeds_free)
        for tensor, value in (feeds or {}).items():
            self.set(tensor, value)

    def set(self, tensor, value) -> None:
        array = as_array(value, f"feed for {tensor.name}", tensor.shape)
        ptr, length = doubles(array)
        with self._lock:
            _capi.tfe_feeds_set(self._ptr, tensor._ptr, ptr, length)


def run_handle(run_fn, interrupt_fn, handle, fetches, feeds, context):
    """Runs `fetches` (a list of Tensors) with `feeds` (a dict Tensor -> value,
    or None) through tfe_session_run_with_feeds or tfe_party_run, which
    Ctrl-C stops through interrupt_fn (tfe_session_interrupt or
    tfe_party_interrupt, see _sigint); returns
    (values, RunStats), each value a new array of its fetch's shape (None for
    an assignment, or a value revealed to another player). A failing input
    callback's exception becomes the __cause__ of the tfe.InvalidArgumentError.

    This is the path of every run, in one function: after the library's
    threads ran, each Python step here touches memory they pushed out of the
    caches, and the package's overhead over the C API is counted per run."""
    n = len(fetches)
    if not n:
        raise ValueError("fetches: expected at least one tensor, found none")
    array = (_HANDLE_ARRAYS.get(n) or _handles(n))()
    for i, tensor in enumerate(fetches):
        array[i] = tensor._handle or tensor._ptr  # (_ptr raises ClosedError)
    feeds_obj = Feeds(feeds) if feeds else None
    out = _HANDLE()
    failures = context._callback_failures if context is not None else None
    if failures:
        failures.clear()
    try:
        with Run(lambda: interrupt_fn(handle)):
            run_fn(handle, array, n, feeds_obj._ptr if feeds_obj else None, _byref(out))
    except InvalidArgumentError as error:
        if failures:
            raise error from failures[-1]
        raise
    except KeyboardInterrupt:
        if out.value:  # the run ended before the interrupt reached it
            RunStats(out.value)  # frees the result as it goes
        raise
    finally:
        if feeds_obj is not None:
            feeds_obj.close()
    result = out.value
    stats = RunStats(result)  # owns the result from here, whatever fails below
    data = _DOUBLES()
    length = ctypes.c_size_t()
    values = []
    for i, tensor in enumerate(fetches):
        try:
            _result_value(result, i, _byref(data), _byref(length))
        except InvalidArgumentError:
            values.append(None)  # revealed to another player (a party's result)
            continue
        count = length.value
        if count:
            # One copy, through a view of the library's buffer (read_doubles, inlined).
            view = (_DOUBLE * count).from_address(_VOID_P.from_buffer(data).value)
            values.append(_frombuffer(view, _FLOAT64).copy().reshape(tensor.shape))
        else:
            values.append(None)
    return values, stats


def _handles(n: int):
    """The ctypes type of an array of n handles (made once per n)."""
    array = _HANDLE_ARRAYS.get(n)
    if array is None:
        array = _HANDLE_ARRAYS[n] = _HANDLE * n
    return array


_HANDLE = _capi.HANDLE
_HANDLE_ARRAYS = {}
_DOUBLE = ctypes.c_double
_DOUBLES = ctypes.POINTER(ctypes.c_double)
_VOID_P = ctypes.c_void_p
_FLOAT64 = np.float64
_frombuffer = np.frombuffer
_result_value = _capi.tfe_result_value
_byref = ctypes.byref


_RUN = _capi.tfe_session_run_with_feeds
_INTERRUPT = _capi.tfe_session_interrupt


# The input providers running on this thread, innermost first: a chain of
# (their context's _callback_failures list, the outer link), None for none.
# A provider may run a party of another context, whose providers then run
# here too. (The list stands for the context: the context itself would keep
# the context alive from its own callbacks.)
_providing = threading.local()


class providing:  # noqa: N801 (used as a function: `with providing(...)`)
    """`with providing(context._callback_failures):` around an input
    provider's call: marks this thread as inside it."""

    __slots__ = ("_failures", "_outer")

    def __init__(self, failures):
        self._failures = failures

    def __enter__(self):
        self._outer = getattr(_providing, "chain", None)
        _providing.chain = (self._failures, self._outer)

    def __exit__(self, *exc):
        _providing.chain = self._outer


def _in_provider_of(context) -> bool:
    """Whether an input provider of `context` runs on this thread."""
    if context is None:
        return False
    link = getattr(_providing, "chain", None)
    while link is not None:
        if link[0] is context._callback_failures:
            return True
        link = link[1]
    return False


def refuse_close_in_provider(handle, context):
    """Raises InvalidArgumentError when an input provider of `context` runs
    on this thread: the run that called it holds `handle` (a session, a party
    or the context) and waits for it, so close() would wait forever (a local
    session's provider runs on a library thread) or free the handle under
    the run (a party's runs on the run's own thread)."""
    if _in_provider_of(context):
        name = type(handle).__name__
        raise InvalidArgumentError(
            f"tfe.{name}.close() called from an input provider of its context during a run: "
            f"the run waits for the provider; close the {name} after the run returns"
        )


class locked_for:  # noqa: N801 (used as a function: `with locked_for(...)`)
    """`with locked_for(handle, context, "run"):` holds `handle._lock` for
    the call named, as `with handle._lock:` does, except from an input
    provider of `context` while another thread holds the lock: that is a
    local session's run (which holds it) waiting for this provider, so
    waiting would never end, and it raises InvalidArgumentError instead. On
    the run's own thread (a party's provider) the lock is reentrant and the
    library refuses the call itself."""

    __slots__ = ("_lock",)

    def __init__(self, handle, context, call):
        lock = handle._lock
        if not lock.acquire(blocking=False):
            if _in_provider_of(context):
                name = type(handle).__name__
                raise InvalidArgumentError(
                    f"tfe.{name}.{call}() called from an input provider of its context while the {name} "
                    f"runs: the run waits for the provider; call it after the run returns"
                )
            lock.acquire()
        self._lock = lock

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._lock.release()


class Session(Handle):
    """Every player of `context`'s graph (the default context's when None)
    running in this process, each on its own thread (tfe_session_t): a
    snapshot of the graph now. transport: "tcp" (default), "memory", "tls"."""

    def __init__(self, context=None, transport=None, connect_timeout_ms=None, recv_timeout_ms=None):
        if context is None:
            from ._default import get_context

            context = get_context()
        options = session_options(transport, connect_timeout_ms, recv_timeout_ms)
        out = _capi.HANDLE()
        with context._lock:
            _capi.tfe_session_new_local_with_options(context._ptr, ctypes.byref(options), ctypes.byref(out))
            self.tensor_count = context.tensor_count()
            keep = tuple(context._callbacks)
        super().__init__(out.value, _capi.tfe_session_free, keep)
        self.context = context
        self.last_stats = None

    def run(self, fetches, feeds=None):
        """Values of `fetches` (a Tensor or a list of them: reveals, public
        values, assignments), as numpy arrays (None for an assignment). From
        an input provider of its context while this session runs, it raises
        tfe.InvalidArgumentError: that run waits for the provider."""
        single = not isinstance(fetches, (list, tuple))
        with locked_for(self, self.context, "run"):
            values, self.last_stats = run_handle(
                _RUN, _INTERRUPT, self._ptr, [fetches] if single else list(fetches), feeds, self.context
            )
        return values[0] if single else values

    def interrupt(self) -> None:
        """Interrupts a run in progress on another thread, which then raises
        tfe.AbortedError (tfe_session_interrupt); does nothing between runs.
        It does not wait for the run, nor for a close() waiting for it."""
        self._interrupt(_INTERRUPT)

    def close(self) -> None:
        """Frees the session now (see Handle.close); from an input provider of
        its context during a run it raises tfe.InvalidArgumentError instead."""
        refuse_close_in_provider(self, self.context)
        super().close()

    def reset_variables(self) -> None:
        """Forgets the variables' shares: the next run initializes them again.
        Raises tfe.InvalidArgumentError where run() would."""
        with locked_for(self, self.context, "reset_variables"):
            _capi.tfe_session_reset_variables(self._ptr)
