"""Input providers are Python callables run on library threads."""

import gc
import threading

import numpy as np
import pytest

import tfe


class Boom(RuntimeError):
    pass


def test_an_exception_fails_the_run_with_its_type_and_message(ctx):
    def provider():
        raise Boom("the sensor is unplugged")

    x = ctx.define_private_input("alice", provider, shape=(2,))
    with pytest.raises(tfe.InvalidArgumentError, match="Boom: the sensor is unplugged") as info:
        x.reveal().to_native()
    assert isinstance(info.value.__cause__, Boom)
    assert info.value.status_name == "TFE_ERR_INVALID_ARGUMENT"


def test_the_session_stays_usable_after_a_failing_callback(ctx):
    calls = []

    def provider():
        calls.append(1)
        if len(calls) == 2:
            raise KeyError("second call")
        return [1.0, 2.0]

    x = ctx.define_private_input("alice", provider, shape=(2,))  # no call: the shape is given
    y = x.reveal()
    assert y.to_native().tolist() == [1.0, 2.0]
    with pytest.raises(tfe.InvalidArgumentError, match="KeyError: 'second call'"):
        y.to_native()
    assert y.to_native().tolist() == [1.0, 2.0]


def test_a_wrong_shape_or_dtype_from_a_provider(ctx):
    x = ctx.define_private_input("alice", lambda: np.ones(3), shape=(2,))
    with pytest.raises(tfe.InvalidArgumentError, match=r"ValueError: input input0: expected shape \(2,\), found \(3,\)"):
        x.reveal().to_native()
    z = ctx.define_private_input("bob", lambda: np.array(["a"]), shape=(1,))
    with pytest.raises(tfe.InvalidArgumentError, match="TypeError: input input1: expected real numbers"):
        z.reveal().to_native()


def test_keyboard_interrupt_in_a_provider_fails_the_run(ctx):
    def provider():
        raise KeyboardInterrupt()

    x = ctx.define_private_input("alice", provider, shape=(1,))
    with pytest.raises(tfe.InvalidArgumentError, match="KeyboardInterrupt") as info:
        x.reveal().to_native()
    assert isinstance(info.value.__cause__, KeyboardInterrupt)


def test_closing_the_running_session_or_its_context_from_a_provider_fails_the_run(ctx):
    # The run holds the session and waits for the provider: close() there
    # would wait forever. It raises instead, and the run fails with it.
    closing = []

    def provider():
        closing.pop()()
        return [1.0]

    y = ctx.define_private_input("alice", provider, shape=(1,)).reveal()
    session = ctx.session()
    other = tfe.Context(transport="memory")
    for close, name in [(session.close, "Session"), (ctx.close, "Context"), (other.close, None)]:
        closing.append(close)
        if name is None:  # another context's handle closes as anywhere
            assert session.run(y).tolist() == [1.0] and other.closed
            continue
        with pytest.raises(tfe.InvalidArgumentError, match=f"tfe.{name}.close\\(\\) called from an input provider") as info:
            session.run(y)
        assert isinstance(info.value.__cause__, tfe.InvalidArgumentError)
        assert not session.closed and not ctx.closed
    session.close()


def test_running_the_running_session_or_context_from_a_provider_is_refused(ctx):
    # The run holds the session and waits for the provider: a run there (or
    # reset_variables) would wait for itself. It raises instead, which the
    # provider may catch, and the outer run goes on.
    refusals = []
    calling = []

    def provider():
        try:
            calling[-1]()
        except tfe.InvalidArgumentError as error:
            refusals.append(str(error))
        return [1.0]

    y = ctx.define_private_input("alice", provider, shape=(1,)).reveal()
    session = ctx.session()
    other = tfe.Context(transport="memory")
    z = other.define_private_input("alice", lambda: [2.0], shape=(1,)).reveal()
    run_session, run_context = (lambda: session.run(y)), (lambda: y.to_native())
    cases = [
        (run_session, run_session, "tfe.Session.run() called from an input provider of its context while the Session runs"),
        (run_session, session.reset_variables, "tfe.Session.reset_variables() called from an input provider"),
        (run_context, run_context, "tfe.Context.run() called from an input provider of its context while the Context runs"),
    ]
    for outer, inner, refusal in cases:
        calling.append(inner)
        assert outer().tolist() == [1.0]
        assert len(refusals) == 1 and refusals.pop().startswith(refusal), refusals
    calling.append(lambda: other.run(z))  # another context runs as anywhere
    assert session.run(y).tolist() == [1.0] and not refusals
    other.close()
    session.close()


def test_callbacks_stay_alive_while_the_context_lives(ctx):
    # No reference to the provider or its ctypes callback is left but the context's.
    x = ctx.define_private_input("alice", (lambda: [5.0]), shape=(1,))
    y = x.reveal()
    gc.collect()
    assert y.to_native().tolist() == [5.0]


def test_callbacks_stay_alive_while_a_session_lives():
    ctx = tfe.Context(transport="memory")
    y = ctx.define_private_input("alice", lambda: [7.0], shape=(1,)).reveal()
    session = tfe.Session(ctx, transport="memory")
    ctx.close()
    del ctx
    gc.collect()
    assert session.run(y).tolist() == [7.0]
    session.close()


def test_provider_runs_on_the_owner_thread(ctx):
    names = []

    def provider():
        names.append(threading.current_thread().name)
        return [1.0]

    ctx.define_private_input("alice", provider, shape=(1,)).reveal().to_native()
    assert names and names[0] != threading.main_thread().name


def test_local_computation_calls_at_definition_and_each_run(ctx):
    calls = []

    @tfe.local_computation("input-provider")
    def provide():
        calls.append(1)
        return np.full((2, 2), float(len(calls)))

    x = provide()
    assert x.shape == (2, 2) and x.owner == "input-provider" and len(calls) == 1
    assert x.reveal().to_native().tolist() == [[2.0, 2.0], [2.0, 2.0]]
    other = provide(player_name="bob")
    assert other.owner == "bob"


@pytest.mark.parametrize(
    "make",
    [
        lambda v: v,  # the fast path: C-contiguous float64 of the input's shape
        lambda v: np.asfortranarray(v),  # not C-contiguous: copied in order
        lambda v: np.ascontiguousarray(np.repeat(v, 2, axis=1)[:, ::2]),  # a view's copy
        lambda v: np.repeat(v, 2, axis=1)[:, ::2],  # a strided view
        lambda v: v.astype(np.float32),  # another dtype
        lambda v: v.tolist(),  # a list
        lambda v: _read_only(v),  # a buffer that ctypes cannot view
        lambda v: v.astype(np.dtype(">f8")),  # float64, but big-endian
    ],
    ids=["fast", "fortran", "contiguous-copy", "strided", "float32", "list", "read-only", "big-endian"],
)
def test_every_kind_of_array_from_a_provider_is_copied_in_order(ctx, make):
    value = np.arange(6.0).reshape(2, 3)
    x = ctx.define_private_input("alice", lambda: make(value), shape=(2, 3))
    assert x.reveal().to_native().tolist() == value.tolist()


def _read_only(value):
    value = value.copy()
    value.flags.writeable = False
    return value
