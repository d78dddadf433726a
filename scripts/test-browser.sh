#!/usr/bin/env bash
# Runs the SDK's browser tests (tests/browser) in headless Chromium against a
# real gatehouse-server:
#   1. builds the server and starts it with --dev on a free port, with a
#      temporary SQLite file and a config whose allowed_origins is the test
#      runner's page origin (the runner is pinned to another free port
#      through WASM_BINDGEN_TEST_ADDRESS), and a raised rate limit: every
#      test's requests come from one IP, and a run makes far more than a
#      person would; a second one (the "limited" server) keeps the default
#      limits, for the tests of 429 and the poll loop's backoff; a third (the
#      "mfa" server) requires a second factor (`[mfa] required = true`);
#   2. waits for GET /healthz;
#   3. compiles the tests with the servers' URLs (GATEHOUSE_TEST_API,
#      GATEHOUSE_TEST_API_LIMITED, GATEHOUSE_TEST_API_MFA) and a closed port's URL
#      (GATEHOUSE_TEST_CLOSED) and runs them with
#      wasm-bindgen-test-runner and chromedriver, Chromium going through
#      tests/browser/one-request-per-connection-proxy.mjs;
#   4. builds the npm package (scripts/build-pkg.sh, into a temporary
#      directory) and runs tests/browser/pkg-smoke.mjs in Node against the
#      same server: the production wasm and minified glue;
#   5. runs the Node backend package's tests (packages/node/test) against the
#      same server, and type-checks its index.d.ts;
#   6. runs gatehouse-react's tests (packages/react/test: real React and
#      react-dom in a happy-dom document) with the package just built,
#      installed from its npm pack tarball, against the same server, and
#      type-checks its index.d.ts;
#   7. type-checks tests/browser/types-check.ts against the package's
#      gatehouse.d.ts (tsc --strict), and checks the .d.ts has no `any`;
#   8. always stops the servers.
# Assumes the tools are installed (scripts/setup.sh). Honours CARGO_TARGET_DIR.
# Extra arguments go to the test binary, e.g. a test name filter.
set -euo pipefail
cd "$(dirname "$0")/.."

target_dir=${CARGO_TARGET_DIR:-target}
chromedriver=${CHROMEDRIVER:-/usr/bin/chromedriver}

cargo build --quiet -p gatehouse-server

. scripts/processes.sh

api_port=$(free_port)
runner_port=$(free_port)
closed_port=$(free_port)
limited_port=$(free_port)
while [ "$runner_port" = "$api_port" ]; do runner_port=$(free_port); done
while [ "$closed_port" = "$api_port" ] || [ "$closed_port" = "$runner_port" ]; do closed_port=$(free_port); done
while [ "$limited_port" = "$api_port" ] || [ "$limited_port" = "$runner_port" ] || [ "$limited_port" = "$closed_port" ]; do
  limited_port=$(free_port)
done
mfa_port=$(free_port)
while [ "$mfa_port" = "$api_port" ] || [ "$mfa_port" = "$runner_port" ] || [ "$mfa_port" = "$closed_port" ] ||
  [ "$mfa_port" = "$limited_port" ]; do
  mfa_port=$(free_port)
done

api="http://127.0.0.1:$api_port"
limited="http://127.0.0.1:$limited_port"
mfa="http://127.0.0.1:$mfa_port"
# The whole suite runs from one IP, faster than any person: the default
# limit (20 a second, bursts of 200) would fail tests at random. The limit
# itself is tested on the limited server, at its defaults.
cat > "$work/gatehouse.toml" <<TOML
allowed_origins = ["http://127.0.0.1:$runner_port"]

[rate_limit]
per_second = 1000
burst = 10000
sensitive_per_minute = 100000
sensitive_burst = 100000
TOML
cat > "$work/limited.toml" <<TOML
allowed_origins = ["http://127.0.0.1:$runner_port"]
TOML
# Every user needs a second factor; a sign-up completes without a code.
cat > "$work/mfa.toml" <<TOML
allowed_origins = ["http://127.0.0.1:$runner_port"]

[mfa]
required = true

[attributes.email_address]
verify_at_sign_up = false
TOML
# A static file that is not JSON, for the response_invalid test.
mkdir -p "$work/www"
echo "this is not JSON" > "$work/www/not-json.txt"

"$target_dir/debug/gatehouse-server" --dev --listen "127.0.0.1:$api_port" \
  --database-url "sqlite://$work/gatehouse.db" --config "$work/gatehouse.toml" \
  --www "$work/www" > "$work/server.log" 2>&1 &
