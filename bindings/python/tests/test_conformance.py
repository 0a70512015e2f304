"""Runs every case of tests/conformance/cases.json through the Python API
(the format is tests/conformance/README.md)."""

import json
import threading

import numpy as np
import pytest

import tfe
from conftest import REPO

CASES = json.loads((REPO / "tests" / "conformance" / "cases.json").read_text())

ENUMS = {
    "TFE_PADDING_VALID": "VALID", "TFE_PADDING_SAME": "SAME",
    "TFE_POOL_MAX": "MAX", "TFE_POOL_AVERAGE": "AVG",
    "TFE_SORT_ASCENDING": "ASCENDING", "TFE_SORT_DESCENDING": "DESCENDING",
}
CUMSUM = {
    "TFE_CUMSUM_INCLUSIVE": (False, False), "TFE_CUMSUM_EXCLUSIVE": (True, False),
    "TFE_CUMSUM_REVERSE": (False, True), "TFE_CUMSUM_EXCLUSIVE_REVERSE": (True, True),
}

# Each C op of the cases, called through the Pythonic API: (tensor operands, attrs) -> Tensor.
OPS = {
    "tfe_reduce_sum_axis": lambda a, k: tfe.reduce_sum(*a, axis=k["axis"]),
    "tfe_reduce_mean_axis": lambda a, k: tfe.reduce_mean(*a, axis=k["axis"]),
    "tfe_div_public": lambda a, k: a[0] / k["divisor"],
    "tfe_cumsum": lambda a, k: tfe.cumsum(*a, axis=k["axis"], exclusive=CUMSUM[k["mode"]][0],
                                          reverse=CUMSUM[k["mode"]][1]),
    "tfe_sort": lambda a, k: tfe.sort(*a, axis=k["axis"], direction=ENUMS[k["order"]]),
    "tfe_transpose": lambda a, k: tfe.transpose(*a, perm=k["perm"]),
    "tfe_reshape": lambda a, k: tfe.reshape(*a, k["shape"]),
    "tfe_slice": lambda a, k: tfe.slice(*a, k["begin"], k["size"]),
    "tfe_pad": lambda a, k: tfe.pad(*a, list(zip(k["pads"][::2], k["pads"][1::2]))),
    "tfe_concat": lambda a, k: tfe.concat(a, axis=k["axis"]),
    "tfe_gather": lambda a, k: tfe.gather(*a, k["indices"], axis=k["axis"]),
    "tfe_reveal": lambda a, k: a[0].reveal(k["to"]),
    "tfe_conv2d": lambda a, k: tfe.conv2d(*a, strides=(k["stride_h"], k["stride_w"]),
                                          padding=ENUMS[k["padding"]]),
    "tfe_pool2d": lambda a, k: tfe.pool2d(*a, ENUMS[k["pool"]], (k["window_h"], k["window_w"]),
                                          (k["stride_h"], k["stride_w"]), ENUMS[k["padding"]]),
}


def call(op, args, attrs):
    if op in OPS:
        return OPS[op](args, attrs)
    return getattr(tfe, op[len("tfe_"):])(*args, **attrs)


def build(ctx, case):
    """Runs the steps; returns (tensors by id, the id of the step that failed, its error)."""
    tensors = {}
    for step in case["steps"]:
        try:
            if "define" in step:
                value = np.array(step["values"]).reshape(step["shape"])
                if step["define"] == "private_input":
                    tensors[step["id"]] = ctx.define_private_input(step["owner"], lambda v=value: v,
                                                                   shape=value.shape)
                elif step["define"] == "private_variable":
                    tensors[step["id"]] = ctx.define_private_variable(value, owner=step["owner"])
                else:
                    tensors[step["id"]] = ctx.define_constant(value)
            else:
                args = [tensors[name] for name in step["args"]]
                tensors[step["id"]] = call(step["op"], args, step.get("attrs", {}))
        except tfe.Error as error:
            return tensors, step["id"], error
    return tensors, None, None


def test_cases_cover_every_op_of_the_c_api():
    from tfe import _capi

    used = {s["op"] for c in CASES["cases"] for s in c["steps"] if "op" in s}
    ops = {name for name, (_, params) in _capi.FUNCTIONS.items()
           if params and params[0][0] == "ctx" and params[-1][0] == "out" and name != "tfe_context_new"
           and not name.startswith(("tfe_context_", "tfe_define_", "tfe_session_", "tfe_party_"))}
    assert len(CASES["cases"]) >= 25
    assert ops - used <= {"tfe_assign"}, f"ops without a conformance case: {sorted(ops - used - {'tfe_assign'})}"


