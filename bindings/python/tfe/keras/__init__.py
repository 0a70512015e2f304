"""tfe.keras: private prediction with TF Encrypted's Keras names.

    model = tfe.keras.Sequential([
        tfe.keras.layers.Dense(16, activation="relu", input_shape=(8,)),
        tfe.keras.layers.Dense(3, activation="softmax"),
    ])
    model.set_weights(trained)            # or tfe.keras.models.clone_model(tf_model)
    y = model.predict(x)                  # private: only the client learns y

    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=3, batch_size=32)   # private training (tfe.keras.fitting)

TensorFlow is imported by nothing here: clone_model reads the Keras model it is given.
"""

from . import fitting, layers, losses, models, optimizers, training
from .fitting import History
from .models import Model, Predictor, Sequential, clone_model, network
from .training import Trainer

__all__ = ["History", "Model", "Predictor", "Sequential", "Trainer", "clone_model", "fitting", "layers", "losses",
           "models", "network", "optimizers", "training"]
