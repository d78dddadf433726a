#!/usr/bin/env bash
# A quick probe of one server endpoint under wrk, for before/after figures
# while tuning (docs/BENCHMARKS.md, "Making the server fast"); the full load
# benchmark is `make bench`.
#
#   bench/probe.sh SERVER WHAT [CONNECTIONS] [SECONDS]
#
# SERVER: a gatehouse-server binary. WHAT: `healthz`, `create` (POST
# /v1/client/sign_ups with a new email address, no password: a new client
# each) or `password` (the same with a password: one argon2id hash each).
# Starts SERVER on a free port with a fresh SQLite file and the rate limit
# raised through config, runs `wrk -t 1 -c CONNECTIONS -d SECONDS` (64, 10)
# with bench/probe.lua, and prints wrk's summary, the server's CPU time per
# request (user + system, from /proc/PID/stat: steadier than the rate when
# other work shares the cores) and its peak RSS (VmHWM). Needs wrk
# (`apt-get install wrk`). PROBE_TOML: more config lines, for an A/B of a
# setting.
set -euo pipefail
cd "$(dirname "$0")/.."
server=$1 what=$2 connections=${3:-64} seconds=${4:-10}

work=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
cat > "$work/probe.toml" <<'TOML'
[rate_limit]
per_second = 100000
burst = 1000000
sensitive_per_minute = 1000000
sensitive_burst = 1000000
TOML
# More settings, for an A/B of one (PROBE_TOML=$'[password_hashing]\nmax_concurrent = 4').
printf '%s\n' "${PROBE_TOML:-}" >> "$work/probe.toml"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
RUST_LOG=warn "$server" --listen "127.0.0.1:$port" --database-url "sqlite://$work/probe.db" \
  --config "$work/probe.toml" --public-origin "http://127.0.0.1:$port" >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
case $what in
  healthz) url="http://127.0.0.1:$port/healthz" script=() ;;
  create) url="http://127.0.0.1:$port" script=(-s bench/probe.lua) ;;
  password)
    url="http://127.0.0.1:$port" script=(-s bench/probe.lua)
    export PROBE_PASSWORD=probe-Passw0rd-long
    ;;
  *) echo "probe: WHAT is healthz, create or password" >&2; exit 2 ;;
esac
before=$(cpu_ticks)
out=$(wrk -t 1 -c "$connections" -d "${seconds}s" --timeout 10s --latency "${script[@]}" "$url")
after=$(cpu_ticks)
echo "$out"
requests=$(echo "$out" | awk '/requests in/ { print $1 }')
hz=$(getconf CLK_TCK)
awk -v t=$((after - before)) -v hz="$hz" -v n="$requests" \
  'BEGIN { printf "server CPU: %.3f ms per request (%d requests)\n", t * 1000 / hz / n, n }'
echo "server peak RSS: $(awk '/VmHWM/ { printf "%.1f MB", $2 * 1024 / 1e6 }' "/proc/$pid/status")"
