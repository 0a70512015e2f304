"""tfe.keras.losses: the losses compile() takes, Keras's names (a string, or
a class with from_logits=True for logits)."""

from .. import _capi


class Loss:
    """A loss of compile(): its tfe_loss_t (`to_c()`)."""

    def __init__(self, name, c_value):
        self.name, self.c_value = name, c_value

    def to_c(self) -> int:
        return self.c_value

    def __repr__(self):
        return f"{type(self).__name__}()"


class BinaryCrossentropy(Loss):
    def __init__(self, from_logits=False):
        super().__init__("binary_crossentropy", _capi.TFE_LOSS_BINARY_CROSSENTROPY_FROM_LOGITS if from_logits
                         else _capi.TFE_LOSS_BINARY_CROSSENTROPY)
        self.from_logits = from_logits


class CategoricalCrossentropy(Loss):
    def __init__(self, from_logits=False):
        super().__init__("categorical_crossentropy",
                         _capi.TFE_LOSS_CATEGORICAL_CROSSENTROPY_FROM_LOGITS if from_logits
                         else _capi.TFE_LOSS_CATEGORICAL_CROSSENTROPY)
        self.from_logits = from_logits


class MeanSquaredError(Loss):
    def __init__(self):
        super().__init__("mean_squared_error", _capi.TFE_LOSS_MEAN_SQUARED_ERROR)


NAMES = {
    "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "mse": MeanSquaredError,
    "mean_squared_error": MeanSquaredError,
}


def get(identifier) -> Loss:
    """A Loss, or one by Keras's name."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in NAMES:
        return NAMES[identifier.lower()]()
    raise ValueError(f"loss: expected a tfe.keras.losses loss or one of {sorted(NAMES)}, found {identifier!r}")
