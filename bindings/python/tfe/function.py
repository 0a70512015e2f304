"""tfe.function and tfe.local_computation, as in TF Encrypted.

tfe.function traces its body once per distinct arguments: ops add nodes to the
graph, to_native() records a fetch and returns a placeholder. Each call (the
first included) then runs every fetch and every assignment the trace made in
one run and returns the body's result with the values in place of the
placeholders. Later calls with the same arguments reuse the trace: the graph
does not grow.
"""

import functools
import threading

from ._default import get_context
from ._values import as_array
from .context import Tensor, _tracing


class _Fetch:
    """A placeholder for the value of a fetch in a traced body's result."""

    def __init__(self, index):
        self.index = index


class Trace:
    def __init__(self):
        self.fetches = []
        self.assignments = []
        self.context = None
        self.structure = None

    def fetch(self, tensor):
        if self.context is None:
            self.context = tensor.context
        elif tensor.context is not self.context:
            raise ValueError("tfe.function: every fetch must belong to one context")
        self.fetches.append(tensor)
        return _Fetch(len(self.fetches) - 1)

    def run(self):
        tensors = self.fetches + self.assignments
        if not tensors:
            return _fill(self.structure, [])
        context = self.context or self.assignments[0].context
        values = context.run(tensors)
        if self.assignments:
            context._assigned = True
        return _fill(self.structure, values)


def current_trace():
    return getattr(_tracing, "trace", None)


def _fill(structure, values):
    if isinstance(structure, _Fetch):
        return values[structure.index]
    if isinstance(structure, (list, tuple)):
        filled = [_fill(item, values) for item in structure]
        return type(structure)(filled) if not hasattr(structure, "_fields") else type(structure)(*filled)
    if isinstance(structure, dict):
        return {key: _fill(item, values) for key, item in structure.items()}
    return structure


def _key(value):
    if isinstance(value, Tensor):
        return ("tensor", id(value))
    try:
        hash(value)
        return ("value", value)
    except TypeError:
        return ("object", id(value))


def function(fn=None, **_tf_options):
    """Decorator: traces `fn` once per distinct arguments into the graph and
    runs the trace at every call (TF Encrypted's tfe.function)."""
    if fn is None:
        return lambda f: function(f, **_tf_options)
    traces = {}
    lock = threading.Lock()

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        key = (tuple(_key(a) for a in args), tuple(sorted((k, _key(v)) for k, v in kwargs.items())))
        with lock:
            trace = traces.get(key)
            if trace is None:
                trace = Trace()
                outer = getattr(_tracing, "trace", None)
                _tracing.trace = trace
                try:
                    trace.structure = fn(*args, **kwargs)
                finally:
                    _tracing.trace = outer
                if isinstance(trace.structure, Tensor) and trace.structure.kind in ("revealed", "public"):
                    trace.structure = trace.fetch(trace.structure)
                # Tensors passed in keep the trace's graph nodes alive with it.
                trace.arguments = (args, kwargs)
                traces[key] = trace
        return trace.run()

    wrapper.traces = traces
    return wrapper


def local_computation(player_name=None, **_tf_options):
    """Decorator: the function's result becomes a private input of
    `player_name`, computed at that player at every run that needs it
    (TF Encrypted's tfe.local_computation). It is called once at definition,
    to learn the shape, then at each run. `player_name=` at the call
    overrides the player."""
    if callable(player_name):  # used without arguments
        return local_computation()(player_name)

    def decorator(fn):
        @functools.wraps(fn)
        def wrapper(*args, player_name=player_name, **kwargs):
            owner = player_name or "input-provider"
            first = as_array(fn(*args, **kwargs), f"local_computation {fn.__name__}")
            context = get_context()
            for value in list(args) + list(kwargs.values()):
                if isinstance(value, Tensor):
                    context = value.context
            return context.define_private_input(
                owner, lambda: fn(*args, **kwargs), shape=first.shape, name=None
            )

        return wrapper

    return decorator
