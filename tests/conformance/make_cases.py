"""Writes cases.json: the conformance cases every binding runs (see README.md).

Expected values are computed here in float64 with numpy (the plaintext the
library approximates); each case's tolerance comes from the bound that
include/tfe.h states for its op. Inputs are multiples of 1/16, which the
fixed-point encoding (16 fractional bits) holds exactly.

    python3 tests/conformance/make_cases.py   # rewrites cases.json
"""

import json
import pathlib

import numpy as np

ULP = 2.0**-16  # one unit of the default fixed point
LINEAR = 2 * ULP  # a truncation is off by at most one unit; one more for the input's
cases = []


def arr(values):
    a = np.asarray(values, dtype=np.float64)
    return {"shape": list(a.shape), "values": [float(v) for v in a.ravel()]}


def grid(shape, lo, hi, seed):
    """Multiples of 1/16 in [lo, hi], reproducible."""
    rng = np.random.default_rng(seed)
    return np.round(rng.uniform(lo, hi, size=shape) * 16) / 16


class Case:
    def __init__(self, name, doc):
        self.case = {"name": name, "doc": doc, "steps": []}
        cases.append(self.case)

    def input(self, id_, value, owner="input-provider"):
        self.case["steps"].append({"id": id_, "define": "private_input", "owner": owner, **arr(value)})
        return self

    def variable(self, id_, value, owner="server0"):
        self.case["steps"].append({"id": id_, "define": "private_variable", "owner": owner, **arr(value)})
        return self

    def constant(self, id_, value):
        self.case["steps"].append({"id": id_, "define": "constant", **arr(value)})
        return self

    def op(self, id_, op, *args, **attrs):
        step = {"id": id_, "op": "tfe_" + op, "args": list(args)}
        if attrs:
            step["attrs"] = attrs
        self.case["steps"].append(step)
        return self

    def expect(self, id_, value, atol, bound):
        """Reveals `id_` to every server, fetches it, and expects `value` within `atol`."""
        self.op(id_ + "_revealed", "reveal", id_, to=None)
        expect = self.case.setdefault("expect", {"values": {}})["values"]
        expect[id_ + "_revealed"] = {**arr(value), "atol": float(atol), "bound": bound}
        return self

    def fails(self, status, step=None):
        """The step `step` (or, with None, the run) fails with `status`."""
        self.case["expect"] = {"status": status, "step": step}
        return self


# --- linear ops ---------------------------------------------------------------------------
x = grid((2, 3), -4, 4, 1)
c = np.array([0.5, -1.25, 2.0])
Case("add_broadcast", "private + public, numpy broadcasting").input("x", x).constant("c", c) \
    .op("y", "add", "x", "c").expect("y", x + c, LINEAR, "exact on the encodings")
v = grid((2, 3), -4, 4, 2)
Case("sub_private", "input - variable").input("x", x).variable("v", v) \
    .op("y", "sub", "x", "v").expect("y", x - v, LINEAR, "exact on the encodings")
Case("mul_private", "elementwise product of two private tensors, one truncation") \
    .input("x", x).variable("v", v).op("y", "mul", "x", "v").expect("y", x * v, LINEAR, "one truncation")
Case("matmul_seed", "TF Encrypted's seed program: ones(5,10) @ ones(10,10) = 10.0") \
    .input("x", np.ones((5, 10))).variable("w", np.ones((10, 10))) \
    .op("y", "matmul", "x", "w").expect("y", np.full((5, 10), 10.0), LINEAR, "one truncation")
a, b = grid((3, 4), -2, 2, 3), grid((4, 2), -2, 2, 4)
Case("matmul_public_operand", "private @ public").input("a", a).constant("b", b) \
    .op("y", "matmul", "a", "b").expect("y", a @ b, LINEAR, "one truncation")
Case("neg_square", "-x and x*x").input("x", x).op("n", "neg", "x").op("s", "square", "x") \
    .expect("n", -x, LINEAR, "exact").expect("s", x * x, LINEAR, "one truncation")
Case("div_public", "x / 4 and x / -0.5 (tfe_div_public)").input("x", x) \
    .op("q", "div_public", "x", divisor=4.0).op("r", "div_public", "x", divisor=-0.5) \
    .expect("q", x / 4, 2**-26 * 4 + ULP + ULP, "2^-26*|x| + 2^-16") \
    .expect("r", x / -0.5, 2**-26 * 4 + ULP + ULP, "2^-26*|x| + 2^-16")
