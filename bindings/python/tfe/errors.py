"""The exceptions of tfe: one class per status of the C API, all tfe.Error.

from_status() is the one place a status becomes an exception; tfe._capi calls
it right after every failing call, with that call's tfe_last_error_message().
"""

import builtins


class Error(Exception):
    """A failed tfe call: `status` (the C status code), `status_name`
    ("TFE_ERR_TIMEOUT", ...) and `message` (what the library said)."""

    status = -1
    status_name = "TFE_UNKNOWN_STATUS"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidArgumentError(Error, ValueError):
    """TFE_ERR_INVALID_ARGUMENT: a shape, value, name or handle that cannot be
    used, or an input callback that failed (its exception is the __cause__)."""

    status, status_name = 1, "TFE_ERR_INVALID_ARGUMENT"


class ConfigError(Error):
    """TFE_ERR_CONFIG: an inconsistent configuration or hostmap."""

    status, status_name = 2, "TFE_ERR_CONFIG"


class NetworkError(Error):
    """TFE_ERR_NETWORK: a connection to a player failed or closed."""

    status, status_name = 3, "TFE_ERR_NETWORK"


class TimeoutError(Error, builtins.TimeoutError):  # noqa: A001 (tfe.TimeoutError)
    """TFE_ERR_TIMEOUT: a player sent nothing within the receive timeout."""

    status, status_name = 4, "TFE_ERR_TIMEOUT"


class ProtocolError(Error):
    """TFE_ERR_PROTOCOL: a player sent something malformed or ran another graph."""

    status, status_name = 5, "TFE_ERR_PROTOCOL"


class AbortedError(Error):
    """TFE_ERR_ABORTED: another player gave up on the run."""

    status, status_name = 6, "TFE_ERR_ABORTED"


class InternalError(Error):
    """TFE_ERR_INTERNAL: a bug in tfe (an invariant did not hold)."""

    status, status_name = 7, "TFE_ERR_INTERNAL"


class PanicError(Error):
    """TFE_ERR_PANIC: a bug in tfe (the library panicked; the process is unharmed)."""

    status, status_name = 8, "TFE_ERR_PANIC"


class NullPointerError(Error):
    """TFE_ERR_NULL_POINTER: a required pointer was NULL (a bug in this package)."""

    status, status_name = 9, "TFE_ERR_NULL_POINTER"


class OutOfRangeError(Error, ArithmeticError):
    """TFE_ERR_OUT_OF_RANGE: a revealed result left the fixed-point range."""

    status, status_name = 10, "TFE_ERR_OUT_OF_RANGE"


class ClosedError(Error, ValueError):
    """A handle (context, session, model, ...) used after close()."""


ERRORS = {
    cls.status: cls
    for cls in (
        InvalidArgumentError,
        ConfigError,
        NetworkError,
        TimeoutError,
        ProtocolError,
        AbortedError,
        InternalError,
        PanicError,
        NullPointerError,
        OutOfRangeError,
    )
}


def from_status(status: int, message: str) -> Error:
    """The exception for a failed call's status and last-error message."""
    cls = ERRORS.get(status)
    if cls is None:
        error = Error(f"unknown status {status}: {message}")
        error.status = status
        return error
    return cls(message)