@pytest.mark.parametrize("case", CASES["cases"], ids=[c["name"] for c in CASES["cases"]])
def test_case(case):
    with tfe.Context(**CASES["config"], transport="memory") as ctx:
        tensors, failed_step, error = build(ctx, case)
        expect = case["expect"]
        if "status" in expect and expect["step"] is not None:
            assert failed_step == expect["step"], f"expected step {expect['step']} to fail, got {failed_step}: {error}"
            assert error.status_name == expect["status"], str(error)
            return
        assert failed_step is None, f"step {failed_step} failed: {error}"
        fetches = [tensors[name] for name in case["fetch"]]
        if "status" in expect:
            with pytest.raises(tfe.Error) as info:
                ctx.run(fetches)
            assert info.value.status_name == expect["status"], str(info.value)
            return
        values = ctx.run(fetches)
        for name, value in zip(case["fetch"], values):
            want = expect["values"][name]
            assert list(value.shape) == want["shape"], name
            np.testing.assert_allclose(value.ravel(), want["values"], rtol=0, atol=want["atol"] + 1e-12,
                                       err_msg=f"{case['name']}: {name} ({want['bound']})")


@pytest.mark.parametrize("case", CASES["models"], ids=[c["name"] for c in CASES["models"]])
def test_model_case(case):
    x = np.array(case["input"]["values"]).reshape(case["input"]["shape"])
    with tfe.onnx.load(REPO / case["model"]) as model:
        outputs = model.predict_outputs(x, transport="memory")
    assert len(outputs) == len(case["outputs"])
    for i, (got, want) in enumerate(zip(outputs, case["outputs"])):
        assert list(got.shape) == want["shape"], f"output {i}"
        np.testing.assert_allclose(got.ravel(), want["values"], rtol=0, atol=want["atol"] + 1e-12,
                                   err_msg=f"{case['name']}: output {i} ({want['bound']})")


@pytest.mark.parametrize("case", CASES["serve_cases"], ids=[c["name"] for c in CASES["serve_cases"]])
def test_serve_case(case):
    with tfe.onnx.load(REPO / case["model"]) as model, \
            tfe.serve.Server(model, "127.0.0.1:0", max_batch=case["max_batch"], transport="memory") as server, \
            tfe.serve.Client(f"127.0.0.1:{server.port}") as client:
        assert client.max_batch == case["max_batch"]
        for r, request in enumerate(case["requests"]):
            if request.get("reconnect"):
                client.reconnect()
                continue
            x = np.array(request["input"]["values"]).reshape(request["input"]["shape"])
            if "status" in request:
                with pytest.raises(tfe.Error) as info:
                    client.predict_outputs(x)
                assert info.value.status_name == request["status"], f"request {r}: {info.value}"
                continue
            outputs = client.predict_outputs(x)
            assert len(outputs) == len(request["outputs"])
            for i, (got, want) in enumerate(zip(outputs, request["outputs"])):
                assert list(got.shape) == want["shape"], f"request {r}, output {i}"
                np.testing.assert_allclose(got.ravel(), want["values"], rtol=0, atol=want["atol"] + 1e-12,
                                           err_msg=f"{case['name']}: request {r}, output {i} ({want['bound']})")


TRAIN_CASES = CASES["train_cases"]


def _train_model(case):
    from tfe.keras import layers

    model_layers, weights = [], []
    for layer in case["layers"]:
        if layer["kind"] == "dense":
            model_layers.append(layers.Dense(layer["units"], input_shape=case["input_shape"] if not model_layers
                                             else None))
            weights += [np.array(layer["weights"]).reshape(layer["inputs"], layer["units"]), np.array(layer["bias"])]
        else:
            model_layers.append(layers.Activation(layer["kind"]))
    model = tfe.keras.Sequential(model_layers)
    model.set_weights(weights)
    return model


def _case_optimizer_and_loss(case):
    from tfe import _capi
    from tfe.keras import optimizers

    class CaseOptimizer(optimizers.Optimizer):
        kind = getattr(_capi, case["optimizer"]["kind"])

        def to_c(self):
            o = super().to_c()
            o.schedule = getattr(_capi, case["optimizer"]["schedule"])
            return o

    fields = {k: v for k, v in case["optimizer"].items() if k not in ("kind", "schedule", "learning_rate")}
    optimizer = CaseOptimizer(case["optimizer"]["learning_rate"], **fields)
    return optimizer, tfe.keras.losses.Loss(case["loss"], getattr(_capi, case["loss"]))


