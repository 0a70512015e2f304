"""Ctrl-C during a run. Python runs its SIGINT handler between the main
thread's bytecodes, so while the main thread waits in the library a
KeyboardInterrupt would wait for the run's end, and raised inside a
callback the library calls on the main thread it would be lost (ctypes
prints it and returns nothing). So during a run on the main thread, while
Python's default SIGINT handler is set:

- the handler is one that interrupts the run (tfe_session_interrupt,
  tfe_party_interrupt, or a fit's progress callback asking to stop) and
  raises nothing, for a callback on the main thread to see;
- the interpreter's signal wake-up descriptor (signal.set_wakeup_fd) is a
  socket that a watcher thread reads, which interrupts the run when the
  main thread is in the library and cannot run the handler;
- when the run returns, however it ended, the default handler is back and
  the KeyboardInterrupt is raised.

Elsewhere nothing changes, and a run ends at its end or its timeout: on
other threads (Python delivers signals to the main thread only), where
SIGINT has a handler of the program's own or is ignored, and where the
program set a wake-up descriptor itself (asyncio's signal handlers): that
one is put back at once and kept."""

import os
import signal
import socket
import threading

# signal's functions wrap these in enum conversions (about 6 us a run here);
# _signal is CPython's module under them, with the same functions on ints.
import _signal

_SIGINT = int(signal.SIGINT)
_DEFAULT = signal.default_int_handler

_lock = threading.Lock()
_runs = {}  # id of a Run -> the Run, while it runs on the main thread
_writer = None  # the wake-up socket's writing end, made with the watcher


class Run:
    """`with Run(interrupt):` around a blocking call on the library: SIGINT
    calls interrupt() while the call runs and raises KeyboardInterrupt
    after it."""

    __slots__ = ("_interrupt", "_armed", "_interrupted")

    def __init__(self, interrupt):
        self._interrupt = interrupt
        self._armed = self._interrupted = False

    def __enter__(self):
        if threading.current_thread() is not threading.main_thread():
            return self
        if _signal.getsignal(_SIGINT) is not _DEFAULT:
            return self  # the program's own, or one of ours around an outer run
        writer = _writer or _start_watcher()
        previous = _signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
        if previous != -1:
            _signal.set_wakeup_fd(previous)  # the program's own
            return self
        with _lock:
            _runs[id(self)] = self
        _signal.signal(_SIGINT, self._on_sigint)
        self._armed = True
        return self

    def __exit__(self, *exc):
        if not self._armed:
            return
        _signal.signal(_SIGINT, _DEFAULT)
        _signal.set_wakeup_fd(-1)
        with _lock:
            del _runs[id(self)]
        if self._interrupted:
            raise KeyboardInterrupt

    def _on_sigint(self, _signum, _frame):
        self.stop()

    def stop(self):
        """Interrupts the run (from the handler or the watcher; twice is harmless)."""
        self._interrupted = True
        try:
            self._interrupt()
        except Exception:  # noqa: BLE001 (closed meanwhile: its run is over)
            pass


def _start_watcher():
    """The wake-up socket and the daemon thread that reads it."""
    global _writer
    reader, writer = socket.socketpair()
    writer.setblocking(False)  # set_wakeup_fd's requirement
    threading.Thread(target=_watch, args=(reader,), name="tfe-sigint", daemon=True).start()
    _writer = writer
    return writer


def _forget_watcher():
    """In a forked child: the watcher thread did not come along, and the
    socket is the parent's (its SIGINT would stop the parent's runs)."""
    global _writer
    _writer = None


os.register_at_fork(after_in_child=_forget_watcher)


def _watch(reader):
    """Reads the signal numbers the interpreter writes; stops the armed runs on SIGINT."""
    while True:
        if _SIGINT in reader.recv(64):
            _interrupt_runs()


def _interrupt_runs():
    with _lock:
        runs = list(_runs.values())
    for run in runs:
        run.stop()
