#!/usr/bin/env bash
# The demo page's end-to-end tests: Playwright (playwright-core, the system
# Chromium) driving www/ against a real gatehouse-server in dev mode.
#
# Assumes pkg/ is built (scripts/build-pkg.sh) and the npm dev dependencies
# are installed (npm ci). Copies the page's vendored modules
# (scripts/vendor-demo.sh), builds the server, starts it on a free port with a
# fresh SQLite file, waits for /healthz, runs `node --test tests/e2e/` with
# GATEHOUSE_E2E_URL set, and always stops the server. A second server with a
# custom config (username, terms, required first name; no phone) runs beside
# it for the tests of environment-driven fields (GATEHOUSE_E2E_CUSTOM_URL),
# a third takes sign-ups by invitation only (GATEHOUSE_E2E_RESTRICTED_URL),
# and three run email-link tests that the default server cannot: a plain
# one for the waiting tab's stream, whose tests count the server's open
# streams and must have it to themselves (GATEHOUSE_E2E_LINKS_WAITING_URL),
# one with 2 s links and no resend wait (GATEHOUSE_E2E_LINKS_EXPIRY_URL),
# and one with require_same_client (GATEHOUSE_E2E_LINKS_SAME_CLIENT_URL).
# One more requires a second factor of every user (`[mfa] required`,
# GATEHOUSE_E2E_MFA_URL): new sessions wait for TOTP enrolment.
# The other email-link tests run on the default server. Run without this
# script (`node --test tests/e2e/`), the tests that need one of these
# servers fail and say so (requireServer in tests/e2e/support.mjs): a skip
# would let a run pass without them.
# The servers start side by side, and the test files run side by side
# (GATEHOUSE_E2E_CONCURRENCY of them at once, default twice the CPUs).
# Exits with the tests' status. Extra arguments go to `node --test` (e.g.
# --test-name-pattern=keyboard); test files among them run in place of
# the whole folder. Screenshots land in target/e2e/, the servers' logs in
# target/e2e/server-*.log.
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

# The page's third-party modules (qrcode-generator) into www/vendor/.
scripts/vendor-demo.sh
cargo build --quiet -p gatehouse-server
server_bin="$target_dir/debug/gatehouse-server"

. scripts/processes.sh
mkdir -p "$target_dir/e2e"

# start_server NAME [CONFIG]: starts a dev-mode server on a free port with
# its own SQLite file and sets $base to its URL; wait_for_servers then waits
# for every server's /healthz (they start side by side). The GATEHOUSE_*
# twins of the flags are set here, and GATEHOUSE_CONFIG unset unless given,
# so a developer's own environment cannot change the run.
names=()
bases=()
ports=()
# Every test's requests come from 127.0.0.1, several tests at once and
# faster than any person: at their defaults the per-IP limits (60 sensitive
# requests a minute) failed tests at random under `make test` (429
# `rate_limited` on a sign-in and an attempt). Each server's config gets
# them raised; nothing else. The limiter itself is tested by the API suite,
# and at its defaults on the browser tests' limited server.
raised_limits='
[rate_limit]
per_second = 1000
burst = 10000
sensitive_per_minute = 100000
sensitive_burst = 100000'

start_server() {
  local name=$1 config=${2:-$work/$1.toml} port log
  # Not a port handed to a server that may not have bound it yet.
  port=$(free_port)
  while [[ " ${ports[*]} " == *" $port "* ]]; do port=$(free_port); done
  ports+=("$port")
  log="$target_dir/e2e/server-$name.log"
  printf '%s\n' "$raised_limits" >>"$config"
  GATEHOUSE_CONFIG="$config" \
  GATEHOUSE_LISTEN="127.0.0.1:$port" GATEHOUSE_DATABASE_URL="sqlite://$work/$name.db" \
  GATEHOUSE_DEV=true GATEHOUSE_WWW=www GATEHOUSE_PKG=pkg \
    "$server_bin" --dev --www www --pkg pkg --config "$config" >"$log" 2>&1 &
  pids+=("$!")
  names+=("$name")
  base="http://127.0.0.1:$port"
  bases+=("$base")
}

wait_for_servers() {
  local i name log pending
  for _ in $(seq 1 300); do
    pending=0
    for i in "${!names[@]}"; do
      [ -n "${names[$i]}" ] || continue
      name=${names[$i]}
      log="$target_dir/e2e/server-$name.log"
      if curl -fsS "${bases[$i]}/healthz" >/dev/null 2>&1; then
        echo "test-e2e: $name server at ${bases[$i]} (log: $log)"
        names[$i]=""
      elif ! kill -0 "${pids[$i]}" 2>/dev/null; then
        echo "test-e2e: the $name server exited before it was ready; its log:" >&2
        cat "$log" >&2
        exit 1
      else
        pending=1
      fi
    done
    [ "$pending" -eq 1 ] || return 0
    sleep 0.1
  done
  for i in "${!names[@]}"; do
    [ -n "${names[$i]}" ] || continue
    echo "test-e2e: the ${names[$i]} server did not answer ${bases[$i]}/healthz within 30 s; its log:" >&2
    cat "$target_dir/e2e/server-${names[$i]}.log" >&2
  done
  exit 1
}

# The defaults (email required and verified, password, optional names and
# phone; the limits raised as above).
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

# Email links. The waiting tab's tests count and drop every open event
# stream, so they have a server (with the defaults) to themselves. Links
# that expire in 2 s, with a 1 s wait between two links to an address (the
# shortest allowed; the expired one is replaced at once, not after 30 s). Links that only the
# browser that signed up may confirm.
start_server links-waiting
links_waiting_url=$base
cat >"$work/links-expiry.toml" <<'TOML'
[verification]
code_resend_seconds = 1

[email_link]
ttl_seconds = 2
TOML
start_server links-expiry "$work/links-expiry.toml"
links_expiry_url=$base
cat >"$work/links-same-client.toml" <<'TOML'
[email_link]
require_same_client = true
TOML
start_server links-same-client "$work/links-same-client.toml"
links_same_client_url=$base
cat >"$work/mfa.toml" <<'TOML'
[mfa]
required = true
TOML
start_server mfa "$work/mfa.toml"
mfa_url=$base
wait_for_servers

# Test files run side by side (node's default is one at a time on two
# CPUs): most of their time is spent waiting on the browser and the servers.
# The tests within a file still run one after another.
concurrency=${GATEHOUSE_E2E_CONCURRENCY:-$(( $(nproc) * 2 ))}
status=0
only_files=false
for arg in "$@"; do case $arg in *.mjs) only_files=true ;; esac; done
$only_files || set -- "$@" tests/e2e/
GATEHOUSE_E2E_URL="$default_url" GATEHOUSE_E2E_CUSTOM_URL="$custom_url" \
GATEHOUSE_E2E_RESTRICTED_URL="$restricted_url" \
GATEHOUSE_E2E_LINKS_WAITING_URL="$links_waiting_url" GATEHOUSE_E2E_LINKS_EXPIRY_URL="$links_expiry_url" \
GATEHOUSE_E2E_LINKS_SAME_CLIENT_URL="$links_same_client_url" GATEHOUSE_E2E_MFA_URL="$mfa_url" \
  node --test --test-concurrency="$concurrency" "$@" || status=$?
if [ "$status" -ne 0 ]; then
  echo "test-e2e: tests failed; the servers' logs are in $target_dir/e2e/server-*.log" >&2
fi
exit "$status"
