#!/usr/bin/env python3
"""NumPy side of bench/quantize_vs_numpy.sh: generates the weights, times NumPy's log-round, checks nbq's result.

  quantize_vs_numpy.py gen OUT.npy N     write N Laplace-distributed float32 weights (seed 0)
  quantize_vs_numpy.py time IN.npy BITS RUNS   time the vectorized NumPy log-round (median), compare with Rust
"""
import json
import sys
import time

import numpy as np


def log_round(w, bits):
    """sign(w) * 2^round(log2|w|) clipped to a window of r = 2^(bits-1) - 1 exponents (bits >= 2),
    rounding half up in the log domain; below the window -> 0. The same rule as nbq's `log-round`."""
    r = 2 ** (bits - 1) - 1
    a = np.abs(w).astype(np.float64)
    e_hi = np.floor(np.log2(a.max()) + 0.5)
    e_lo = e_hi - r + 1
    with np.errstate(divide="ignore"):
        e = np.floor(np.log2(a) + 0.5)
    return np.where(e < e_lo, 0.0, np.sign(w) * np.exp2(np.minimum(e, e_hi))).astype(np.float32)


def main():
    if sys.argv[1] == "gen":
        rng = np.random.default_rng(0)
        np.save(sys.argv[2], rng.laplace(0.0, 0.02, int(sys.argv[3])).astype(np.float32))
        return
    path, bits, runs = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    w = np.load(path)
    secs = []
    for _ in range(runs):
        t0 = time.perf_counter()
        q = log_round(w, bits)
        secs.append(time.perf_counter() - t0)
    med = sorted(secs)[runs // 2]
    rust = np.load(path.replace(".npy", ".rust-loground.npy"))
    mismatches = int(np.count_nonzero(rust != q))
    print(json.dumps({"impl": "numpy", "method": "log-round", "weights": int(w.size), "seconds": round(med, 6),
                      "weights_per_s": round(w.size / med), "mismatches_vs_rust": mismatches}))


if __name__ == "__main__":
    main()
