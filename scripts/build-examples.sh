#!/usr/bin/env bash
# Builds the example apps of examples/ (`make examples`; not part of
# `make test`: a cold build of a frontend framework takes minutes):
#   examples/yew-sign-up   a Yew (CSR) sign-up form on the Rust API, into
#                          examples/yew-sign-up/dist (its README says how to
#                          run it against `make demo`'s server).
# Each example is its own cargo workspace; its build goes to
# target/examples. Needs the wasm-bindgen CLI (scripts/setup.sh demo).
set -euo pipefail
cd "$(dirname "$0")/.."

target_dir=$(realpath -m "${CARGO_TARGET_DIR:-target}")/examples
example=examples/yew-sign-up
(cd "$example" && CARGO_TARGET_DIR="$target_dir" cargo build --quiet --release --target wasm32-unknown-unknown)
rm -rf "$example/dist"
wasm-bindgen --target web --no-typescript --out-dir "$example/dist" \
  "$target_dir/wasm32-unknown-unknown/release/yew_sign_up.wasm"
cp "$example/index.html" "$example/dist/"
echo "build-examples: $example/dist"