Case("reductions_sum_mean", "reduce_sum (all, axis 1) and reduce_mean (all, axis 0)").input("x", x) \
    .op("s", "reduce_sum", "x").op("s1", "reduce_sum_axis", "x", axis=1) \
    .op("m", "reduce_mean", "x").op("m0", "reduce_mean_axis", "x", axis=0) \
    .expect("s", x.sum(), LINEAR, "exact").expect("s1", x.sum(axis=1), LINEAR, "exact") \
    .expect("m", x.mean(), 2**-26 * 24 + 2 * ULP, "2^-26*|s| + 2^-16") \
    .expect("m0", x.mean(axis=0), 2**-26 * 8 + 2 * ULP, "2^-26*|s| + 2^-16")
Case("cumsum_modes", "tfe_cumsum exclusive and reverse along axis 1").input("x", x) \
    .op("e", "cumsum", "x", axis=1, mode="TFE_CUMSUM_EXCLUSIVE") \
    .op("r", "cumsum", "x", axis=1, mode="TFE_CUMSUM_REVERSE") \
    .expect("e", np.cumsum(x, axis=1) - x, LINEAR, "exact") \
    .expect("r", np.cumsum(x[:, ::-1], axis=1)[:, ::-1], LINEAR, "exact")

# --- nonlinear ops, within the bounds of include/tfe.h ---------------------------------------
s = np.array([[-8.0, -2.5, -0.0625, 0.0, 0.0625, 1.5, 3.0, 9.0]])
Case("relu", "exact max(x, 0)").input("x", s).op("y", "relu", "x").expect("y", np.maximum(s, 0), LINEAR, "exact")
Case("sigmoid", "|error| <= 0.003").input("x", s).op("y", "sigmoid", "x") \
    .expect("y", 1 / (1 + np.exp(-s)), 0.003, "|error| <= 0.003")
Case("hard_sigmoid", "clamp(0.2x + 0.5, 0, 1), |error| <= 4*2^-16").input("x", s).op("y", "hard_sigmoid", "x") \
    .expect("y", np.clip(0.2 * s + 0.5, 0, 1), 4 * ULP, "|error| <= 4*2^-16")
e = np.array([[-6.0, -1.0, 0.0, 0.5, 2.0, 4.0, 6.5]])
Case("exp", "e^x for x < 10: |error| <= 0.002*|f(x)| + 2*2^-16").input("x", e).op("y", "exp", "x") \
    .expect("y", np.exp(e), 0.002 * np.exp(e).max() + 2 * ULP, "0.002*|f(x)| + 2*2^-16")
r = np.array([[-100.0, -3.0, -0.25, 0.0625, 0.5, 7.0, 900.0]])
Case("reciprocal", "1/x for 2^-6 <= |x| < 2^10: |error| <= 0.001*|f(x)| + 4*2^-16").input("x", r) \
    .op("y", "reciprocal", "x").expect("y", 1 / r, 0.001 * np.abs(1 / r).max() + 4 * ULP, "0.001*|f(x)| + 4*2^-16")
p = np.array([[0.0625, 0.25, 1.0, 2.0, 30.0, 1000.0]])
Case("inv_sqrt", "1/sqrt(x) for 2^-6 <= x < 2^10: |error| <= 0.001*|f(x)| + 4*2^-16").input("x", p) \
    .op("y", "inv_sqrt", "x").expect("y", 1 / np.sqrt(p), 0.001 * (1 / np.sqrt(p)).max() + 4 * ULP,
                                     "0.001*|f(x)| + 4*2^-16")
Case("sqrt", "sqrt(x) for 2^-6 <= x < 2^10: |error| <= 0.001*|f(x)|").input("x", p).op("y", "sqrt", "x") \
    .expect("y", np.sqrt(p), 0.001 * np.sqrt(p).max(), "0.001*|f(x)|")
Case("log", "ln(x) for 2^-6 <= x < 2^10: |error| <= 0.0001").input("x", p).op("y", "log", "x") \
    .expect("y", np.log(p), 0.0001, "|error| <= 0.0001")
