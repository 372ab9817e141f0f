#!/usr/bin/env bash
# Set up (see scripts/setup.sh) and run every check CI runs: formatting, lints, all tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -q -- -D warnings
cargo test --workspace --doc --locked -q
cargo nextest run --workspace --locked --no-fail-fast
