"""The package's overhead over the C API, and private prediction from Python.

1. A 64x64 private matmul run (an input times a variable, revealed), the
   same graph and session kind on both sides: through tfe (Context.run: the
   provider returns a numpy array, values are checked and copied out) and
   through raw ctypes calls of the same C functions in tfe._capi (a callback
   that copies a prepared buffer, tfe_session_run_with_feeds without feeds,
   tfe_result_value, the values copied into a new array, tfe_result_free):
   both sides copy the input in, copy the values out and free what they
   allocate. Runs alternate (ABBA), so both sides see the same machine; the
   ratio of the medians is the overhead. The machine is shared: the runs are
   cut into 10 blocks, each with fresh sessions on both sides, and the spread
   of the blocks' ratios is printed with the load average before and after.
2. Private prediction of Network A (784-128-128-10), batch 1 and 128.

    python bindings/python/bench/overhead.py [--runs N] [--transport tcp|memory] [--control]

--control runs the C API side against a second C API session instead of the
package: the ratio it prints is the noise of the machine at that moment.
"""

import argparse
import ctypes
import os
import statistics
import time

import numpy as np

import tfe
from tfe import _capi


def raw_matmul(n, transport):
    """(run, close) over the C API only."""
    ctx = _capi.HANDLE()
    _capi.tfe_context_new(None, ctypes.byref(ctx))
    shape = (ctypes.c_size_t * 2)(n, n)
    ones = np.ones(n * n)
    values = ones.ctypes.data_as(ctypes.POINTER(ctypes.c_double))

    def provide(_user_data, _name, _shape, _rank, out, length):
        ctypes.memmove(out, values, length * 8)
        return 0

    callback = _capi.INPUT_FN(provide)
    x, w, y, r = (_capi.HANDLE() for _ in range(4))
    _capi.tfe_define_private_input(ctx, b"x", b"input-provider", shape, 2, callback, None, ctypes.byref(x))
    _capi.tfe_define_private_variable(ctx, b"w", b"server0", values, n * n, shape, 2, ctypes.byref(w))
    _capi.tfe_matmul(ctx, x, w, ctypes.byref(y))
    _capi.tfe_reveal(ctx, y, None, ctypes.byref(r))
    options = _capi.tfe_session_options_default()
    options.transport = tfe.session.TRANSPORTS[transport]
    sess = _capi.HANDLE()
    _capi.tfe_session_new_local_with_options(ctx, ctypes.byref(options), ctypes.byref(sess))
    fetches = (_capi.HANDLE * 1)(r.value)

    def run():
        assert callback is not None  # the library calls it: it lives while run() does
        result = _capi.HANDLE()
        _capi.tfe_session_run_with_feeds(sess, fetches, 1, None, ctypes.byref(result))
        data, length = ctypes.POINTER(ctypes.c_double)(), ctypes.c_size_t()
        _capi.tfe_result_value(result, 0, ctypes.byref(data), ctypes.byref(length))
        # Copied out, as the package returns them (a caller of the C API reads its values too).
        values = np.empty((n, n))
        ctypes.memmove(values.ctypes.data, data, length.value * 8)
        _capi.tfe_result_free(result)
        return values[0, 0]

    def close():
        nonlocal callback  # alive until the session and the context are freed
        _capi.tfe_session_free(sess)
        for t in (x, w, y, r):
            _capi.tfe_tensor_free(t)
        _capi.tfe_context_free(ctx)
        callback = None

    return run, close


def package_matmul(n, transport):
    ctx = tfe.Context(transport=transport)
    ones = np.ones((n, n))
    x = ctx.define_private_input("input-provider", lambda: ones, shape=(n, n), name="x")
    w = ctx.define_private_variable(ones, name="w")
    y = tfe.matmul(x, w).reveal()
    ctx.session()
    return (lambda: ctx.run(y)[0, 0]), ctx.close


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


BLOCKS = 10


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--transport", default="tcp", choices=["tcp", "memory", "tls"])
    parser.add_argument("--control", action="store_true", help="a second C API session in the package's place")
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    make_other = raw_matmul if args.control else package_matmul
    raw, pkg, blocks = [], [], []
    for block in range(BLOCKS):
        # Fresh sessions per block, made in alternating order: on a loaded
        # machine a session's threads keep a lucky or unlucky place for as
        # long as they live (a second C API session alone differed by 10 %).
        if block % 2 == 0:
            raw_run, raw_close = raw_matmul(64, args.transport)
            pkg_run, pkg_close = make_other(64, args.transport)
        else:
            pkg_run, pkg_close = make_other(64, args.transport)
            raw_run, raw_close = raw_matmul(64, args.transport)
        assert raw_run() == pkg_run() == 64.0
        for _ in range(20):  # warm up both
            raw_run(), pkg_run()
        block_raw, block_pkg = [], []
        for i in range(max(1, args.runs // BLOCKS)):
            # ABBA: each side runs first after the other half of the time (the
            # first run after a switch wakes threads that the other run left idle).
            if i % 2 == 0:
                block_raw.append(timed(raw_run))
                block_pkg.append(timed(pkg_run))
            else:
                block_pkg.append(timed(pkg_run))
                block_raw.append(timed(raw_run))
        raw_close()
        pkg_close()
        raw += block_raw
        pkg += block_pkg
        blocks.append(statistics.median(block_pkg) / statistics.median(block_raw))
    blocks.sort()
    raw_ms, pkg_ms = statistics.median(raw) * 1e3, statistics.median(pkg) * 1e3
    other = "C API, again" if args.control else "tfe package"
    print(f"64x64 private matmul run, {args.transport}, {len(raw)} alternating runs in {BLOCKS} blocks of fresh sessions:")
    print(f"  C API (raw ctypes) {raw_ms:8.3f} ms (median)")
    print(f"  {other:18s} {pkg_ms:8.3f} ms")
    print(f"  overhead           {100 * (pkg_ms / raw_ms - 1):+7.1f} % (ratio of the medians)")
    print(f"  per block: {100 * (blocks[0] - 1):+.1f} % to {100 * (blocks[-1] - 1):+.1f} %, "
          f"median {100 * (statistics.median(blocks) - 1):+.1f} %; "
          f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after")
    # The fastest runs are the least disturbed by other load on the machine.
    raw_min, pkg_min = min(raw) * 1e3, min(pkg) * 1e3
    print(f"  fastest runs: C API {raw_min:.3f} ms, {other} {pkg_min:.3f} ms ({100 * (pkg_min / raw_min - 1):+.1f} %)")

    if args.control:
        return
    with tfe.keras.network("A", seed=1) as model:
        with model.predictor(max_batch=128, transport=args.transport) as predictor:
            rng = np.random.default_rng(0)
            for batch in (1, 128):
                x = rng.uniform(0, 1, (batch, 784))
                predictor.predict(x)  # the first shares the weights
                times = [timed(lambda: predictor.predict(x)) for _ in range(max(5, args.runs // 20))]
                stats = predictor.last_stats["server0"]
                print(f"Network A, batch {batch:3d}: {statistics.median(times) * 1e3:8.2f} ms per prediction "
                      f"(server0: {stats.bytes_sent} bytes, {stats.rounds} rounds)")


if __name__ == "__main__":
    main()
