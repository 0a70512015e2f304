"""Handles close deterministically, twice safely; use after close is an error."""

import ctypes
import gc
import weakref

import numpy as np
import pytest

import tfe


def test_close_twice_and_use_after_close():
    ctx = tfe.Context(transport="memory")
    x = ctx.define_constant([1.0, 2.0])
    ctx.close()
    ctx.close()
    assert ctx.closed
    with pytest.raises(tfe.ClosedError, match="Context is closed"):
        ctx.define_constant([1.0])
    with pytest.raises(tfe.ClosedError):
        tfe.add(x, x)
    # A tensor outlives its context (the header says so) and closes on its own.
    assert x.shape == (2,)
    x.close()
    x.close()
    with pytest.raises(tfe.ClosedError, match="Tensor is closed"):
        x.owner  # noqa: B018
    with tfe.Context(transport="memory") as other:
        y = other.define_constant([1.0])
        y.close()
        with pytest.raises(tfe.ClosedError, match="Tensor is closed"):
            tfe.add(y, 1.0)


def test_context_manager_closes():
    with tfe.Context(transport="memory") as ctx:
        y = ctx.define_private_variable([3.0]).reveal()
        assert y.to_native().tolist() == [3.0]
    assert ctx.closed
    with pytest.raises(tfe.ClosedError):
        with ctx:
            pass


def test_session_close_twice_and_use_after_close(ctx):
    y = ctx.define_private_variable([1.0, 2.0]).reveal()
    with tfe.Session(ctx, transport="memory") as session:
        assert session.run(y).tolist() == [1.0, 2.0]
    session.close()
    with pytest.raises(tfe.ClosedError, match="Session is closed"):
        session.run(y)
    with tfe.Session(transport="memory") as default:  # the default context's (ctx here)
        assert default.context is ctx and default.run([y])[0].tolist() == [1.0, 2.0]


def test_feeds_close_twice(ctx):
    v = ctx.define_private_variable(shape=(2,))
    feeds = tfe.Feeds({v: [1.0, 2.0]})
    feeds.close()
    feeds.close()
    with pytest.raises(tfe.ClosedError):
        feeds.set(v, [1.0, 2.0])


def test_finalizer_frees_what_was_not_closed():
    ctx = tfe.Context(transport="memory")
    y = ctx.define_private_variable([1.0]).reveal()
    y.to_native()
    ref = weakref.ref(ctx)
    finalizer = ctx._finalizer
    del ctx, y
    gc.collect()
    assert ref() is None and not finalizer.alive


def test_a_revealed_tensor_cannot_be_computed_on(ctx):
    y = ctx.define_private_variable([1.0]).reveal()
    with pytest.raises(tfe.InvalidArgumentError):
        y + 1.0


def test_private_to_native_asks_for_a_reveal(ctx):
    with pytest.raises(tfe.Error, match="reveal"):
        ctx.define_private_variable([1.0]).to_native()
    with pytest.raises(TypeError, match="reveal"):
        np.asarray(ctx.define_private_variable([1.0]))
    with pytest.raises(TypeError):
        bool(ctx.define_private_variable([1.0]))


def test_tensors_of_two_contexts_do_not_mix(ctx):
    with tfe.Context(transport="memory") as other:
        with pytest.raises(ValueError, match="same context"):
            tfe.add(ctx.define_constant([1.0]), other.define_constant([1.0]))
        with pytest.raises(ValueError, match="this context"):
            ctx.run(other.define_constant([1.0]))


def test_importing_tfe_does_not_import_tensorflow():
    import subprocess
    import sys

    code = "import sys, tfe, tfe.keras; assert 'tensorflow' not in sys.modules, 'tensorflow imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_run_makes_no_finalizer_and_its_stats_free_the_result(ctx, monkeypatch):
    # A run's result belongs to its RunStats alone, freed when that goes: no
    # weakref.finalize per run (the package's overhead is counted per run).
    y = ctx.define_private_variable([1.0, 2.0]).reveal()
    y.to_native()
    made = []
    real = weakref.finalize
    monkeypatch.setattr(weakref, "finalize", lambda *args: made.append(args) or real(*args))
    assert y.to_native().tolist() == [1.0, 2.0]
    assert made == []
    stats = ctx.last_stats
    result = stats._ptr
    count = ctypes.c_size_t()
    tfe._capi.tfe_result_count(result, ctypes.byref(count))
    assert count.value == 1 and stats["server0"].rounds > 0
    y.to_native()  # the context and its session now hold the new run's stats
    del stats
    with pytest.raises(tfe.InvalidArgumentError, match="tfe_result_t"):
        tfe._capi.tfe_result_count(result, ctypes.byref(count))  # freed: the registry says so
