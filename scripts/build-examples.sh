#!/usr/bin/env bash
# Builds the example apps of examples/ and drives each in Chromium against a
# real server (`make examples`; not part of `make test`: a cold build of a
# frontend framework takes minutes):
#   examples/yew-sign-up   a Yew (CSR) sign-up form on the Rust API, built
#                          into examples/yew-sign-up/dist (its README says
#                          how to run it against `make demo`'s server); a
#                          dev-mode server serves it (--www) and
#                          form.test.mjs signs up through it with Playwright.
# Each example is its own cargo workspace; its build goes to
# target/examples. Needs the wasm-bindgen CLI, Chromium and playwright-core
# (scripts/setup.sh test).
set -euo pipefail
cd "$(dirname "$0")/.."

target_dir=$(realpath -m "${CARGO_TARGET_DIR:-target}")/examples
example=examples/yew-sign-up
(cd "$example" && CARGO_TARGET_DIR="$target_dir" cargo build --quiet --release --target wasm32-unknown-unknown)
rm -rf "$example/dist"
wasm-bindgen --target web --no-typescript --out-name yew_sign_up --out-dir "$example/dist" \
  "$target_dir/wasm32-unknown-unknown/release/yew-sign-up.wasm"
cp "$example/index.html" "$example/dist/"
echo "build-examples: $example/dist"

cargo build --quiet -p gatehouse-server
. scripts/processes.sh
port=$(free_port)
base="http://127.0.0.1:$port"
"${CARGO_TARGET_DIR:-target}/debug/gatehouse-server" --dev --listen "127.0.0.1:$port" \
  --database-url "sqlite://$work/example.db" --www "$example/dist" > "$work/server.log" 2>&1 &
pids+=("$!")
for _ in $(seq 1 100); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "$base/healthz" >/dev/null || { echo "build-examples: no server at $base" >&2; cat "$work/server.log" >&2; exit 1; }
GATEHOUSE_EXAMPLE_URL="$base" timeout 120 node --test "$example/form.test.mjs"
