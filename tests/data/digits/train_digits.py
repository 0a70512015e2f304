#!/usr/bin/env python3
"""Writes the digits data and the weights of two small models (an MLP and a
CNN) trained in plaintext, for the private-inference accuracy test
(tests/digits_accuracy.rs).

Run from this directory with scikit-learn and numpy installed:
    python3 train_digits.py
Outputs (all deterministic):
    digits.txt  one image per line: label, space, 64 pixels (0..16) as base-17
                digits 0-9a-g, row-major 8x8
    mlp.json    64-32-10 ReLU MLP (sklearn MLPClassifier): w1 [64,32], b1, w2 [32,10], b2
    cnn.json    conv 3x3x1x8 SAME + bias, ReLU, max pool 2x2, flatten (NHWC order),
                dense 128-10: conv_w [3,3,1,8], conv_b, dense_w [128,10], dense_b
Inputs to both models are pixels / 16. The first 1437 images train; the last
360 are held out (no shuffling, so the split is obvious from the file).
"""
import json

import numpy as np
from sklearn.datasets import load_digits
from sklearn.neural_network import MLPClassifier

TRAIN = 1437
DIGITS = "0123456789abcdefg"

data = load_digits()
images = data.data.astype(int)
labels = data.target.astype(int)
with open("digits.txt", "w") as f:
    for img, label in zip(images, labels):
        f.write(f"{label} {''.join(DIGITS[v] for v in img)}\n")

x = images / 16.0
x_train, y_train, x_test, y_test = x[:TRAIN], labels[:TRAIN], x[TRAIN:], labels[TRAIN:]


def dump(path, arrays):
    with open(path, "w") as f:
        json.dump({k: [round(float(v), 6) for v in np.asarray(a).ravel()] for k, a in arrays.items()}, f)


mlp = MLPClassifier(hidden_layer_sizes=(32,), activation="relu", max_iter=600, random_state=0)
mlp.fit(x_train, y_train)
print("mlp held-out accuracy", mlp.score(x_test, y_test))
dump("mlp.json", {"w1": mlp.coefs_[0], "b1": mlp.intercepts_[0], "w2": mlp.coefs_[1], "b2": mlp.intercepts_[1]})

# A small CNN in numpy: conv 3x3 (8 filters, SAME) -> ReLU -> max pool 2x2 -> dense 10.
rng = np.random.default_rng(0)
conv_w = rng.normal(0, np.sqrt(2 / 9), (3, 3, 1, 8))
conv_b = np.zeros(8)
dense_w = rng.normal(0, np.sqrt(1 / 128), (128, 10))
dense_b = np.zeros(10)


def im2col(batch):
    padded = np.pad(batch.reshape(-1, 8, 8), ((0, 0), (1, 1), (1, 1)))
    cols = [padded[:, ky:ky + 8, kx:kx + 8] for ky in range(3) for kx in range(3)]
    return np.stack(cols, axis=-1).reshape(-1, 9)  # rows (n, y, x), columns (ky, kx)


def forward(batch):
    n = batch.shape[0]
    cols = im2col(batch)
    conv = (cols @ conv_w.reshape(9, 8) + conv_b).reshape(n, 8, 8, 8)
    act = np.maximum(conv, 0)
    windows = act.reshape(n, 4, 2, 4, 2, 8)
    pooled = windows.max(axis=(2, 4))
    logits = pooled.reshape(n, 128) @ dense_w + dense_b
    return cols, conv, act, windows, pooled, logits


lr = 0.05
for epoch in range(60):
    order = rng.permutation(TRAIN)
    for start in range(0, TRAIN, 32):
        idx = order[start:start + 32]
        batch, target = x_train[idx], y_train[idx]
        n = len(idx)
        cols, conv, act, windows, pooled, logits = forward(batch)
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(n), target] -= 1
        g_logits = p / n
        flat = pooled.reshape(n, 128)
        g_dense_w, g_dense_b = flat.T @ g_logits, g_logits.sum(axis=0)
        g_pooled = (g_logits @ dense_w.T).reshape(n, 4, 1, 4, 1, 8)
        mask = windows == pooled.reshape(n, 4, 1, 4, 1, 8)
        g_act = (mask * g_pooled).reshape(n, 8, 8, 8)
        g_conv = (g_act * (conv > 0)).reshape(-1, 8)
        g_conv_w, g_conv_b = (cols.T @ g_conv).reshape(3, 3, 1, 8), g_conv.sum(axis=0)
        dense_w -= lr * g_dense_w
        dense_b -= lr * g_dense_b
        conv_w -= lr * g_conv_w
        conv_b -= lr * g_conv_b
accuracy = (forward(x_test)[-1].argmax(axis=1) == y_test).mean()
print("cnn held-out accuracy", accuracy)
dump("cnn.json", {"conv_w": conv_w, "conv_b": conv_b, "dense_w": dense_w, "dense_b": dense_b})