def _check_weights(case, model):
    from tfe.keras.training import model_weights

    expect = case["expect"]
    for got, want in zip(model_weights(model), expect["weights"], strict=True):
        np.testing.assert_allclose(got, want, rtol=0, atol=expect["atol"] + 1e-12,
                                   err_msg=f"{case['name']} ({expect['bound']})")


@pytest.mark.parametrize("case", TRAIN_CASES, ids=[c["name"] for c in TRAIN_CASES])
def test_train_case(case):
    optimizer, loss = _case_optimizer_and_loss(case)
    with tfe.keras.Trainer(_train_model(case), transport="memory") as trainer:
        expect = case["expect"]
        if "status" in expect:
            assert expect["step"] == "compile"
            with pytest.raises(tfe.Error) as info:
                trainer.compile(optimizer, loss)
            assert info.value.status_name == expect["status"], str(info.value)
            return
        trainer.compile(optimizer, loss, metrics=["accuracy"] if case["metrics"] == "TFE_METRICS_ACCURACY" else [])
        x = np.array(case["x"]).reshape(-1, *case["input_shape"])
        y = np.array(case["y"]).reshape(x.shape[0], -1)
        history = trainer.fit(x, y, epochs=case["epochs"], batch_size=case["batch_size"])
        if expect.get("loss_decreases"):
            assert history[-1]["loss"] < history[0]["loss"], history
        _check_weights(case, trainer.export())


PARTY_PLAYERS = ["server0", "server1", "server2", "carol", "alice", "bob"]


def test_first_train_case_as_six_deployed_players(tmp_path):
    """The first training case by six players of a hostmap, one thread each
    over plaintext TCP (tests/conformance/README.md): carol owns the model,
    alice the features, bob the labels; only carol receives the weights."""
    from test_remote import free_ports

    case = TRAIN_CASES[0]
    config = tfe.RemoteConfig({n: f"127.0.0.1:{p}" for n, p in zip(PARTY_PLAYERS, free_ports(6))},
                              path=tmp_path / "hostmap.json", connect_timeout_ms=30000, recv_timeout_ms=30000)
    x = np.array(case["x"]).reshape(-1, *case["input_shape"])
    y = np.array(case["y"]).reshape(x.shape[0], -1)
    outcome = {}

    def player(me):
        try:
            optimizer, loss = _case_optimizer_and_loss(case)
            with _train_model(case) as model, tfe.keras.Trainer.party(
                    model, config, me, insecure_plaintext=True, model_owner="carol", data_owner="alice",
                    label_owner="bob") as trainer:
                trainer.compile(optimizer, loss)
                trainer.fit_party(x.shape[0], x if me == "alice" else None, y if me == "bob" else None,
                                  epochs=case["epochs"], batch_size=case["batch_size"])
                loss_value, _ = trainer.evaluate_party(x.shape[0], x if me == "alice" else None,
                                                       y if me == "bob" else None)
                predicted = trainer.predict_party(4, x[:4] if me == "alice" else None, owner=me == "carol")
                exported = trainer.export()
                trainer.finish()
                outcome[me] = (loss_value, exported, predicted)
        except BaseException as error:  # noqa: BLE001 (reported below, per player)
            outcome[me] = error

    threads = [threading.Thread(target=player, args=(me,)) for me in PARTY_PLAYERS]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for me in PARTY_PLAYERS:
        assert isinstance(outcome[me], tuple), f"{me}: {outcome[me]!r}"
        loss_value, exported, predicted = outcome[me]
        assert (exported is not None) == (me == "carol") == (predicted is not None), me
        assert np.isfinite(loss_value) == (me == "carol"), (me, loss_value)
    _check_weights(case, outcome["carol"][1])
    # carol's predictions: the sigmoid of her trained weights' logits.
    from tfe.keras.training import model_weights

    w, b = (np.array(v) for v in model_weights(outcome["carol"][1]))
    want = 1 / (1 + np.exp(-(x[:4] @ w.reshape(-1, 1) + b)))
    np.testing.assert_allclose(outcome["carol"][2], want, rtol=0, atol=0.01)
