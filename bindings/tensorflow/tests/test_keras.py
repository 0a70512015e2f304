"""tf.test tests of tfe.tensorflow.PrivatePrediction: private prediction of a
tf.keras model inside Keras pipelines, against plaintext prediction."""

import numpy as np
import tensorflow as tf

import tfe.tensorflow as tft


def small_model(seed=0):
    tf.keras.utils.set_random_seed(seed)
    return tf.keras.Sequential([
        tf.keras.Input((4,)),
        tf.keras.layers.Dense(8, activation="relu"),
        tf.keras.layers.Dense(6),
        tf.keras.layers.ReLU(),
        tf.keras.layers.Dense(3, activation="sigmoid"),
    ])


class PrivatePredictionTest(tf.test.TestCase):
    def setUp(self):
        super().setUp()
        self.samples = np.random.default_rng(1).uniform(-1, 1, (5, 4)).astype(np.float32)

    def test_matches_plaintext_for_a_batch_that_is_not_a_multiple(self):
        model = small_model()
        layer = tft.PrivatePrediction(model, batch_size=2)
        out = layer(self.samples)
        self.assertEqual(out.shape, (5, 3))
        self.assertAllClose(out, model(self.samples), atol=1e-2)
        layer.reset()

    def test_in_a_keras_pipeline_with_predict(self):
        model = small_model()
        private = tft.PrivatePrediction(model, batch_size=4)
        pipeline = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Rescaling(2.0), private,
                                        tf.keras.layers.Lambda(lambda s: tf.argmax(s, axis=1))])
        # predict() traces a tf.function and feeds it from tf.data.
        classes = pipeline.predict(self.samples, batch_size=3, verbose=0)
        self.assertAllEqual(classes, np.argmax(model(2 * self.samples), axis=1))
        private.reset()

    def test_weights_are_shared_once_until_reset(self):
        model = small_model()
        private = tft.PrivatePrediction(model, batch_size=5)
        before = model(self.samples).numpy()
        self.assertAllClose(private(self.samples), before, atol=1e-2)
        model.set_weights([w * 0.5 for w in model.get_weights()])
        self.assertAllClose(private(self.samples), before, atol=1e-2)
        private.reset()
        self.assertAllClose(private(self.samples), model(self.samples), atol=1e-2)
        private.reset()

    def test_unsupported_layers_are_named(self):
        model = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(3),
                                     tf.keras.layers.Dropout(0.5)])
        with self.assertRaisesRegex(ValueError, r"layer 'dropout.*' \(Dropout\) is not supported"):
            tft.PrivatePrediction(model)

    def test_gradients_through_the_layer_are_refused(self):
        private = tft.PrivatePrediction(small_model(), batch_size=5)
        x = tf.Variable(self.samples)
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(private(x))
        with self.assertRaisesRegex(tft.NoGradientError, "has no gradient"):
            tape.gradient(loss, x)
        private.reset()


if __name__ == "__main__":
    tf.test.main()