Case("tanh", "|error| <= 0.004").input("x", s).op("y", "tanh", "x").expect("y", np.tanh(s), 0.004, "|error| <= 0.004")
sm = grid((3, 5), -4, 4, 5)
Case("softmax", "softmax over the last axis: |error| <= 0.01").input("x", sm).op("y", "softmax", "x") \
    .expect("y", np.exp(sm) / np.exp(sm).sum(axis=-1, keepdims=True), 0.01, "|error| <= 0.01")
cy = np.array([[0.5, -1.0, 2.0, 2.0]])
cx = np.array([[0.5, 1.0, -2.0, 2.0625]])
Case("comparisons", "less, less_equal, greater, greater_equal, equal: exact 0.0 or 1.0") \
    .input("x", cx).variable("y", cy) \
    .op("lt", "less", "x", "y").op("le", "less_equal", "x", "y").op("gt", "greater", "x", "y") \
    .op("ge", "greater_equal", "x", "y").op("eq", "equal", "x", "y") \
    .expect("lt", cx < cy, 0, "exact").expect("le", cx <= cy, 0, "exact").expect("gt", cx > cy, 0, "exact") \
    .expect("ge", cx >= cy, 0, "exact").expect("eq", cx == cy, 0, "exact")
Case("maximum_minimum_abs", "exact within the fixed-point range").input("x", x).variable("v", v) \
    .op("mx", "maximum", "x", "v").op("mn", "minimum", "x", "v").op("ab", "abs", "x") \
    .expect("mx", np.maximum(x, v), LINEAR, "exact").expect("mn", np.minimum(x, v), LINEAR, "exact") \
    .expect("ab", np.abs(x), LINEAR, "exact")
m = np.array([[1.0, 5.0, -2.0, 5.0], [-3.0, -4.0, 0.5, -3.5], [2.0, 2.0, 2.0, 1.0]])
Case("arg_and_reduce_extrema", "reduce_max/min, argmax/argmin (first index), argmax_one_hot along axis 1") \
    .input("x", m).op("mx", "reduce_max", "x", axis=1).op("mn", "reduce_min", "x", axis=1) \
    .op("am", "argmax", "x", axis=1).op("an", "argmin", "x", axis=1).op("oh", "argmax_one_hot", "x", axis=1) \
    .expect("mx", m.max(axis=1), LINEAR, "exact").expect("mn", m.min(axis=1), LINEAR, "exact") \
    .expect("am", m.argmax(axis=1), LINEAR, "exact").expect("an", m.argmin(axis=1), LINEAR, "exact") \
    .expect("oh", np.eye(4)[m.argmax(axis=1)], LINEAR, "exact")
Case("select", "cond ? a : b with a comparison's result").input("a", x).variable("b", v) \
    .op("c", "less", "a", "b").op("y", "select", "c", "a", "b") \
    .expect("y", np.where(x < v, x, v), LINEAR, "exact")
so = np.array([[3.0, -1.0, 2.5, 0.0, -7.0], [1.0, 1.0, -1.0, 4.0, 2.0]])
Case("sort", "oblivious sort along axis 1, both orders").input("x", so) \
    .op("a", "sort", "x", axis=1, order="TFE_SORT_ASCENDING").op("d", "sort", "x", axis=1, order="TFE_SORT_DESCENDING") \
    .expect("a", np.sort(so, axis=1), LINEAR, "exact").expect("d", -np.sort(-so, axis=1), LINEAR, "exact")

# --- layout ops -------------------------------------------------------------------------------
t = grid((2, 3, 4), -4, 4, 6)
Case("transpose_reshape_flatten", "transpose (perm and reversed), reshape, flatten").input("x", t) \
    .op("t", "transpose", "x", perm=[1, 0, 2]).op("r", "transpose", "x", perm=None) \
    .op("s", "reshape", "x", shape=[4, 6]).op("f", "flatten", "x") \
    .expect("t", t.transpose(1, 0, 2), LINEAR, "exact").expect("r", t.transpose(), LINEAR, "exact") \
    .expect("s", t.reshape(4, 6), LINEAR, "exact").expect("f", t.reshape(2, 12), LINEAR, "exact")
Case("slice_pad_concat", "slice, pad with zeros, concat along axis 0").input("x", x).variable("v", v) \
    .op("s", "slice", "x", begin=[0, 1], size=[2, 2]).op("p", "pad", "x", pads=[1, 0, 0, 2]) \
    .op("c", "concat", "x", "v", axis=0) \
    .expect("s", x[0:2, 1:3], LINEAR, "exact").expect("p", np.pad(x, [(1, 0), (0, 2)]), LINEAR, "exact") \
    .expect("c", np.concatenate([x, v], axis=0), LINEAR, "exact")
