#!/usr/bin/env bash
# nbq set-up on Debian 12: system packages (installed when run as root, otherwise the exact command is printed),
# the Rust test runner, and a release build of the `nbq` binary. Safe to run again: it only adds what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# protobuf-compiler: builds the ONNX reader; g++ and make: build Verilator models; the rest are the simulators
# and FPGA tools the flows drive.
APT_PACKAGES=(protobuf-compiler pkg-config g++ make iverilog yosys verilator nextpnr-ice40 fpga-icestorm)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  else
    echo "setup: missing system packages. Run:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: Rust is missing. Install Rust 1.89 or newer (https://rustup.rs), then run this again." >&2
  exit 1
fi
if ! cargo nextest --version >/dev/null 2>&1; then
  echo "setup: installing cargo-nextest" >&2
  cargo install --locked cargo-nextest >&2
fi
