"""The library's log records in Python's logging (tfe_set_log_callback)."""

import atexit
import logging
import threading

from . import _capi

LEVELS = {
    _capi.TFE_LOG_ERROR: logging.ERROR,
    _capi.TFE_LOG_WARN: logging.WARNING,
    _capi.TFE_LOG_INFO: logging.INFO,
    _capi.TFE_LOG_DEBUG: logging.DEBUG,
    _capi.TFE_LOG_TRACE: logging.DEBUG - 5,
}
_NAMES = {"error": 1, "warning": 2, "info": 3, "debug": 4, "trace": 5}
_lock = threading.Lock()
_callback = None  # the installed ctypes callback, kept alive while the library may call it


def _forward(_user_data, level, target, message):
    try:
        name = target.decode("utf-8", "replace") if target else "tfe"
        logging.getLogger(name).log(LEVELS.get(level, logging.INFO), message.decode("utf-8", "replace"))
    except BaseException:  # noqa: BLE001 (must not unwind into the library)
        pass


def enable_logging(level="warning", handler=None) -> None:
    """Sends the library's records up to `level` ("error", "warning", "info",
    "debug", "trace"; None: off) to Python's logging, under the logger named
    after each record's target ("tfe::net::tcp"), or to `handler(level,
    target, message)` when given."""
    global _callback
    if level is None:
        max_level = 0
    elif level in _NAMES:
        max_level = _NAMES[level]
    else:
        raise ValueError(f"level: expected one of {sorted(_NAMES)} or None, found {level!r}")
    if handler is None:
        target_fn = _forward
    else:
        def target_fn(_user_data, lvl, target, message):
            try:
                handler(LEVELS.get(lvl, logging.INFO), target.decode("utf-8", "replace"),
                        message.decode("utf-8", "replace"))
            except BaseException:  # noqa: BLE001
                pass
    with _lock:
        callback = _capi.LOG_FN(target_fn) if max_level else _capi.LOG_FN()  # LOG_FN(): NULL
        _capi.tfe_set_log_callback(callback, None, max_level)
        _callback = callback  # the previous one is replaced: the library no longer calls it


def _off_at_exit():
    # No record may reach Python once the interpreter is shutting down.
    try:
        _capi.tfe_set_log_callback(_capi.LOG_FN(), None, 0)
    except Exception:  # noqa: BLE001
        pass


atexit.register(_off_at_exit)
