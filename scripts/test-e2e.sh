#!/usr/bin/env bash
# The demo page's end-to-end tests: Playwright (playwright-core, the system
# Chromium) driving www/ against a real gatehouse-server in dev mode.
#
# Assumes pkg/ is built (scripts/build-pkg.sh) and the npm dev dependencies
# are installed (npm ci). Builds the server, starts it on a free port with a
# fresh SQLite file, waits for /healthz, runs `node --test tests/e2e/` with
# GATEHOUSE_E2E_URL set, and always stops the server. Exits with the tests'
# status. Extra arguments go to `node --test` (e.g. --test-name-pattern).
# Screenshots land in target/e2e/; the server's log in target/e2e/server.log.
set -euo pipefail
cd "$(dirname "$0")/.."

target_dir=${CARGO_TARGET_DIR:-target}

if [ ! -f pkg/gatehouse.js ]; then
  echo "test-e2e: pkg/gatehouse.js is missing; run scripts/build-pkg.sh first" >&2
  exit 1
fi
if [ ! -f node_modules/playwright-core/package.json ]; then
  echo "test-e2e: node_modules/playwright-core is missing; run npm ci first" >&2
  exit 1
fi
if [ ! -x "${GATEHOUSE_E2E_CHROMIUM:-/usr/bin/chromium}" ]; then
  echo "test-e2e: ${GATEHOUSE_E2E_CHROMIUM:-/usr/bin/chromium} is missing (apt-get install chromium)" >&2
  exit 1
fi

cargo build --quiet -p gatehouse-server
server_bin="$target_dir/debug/gatehouse-server"

# A free port: bind port 0, read what the OS chose, release it.
port=$(node -e '
  const s = require("net").createServer();
  s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });
')
base="http://127.0.0.1:$port"

work=$(mktemp -d)
mkdir -p "$target_dir/e2e"
log="$target_dir/e2e/server.log"
server_pid=
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The GATEHOUSE_* variables are the flags' twins; unset any the caller's
# shell carries so that a developer's own config cannot change the run.
env -u GATEHOUSE_CONFIG \
  GATEHOUSE_LISTEN="127.0.0.1:$port" \
  GATEHOUSE_DATABASE_URL="sqlite://$work/e2e.db" \
  GATEHOUSE_DEV=true \
  GATEHOUSE_WWW=www \
  GATEHOUSE_PKG=pkg \
  "$server_bin" --dev --www www --pkg pkg >"$log" 2>&1 &
server_pid=$!

for _ in $(seq 1 150); do
  if curl -fsS "$base/healthz" >/dev/null 2>&1; then
    break
  fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "test-e2e: the server exited before it was ready; its log:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.2
done
if ! curl -fsS "$base/healthz" >/dev/null 2>&1; then
  echo "test-e2e: the server did not answer $base/healthz within 30 s; its log:" >&2
  cat "$log" >&2
  exit 1
fi

echo "test-e2e: server at $base (log: $log)"
status=0
GATEHOUSE_E2E_URL="$base" node --test "$@" tests/e2e/ || status=$?
if [ "$status" -ne 0 ]; then
  echo "test-e2e: tests failed; the server's log is in $log" >&2
fi
exit "$status"
