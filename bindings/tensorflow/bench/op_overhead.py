"""The TfeRun op's overhead over the tfe Python package, for one run of a
64x64 private matmul (x of input-provider times w of server0, revealed):
the same graph, the same local session options, the same feeds; the op
eagerly and inside tf.function against tfe.Session.run. Rounds alternate
between the three in the same minutes; the ratio of medians is reported
(the goal: at most 1.10).

Run: python bindings/tensorflow/bench/op_overhead.py [--rounds 15] [--runs 20]
Prints one JSON line.
"""

import argparse
import json
import statistics
import time

import numpy as np
import tensorflow as tf

import tfe
import tfe.tensorflow as tft


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--runs", type=int, default=20, help="runs per round and contender")
    parser.add_argument("--n", type=int, default=64)
    args = parser.parse_args()
    n = args.n

    ctx = tfe.Context()
    x = ctx.define_private_input("input-provider", shape=(n, n), name="x")
    w = ctx.define_private_variable(shape=(n, n), owner="server0", name="w")
    y = tfe.matmul(x, w)
    revealed = y.reveal()
    op = tft.Computation(ctx, outputs=[y], inputs=[x, w], dtype=tf.float64)
    session = tfe.Session(ctx)

    rng = np.random.default_rng(0)
    xv, wv = rng.uniform(-1, 1, (n, n)), rng.uniform(-1, 1, (n, n))
    tx, tw = tf.constant(xv), tf.constant(wv)
    function = tf.function(lambda a, b: op(a, b))
    contenders = {
        "package": lambda: session.run(revealed, feeds={x: xv, w: wv}),
        "op_eager": lambda: op(tx, tw).numpy(),
        "op_function": lambda: function(tx, tw).numpy(),
    }
    expected = xv @ wv
    for name, run in contenders.items():  # warm up, and check the values
        for _ in range(3):
            value = run()
        assert np.max(np.abs(value - expected)) < 1e-2, name

    times = {name: [] for name in contenders}
    for _ in range(args.rounds):
        for name, run in contenders.items():
            start = time.perf_counter()
            for _ in range(args.runs):
                run()
            times[name].append((time.perf_counter() - start) / args.runs)
    medians = {name: statistics.median(t) for name, t in times.items()}
    print(json.dumps({
        "bench": "tf_op_overhead",
        "shape": [n, n],
        "median_ms": {name: round(m * 1e3, 3) for name, m in medians.items()},
        "ratio_op_eager": round(medians["op_eager"] / medians["package"], 3),
        "ratio_op_function": round(medians["op_function"] / medians["package"], 3),
        "rounds": args.rounds,
        "runs_per_round": args.runs,
    }))
    op.close()
    session.close()


if __name__ == "__main__":
    main()
