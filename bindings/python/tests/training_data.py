"""The logistic regression the training tests share: a small separable data
set, the initial weights, and the f64 SGD training private training follows."""

import numpy as np

W0, B0 = np.array([[0.25], [-0.5]]), np.array([0.0])


def data(samples=16):
    i = np.arange(samples)
    x = np.stack([(i * 37 % 17) / 8.0 - 1.0, (i * 11 % 13) / 6.0 - 1.0], axis=1)
    y = (x[:, 0] - x[:, 1] / 2 > 0.1).astype(float).reshape(-1, 1)
    return x, y


def f64_training(x, y, epochs, batch, lr):
    """Plain SGD on the binary cross-entropy of sigmoid(x w + b) from W0, B0."""
    w, b = W0.copy(), B0.copy()
    for _ in range(epochs):
        for s in range(0, len(x) - batch + 1, batch):
            xb, yb = x[s:s + batch], y[s:s + batch]
            p = 1 / (1 + np.exp(-(xb @ w + b)))
            w -= lr / batch * xb.T @ (p - yb)
            b -= lr / batch * (p - yb).sum(axis=0)
    return w, b
