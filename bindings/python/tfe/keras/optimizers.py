"""tfe.keras.optimizers: Keras's optimizers (SGD with momentum, Adam,
Adam(amsgrad=True)) and learning-rate schedules, for compile(); each is a
tfe_optimizer_t the library trains with.

ε defaults to 2^-8, not Keras's 1e-7: ε sits inside the square root of the
fixed-point update and must be at least 2^-12 (docs/training.md).
"""

from .. import _capi


class schedules:  # noqa: N801 (Keras's name: tf.keras.optimizers.schedules)
    """Learning rates per step (steps count from 0)."""

    class ExponentialDecay:
        """initial_learning_rate * decay_rate ** (step / decay_steps)."""

        def __init__(self, initial_learning_rate, decay_steps, decay_rate):
            self.initial_learning_rate, self.decay_steps, self.decay_rate = (
                float(initial_learning_rate), int(decay_steps), float(decay_rate))
            self.kind = _capi.TFE_SCHEDULE_EXPONENTIAL

    class StepDecay:
        """initial_learning_rate * decay_rate ** floor(step / decay_steps)
        (Keras's ExponentialDecay(staircase=True))."""

        def __init__(self, initial_learning_rate, decay_steps, decay_rate):
            self.initial_learning_rate, self.decay_steps, self.decay_rate = (
                float(initial_learning_rate), int(decay_steps), float(decay_rate))
            self.kind = _capi.TFE_SCHEDULE_STEP


class Optimizer:
    """An optimizer of compile(): its tfe_optimizer_t (`to_c()`)."""

    kind = None

    def __init__(self, learning_rate, **fields):
        self.learning_rate = learning_rate
        self.fields = fields

    def to_c(self) -> "_capi.Optimizer":
        o = _capi.Optimizer()
        _capi.tfe_optimizer_defaults(self.kind, o)
        lr = self.learning_rate
        if isinstance(lr, (schedules.ExponentialDecay, schedules.StepDecay)):
            o.schedule, o.learning_rate = lr.kind, lr.initial_learning_rate
            o.decay, o.decay_steps = lr.decay_rate, max(lr.decay_steps, 0)
        else:
            o.learning_rate = float(lr)
        for name, value in self.fields.items():
            setattr(o, name, float(value))
        return o

    def __repr__(self):
        fields = "".join(f", {k}={v}" for k, v in self.fields.items())
        return f"{type(self).__name__}(learning_rate={self.learning_rate!r}{fields})"


class SGD(Optimizer):
    """v = momentum * v - lr * g; w = w + v (plain SGD when momentum is 0)."""

    kind = _capi.TFE_OPTIMIZER_SGD

    def __init__(self, learning_rate=0.01, momentum=0.0):
        super().__init__(learning_rate, momentum=momentum)


class Adam(Optimizer):
    """Adam, or AMSgrad with amsgrad=True."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=2.0**-8, amsgrad=False):
        super().__init__(learning_rate, beta1=beta_1, beta2=beta_2, epsilon=epsilon)
        self.kind = _capi.TFE_OPTIMIZER_AMSGRAD if amsgrad else _capi.TFE_OPTIMIZER_ADAM


NAMES = {"sgd": SGD, "adam": Adam, "amsgrad": lambda: Adam(amsgrad=True)}


def get(identifier) -> Optimizer:
    """An Optimizer, or one by name ("sgd", "adam", "amsgrad") with Keras's defaults."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in NAMES:
        return NAMES[identifier.lower()]()
    raise ValueError(f"optimizer: expected a tfe.keras.optimizers optimizer or one of {sorted(NAMES)}, "
                     f"found {identifier!r}")
