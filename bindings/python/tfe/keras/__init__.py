"""tfe.keras: private prediction with TF Encrypted's Keras names.

    model = tfe.keras.Sequential([
        tfe.keras.layers.Dense(16, activation="relu", input_shape=(8,)),
        tfe.keras.layers.Dense(3, activation="softmax"),
    ])
    model.set_weights(trained)            # or tfe.keras.models.clone_model(tf_model)
    y = model.predict(x)                  # private: only the client learns y

TensorFlow is imported by nothing here: clone_model reads the Keras model it is given.
"""

from . import layers, losses, models, optimizers, training
from .models import Model, Predictor, Sequential, clone_model, network
from .training import Trainer

__all__ = ["Model", "Predictor", "Sequential", "Trainer", "clone_model", "layers", "losses", "models", "network",
           "optimizers", "training"]
