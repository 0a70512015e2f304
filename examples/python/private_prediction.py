"""Private prediction from Python: a model trained in tf.keras, converted to
tfe.keras, predicts a client's samples on secret shares.

The model owner trains a small classifier in plain TensorFlow, then
tfe.keras.models.clone_model takes its layers and trained weights. The
predictor runs five players in this process: the model owner shares the
weights once, the client shares its samples, the three servers compute on
shares, and only the client learns the outputs.
"""

import numpy as np
import tensorflow as tf

import tfe

# The model owner's data and model: three clusters of points in 8 dimensions.
rng = np.random.default_rng(0)
centers = rng.uniform(-2, 2, (3, 8))
labels = rng.integers(0, 3, 600)
features = (centers[labels] + rng.normal(0, 0.6, (600, 8))).astype(np.float32)

tf.keras.utils.set_random_seed(0)
keras_model = tf.keras.Sequential([
    tf.keras.Input(shape=(8,)),
    tf.keras.layers.Dense(16, activation="relu"),
    tf.keras.layers.Dense(3, activation="softmax"),
])
keras_model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
keras_model.fit(features, labels, epochs=20, batch_size=32, verbose=0)

# Conversion: the same layers, the owner's trained weights.
model = tfe.keras.models.clone_model(keras_model)

# The client's samples, which nobody else sees.
client_samples = (centers[[0, 1, 2, 1]] + rng.normal(0, 0.6, (4, 8))).astype(np.float32)

with model.predictor(max_batch=4, owner="model-owner", client="prediction-client") as predictor:
    probabilities = predictor.predict(client_samples)
    stats = predictor.last_stats

expected = keras_model(client_samples, training=False).numpy()
print("private probabilities:\n", np.round(probabilities, 3))
print("max |private - tf.keras|:", float(np.abs(probabilities - expected).max()))
for i, row in enumerate(probabilities):
    print(f"sample {i}: predicted class {int(row.argmax())} (tf.keras: {int(expected[i].argmax())})")
print(stats)
assert np.abs(probabilities - expected).max() < 0.02