server_pid=$!; pids+=("$server_pid")
"$target_dir/debug/gatehouse-server" --dev --listen "127.0.0.1:$limited_port" \
  --database-url "sqlite://$work/limited.db" --config "$work/limited.toml" > "$work/limited.log" 2>&1 &
limited_pid=$!; pids+=("$limited_pid")
"$target_dir/debug/gatehouse-server" --dev --listen "127.0.0.1:$mfa_port" \
  --database-url "sqlite://$work/mfa.db" --config "$work/mfa.toml" > "$work/mfa.log" 2>&1 &
mfa_pid=$!; pids+=("$mfa_pid")

for name in server limited mfa; do
  url=$api pid=$server_pid
  [ "$name" = limited ] && url=$limited pid=$limited_pid
  [ "$name" = mfa ] && url=$mfa pid=$mfa_pid
  for _ in $(seq 1 100); do
    if curl -fsS "$url/healthz" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "test-browser: the $name server exited:" >&2
      cat "$work/$name.log" >&2
      exit 1
    fi
    sleep 0.2
  done
  curl -fsS "$url/healthz" >/dev/null || { echo "test-browser: no /healthz at $url" >&2; cat "$work/$name.log" >&2; exit 1; }
done
echo "test-browser: server at $api, limited server at $limited, mfa server at $mfa, test page at http://127.0.0.1:$runner_port"

# Chromium goes through the one-request-per-connection proxy (processes.sh).
webdriver_through_proxy test-browser

status=0
WASM_BINDGEN_TEST_WEBDRIVER_JSON="$work/webdriver.json" \
GATEHOUSE_TEST_API="$api" \
GATEHOUSE_TEST_API_LIMITED="$limited" \
GATEHOUSE_TEST_API_MFA="$mfa" \
GATEHOUSE_TEST_CLOSED="http://127.0.0.1:$closed_port" \
WASM_BINDGEN_TEST_ADDRESS="127.0.0.1:$runner_port" \
WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-300}" \
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
CHROMEDRIVER="$chromedriver" \
  CARGO_PROFILE_DEV_DEBUG=0 cargo test --target wasm32-unknown-unknown --no-default-features --test browser -- "$@" || status=$?

if [ "$status" -eq 0 ]; then
  PKG_OUT="$work/pkg" scripts/build-pkg.sh >/dev/null
  # Bounded inside too; this is the last resort if Node itself hangs.
  timeout 180 node --expose-gc tests/browser/pkg-smoke.mjs "$work/pkg" "$api" || status=$?
fi

# The Node backend package (packages/node) against the same server.
if [ "$status" -eq 0 ]; then
  GATEHOUSE_TEST_API="$api" timeout 120 node --test packages/node/test/ || status=$?
  node_modules/.bin/tsc --strict --noEmit --target esnext --module nodenext --moduleResolution nodenext \
    packages/node/index.d.ts || status=$?
fi

# gatehouse-react (packages/react): real React in a happy-dom document, the
# package just built (installed from its npm pack tarball), the same server.
if [ "$status" -eq 0 ]; then
  npm pack "$work/pkg" --pack-destination "$work" --silent >/dev/null
  (cd packages/react && npm install --no-save --offline --no-audit --no-fund --loglevel=error \
    "$work"/gatehouse-[0-9]*.tgz) || status=$?
  GATEHOUSE_TEST_API="$api" GATEHOUSE_TEST_API_MFA="$mfa" timeout 120 node --test packages/react/test/ || status=$?
  node_modules/.bin/tsc --strict --noEmit --target esnext --module nodenext --moduleResolution nodenext \
    packages/react/index.d.ts packages/react/test/types-check.ts || status=$?
fi

if [ "$status" -eq 0 ]; then
  mkdir -p "$work/types/node_modules"
  ln -s "$work/pkg" "$work/types/node_modules/gatehouse"
  cp tests/browser/types-check.ts "$work/types/"
  if node_modules/.bin/tsc --strict --noEmit --target esnext --module esnext --moduleResolution bundler \
      --lib esnext,dom "$work/types/types-check.ts"; then
    echo "types-check: ok"
  else
    status=1
  fi
  if grep -nw any "$work/pkg/gatehouse.d.ts"; then
    echo "types-check: gatehouse.d.ts uses any" >&2
    status=1
  fi
fi

if [ "$status" -ne 0 ]; then
  echo "test-browser: tests failed; server log:" >&2
  tail -n 50 "$work/server.log" >&2
fi
exit "$status"
