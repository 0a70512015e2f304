"""The default context that tfe.define_* and the ops use when no operand
names one (TF Encrypted's default protocol)."""

import threading

_lock = threading.Lock()
_default = None


def get_context():
    """The default tfe.Context, made at first use."""
    global _default
    with _lock:
        if _default is None or _default.closed:
            from .context import Context

            _default = Context()
        return _default


def set_context(context):
    """Makes `context` the default (None: a fresh one at next use); returns the old one."""
    global _default
    with _lock:
        old, _default = _default, context
        return old
