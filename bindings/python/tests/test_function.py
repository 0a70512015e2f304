"""Lazy graphs, tfe.function tracing once, assignments, stats."""

import numpy as np
import pytest

import tfe


def test_seed_program_eager_and_function(ctx):
    @tfe.local_computation("input-provider")
    def provide_input():
        return np.ones((5, 10))

    w = tfe.define_private_variable(np.ones((10, 10)))
    x = provide_input()
    y = tfe.matmul(x, w)
    assert np.array_equal(y.reveal().to_native(), np.full((5, 10), 10.0))

    @tfe.function
    def matmul_func(x, w):
        y = tfe.matmul(x, w)
        return y.reveal().to_native()

    first = matmul_func(x, w)
    count = ctx.tensor_count()
    second = matmul_func(x, w)
    assert ctx.tensor_count() == count  # traced once: the graph did not grow
    assert len(matmul_func.traces) == 1
    assert np.array_equal(first, np.full((5, 10), 10.0)) and np.array_equal(second, first)


def test_nothing_runs_until_a_value_is_asked_for(ctx):
    calls = []
    x = ctx.define_private_input("alice", lambda: calls.append(1) or [1.0, 2.0], shape=(2,))
    y = (x * 3.0 + 1.0).reveal()
    assert calls == [] and ctx.last_stats is None
    assert y.to_native().tolist() == [4.0, 7.0]
    assert calls == [1] and ctx.last_stats is not None


def test_function_returns_structures_and_retraces_for_new_arguments(ctx):
    a = ctx.define_private_variable([1.0, 2.0])
    b = ctx.define_private_variable([3.0, 4.0])

    @tfe.function
    def both(x, scale):
        return {"sum": (x * scale).reveal().to_native(), "pair": (x.reveal().to_native(), scale)}

    out = both(a, 2.0)
    assert out["sum"].tolist() == [2.0, 4.0] and out["pair"][0].tolist() == [1.0, 2.0] and out["pair"][1] == 2.0
    assert both(b, 2.0)["sum"].tolist() == [6.0, 8.0]
    assert both(a, 2.0)["sum"].tolist() == [2.0, 4.0]
    assert len(both.traces) == 2


def test_assignments_in_a_function_run_at_every_call(ctx):
    v = ctx.define_private_variable([0.0, 0.0], name="counter")
    one = ctx.define_constant([1.0, 1.0])

    @tfe.function
    def step():
        tfe.assign(v, v + one)

    reveal = v.reveal()
    ctx.session()  # every node exists: the session is made once
    step()
    step()
    assert reveal.to_native().tolist() == [2.0, 2.0]


def test_eager_assignment_runs_before_the_next_value(ctx):
    v = ctx.define_private_variable([1.0])
    tfe.assign(v, v * 4.0)
    assert v.reveal().to_native().tolist() == [4.0]
    # The graph grows after an assignment ran: a new session would forget it.
    with pytest.raises(tfe.Error, match="assigned variables"):
        (v + 1.0).reveal().to_native()
    ctx.reset()
    assert (v + 1.0).reveal().to_native().tolist() == [2.0]


def test_stats_print_as_a_table(ctx):
    x = ctx.define_private_input("alice", lambda: np.ones((4, 4)), shape=(4, 4))
    tfe.matmul(x, x).reveal().to_native()
    stats = tfe.last_stats()
    assert [p.name for p in stats.players] == ["server0", "server1", "server2", "alice"]
    assert stats["server0"].rounds > 0 and stats["server0"].bytes_sent > 0
    assert any(op.name == "matmul" for op in stats["server0"].ops)
    table = str(stats)
    assert "server0" in table and "rounds" in table and "matmul" in table
    assert stats.trace_json.startswith(("[", "{"))
    with pytest.raises(KeyError, match="no player 'nobody'"):
        stats["nobody"]


def test_tf_tensors_are_values(ctx):
    tf = pytest.importorskip("tensorflow")
    x = ctx.define_private_variable(tf.ones((2, 3)))
    assert x.shape == (2, 3)
    assert tfe.add(x, tf.constant([1.0, 2.0, 3.0])).reveal().to_native().tolist() == [[2.0, 3.0, 4.0]] * 2
