#!/usr/bin/env python3
"""Writes the CSV files of examples/c/private_prediction.c from
tests/data/digits/: the MLP's weights (mlp.json, Dense 64-32, ReLU,
Dense 32-10) as w1.csv (64 rows of 32), b1.csv, w2.csv (32 rows of 10),
b2.csv, and the client's image (the last digit of digits.txt, held out
from training) as image.csv: 8 rows of 8 pixels / 16. Standard library
only; run from anywhere: python3 examples/c/data/digits-mlp/make_csv.py
"""
import json
import pathlib

HERE = pathlib.Path(__file__).resolve().parent
DIGITS = HERE.parents[3] / "tests" / "data" / "digits"


def write(name, values, columns):
    rows = [values[i:i + columns] for i in range(0, len(values), columns)]
    text = "".join(",".join(repr(float(v)) for v in row) + "\n" for row in rows)
    (HERE / name).write_text(text)


mlp = json.loads((DIGITS / "mlp.json").read_text())
write("w1.csv", mlp["w1"], 32)
write("b1.csv", mlp["b1"], 32)
write("w2.csv", mlp["w2"], 10)
write("b2.csv", mlp["b2"], 10)

label, pixels = (DIGITS / "digits.txt").read_text().splitlines()[-1].split(" ")
write("image.csv", [int(c, 17) / 16 for c in pixels], 8)
print(f"wrote the weights and an image of a {label}")
