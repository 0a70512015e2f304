"""Makes the ONNX test models with the real exporters, and what onnxruntime
answers for their test inputs.

Each model is trained on scikit-learn's digits (8x8 images of 0-16, ten
classes) and written to tests/onnx/models/NAME.onnx with
NAME.input.npy (float32 test samples) and NAME.OUTPUT.npy (onnxruntime's
value of each model output on them, as float64; characters of the output's
name other than letters, digits, '_', '.' and '-' become '_'). The Rust tests (tests/onnx.rs) compare
private predictions with those files, so CI needs neither the exporters nor
onnxruntime.

    scripts/python-env.sh     # target/venv
    target/venv/bin/pip install skl2onnx tf2onnx onnxruntime onnx scikit-learn torch onnxscript
    target/venv/bin/python tests/onnx/make_models.py [NAME...]

Models: sklearn_logreg (a StandardScaler and LogisticRegression pipeline,
skl2onnx), sklearn_mlp (MLPClassifier, skl2onnx), keras_cnn (tf2onnx),
keras_separable (depthwise and dilated convolutions, tf2onnx),
torch_cnn (torch.onnx). scikit-learn models are exported with
zipmap=False, which tfe needs.
"""

import os
import re
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "models")
TEST_SAMPLES = 200
SEED = 7


def digits():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    x = x.astype(np.float32)
    return train_test_split(x, y, test_size=TEST_SAMPLES, random_state=SEED, stratify=y)


def save(name, model_bytes, x_test):
    import onnxruntime as ort

    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name + ".onnx")
    with open(path, "wb") as f:
        f.write(model_bytes)
    np.save(os.path.join(OUT, name + ".input.npy"), x_test)
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    feed = {session.get_inputs()[0].name: x_test}
    names = [o.name for o in session.get_outputs()]
    for output, value in zip(names, session.run(None, feed)):
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", output)
        np.save(os.path.join(OUT, f"{name}.{safe}.npy"), np.asarray(value, dtype=np.float64))
    print(f"{name}: {len(model_bytes)} bytes, outputs {names}")


def sklearn_logreg():
    from skl2onnx import to_onnx
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x_train, x_test, y_train, _ = digits()
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, C=0.1))
    model.fit(x_train, y_train)
    onx = to_onnx(model, x_train[:1], options={"zipmap": False}, target_opset={"": 17, "ai.onnx.ml": 3})
    save("sklearn_logreg", onx.SerializeToString(), x_test)


def sklearn_mlp():
    from skl2onnx import to_onnx
    from sklearn.neural_network import MLPClassifier

    x_train, x_test, y_train, _ = digits()
    model = MLPClassifier(hidden_layer_sizes=(32,), max_iter=500, random_state=SEED)
    model.fit(x_train / 16, y_train)
    onx = to_onnx(model, x_train[:1] / 16, options={"zipmap": False}, target_opset={"": 15, "ai.onnx.ml": 3})
    save("sklearn_mlp", onx.SerializeToString(), x_test / 16)


def keras_cnn():
    keras_images(
        "keras_cnn",
        lambda layers: [
            layers.Conv2D(8, 3, padding="same"),
            layers.BatchNormalization(),
            layers.ReLU(),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(32, activation="tanh"),
            layers.Dense(10, activation="softmax"),
        ],
    )


def keras_separable():
    keras_images(
        "keras_separable",
        lambda layers: [
            layers.Conv2D(8, 3, padding="same", activation="relu"),
            layers.DepthwiseConv2D(3, padding="same"),  # Conv, group 8
            layers.Conv2D(16, 1, activation="relu"),
            layers.Conv2D(16, 3, dilation_rate=2, activation="relu"),  # dilations 2
            layers.GlobalAveragePooling2D(),
            layers.Dense(10, activation="softmax"),
        ],
    )


def keras_images(name, make_layers):
    """A Sequential model of make_layers(tf.keras.layers) on the digits as
    8x8x1 images, trained 15 epochs and exported by tf2onnx."""
    import tensorflow as tf
    import tf2onnx

    tf.keras.utils.set_random_seed(SEED)
    x_train, x_test, y_train, _ = digits()
    images = lambda x: (x / 16).reshape(-1, 8, 8, 1)
    model = tf.keras.Sequential([tf.keras.Input((8, 8, 1)), *make_layers(tf.keras.layers)])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(images(x_train), y_train, epochs=15, batch_size=32, verbose=0)
    spec = (tf.TensorSpec((None, 8, 8, 1), tf.float32, name="image"),)
    function = tf.function(lambda x: model(x, training=False))
    onx, _ = tf2onnx.convert.from_function(function, input_signature=spec, opset=13)
    save(name, onx.SerializeToString(), images(x_test).astype(np.float32))


def torch_cnn():
    import torch

    torch.manual_seed(SEED)
    x_train, x_test, y_train, _ = digits()
    images = lambda x: torch.tensor((x / 16).reshape(-1, 1, 8, 8), dtype=torch.float32)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 8, 3, padding=1),
        torch.nn.BatchNorm2d(8),
        torch.nn.ReLU(),
        torch.nn.AvgPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(128, 32),
        torch.nn.LeakyReLU(0.1),
        torch.nn.Linear(32, 10),
        torch.nn.Softmax(dim=1),
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    xs, ys = images(x_train), torch.tensor(y_train)
    for _ in range(30):
        for i in range(0, len(xs), 64):
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model[:-1](xs[i : i + 64]), ys[i : i + 64])
            loss.backward()
            optimizer.step()
    model.eval()
    path = os.path.join(OUT, "torch_cnn.onnx")
    os.makedirs(OUT, exist_ok=True)
    torch.onnx.export(
        model,
        (xs[:1],),
        path,
        input_names=["image"],
        output_names=["scores"],
        dynamic_axes={"image": {0: "batch"}, "scores": {0: "batch"}},
        opset_version=11,
        dynamo=False,
    )
    with open(path, "rb") as f:
        save("torch_cnn", f.read(), images(x_test).numpy())


MODELS = {f.__name__: f for f in [sklearn_logreg, sklearn_mlp, keras_cnn, keras_separable, torch_cnn]}

if __name__ == "__main__":
    for name in sys.argv[1:] or MODELS:
        MODELS[name]()
