"""Every wrapper of the package against numpy (the conformance cases cover the
bounds; these cover the Python calling conventions)."""

import numpy as np
import pytest

import tfe

X = np.array([[1.5, -2.0, 0.25], [3.0, 0.5, -1.0]])
W = np.array([[1.0, 2.0], [0.5, -1.0], [2.0, 0.0]])


@pytest.fixture
def x(ctx):
    return ctx.define_private_input("alice", lambda: X, shape=X.shape, name="x")


def value(t):
    return t.reveal().to_native()


def test_operators(ctx, x):
    close = np.testing.assert_allclose
    close(value(x + 1.0), X + 1, atol=1e-4)
    close(value(1.0 + x), X + 1, atol=1e-4)
    close(value(x - 1.0), X - 1, atol=1e-4)
    close(value(2.0 - x), 2 - X, atol=1e-4)
    close(value(x * 2.0), X * 2, atol=1e-4)
    close(value(3.0 * x), X * 3, atol=1e-4)
    close(value(x @ W), X @ W, atol=1e-4)
    close(value(X.T @ x), X.T @ X, atol=1e-3)
    close(value(x / 2.0), X / 2, atol=1e-4)
    close(value(-x), -X, atol=1e-4)
    close(value(x < 0.5), (X < 0.5).astype(float))
    close(value(x <= 0.5), (X <= 0.5).astype(float))
    close(value(x > 0.5), (X > 0.5).astype(float))
    close(value(x >= 0.5), (X >= 0.5).astype(float))


def test_methods_and_module_functions(ctx, x):
    close = np.testing.assert_allclose
    close(value(x.relu()), np.maximum(X, 0), atol=1e-4)
    close(value(tfe.negative(x)), -X, atol=1e-4)
    close(value(x.reduce_sum(axis=-1)), X.sum(axis=1), atol=1e-4)
    close(value(tfe.reduce_sum(x)), X.sum(), atol=1e-4)
    close(value(tfe.reduce_mean(x, axis=0)), X.mean(axis=0), atol=1e-4)
    close(value(tfe.transpose(x)), X.T, atol=1e-4)
    close(value(tfe.reshape(x, [-1])), X.ravel(), atol=1e-4)
    close(value(tfe.reshape(x, (3, -1))), X.reshape(3, 2), atol=1e-4)
    close(value(tfe.concat([x, x, x], axis=1)), np.concatenate([X] * 3, axis=1), atol=1e-4)
    close(value(tfe.cumsum(x, axis=1, exclusive=True, reverse=True)),
          np.cumsum(X[:, ::-1], axis=1)[:, ::-1] - X, atol=1e-4)
    close(value(tfe.sort(x, axis=1, direction="DESCENDING")), -np.sort(-X, axis=1), atol=1e-4)
    close(value(tfe.select(x < 0.0, x, 0.0)), np.where(X < 0, X, 0), atol=1e-4)
    close(value(tfe.abs(x)), np.abs(X), atol=1e-4)
    close(value(tfe.argmin(x, 1)), X.argmin(axis=1), atol=1e-4)
    close(value(tfe.square(x)), X * X, atol=1e-4)
    close(value(tfe.squeeze(tfe.expand_dims(x, 0), 0)), X, atol=1e-4)
    close(value(tfe.gather(x, [1, 1], axis=0)), X[[1, 1]], atol=1e-4)
    close(value(tfe.slice(x, [1, 0], [1, 2])), X[1:2, 0:2], atol=1e-4)
    close(value(tfe.pad(x, [(0, 1), (1, 0)])), np.pad(X, [(0, 1), (1, 0)]), atol=1e-4)
    close(value(tfe.flatten(tfe.reshape(x, (2, 3, 1)))), X, atol=1e-4)
    close(value(tfe.truediv(x, 4)), X / 4, atol=1e-4)


def test_images(ctx):
    img = np.arange(32.0).reshape(1, 4, 4, 2) / 8
    x = ctx.define_private_input("alice", lambda: img, shape=img.shape)
    k = np.ones((2, 2, 2, 1)) / 4
    close = np.testing.assert_allclose
    close(value(tfe.conv2d(x, k, strides=[1, 2, 2, 1], padding="VALID")).ravel(),
          [img[0, i:i + 2, j:j + 2, :].sum() / 4 for i in (0, 2) for j in (0, 2)], atol=1e-3)
    assert tfe.conv2d(x, k, padding="SAME").shape == (1, 4, 4, 1)
    close(value(tfe.max_pool2d(x, 2)), img.reshape(1, 2, 2, 2, 2, 2).max(axis=(2, 4)), atol=1e-4)
    close(value(tfe.avg_pool2d(x, (2, 2), strides=2)), img.reshape(1, 2, 2, 2, 2, 2).mean(axis=(2, 4)), atol=1e-3)
    close(value(tfe.global_avg_pool2d(x)), img.mean(axis=(1, 2)), atol=1e-3)


