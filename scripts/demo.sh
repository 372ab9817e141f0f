#!/usr/bin/env bash
# Set up (see scripts/setup.sh) and run the main job on the bundled model. Extra arguments go to `nbq demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release --locked -q -p nbq-cli
exec target/release/nbq demo "$@"
