"""Private prediction inside a Keras/TensorFlow pipeline with tfe.

A model owner trains a small classifier in tf.keras. A client's samples then
go through an ordinary pipeline (tf.data, a Keras preprocessing step, the
model, an argmax) in which the model is replaced by
tfe.tensorflow.PrivatePrediction: the three servers compute on secret shares
of the samples and of the weights, and only the client learns the scores.

Run: python examples/tensorflow/keras_layer.py   (needs tfe and tensorflow;
the op library is built at the first run, or by `python -m tfe.tensorflow build`)
"""

import numpy as np
import tensorflow as tf

import tfe.tensorflow

tf.keras.utils.set_random_seed(7)

# The model owner: points inside the unit circle are class 1.
points = np.random.uniform(-2, 2, size=(2000, 2)).astype(np.float32)
labels = (np.sum(points**2, axis=1) < 1).astype(np.int32)
model = tf.keras.Sequential([
    tf.keras.Input((2,)),
    tf.keras.layers.Dense(16, activation="relu"),
    tf.keras.layers.Dense(16, activation="relu"),
    tf.keras.layers.Dense(2),
])
model.compile(optimizer=tf.keras.optimizers.Adam(0.02),
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
model.fit(points, labels, epochs=20, batch_size=100, verbose=0)

# The client's pipeline: scale, predict privately, take the class.
scale = tf.keras.layers.Rescaling(0.5)  # samples arrive in [-4, 4]
private = tfe.tensorflow.PrivatePrediction(model, batch_size=16)
samples = np.random.uniform(-4, 4, size=(40, 2)).astype(np.float32)
dataset = tf.data.Dataset.from_tensor_slices(samples).batch(20)
dataset = dataset.map(lambda batch: tf.argmax(private(scale(batch)), axis=1))
private_classes = np.concatenate([classes.numpy() for classes in dataset])

# Compared with plaintext prediction of the same pipeline.
plain_scores = model(scale(samples)).numpy()
private_scores = tf.keras.Sequential([scale, private])(samples).numpy()
plain_classes = np.argmax(plain_scores, axis=1)
print(f"largest difference of a score: {np.max(np.abs(private_scores - plain_scores)):.5f}")
print(f"private and plaintext classes agree on {np.sum(private_classes == plain_classes)}"
      f"/{len(samples)} samples")
print("first classes:", " ".join(str(c) for c in private_classes[:10]))
private.reset()
