#!/usr/bin/env bash
# The demo page's end-to-end tests: Playwright (playwright-core, the system
# Chromium) driving www/ against a real gatehouse-server in dev mode.
#
# Assumes pkg/ is built (scripts/build-pkg.sh) and the npm dev dependencies
# are installed (npm ci). Builds the server, starts it on a free port with a
# fresh SQLite file, waits for /healthz, runs `node --test tests/e2e/` with
# GATEHOUSE_E2E_URL set, and always stops the server. A second server with a
# custom config (username, terms, required first name; no phone) runs beside
# it for the tests of environment-driven fields (GATEHOUSE_E2E_CUSTOM_URL),
# a third takes sign-ups by invitation only (GATEHOUSE_E2E_RESTRICTED_URL),
# and four run the email-link tests with no resend wait: plain ones for
# confirming (GATEHOUSE_E2E_LINKS_URL) and for the waiting tab's stream,
# whose tests count the server's open streams and must have it to
# themselves (GATEHOUSE_E2E_LINKS_WAITING_URL), one with 2 s links
# (GATEHOUSE_E2E_LINKS_EXPIRY_URL), and one with require_same_client
# (GATEHOUSE_E2E_LINKS_SAME_CLIENT_URL).
# Exits with the tests' status. Extra arguments go to `node --test` (e.g.
# --test-name-pattern=keyboard). Screenshots land in target/e2e/, the
# servers' logs in target/e2e/server-*.log.
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

free_port() {
  # Bind port 0, read what the OS chose, release it.
  node -e '
    const s = require("net").createServer();
    s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });
  '
}

work=$(mktemp -d)
mkdir -p "$target_dir/e2e"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start_server NAME [CONFIG]: starts a dev-mode server on a free port with
# its own SQLite file, waits for /healthz, and sets $base to its URL. The
# GATEHOUSE_* twins of the flags are set here, and GATEHOUSE_CONFIG unset
# unless given, so a developer's own environment cannot change the run.
start_server() {
  local name=$1 config=${2:-} port log pid
  port=$(free_port)
  log="$target_dir/e2e/server-$name.log"
  if [ -n "$config" ]; then
    GATEHOUSE_CONFIG="$config" \
    GATEHOUSE_LISTEN="127.0.0.1:$port" GATEHOUSE_DATABASE_URL="sqlite://$work/$name.db" \
    GATEHOUSE_DEV=true GATEHOUSE_WWW=www GATEHOUSE_PKG=pkg \
      "$server_bin" --dev --www www --pkg pkg --config "$config" >"$log" 2>&1 &
  else
    env -u GATEHOUSE_CONFIG \
    GATEHOUSE_LISTEN="127.0.0.1:$port" GATEHOUSE_DATABASE_URL="sqlite://$work/$name.db" \
    GATEHOUSE_DEV=true GATEHOUSE_WWW=www GATEHOUSE_PKG=pkg \
      "$server_bin" --dev --www www --pkg pkg >"$log" 2>&1 &
  fi
  pid=$!
  pids+=("$pid")
  base="http://127.0.0.1:$port"
  for _ in $(seq 1 150); do
    if curl -fsS "$base/healthz" >/dev/null 2>&1; then
      echo "test-e2e: $name server at $base (log: $log)"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "test-e2e: the $name server exited before it was ready; its log:" >&2
      cat "$log" >&2
      exit 1
    fi
    sleep 0.2
  done
  echo "test-e2e: the $name server did not answer $base/healthz within 30 s; its log:" >&2
  cat "$log" >&2
  exit 1
}

# The defaults (email required and verified, password, optional names and phone).
start_server default
default_url=$base

# Another instance: username and accepted terms required, first name
# required, phone off; the page must render what the environment asks.
cat >"$work/custom.toml" <<'TOML'
[attributes.username]
enabled = true
required = true

[attributes.legal_accepted]
enabled = true
required = true

[attributes.first_name]
enabled = true
required = true

[attributes.phone_number]
enabled = false
required = false
verify_at_sign_up = false
verification_strategies = []
TOML
start_server custom "$work/custom.toml"
custom_url=$base

# Invitation only: the page must say so, and invitation links still work.
cat >"$work/restricted.toml" <<'TOML'
[sign_up]
mode = "restricted"
TOML
start_server restricted "$work/restricted.toml"
restricted_url=$base

# Email links: no wait between two codes or links to an address (not
# 30 s), so a test can ask for a link right after the code step sent its
# code. Two servers with plain links (the tests of the waiting tab count
# and drop every open stream, so they have one to themselves), one whose
# links expire in 2 s, and one whose links only the browser that signed
# up may confirm.
links_config() {
  local name=$1
  {
    printf '[verification]\ncode_resend_seconds = 0\n\n[email_link]\n'
    cat
  } >"$work/$name.toml"
  start_server "$name" "$work/$name.toml"
}
links_config links </dev/null
links_url=$base
links_config links-waiting </dev/null
links_waiting_url=$base
links_config links-expiry <<<'ttl_seconds = 2'
links_expiry_url=$base
links_config links-same-client <<<'require_same_client = true'
links_same_client_url=$base

status=0
GATEHOUSE_E2E_URL="$default_url" GATEHOUSE_E2E_CUSTOM_URL="$custom_url" \
GATEHOUSE_E2E_RESTRICTED_URL="$restricted_url" GATEHOUSE_E2E_LINKS_URL="$links_url" \
GATEHOUSE_E2E_LINKS_WAITING_URL="$links_waiting_url" GATEHOUSE_E2E_LINKS_EXPIRY_URL="$links_expiry_url" \
GATEHOUSE_E2E_LINKS_SAME_CLIENT_URL="$links_same_client_url" \
  node --test "$@" tests/e2e/ || status=$?
if [ "$status" -ne 0 ]; then
  echo "test-e2e: tests failed; the servers' logs are in $target_dir/e2e/server-*.log" >&2
fi
exit "$status"
