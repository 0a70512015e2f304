"""Runs release the GIL and callbacks take it again: runs from several threads."""

import threading

import numpy as np

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


def test_a_run_interrupted_from_another_thread_fails_and_the_session_stays_usable(ctx):
    started, released = threading.Event(), threading.Event()

    def provider():
        started.set()
        released.wait()  # holds the run in progress until it is interrupted
        return [1.0, 2.0]

    y = ctx.define_private_input("alice", provider, shape=(2,)).reveal()
    session = ctx.session()
    outcome = []

    def run():
        try:
            outcome.append(session.run(y))
        except tfe.Error as error:
            outcome.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    assert started.wait(60)
    session.interrupt()
    released.set()
    thread.join()
    assert isinstance(outcome[0], tfe.AbortedError), outcome
    assert "the run was interrupted by its caller" in str(outcome[0])
    session.interrupt()  # between runs: reaches no run
    assert session.run(y).tolist() == [1.0, 2.0]
