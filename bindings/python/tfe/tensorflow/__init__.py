"""TensorFlow integration of tfe: the TfeRun op (a tfe computation inside a
TensorFlow graph, eagerly, in tf.function or in a tf.data map) and a Keras
layer for private prediction.

    import tfe.tensorflow
    private = tfe.tensorflow.PrivatePrediction(trained_keras_model, batch_size=8)

The op library is compiled against the installed TensorFlow at first use
(about a minute), or ahead of time with `python -m tfe.tensorflow build`;
see tfe.tensorflow._library for where it goes and how a library built for
another TensorFlow is refused.
"""

from ._library import LibraryError, build, default_directory, load
from .computation import Computation, NoGradientError
from .keras import PrivatePrediction

__all__ = ["Computation", "LibraryError", "NoGradientError", "PrivatePrediction", "build",
           "default_directory", "load"]