def test_tensor_introspection(ctx, x):
    assert x.name == "x" and x.owner == "alice" and x.kind == "private" and x.shape == (2, 3) and x.ndim == 2
    r = x.reveal("bob")
    assert r.kind == "revealed" and r.owner == "bob" and r.name is None
    c = ctx.define_constant(1.0)
    assert c.kind == "public" and c.shape == () and c.owner is None
    assert ctx.find("x").shape == (2, 3)
    assert ctx.tensor(0).name == "x"
    assert ctx.players == ["server0", "server1", "server2", "alice", "bob"]
    assert ctx.config == {"frac_bits": 16, "int_bits": 20, "comparison": "fixed_point_range"}
    with pytest.raises(tfe.InvalidArgumentError):
        ctx.find("nothing")
    with pytest.raises(AttributeError, match="no attribute 'frobnicate'"):
        x.frobnicate


def test_config_and_bad_config():
    with tfe.Context(frac_bits=12, int_bits=24, comparison="full", transport="memory") as ctx:
        assert ctx.config == {"frac_bits": 12, "int_bits": 24, "comparison": "full"}
    with pytest.raises(tfe.ConfigError):
        tfe.Context(frac_bits=40)
    with pytest.raises(ValueError, match="comparison"):
        tfe.Context(comparison="some")
    with pytest.raises(ValueError, match="transport"):
        tfe.Context(transport="pigeon").define_constant(1.0).to_native()


@pytest.mark.parametrize("transport", ["tcp", "tls", "memory"])
def test_transports(transport):
    with tfe.Context(transport=transport) as ctx:
        x = ctx.define_private_variable([1.0, 2.0])
        assert (x * x).reveal().to_native().tolist() == [1.0, 4.0]


def test_feeds_and_saved_graphs(ctx, tmp_path):
    x = ctx.define_private_input("alice", shape=(2,), name="x")
    v = ctx.define_private_variable(shape=(2,), name="v")
    y = (x + v).reveal()
    assert ctx.run(y, feeds={x: [1.0, 2.0], v: [10.0, 20.0]}).tolist() == [11.0, 22.0]
    with pytest.raises(tfe.InvalidArgumentError, match="x"):
        ctx.run(y)  # an input with neither a feed nor a callback
    ctx.save(tmp_path / "g.tfe")
    with tfe.Context.load(tmp_path / "g.tfe", transport="memory") as loaded:
        lx, lv = loaded.find("x"), loaded.find("v")
        out = loaded.tensor(loaded.tensor_count() - 1)
        assert out.kind == "revealed"
        assert loaded.run(out, feeds={lx: [1.0, 1.0], lv: [2.0, 2.0]}).tolist() == [3.0, 3.0]


def test_session_reset_variables(ctx):
    v = ctx.define_private_variable([1.0])
    step = tfe.assign(v, v + 1.0)
    out = v.reveal()
    with tfe.Session(ctx, transport="memory") as session:
        session.run(step)
        assert session.run(out).tolist() == [2.0]
        session.reset_variables()
        assert session.run(out).tolist() == [1.0]


def test_arrays_files(tmp_path):
    tfe.save_array(tmp_path / "a.npy", np.arange(6.0).reshape(2, 3))
    assert tfe.load_array(tmp_path / "a.npy").tolist() == [[0, 1, 2], [3, 4, 5]]
    tfe.save_array(tmp_path / "a.csv", [[1.5, 2.0]])
    assert tfe.load_array(tmp_path / "a.csv").tolist() == [[1.5, 2.0]]
    with pytest.raises(tfe.InvalidArgumentError, match="expected a .npy or .csv file"):
        tfe.save_array(tmp_path / "a.txt", [1.0])
    with pytest.raises(tfe.InvalidArgumentError, match="missing.npy"):
        tfe.load_array(tmp_path / "missing.npy")


def test_log_records_reach_python_logging(caplog):
    import logging

    tfe.enable_logging("warning")
    try:
        with caplog.at_level(logging.WARNING):
            with pytest.raises(tfe.ConfigError):
                tfe._capi.tfe_selftest_fail(2)
        assert any("TFE_ERR_CONFIG" in r.getMessage() and r.name.startswith("tfe") for r in caplog.records)
        seen = []
        tfe.enable_logging("warning", handler=lambda lvl, target, msg: seen.append((lvl, target, msg)))
        with pytest.raises(tfe.ConfigError):
            tfe._capi.tfe_selftest_fail(2)
        assert seen and seen[0][0] == logging.WARNING and seen[0][1] == "tfe::ffi::selftest"
        with pytest.raises(ValueError, match="level"):
            tfe.enable_logging("loud")
    finally:
        tfe.enable_logging(None)