Case("expand_squeeze_gather", "expand_dims, squeeze, gather along axis 1").input("x", x) \
    .op("e", "expand_dims", "x", axis=1).op("q", "squeeze", "e", axis=1) \
    .op("g", "gather", "x", indices=[2, 0, 2], axis=1) \
    .expect("e", x[:, None, :], LINEAR, "exact").expect("q", x, LINEAR, "exact") \
    .expect("g", x[:, [2, 0, 2]], LINEAR, "exact")


def conv2d(img, k, stride, same):
    n, h, w, c = img.shape
    kh, kw, _, o = k.shape
    if same:
        oh, ow = -(-h // stride), -(-w // stride)
        ph = max((oh - 1) * stride + kh - h, 0)
        pw = max((ow - 1) * stride + kw - w, 0)
        img = np.pad(img, [(0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)])
    else:
        oh, ow = (h - kh) // stride + 1, (w - kw) // stride + 1
    out = np.zeros((n, oh, ow, o))
    for i in range(oh):
        for j in range(ow):
            patch = img[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            out[:, i, j, :] = np.tensordot(patch, k, axes=([1, 2, 3], [0, 1, 2]))
    return out


img, ker = grid((1, 5, 5, 2), -1, 1, 7), grid((3, 3, 2, 3), -1, 1, 8)
Case("conv2d", "NHWC convolution, SAME stride 1 and VALID stride 2, private filter") \
    .input("x", img).variable("k", ker, owner="model-owner") \
    .op("s", "conv2d", "x", "k", stride_h=1, stride_w=1, padding="TFE_PADDING_SAME") \
    .op("v", "conv2d", "x", "k", stride_h=2, stride_w=2, padding="TFE_PADDING_VALID") \
    .expect("s", conv2d(img, ker, 1, True), LINEAR, "one truncation") \
    .expect("v", conv2d(img, ker, 2, False), LINEAR, "one truncation")
pool_in = grid((1, 4, 4, 2), -4, 4, 9)
windows = pool_in.reshape(1, 2, 2, 2, 2, 2).transpose(0, 1, 3, 2, 4, 5).reshape(1, 2, 2, 4, 2)
Case("pooling", "max and average pooling 2x2 stride 2 VALID, global average pooling").input("x", pool_in) \
    .op("mx", "pool2d", "x", pool="TFE_POOL_MAX", window_h=2, window_w=2, stride_h=2, stride_w=2,
        padding="TFE_PADDING_VALID") \
    .op("av", "pool2d", "x", pool="TFE_POOL_AVERAGE", window_h=2, window_w=2, stride_h=2, stride_w=2,
        padding="TFE_PADDING_VALID") \
    .op("g", "global_avg_pool2d", "x") \
    .expect("mx", windows.max(axis=3), LINEAR, "exact") \
    .expect("av", windows.mean(axis=3), 2**-17 * 16 + 2 * ULP, "2^-17*|s| + 2^-16") \
    .expect("g", pool_in.mean(axis=(1, 2)), 2**-17 * 64 + 2 * ULP, "2^-17*|s| + 2^-16")

# --- bad input: the status the header names ----------------------------------------------------
Case("bad_matmul_shapes", "matmul of 2x3 by 2x3: shapes that do not fit").input("x", x).variable("v", v) \
    .op("y", "matmul", "x", "v").fails("TFE_ERR_INVALID_ARGUMENT", "y")
Case("bad_add_broadcast", "add of 2x3 and 2: shapes that do not broadcast").input("x", x) \
    .constant("c", [1.0, 2.0]).op("y", "add", "x", "c").fails("TFE_ERR_INVALID_ARGUMENT", "y")
Case("bad_constant_range", "a constant outside the fixed-point range (2^21 > 2^20)") \
    .constant("c", [2.0**21]).fails("TFE_ERR_INVALID_ARGUMENT", "c")
Case("bad_axis", "reduce_sum_axis with axis 2 of a rank-2 tensor").input("x", x) \
    .op("y", "reduce_sum_axis", "x", axis=2).fails("TFE_ERR_INVALID_ARGUMENT", "y")
Case("bad_reshape", "reshape of 6 elements to 4").input("x", x).op("y", "reshape", "x", shape=[4]) \
    .fails("TFE_ERR_INVALID_ARGUMENT", "y")
Case("bad_divisor", "div_public by 0: outside the divisor's domain").input("x", x) \
    .op("y", "div_public", "x", divisor=0.0).fails("TFE_ERR_INVALID_ARGUMENT", "y")
Case("bad_player_name", "reveal to a player name with a space").input("x", x) \
    .op("y", "reveal", "x", to="not a name").fails("TFE_ERR_INVALID_ARGUMENT", "y")
Case("bad_input_range", "an input provider's value outside the fixed-point range, found at the run") \
    .input("x", [[2.0**21]]).op("y", "reveal", "x", to=None) \
    .fails("TFE_ERR_INVALID_ARGUMENT", None)
Case("bad_result_range", "a revealed square of 2048 = 2^22 leaves the fixed-point range") \
    .input("x", [[2048.0]]).op("y", "square", "x").op("z", "reveal", "y", to=None) \
    .fails("TFE_ERR_OUT_OF_RANGE", None)

for case in cases:  # a failing case fetches every reveal it defines
    if "status" in case.get("expect", {}) and case["expect"]["step"] is None:
        case["fetch"] = [s["id"] for s in case["steps"] if s.get("op") == "tfe_reveal"]
    elif "values" in case.get("expect", {}):
        case["fetch"] = list(case["expect"]["values"])

# --- ONNX models: the committed models of tests/onnx/models and onnxruntime's outputs ----------
# Each binding loads the model file, predicts the samples privately (one batch) and compares every
# output. The samples are the first 8 whose two highest scores differ by more than 0.1, so an
# output within 0.05 of onnxruntime's has its class.
ONNX_MODELS = {
    "sklearn_logreg": ["label", "probabilities"],
    "sklearn_mlp": ["label", "probabilities"],
    "keras_cnn": ["Identity_0"],
    "torch_cnn": ["scores"],
}
ONNX_DIR = pathlib.Path(__file__).resolve().parents[1] / "onnx" / "models"
models = []
for name, outputs in ONNX_MODELS.items():
    x = np.load(ONNX_DIR / f"{name}.input.npy").astype(np.float64)
    wants = [np.load(ONNX_DIR / f"{name}.{output}.npy") for output in outputs]
    top2 = np.sort(wants[-1], axis=1)[:, -2:]
    samples = np.flatnonzero(top2[:, 1] - top2[:, 0] > 0.1)[:8]
    models.append({
        "name": f"onnx_{name}",
        "doc": f"tests/onnx/models/{name}.onnx ({', '.join(outputs)}) on 8 of its test samples",
        "model": f"tests/onnx/models/{name}.onnx",
        "input": arr(x[samples]),
        "outputs": [{**arr(want[samples]), "atol": 0.05, "bound": "docs/onnx.md: outputs within 0.05"}
                    for want in wants],
    })

# --- serving (tfe_server_*, tfe_client_*): "serve_cases", format in README.md ------------------------
# A service of the MLP in this process and one client: requests of 1 and 8 samples, one of a wrong
# length (refused; the client stays usable), a reconnection, and 3 samples after it.
mlp = next(m for m in models if m["name"] == "onnx_sklearn_mlp")
mlp_x = np.array(mlp["input"]["values"]).reshape(mlp["input"]["shape"])
mlp_outs = [np.array(o["values"]).reshape(o["shape"]) for o in mlp["outputs"]]


def request(rows):
    return {"input": arr(mlp_x[rows]),
            "outputs": [{**arr(out[rows]), "atol": 0.05, "bound": "docs/onnx.md: outputs within 0.05"}
                        for out in mlp_outs]}


wrong = {"input": {"shape": [1, mlp_x.shape[1] + 1], "values": [0.0] * (mlp_x.shape[1] + 1)},
         "status": "TFE_ERR_INVALID_ARGUMENT"}
serve_cases = [{
    "name": "serve_sklearn_mlp",
    "doc": "a service of tests/onnx/models/sklearn_mlp.onnx (max_batch 8) and a client: 1 and 8 samples, "
           "a request of a wrong length refused, a reconnection, 3 samples",
    "model": mlp["model"],
    "max_batch": 8,
    "requests": [request(slice(0, 1)), request(slice(0, 8)), wrong, {"reconnect": True}, request(slice(5, 8))],
}]

# --- training (tfe_trainer_*): "train_cases", format in README.md ----------------------------------
train_x = grid((16, 2), -1, 1, 40)
train_cases = []


def sgd(lr, momentum=0.0):
    return {"kind": "TFE_OPTIMIZER_SGD", "schedule": "TFE_SCHEDULE_CONSTANT", "learning_rate": lr,
            "momentum": momentum}


def train_case(name, doc, w, b, activation, optimizer, loss, y, step, atol, bound):
    """Two epochs of batches of 4 from weights w, b; `step(w, b, xb, yb, state)` is one f64 step."""
    layers = [{"kind": "dense", "inputs": w.shape[0], "units": w.shape[1], "weights": [float(v) for v in w.ravel()],
               "bias": [float(v) for v in b]}]
    if activation:
        layers.append({"kind": activation})
    case = {"name": name, "doc": doc, "input_shape": [2], "layers": layers, "optimizer": optimizer, "loss": loss,
            "metrics": "TFE_METRICS_NONE", "x": [float(v) for v in train_x.ravel()],
            "y": [float(v) for v in y.ravel()], "epochs": 2, "batch_size": 4}
    w, b, state = w.copy(), b.copy(), {}
    for _ in range(2):
        for s in range(0, 16, 4):
            step(w, b, train_x[s:s + 4], y[s:s + 4], state)
    case["expect"] = {"weights": [[float(v) for v in w.ravel()], [float(v) for v in b]], "atol": atol,
                      "bound": bound, "loss_decreases": True}
    train_cases.append(case)


def logistic_step(w, b, xb, yb, _state, lr=0.5):
    p = 1 / (1 + np.exp(-(xb @ w + b)))
    w -= lr / len(xb) * xb.T @ (p - yb)
    b -= lr / len(xb) * (p - yb).sum(axis=0)


def momentum_step(w, b, xb, yb, state, lr=0.125, mu=0.5):
    g = 2 * (xb @ w + b - yb)  # MSE's gradient per sample (one output)
    gw, gb = xb.T @ g / len(xb), g.sum(axis=0) / len(xb)
    state["vw"] = mu * state.get("vw", 0) - lr * gw
    state["vb"] = mu * state.get("vb", 0) - lr * gb
    w += state["vw"]
    b += state["vb"]


train_case("train_logistic_sgd", "logistic regression, binary cross-entropy, SGD lr 0.5: 8 steps as in f64",
           np.array([[0.25], [-0.5]]), np.array([0.0]), "sigmoid", sgd(0.5), "TFE_LOSS_BINARY_CROSSENTROPY",
           (train_x[:, :1] - train_x[:, 1:] / 2 > 0.1).astype(float), logistic_step, 0.03,
           "8 steps of lr 0.5 over the sigmoid's 0.003 (docs/training.md)")
train_case("train_linear_momentum", "linear regression, mean squared error, SGD with momentum 0.5: 8 steps",
           np.array([[0.5], [0.25]]), np.array([0.125]), None, sgd(0.125, 0.5), "TFE_LOSS_MEAN_SQUARED_ERROR",
           train_x @ np.array([[1.0], [-0.5]]) + 0.25, momentum_step, 2.0**-9,
           "exact ops: a truncation per product, 2^-16 each, summed over 8 steps")
bad = dict(train_cases[0], name="bad_train_epsilon", doc="Adam with epsilon 1e-7, below the 2^-12 fixed point needs")
bad["optimizer"] = {"kind": "TFE_OPTIMIZER_ADAM", "schedule": "TFE_SCHEDULE_CONSTANT", "learning_rate": 0.01,
                    "epsilon": 1e-7}
bad["expect"] = {"status": "TFE_ERR_INVALID_ARGUMENT", "step": "compile"}
train_cases.append(bad)

doc = {
    "format": 1,
    "config": {"frac_bits": 16, "int_bits": 20},
    "cases": cases,
    "models": models,
    "train_cases": train_cases,
    "serve_cases": serve_cases,
}
path = pathlib.Path(__file__).with_name("cases.json")
path.write_text(json.dumps(doc, indent=1) + "\n")
print(f"{path}: {len(cases)} cases, {len(models)} models, {len(train_cases)} training cases, "
      f"{len(serve_cases)} serving cases")
