#!/usr/bin/env bash
# Runs Schemathesis against a real gatehouse-server, from the OpenAPI
# document the server itself serves (GET /openapi.json):
#   1. builds the server and starts it with --dev, the admin key, a
#      temporary SQLite file, a free port and raised rate limits (every
#      request comes from one IP, far faster than a person);
#   2. runs `st run` with tests/api-fuzz/schemathesis.toml: every check,
#      the Origin a browser on the public origin sends (the CSRF check
#      refuses a foreign one), the admin key for the operations that
#      declare it (the security scheme `admin_key`), the stateful phase
#      following the document's links (a created sign-up's id to its
#      other operations, and so on);
#   3. always stops the server.
# Usage: scripts/test-api-fuzz.sh [short|long]
#   short (make test-api-fuzz, in `make test`): a fixed seed, few examples
#         per operation; about a minute.
#   long  (make fuzz-api): a random seed, many more examples and a longer
#         stateful phase; several minutes.
# Extra arguments go to `st run` (e.g. --include-path-regex sign_ups).
# The event stream (GET .../events) is left out: it stays open for 30
# minutes by design; tests/api/events.rs and the browser tests cover it.
# Schemathesis is installed by scripts/setup.sh test into $GATEHOUSE_SCHEMATHESIS_VENV.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-short}
[ $# -gt 0 ] && shift
target_dir=${CARGO_TARGET_DIR:-target}
venv=${GATEHOUSE_SCHEMATHESIS_VENV:-$HOME/.cache/gatehouse/schemathesis}
st="$venv/bin/st"
[ -x "$st" ] || { echo "no schemathesis at $st: run scripts/setup.sh test" >&2; exit 1; }

cargo build --quiet -p gatehouse-server

. scripts/processes.sh

port=$(free_port)
base="http://127.0.0.1:$port"
secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
cat > "$work/gatehouse.toml" <<TOML
[rate_limit]
per_second = 10000
burst = 100000
sensitive_per_minute = 1000000
sensitive_burst = 1000000
TOML
"$target_dir/debug/gatehouse-server" --dev --listen "127.0.0.1:$port" \
  --database-url "sqlite://$work/gatehouse.db" --config "$work/gatehouse.toml" \
  --secret-key "$secret" > "$work/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  if curl -fsS "$base/healthz" >/dev/null 2>&1; then break; fi
  sleep 0.1
done
curl -fsS "$base/healthz" >/dev/null || { cat "$work/server.log"; exit 1; }

case "$mode" in
  short) run=(--max-examples 20) ;;
  long) run=(--max-examples 200) ;;
  *) echo "usage: $0 [short|long]" >&2; exit 2 ;;
esac

started=$(date +%s)
status=0
GATEHOUSE_FUZZ_ADMIN_KEY=$secret "$st" --config-file tests/api-fuzz/schemathesis.toml run "$base/openapi.json" \
  --url "$base" --header "Origin: $base" --exclude-path-regex '/events$' \
  "${run[@]}" "$@" || status=$?
echo "schemathesis ($mode): $(( $(date +%s) - started )) s"
if [ "$status" -ne 0 ]; then
  echo "--- server log (last 40 lines)"; tail -n 40 "$work/server.log"
fi
exit "$status"
