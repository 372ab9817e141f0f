#!/usr/bin/env bash
# Training throughput on MNIST and whole-network hardware simulation throughput, each simulator side by side in
# one run (timings on shared machines are noisy: compare the ratios). Needs scripts/setup.sh (MNIST in data/mnist).
# Usage: bench/train_infer.sh [out-folder]   (default out/bench-train-infer)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-out/bench-train-infer}
cargo build --release --locked -q -p nbq-cli
nbq=target/release/nbq
echo "== training: MNIST (8,004 training images), float 5 epochs, reconstructed gradient 3-bit 3 epochs"
/usr/bin/time -f "wall %e s, max RSS %M KB" $nbq train --data mnist --bits 3 --methods rg --epochs 5 --qat-epochs 3 -o "$out" --force
echo "== whole-network inference, conv layers on the emitted Verilog of their SVPE engines"
$nbq infer -m "$out/rg-3bit.safetensors" --data mnist --simulator golden
$nbq infer -m "$out/rg-3bit.safetensors" --data mnist --simulator verilator --images 500
$nbq infer -m "$out/rg-3bit.safetensors" --data mnist --simulator icarus --images 10 --batch 10
