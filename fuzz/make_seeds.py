"""Writes the seed corpora of the fuzz targets (fuzz/corpus/TARGET/): a few
valid inputs of each reader, which libFuzzer then mutates. Run from the
repository root after `cargo build --release`, with numpy:
`python3 fuzz/make_seeds.py`. The committed corpora also hold what the
fuzzing runs of docs/fuzzing.md kept (cargo fuzz cmin)."""

import io
import pathlib
import shutil
import struct
import subprocess

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"


def put(target, name, data):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def frame(kind, payload, run=1, op=0, step=0):
    # Header: payload bytes, kind, run (u64), op, step; little-endian (src/net/frame.rs).
    return struct.pack("<IIQII", len(payload), kind, run, op, step) + payload


def frames():
    data = frame(1, struct.pack("<4Q", 1, 2, 3, 2**64 - 1), run=3, op=7, step=1)
    put("frames", "data", data)
    put("frames", "abort", frame(2, b"server0: input 'x' has the wrong shape", run=2))
    put("frames", "progress", frame(3, b"", run=5))
    put("frames", "mixed", frame(3, b"", run=1) + data + frame(1, bytes(8 * 300)) + frame(2, b"stop", run=9))


def hello():
    name = b"server1"
    hello = b"TFE\0" + struct.pack("<H", 2) + bytes([len(name)]) + name + bytes([7] * 16) + bytes([9] * 32)
    put("hello", "server1", hello)
    put("hello", "stranger", hello.replace(b"server1", b"eve-01\0"))


def graphs():
    out = CORPUS / "graph" / "seed.tfe"
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([str(ROOT / "target/release/tfe"), "graph", "seed", "--out", str(out)], check=True)


def hostmaps():
    players = ["server0", "server1", "server2", "input-provider", "result-receiver"]
    entries = ",\n".join(
        f'    {{"name": "{p}", "address": "127.0.0.1:{4000 + i}", "certificate": "certs/{p}.pem"}}'
        for i, p in enumerate(players)
    )
    put("hostmap", "pinned", f'{{\n  "players": [\n{entries}\n  ],\n  "recv_timeout_ms": 5000\n}}\n'.encode())
    plain = ",".join(f'{{"name":"{p}","address":"10.0.0.{i}:4000"}}' for i, p in enumerate(players))
    put("hostmap", "plain", f'{{"players":[{plain}],"connect_timeout_ms":30000}}'.encode())


def npys():
    rng = np.random.default_rng(1)
    arrays = {
        "f8": rng.normal(size=(3, 4)),
        "f4": rng.normal(size=(2, 2, 2)).astype("<f4"),
        "f8_big_endian": rng.normal(size=(5,)).astype(">f8"),
        "fortran": np.asfortranarray(rng.normal(size=(3, 2))),
        "scalar": np.array(2.5),
    }
    for name, array in arrays.items():
        buffer = io.BytesIO()
        np.save(buffer, array)
        put("npy", name, buffer.getvalue())


def csvs():
    put("csv", "commas", b"1,2,3\n4.5,-6,7e3\n")
    put("csv", "spaces", b"1 2\n\n3 4\n")
    put("csv", "one", b"0.25\n")


def onnx():
    for model in sorted((ROOT / "tests" / "onnx" / "models").glob("*.onnx")):
        put("onnx", model.stem, model.read_bytes())


if __name__ == "__main__":
    shutil.rmtree(CORPUS, ignore_errors=True)
    for make in (frames, hello, graphs, hostmaps, npys, csvs, onnx):
        make()
