#!/usr/bin/env bash
# Simulated cycles per second of Verilator, Icarus Verilog and rust-hdl's simulator on the same design, side by
# side in one run; every run's outputs are checked against the golden model.
# Usage: bench/sim_throughput.sh [DESIGN=designs/svpe_k3.toml] [CYCLES_VERILATOR=2000000] [CYCLES_ICARUS=20000]
#        [CYCLES_RUST_HDL=20000]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -q -p nbq-tb --example sim_throughput
exec target/release/examples/sim_throughput "${1:-designs/svpe_k3.toml}" "${2:-2000000}" "${3:-20000}" "${4:-20000}"
