# Accuracy of private training on real data (issue 16, item 8): a logistic
# regression on scikit-learn's breast-cancer set and an MLP on its digits set,
# each trained twice from the same initial weights, with the same batch order
# and hyperparameters: privately with `tfe train` (three servers, the data
# owner, the label owner and the model owner as local players), and in
# plaintext f64 with numpy. The example fails when the test accuracies differ
# by more than one point, and draws both loss curves per step to
# train_accuracy.png in its output directory (argument 1, default
# $CARGO_TARGET_DIR/train_accuracy or target/train_accuracy).
#
# `tfe train` is the release build's (target/release/tfe, or $TFE_BIN).
import os
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
TFE = os.environ.get("TFE_BIN", str(TARGET / "release" / "tfe"))


def standardized(x_train, x_test):
    """Scaled by the training set's mean and deviation (constant columns kept at 0)."""
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    std[std == 0] = 1.0
    return (x_train - mean) / std, (x_test - mean) / std


def glorot(rng, inputs, units):
    limit = np.sqrt(6.0 / (inputs + units))
    return rng.uniform(-limit, limit, (inputs, units))


def forward(weights, x):
    """Dense layers with ReLU between them; the last layer's logits and each layer's input."""
    inputs, a = [], x
    for i, (w, b) in enumerate(weights):
        inputs.append(a)
        z = a @ w + b
        a = z if i == len(weights) - 1 else np.maximum(z, 0.0)
    return a, inputs


def loss_and_seed(logits, y):
    """The batch's mean loss and its gradient at the logits: sigmoid with binary
    cross-entropy for one output, softmax with categorical cross-entropy for several."""
    n = len(y)
    if logits.shape[1] == 1:
        p = 1.0 / (1.0 + np.exp(-logits))
        z = logits
        loss = np.mean(np.maximum(z, 0) - y * z + np.log1p(np.exp(-np.abs(z))))
        return loss, (p - y) / n
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    loss = -np.mean(np.sum(y * np.log(np.maximum(p, 1e-300)), axis=1))
    return loss, (p - y) / n


def train_plain(weights, x, y, epochs, batch, lr):
    """SGD in f64 over the batches in order (a last partial batch dropped, as
    tfe train does); each step's loss before its update."""
    weights = [(w.copy(), b.copy()) for w, b in weights]
    losses = []
    for _ in range(epochs):
        for start in range(0, len(x) - batch + 1, batch):
            xb, yb = x[start : start + batch], y[start : start + batch]
            logits, inputs = forward(weights, xb)
            loss, d = loss_and_seed(logits, yb)
            losses.append(loss)
            grads = []
            for i in reversed(range(len(weights))):
                w, _ = weights[i]
                grads.append((inputs[i].T @ d, d.sum(axis=0)))
                d = (d @ w.T) * (inputs[i] > 0)
            weights = [(w - lr * gw, b - lr * gb) for (w, b), (gw, gb) in zip(weights, reversed(grads))]
    return weights, losses


def accuracy(weights, x, labels):
    logits, _ = forward(weights, x)
    predicted = (logits[:, 0] > 0).astype(int) if logits.shape[1] == 1 else logits.argmax(axis=1)
    return float(np.mean(predicted == labels))


def train_private(name, weights, x, labels, spec, epochs, batch, lr, out):
    """`tfe train` from the same initial weights; the trained weights and each step's loss."""
    work = out / name
    init = work / "init"
    init.mkdir(parents=True, exist_ok=True)
    layer = 0
    for w, b in weights:
        np.save(init / f"layer{layer}.w.npy", w)
        np.save(init / f"layer{layer}.b.npy", b)
        layer += 2  # dense, then its activation
    np.save(work / "x.npy", x)
    np.save(work / "y.npy", labels.astype(np.float64))
    command = [TFE, "train", "--model", spec, "--data", f"hospital={work / 'x.npy'}"]
    command += ["--labels", f"lab={work / 'y.npy'}", "--epochs", str(epochs), "--batch-size", str(batch)]
    command += ["--learning-rate", str(lr), "--init", str(init), "--output", str(work / "trained"), "--quiet"]
    subprocess.run(command, check=True)
    trained = []
    for i in range(len(weights)):
        trained.append((np.load(work / "trained" / f"layer{2 * i}.w.npy"), np.load(work / "trained" / f"layer{2 * i}.b.npy")))
    steps = np.loadtxt(work / "trained" / "steps.csv", delimiter=",", skiprows=1, ndmin=2)
    return trained, steps[:, 3]


def run(name, data, spec, sizes, epochs, batch, lr, out, axis):
    x, labels = data.data.astype(np.float64), data.target
    x_train, x_test, l_train, l_test = train_test_split(x, labels, test_size=0.25, random_state=0, stratify=labels)
    x_train, x_test = standardized(x_train, x_test)
    outputs = sizes[-1]
    y_train = l_train[:, None].astype(np.float64) if outputs == 1 else np.eye(outputs)[l_train]
    rng = np.random.default_rng(7)
    init = [(glorot(rng, a, b), np.zeros(b)) for a, b in zip(sizes, sizes[1:])]

    plain, plain_losses = train_plain(init, x_train, y_train, epochs, batch, lr)
    private, private_losses = train_private(name, init, x_train, l_train, spec, epochs, batch, lr, out)
    acc_plain, acc_private = accuracy(plain, x_test, l_test), accuracy(private, x_test, l_test)
    print(f"{name}: test accuracy private {acc_private:.4f}, plaintext f64 {acc_plain:.4f} ({len(x_test)} samples)")

    axis.plot(plain_losses, label="plaintext f64", linewidth=1)
    axis.plot(private_losses, label="private (tfe train)", linewidth=1, linestyle="--")
    axis.set_title(f"{name}: {spec}, SGD lr {lr}, batch {batch}")
    axis.set_xlabel("step")
    axis.set_ylabel("batch loss")
    axis.legend()
    return abs(acc_private - acc_plain)


def main():
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else TARGET / "train_accuracy"
    out.mkdir(parents=True, exist_ok=True)
    figure, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    gaps = [
        run("breast-cancer", load_breast_cancer(), "dense:1,sigmoid", [30, 1], 10, 32, 0.1, out, axes[0]),
        run("digits", load_digits(), "dense:32,relu,dense:10,softmax", [64, 32, 10], 10, 32, 0.1, out, axes[1]),
    ]
    figure.tight_layout()
    figure.savefig(out / "train_accuracy.png", dpi=100)
    print(f"loss curves: {out / 'train_accuracy.png'}")
    if max(gaps) > 0.01:
        sys.exit(f"a private test accuracy is more than one point from the plaintext one: {gaps}")


if __name__ == "__main__":
    main()
