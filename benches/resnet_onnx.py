"""Private inference of ResNet-50 from ONNX next to onnxruntime's plaintext
inference of the same file, in the same run (issue 17's ResNet benchmark).

    python3 -m venv target/bench-venv
    target/bench-venv/bin/pip install onnx onnxruntime numpy
    cargo build --release
    target/bench-venv/bin/python benches/resnet_onnx.py [--quick] [--sizes 32,224]

The model is ResNet-50 v1 as torchvision defines it (a 7x7 stride-2 stem, max
pooling, bottleneck blocks 3-4-6-3 of 64 to 2048 channels with projection
shortcuts, global average pooling, a 1000-way Gemm), written with onnx.helper
at opset 17, with random weights (He-normal convolutions, batch
normalizations with random statistics): its cost does not depend on the
weights' values. For each input size (32x32 and 224x224, three channels,
batch 1) it times onnxruntime (float32, its default threads, median of 5
runs after a warm-up), then runs `tfe bench --only onnx --model FILE` (the
release build's: three servers in local mode over loopback TCP) on the same
file, and prints both JSON lines and a summary line with the ratio.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
import onnxruntime
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OPSET = 17
STAGES = [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]  # width, blocks, first stride
EXPANSION = 4


class Builder:
    """Nodes and initializers of one graph, with unique names."""

    def __init__(self, rng):
        self.rng, self.nodes, self.weights, self.count = rng, [], [], 0

    def name(self, kind):
        self.count += 1
        return f"{kind}{self.count}"

    def weight(self, kind, array):
        name = self.name(kind)
        self.weights.append(numpy_helper.from_array(array.astype(np.float32), name))
        return name

    def conv_bn(self, x, channels_in, channels_out, kernel, stride, relu):
        fan_in = channels_in * kernel * kernel
        w = self.rng.normal(0, np.sqrt(2 / fan_in), (channels_out, channels_in, kernel, kernel))
        pad = kernel // 2
        conv = self.name("conv")
        self.nodes.append(helper.make_node("Conv", [x, self.weight("w", w)], [conv], kernel_shape=[kernel, kernel],
                                           strides=[stride, stride], pads=[pad] * 4))
        bn = self.name("bn")
        params = [self.weight("gamma", self.rng.uniform(0.5, 1.0, channels_out)),
                  self.weight("beta", self.rng.normal(0, 0.1, channels_out)),
                  self.weight("mean", self.rng.normal(0, 0.1, channels_out)),
                  self.weight("var", self.rng.uniform(0.5, 1.5, channels_out))]
        self.nodes.append(helper.make_node("BatchNormalization", [conv, *params], [bn], epsilon=1e-5))
        return self.relu(bn) if relu else bn

    def relu(self, x):
        out = self.name("relu")
        self.nodes.append(helper.make_node("Relu", [x], [out]))
        return out

    def bottleneck(self, x, channels_in, width, stride):
        out_channels = width * EXPANSION
        y = self.conv_bn(x, channels_in, width, 1, 1, relu=True)
        y = self.conv_bn(y, width, width, 3, stride, relu=True)
        y = self.conv_bn(y, width, out_channels, 1, 1, relu=False)
        shortcut = x
        if stride != 1 or channels_in != out_channels:
            shortcut = self.conv_bn(x, channels_in, out_channels, 1, stride, relu=False)
        added = self.name("add")
        self.nodes.append(helper.make_node("Add", [y, shortcut], [added]))
        return self.relu(added), out_channels


def resnet50(size, seed=0):
    """ResNet-50 v1 for one `size` x `size` RGB image a sample (NCHW)."""
    b = Builder(np.random.default_rng(seed))
    x = b.conv_bn("input", 3, 64, 7, 2, relu=True)
    pooled = b.name("maxpool")
    b.nodes.append(helper.make_node("MaxPool", [x], [pooled], kernel_shape=[3, 3], strides=[2, 2], pads=[1] * 4))
    x, channels = pooled, 64
    for width, blocks, stride in STAGES:
        for i in range(blocks):
            x, channels = b.bottleneck(x, channels, width, stride if i == 0 else 1)
    b.nodes.append(helper.make_node("GlobalAveragePool", [x], ["gap"]))
    b.nodes.append(helper.make_node("Flatten", ["gap"], ["flat"], axis=1))
    fc_w = b.weight("fc_w", b.rng.normal(0, np.sqrt(1 / channels), (1000, channels)))
    fc_b = b.weight("fc_b", np.zeros(1000))
    b.nodes.append(helper.make_node("Gemm", ["flat", fc_w, fc_b], ["logits"], transB=1))
    graph = helper.make_graph(
        b.nodes, f"resnet50_{size}",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 3, size, size])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 1000])],
        b.weights)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="tfe benches/resnet_onnx.py")
    onnx.checker.check_model(model)
    return model


def onnxruntime_latency(path, size, runs):
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    x = np.random.default_rng(1).uniform(0, 1, (1, 3, size, size)).astype(np.float32)
    session.run(None, {"input": x})
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        session.run(None, {"input": x})
        times.append(time.perf_counter() - started)
    return sorted(times)[runs // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="32x32 only, one private run")
    parser.add_argument("--sizes", default="32,224", help="input sizes, comma-separated")
    parser.add_argument("--tfe", default=os.path.join(ROOT, "target", "release", "tfe"), help="the tfe executable")
    args = parser.parse_args()
    sizes = [32] if args.quick else [int(s) for s in args.sizes.split(",")]
    private_runs = 1 if args.quick else 3
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            path = os.path.join(tmp, f"resnet50_{size}.onnx")
            onnx.save(resnet50(size), path)
            plain_s = onnxruntime_latency(path, size, 5)
            print(json.dumps({"bench": "onnxruntime_resnet50", "size": size, "batch": 1, "median_s": round(plain_s, 6),
                              "runs": 5}), flush=True)
            out = subprocess.run([args.tfe, "bench", "--only", "onnx", "--model", path, "--runs", str(private_runs)],
                                 check=True, capture_output=True, text=True).stdout
            print(out, end="", flush=True)
            private = json.loads(out.strip().splitlines()[-1])
            print(json.dumps({"bench": "resnet50_private_vs_onnxruntime", "size": size,
                              "private_s": private["median_s"], "onnxruntime_s": round(plain_s, 6),
                              "ratio": round(private["median_s"] / plain_s, 1), "rounds": private["rounds"],
                              "bytes": private["bytes"]}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
