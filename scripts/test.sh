#!/usr/bin/env bash
# Set up (see scripts/setup.sh) and run every check CI runs: formatting, lints, all tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -q -- -D warnings
# The full profile (.config/nextest.toml); `--profile fast` is the few-minute subset.
cargo nextest run --workspace --locked --no-fail-fast --profile default
