"""Runs release the GIL and callbacks take it again: runs from several threads."""

import threading

import numpy as np
import pytest

import tfe


def test_runs_from_several_threads_on_one_context(ctx):
    x = ctx.define_private_input("alice", lambda: np.arange(6.0).reshape(2, 3), shape=(2, 3))
    w = ctx.define_private_variable(np.ones((3, 2)))
    y = tfe.matmul(x, w).reveal()
    ctx.session()  # made once, before the threads
    results, errors = [], []

    def work():
        try:
            for _ in range(5):
                results.append(y.to_native())
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 20
    for r in results:
        assert r.tolist() == [[3.0, 3.0], [12.0, 12.0]]


def test_contexts_in_several_threads_with_python_callbacks():
    errors = []

    def work(k):
        try:
            with tfe.Context(transport="memory") as ctx:
                x = ctx.define_private_input("p", lambda: np.full((3,), float(k)), shape=(3,))
                assert (x * 2.0).reveal().to_native().tolist() == [2.0 * k] * 3
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_another_thread_runs_python_while_a_run_waits(ctx):
    # The provider waits for an event set by the main thread: it can only be
    # set if the run released the GIL.
    ready = threading.Event()
    x = ctx.define_private_input("alice", lambda: (ready.wait(30), [1.0])[1], shape=(1,))
    out = []
    t = threading.Thread(target=lambda: out.append(x.reveal().to_native()))
    t.start()
    ready.set()
    t.join()
    assert out[0].tolist() == [1.0]


class HeldRun:
    """A session's run on a thread of its own, held in progress by its
    provider until `released` is set; `outcome` holds its value or error."""

    def __init__(self, ctx):
        self.started, self.released, self.outcome = threading.Event(), threading.Event(), []

        def provider():
            self.started.set()
            self.released.wait(60)
            return [1.0, 2.0]

        self.y = ctx.define_private_input("alice", provider, shape=(2,)).reveal()
        self.session = ctx.session()
        self.thread = threading.Thread(target=self._run)
        self.thread.start()
        assert self.started.wait(60)

    def _run(self):
        try:
            self.outcome.append(self.session.run(self.y))
        except tfe.Error as error:
            self.outcome.append(error)

    def end(self):
        """Releases the provider; the run's value or error."""
        self.released.set()
        self.thread.join()
        return self.outcome[0]


def test_a_run_interrupted_from_another_thread_fails_and_the_session_stays_usable(ctx):
    held = HeldRun(ctx)
    held.session.interrupt()
    error = held.end()
    assert isinstance(error, tfe.AbortedError), error
    assert "the run was interrupted by its caller" in str(error)
    held.session.interrupt()  # between runs: reaches no run
    assert held.session.run(held.y).tolist() == [1.0, 2.0]


def test_an_interrupt_reaches_a_run_that_a_pending_close_waits_for(ctx):
    held = HeldRun(ctx)
    closer = threading.Thread(target=held.session.close)  # waits for the run
    closer.start()
    closer.join(0.1)
    assert closer.is_alive()
    interrupter = threading.Thread(target=held.session.interrupt)
    interrupter.start()
    interrupter.join(30)
    assert not interrupter.is_alive(), "interrupt waited behind the pending close"
    assert isinstance(held.end(), tfe.AbortedError), held.outcome
    closer.join()
    with pytest.raises(tfe.ClosedError):
        held.session.interrupt()
