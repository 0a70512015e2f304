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

A SIGINT in the few bytecodes between arming and the library call cannot
stop the run (the C API's interrupt never reaches a run that has not
started): the KeyboardInterrupt then comes at the run's end. A run started
inside a callback of another run (a fit's callback, say) is not armed
again: the outer run's Ctrl-C stops the outer run.

Elsewhere nothing changes, and a run ends at its end or its timeout: on
other threads (Python delivers signals to the main thread only), where
SIGINT has a handler of the program's own or is ignored, and where the
program set a wake-up descriptor itself (asyncio's signal handlers): that
one is put back at once (its warn_on_full_buffer setting becomes the
default, True)."""

import os
import select
import signal
import socket
import threading

# signal's functions wrap these in enum conversions (about 6 us a run here);
# _signal is CPython's module under them, with the same functions on ints.
import _signal

_SIGINT = int(signal.SIGINT)
_DEFAULT = signal.default_int_handler

# Guards _runs and the reading of the socket. The watcher holds it while it
# interrupts runs, so a run that left _runs (under it) is never interrupted
# after its handle may be freed. Never taken by the handler, which runs on
# the main thread, possibly while the main thread holds it.
_lock = threading.Lock()
_runs = {}  # id of a Run -> the Run, while it runs on the main thread
_reader = _writer = None  # the wake-up socket, made with the watcher


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
        try:
            # Our handler first: from here a SIGINT marks this run, and is
            # raised by _disarm whatever happens next.
            _signal.signal(_SIGINT, self._on_sigint)
            self._armed = True
            previous = _signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
            if previous != -1:
                _signal.set_wakeup_fd(previous)  # the program's own: not armed
                self._disarm(wakeup_fd_is_ours=False)
                return self
            with _lock:
                _runs[id(self)] = self
        except BaseException:
            self._disarm()
            raise
        if self._interrupted:
            self._disarm()  # raises: no run to interrupt yet
        return self

    def __exit__(self, *exc):
        if self._armed:
            self._disarm()

    def _disarm(self, wakeup_fd_is_ours=True):
        """Undoes __enter__ in reverse (the default handler last, so that a
        SIGINT meanwhile still reaches this run) and raises KeyboardInterrupt
        if a SIGINT came."""
        if wakeup_fd_is_ours:
            _signal.set_wakeup_fd(-1)
        with _lock:
            _runs.pop(id(self), None)
            if wakeup_fd_is_ours:
                _drain()  # a byte of this run's SIGINT must not stop the next run
        _signal.signal(_SIGINT, _DEFAULT)
        self._armed = False
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
    global _reader, _writer
    reader, writer = socket.socketpair()
    reader.setblocking(False)  # read only when poll says so, or drained
    writer.setblocking(False)  # set_wakeup_fd's requirement
    threading.Thread(target=_watch, args=(reader,), name="tfe-sigint", daemon=True).start()
    _reader, _writer = reader, writer
    return writer


def _watch(reader):
    """Waits for the signal numbers the interpreter writes; stops the armed
    runs on SIGINT. It reads under the lock, so that a byte _disarm drained
    is never read here afterwards (it would stop the next run)."""
    poller = select.poll()
    poller.register(reader, select.POLLIN)
    try:
        while True:
            poller.poll()
            with _lock:
                if _SIGINT in _drain():
                    _interrupt_runs()
    except OSError:
        return  # the socket failed: Ctrl-C then waits for the run's end


def _drain():
    """The bytes waiting on the socket (the lock held; none in a forked
    child that has not armed a run of its own)."""
    received = b""
    if _reader is None:
        return received
    while True:
        try:
            chunk = _reader.recv(64)
        except BlockingIOError:
            return received
        if not chunk:
            return received
        received += chunk


def _interrupt_runs():
    """Stops every armed run (the lock held)."""
    for run in _runs.values():
        run.stop()


def _forget_watcher():
    """In a forked child: the watcher thread did not come along, its lock
    may be held forever, and the socket and runs are the parent's (a SIGINT
    here would stop the parent's runs). A run armed in the parent at the
    fork is disarmed here."""
    global _lock, _runs, _reader, _writer
    armed = bool(_runs)
    _lock, _runs, _reader, _writer = threading.Lock(), {}, None, None
    if armed:
        try:
            _signal.set_wakeup_fd(-1)
            _signal.signal(_SIGINT, _DEFAULT)
        except ValueError:  # not the main thread of the main interpreter
            pass


os.register_at_fork(after_in_child=_forget_watcher)
