#!/usr/bin/env bash
# Regenerates crates/nbq-quant/src/input/onnx_proto.rs, the prost types of the ONNX protobuf messages, from the
# vendored crates/nbq-quant/proto/onnx.proto3 (ONNX IR version 9, Apache-2.0, the copy candle-onnx 0.11 ships).
# Only needed when onnx.proto3 changes: the generated file is committed, so building nbq needs neither protoc nor
# prost-build. Needs protoc (Debian: protobuf-compiler) and cargo; run from anywhere.
#   tools/gen_onnx_proto.sh           rewrite the file
#   tools/gen_onnx_proto.sh --check   exit 1 if the committed file differs from a fresh generation
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/crates/nbq-quant/src/input/onnx_proto.rs
command -v protoc >/dev/null || { echo "gen_onnx_proto: protoc is missing: apt-get install protobuf-compiler" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src"
cat > "$tmp/Cargo.toml" <<'TOML'
[package]
name = "gen-onnx-proto"
version = "0.0.0"
edition = "2021"
publish = false
[dependencies]
prost-build = "=0.14.4"
[workspace]
TOML
cat > "$tmp/src/main.rs" <<'RS'
fn main() -> std::io::Result<()> {
    let mut a = std::env::args().skip(1);
    let (proto, out) = (a.next().expect("proto"), a.next().expect("out dir"));
    let dir = std::path::Path::new(&proto).parent().expect("proto dir").to_path_buf();
    prost_build::Config::new().out_dir(out).compile_protos(&[&proto], &[dir])
}
RS
mkdir -p "$tmp/out"
cargo run -q --manifest-path "$tmp/Cargo.toml" -- "$root/crates/nbq-quant/proto/onnx.proto3" "$tmp/out"
if [ "${1:-}" = "--check" ]; then
  cmp -s "$tmp/out/onnx.rs" "$out" || { echo "gen_onnx_proto: $out differs from a fresh generation" >&2; exit 1; }
  echo "gen_onnx_proto: $out is up to date"
else
  cp "$tmp/out/onnx.rs" "$out"
  echo "gen_onnx_proto: wrote $out"
fi
