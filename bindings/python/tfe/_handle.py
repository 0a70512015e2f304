"""The base of every handle wrapper: deterministic close, a finalizer as the
safety net, and a clear error for use after close."""

import threading
import weakref

from .errors import ClosedError


class Handle:
    """Owns one C handle, freed by close() (safe twice, also as a context
    manager) or, failing that, when the object is garbage collected. `keep`
    are objects the library may call or read until the handle is freed
    (ctypes callbacks): the finalizer holds them until then."""

    __slots__ = ("_handle", "_finalizer", "_lock", "_interrupting", "__weakref__")

    def __init__(self, handle, free, keep=()):
        if not handle:
            raise ValueError(f"{type(self).__name__}: NULL handle")
        self._handle = handle
        self._lock = threading.RLock()
        # Held by _interrupt and, while it frees, by close: an interrupt
        # reaches a call in flight, which holds _lock, without waiting.
        self._interrupting = threading.Lock()
        self._finalizer = weakref.finalize(self, _free, free, handle, keep)

    @property
    def _ptr(self):
        handle = self._handle
        if handle is None:
            raise ClosedError(f"this tfe.{type(self).__name__} is closed")
        return handle

    @property
    def closed(self) -> bool:
        return self._handle is None

    def close(self) -> None:
        """Frees the handle now; later uses raise tfe.ClosedError. Safe twice.
        Waits for calls on this handle running in other threads."""
        with self._lock, self._interrupting:
            self._handle = None
            self._finalizer()

    def _interrupt(self, interrupt_fn) -> None:
        """interrupt_fn (a tfe_*_interrupt) on the handle, beside a call in
        flight (which holds _lock) and never while close frees it."""
        with self._interrupting:
            interrupt_fn(self._ptr)

    def _take(self, other: "Handle") -> None:
        """Frees this handle and takes over `other`'s (a handle of the same
        type), which is closed after: one C object changes its wrapper."""
        with self._lock, other._lock, self._interrupting, other._interrupting:
            handle = other._ptr
            _, free, args, _ = other._finalizer.detach()
            other._handle = None
            self._finalizer()
            self._handle = handle
            self._finalizer = weakref.finalize(self, free, *args)

    def __enter__(self):
        self._ptr  # noqa: B018 (raises if closed)
        return self

    def __exit__(self, *exc):
        self.close()


def _free(free, handle, keep):
    del keep  # held until the handle is freed
    free(handle)
