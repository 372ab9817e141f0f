#!/usr/bin/env bash
# Quantizer throughput on 11.7 M float weights (ResNet-18 size), nbq (Rust, one thread) side by side with a
# vectorized NumPy implementation of the same log-round rule, in one run on the same data.
# Usage: bench/quantize_vs_numpy.sh [BITS=4] [RUNS=5]. Needs numpy (pip install numpy).
set -euo pipefail
cd "$(dirname "$0")/.."
bits=${1:-4}
runs=${2:-5}
python3 -c "import numpy" 2>/dev/null || { echo "needs numpy: python3 -m pip install numpy" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 bench/quantize_vs_numpy.py gen "$work/w.npy" 11700000
cargo build --release --locked -q -p nbq-quant --example throughput
out="$work/results.jsonl"
taskset -c 0 target/release/examples/throughput "$work/w.npy" "$bits" "$runs" | tee "$out"
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 taskset -c 0 python3 bench/quantize_vs_numpy.py time "$work/w.npy" "$bits" "$runs" | tee -a "$out"
python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
rust = next(r for r in rows if r["impl"] == "nbq-rust" and r["method"] == "log-round")
np_ = next(r for r in rows if r["impl"] == "numpy")
print(f"log-round: nbq {rust['weights_per_s']/1e6:.1f} M weights/s, NumPy {np_['weights_per_s']/1e6:.1f} M weights/s, "
      f"ratio {rust['weights_per_s']/np_['weights_per_s']:.2f}x; results differ on {np_['mismatches_vs_rust']} weights")
for r in rows:
    if r["impl"] == "nbq-rust":
        print(f"  nbq {r['method']:9s} {r['weights_per_s']/1e6:7.1f} M weights/s")
PY
