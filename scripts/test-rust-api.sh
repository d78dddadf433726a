#!/usr/bin/env bash
# Runs the Rust API's tests (tests/rust_api, the `gatehouse` crate's
# feature `rust-api`) in headless Chromium against a real gatehouse-server:
#   1. checks the README's "Rust frontend" snippet is
#      tests/rust_api/readme_snippet.rs, which the tests run;
#   2. builds the server and starts it with --dev (the outbox) on a free
#      port, with a temporary SQLite file, the test page's origin as its
#      allowed origin and redirect origin (the runner is pinned to another free port through
#      WASM_BINDGEN_TEST_ADDRESS) and a raised rate limit (one IP, faster
#      than a person); waits for GET /healthz;
#   3. compiles the tests with the server's URL (GATEHOUSE_TEST_API) and runs
#      them with wasm-bindgen-test-runner and chromedriver, Chromium going
#      through tests/browser/one-request-per-connection-proxy.mjs (see
#      scripts/test-browser.sh);
#   4. always stops the server.
# Assumes the tools are installed (scripts/setup.sh test). Honours
# CARGO_TARGET_DIR. Extra arguments go to the test binary (a name filter).
set -euo pipefail
cd "$(dirname "$0")/.."

target_dir=${CARGO_TARGET_DIR:-target}
chromedriver=${CHROMEDRIVER:-/usr/bin/chromedriver}

# 1. The README's snippet: the ```rust block after "### Rust frontend".
readme_block=$(awk '/^### Rust frontend/ { on = 1 } on && /^```rust$/ { code = 1; next } code && /^```$/ { exit } code' README.md)
if [ "$readme_block" != "$(cat tests/rust_api/readme_snippet.rs)" ]; then
  echo "test-rust-api: README.md's Rust frontend snippet differs from tests/rust_api/readme_snippet.rs:" >&2
  diff <(echo "$readme_block") tests/rust_api/readme_snippet.rs >&2 || true
  exit 1
fi

cargo build --quiet -p gatehouse-server

. scripts/processes.sh

api_port=$(free_port)
runner_port=$(free_port)
while [ "$runner_port" = "$api_port" ]; do runner_port=$(free_port); done
api="http://127.0.0.1:$api_port"
# The app's page is where an email link leads back to, as in an app.
cat > "$work/gatehouse.toml" <<TOML
allowed_origins = ["http://127.0.0.1:$runner_port"]
allowed_redirect_origins = ["http://127.0.0.1:$runner_port"]

[rate_limit]
per_second = 1000
burst = 10000
sensitive_per_minute = 100000
sensitive_burst = 100000
TOML

"$target_dir/debug/gatehouse-server" --dev --listen "127.0.0.1:$api_port" \
  --database-url "sqlite://$work/gatehouse.db" --config "$work/gatehouse.toml" > "$work/server.log" 2>&1 &
server_pid=$!; pids+=("$server_pid")
for _ in $(seq 1 100); do
  curl -fsS "$api/healthz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { echo "test-rust-api: the server exited:" >&2; cat "$work/server.log" >&2; exit 1; }
  sleep 0.2
done
curl -fsS "$api/healthz" >/dev/null || { echo "test-rust-api: no /healthz at $api" >&2; cat "$work/server.log" >&2; exit 1; }
echo "test-rust-api: server at $api, test page at http://127.0.0.1:$runner_port"

webdriver_through_proxy test-rust-api

status=0
WASM_BINDGEN_TEST_WEBDRIVER_JSON="$work/webdriver.json" \
GATEHOUSE_TEST_API="$api" \
WASM_BINDGEN_TEST_ADDRESS="127.0.0.1:$runner_port" \
WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-180}" \
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
CHROMEDRIVER="$chromedriver" \
  CARGO_PROFILE_DEV_DEBUG=0 cargo test --target wasm32-unknown-unknown --no-default-features --features rust-api \
  --test rust_api -- "$@" || status=$?

if [ "$status" -ne 0 ]; then
  echo "test-rust-api: tests failed; server log:" >&2
  tail -n 50 "$work/server.log" >&2
fi
exit "$status"
