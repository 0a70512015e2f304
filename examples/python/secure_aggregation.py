# Secure aggregation, after TF Encrypted's federated-learning example: five data
# owners each compute the gradient of a logistic regression on their own rows
# of scikit-learn's breast-cancer set, in plaintext and on their own machine;
# the servers add the five secret-shared gradients and reveal only their
# average, to the model owner, who takes the step. No server and no owner sees
# another owner's gradient. The model itself is public to the owners (they
# need it to compute their gradients), as in TF Encrypted's example.
#
# The same training runs again with the average taken in plaintext; the
# example prints both test accuracies and fails when they differ by more than
# one point, or when the weights differ by more than the fixed-point error.
import sys

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

import tfe

OWNERS = [f"data-owner-{i}" for i in range(5)]
ROUNDS = 60
LEARNING_RATE = 0.5


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def gradient(weights, x, y):
    """The mean log-loss gradient over one owner's rows (bias last)."""
    x1 = np.hstack([x, np.ones((len(x), 1))])
    return x1.T @ (sigmoid(x1 @ weights) - y) / len(x)


def accuracy(weights, x, y):
    x1 = np.hstack([x, np.ones((len(x), 1))])
    return float(np.mean((x1 @ weights > 0) == y))


data = load_breast_cancer()
x_train, x_test, y_train, y_test = train_test_split(
    data.data, data.target.astype(float), test_size=0.25, random_state=0, stratify=data.target
)
mean, std = x_train.mean(axis=0), x_train.std(axis=0)
x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
shards = list(zip(np.array_split(x_train, len(OWNERS)), np.array_split(y_train, len(OWNERS))))
features = x_train.shape[1] + 1

# The model the owners compute their gradients against: the model owner
# publishes it before each round.
model = np.zeros(features)


def owner_gradient(shard):
    x, y = shard
    return lambda: gradient(model, x, y)


# Each owner's gradient is a private input of that owner: its provider runs at
# the owner, at every run. The servers only ever hold shares of it.
gradients = [
    tfe.define_private_input(owner, owner_gradient(shard), name=f"gradient-{owner}")
    for owner, shard in zip(OWNERS, shards)
]
total = gradients[0]
for g in gradients[1:]:
    total = tfe.add(total, g)
average = tfe.div_public(total, float(len(OWNERS))).reveal(to="model-owner")

for _ in range(ROUNDS):
    model = model - LEARNING_RATE * average.to_native()

plain = np.zeros(features)
for _ in range(ROUNDS):
    plain = plain - LEARNING_RATE * np.mean([gradient(plain, x, y) for x, y in shards], axis=0)

private_accuracy, plain_accuracy = accuracy(model, x_test, y_test), accuracy(plain, x_test, y_test)
weight_error = float(np.max(np.abs(model - plain)))
print(f"{len(OWNERS)} data owners, {ROUNDS} rounds of secure aggregation")
print(f"test accuracy: private {private_accuracy:.3f}, plaintext {plain_accuracy:.3f}")
print(f"largest weight difference: {weight_error:.2e}")
# Each revealed average is off by at most about 2^-15 per weight (five
# fixed-point encodings of 2^-17 each, and the division's truncation); sixty
# steps of 0.5 times that is 1e-3.
if abs(private_accuracy - plain_accuracy) > 0.01 or weight_error > 1e-3:
    sys.exit("secure aggregation drifted from the plaintext average")
