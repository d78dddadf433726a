#!/usr/bin/env bash
# The server load benchmark (issue 10 §1, issue 9 §4), in `make bench`:
#
#   bench/server.sh                           # the full run (35 to 45 minutes)
#   LOAD_DURATION=5 LOAD_CONCS="1 16" PEER=0 bench/server.sh   # a short look
#
# Builds the server (SERVER_PROFILE, one place) and the generator
# (bench/load, profile bench-tools), then, on this machine:
#   1. the ceilings: raw argon2id hashes/s on every core with the server's
#      parameters, and GET /healthz requests/s on one SQLite node; and what
#      a flow writes to SQLite's WAL: one node, flows one at a time for 3 s,
#      its frame writes read by `strace` (bench/wal-frames.py);
#   2. round 1 of the flows (each password cell in LOAD_PW_SLICES runs,
#      with 4 s argon2id ceilings before, between and after them: its
#      own): complete email-code sign-ups (create, prepare,
#      code from the delivery sink, attempt -> complete), each flow a fresh
#      client, closed loop at each concurrency, without and with a password,
#      on one SQLite node, one PostgreSQL node and two PostgreSQL nodes (the
#      flow's requests alternate between them); every cell on a fresh
#      database and freshly started server(s);
#   3. the peer (django-allauth, ../shared/peers/allauth/run.sh, or
#      PEER_DIR) on the same machine;
#   4. round 2 of the flows, the same cells again (so the peer sits between
#      two rounds of ours; the report quotes their mean and both values);
#   5. the load held: one fresh SQLite node, no password, 64 concurrent
#      for LOAD_HOLD_S seconds (issue 10: 0 answers 5xx, 0 errors); the
#      ERROR lines of the server's log are counted too;
#   6. the email link wake-up, WAKE_RUNS runs: waiting on node A while the
#      link is confirmed through node B (two PostgreSQL nodes), and on one
#      SQLite node;
#   7. the argon2id ceiling once more (the report takes the better one);
# then bench/server-report.mjs prints the tables and rewrites its section
# of docs/BENCHMARKS.md (unless BENCH_NO_DOC=1).
#
# The servers run outside dev mode with the shipped defaults except: a
# public origin, `[delivery] sink_dir` (the codes, written to files), the
# rate limits and message budget raised (every request comes from
# 127.0.0.1; limits raised through config, no check turned off), and
# `[attributes.password] required = false` for the password-less flows.
#
# Settings (environment): LOAD_DURATION (30 s), LOAD_WARMUP (3 s),
# LOAD_CONCS ("1 16 64"), LOAD_SETUPS ("sqlite pg pg2"), LOAD_MODES
# ("nopw pw"), LOAD_CEILING_S (10), LOAD_PW_SLICES (3), LOAD_HOLD_S (60; 0 skips
# it), WAKE_RUNS (200), PEER (1; 0 skips it),
# PEER_DIR, PEER_REPEATS (1), PEER_DURATION and PEER_CONCS (ours),
# GATEHOUSE_BENCH_POSTGRES_URL (postgres://postgres@127.0.0.1:5432),
# SERVER_PROFILE (release), BENCH_NO_DOC.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

# The server's build: the release profile (opt-level 3; the wasm has its own, `sdk`).
SERVER_PROFILE=${SERVER_PROFILE:-release}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
profile_dir() { if [ "$1" = dev ]; then echo debug; else echo "$1"; fi; }
SERVER=$TARGET/$(profile_dir "$SERVER_PROFILE")/gatehouse-server
LOAD=$TARGET/bench-tools/gatehouse-load

DURATION=${LOAD_DURATION:-30}
WARMUP=${LOAD_WARMUP:-3}
CONCS=${LOAD_CONCS:-"1 16 64"}
SETUPS=${LOAD_SETUPS:-"sqlite pg pg2"}
MODES=${LOAD_MODES:-"nopw pw"}
CEILING_S=${LOAD_CEILING_S:-10}
PW_SLICES=${LOAD_PW_SLICES:-3}
HOLD_S=${LOAD_HOLD_S:-60}
WAKE_RUNS=${WAKE_RUNS:-200}
PEER=${PEER:-1}
PEER_DIR=${PEER_DIR:-$ROOT/../shared/peers/allauth}
PG_URL=${GATEHOUSE_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}
OUT=$TARGET/bench/server
RESULTS=$OUT/results.jsonl
# The servers read GATEHOUSE_* settings: none from this shell may leak in.
unset $(compgen -e | grep '^GATEHOUSE_' || true)

say() { printf '\033[1m[bench/server]\033[0m %s\n' "$*"; }

say "building the server (--profile $SERVER_PROFILE) and the generator (--profile bench-tools)"
cargo build --quiet --profile "$SERVER_PROFILE" -p gatehouse-server
cargo build --quiet --profile bench-tools -p gatehouse-load

mkdir -p "$OUT"
# A peer run of an earlier invocation is no figure of this one.
rm -f "$RESULTS" "$OUT"/*.log "$OUT/peer.jsonl" "$OUT/peer-env.txt"
PG_DB=gh_bench_$$
MASTER_KEY=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

PIDS=()
BASES=()
stop_nodes() {
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  PIDS=()
  BASES=()
}
drop_pg() { psql "$PG_URL/postgres" -qAtc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true; }
cleanup() { stop_nodes; drop_pg; }
trap cleanup EXIT

# write_config FILE MODE SINK
write_config() {
  {
    echo "[rate_limit]"
    echo "per_second = 100000"
    echo "burst = 1000000"
    echo "sensitive_per_minute = 1000000"
    echo "sensitive_burst = 1000000"
    echo "[verification]"
    echo "max_messages_per_hour = 100000000"
    echo "[events]"
    echo "max_per_ip = 100000"
    echo "[delivery]"
    echo "sink_dir = \"$3\""
    if [ "$2" = nopw ]; then
      echo "[attributes.password]"
      echo "required = false"
    fi
  } > "$1"
}

# start_nodes SETUP MODE NAME: a fresh database, one or two nodes over it;
# fills PIDS, BASES and SINK.
start_nodes() {
  local setup=$1 mode=$2 name=$3 url nodes=1
  SINK=$OUT/sink-$name
  rm -rf "$SINK" "$OUT/db-$name".*
  case $setup in
    sqlite) url="sqlite://$OUT/db-$name.sqlite" ;;
    pg|pg2)
      drop_pg
      psql "$PG_URL/postgres" -qAtc "CREATE DATABASE $PG_DB" >/dev/null
      url="$PG_URL/$PG_DB"
      [ "$setup" = pg2 ] && nodes=2 ;;
    *) echo "unknown setup $setup" >&2; exit 2 ;;
  esac
  write_config "$OUT/$name.toml" "$mode" "$SINK"
  for i in $(seq "$nodes"); do
    local port
    port=$(free_port)
    GATEHOUSE_MASTER_KEY=$MASTER_KEY RUST_LOG=${RUST_LOG:-warn} "$SERVER" --listen "127.0.0.1:$port" \
      --database-url "$url" --config "$OUT/$name.toml" --public-origin "http://127.0.0.1:$port" \
      >> "$OUT/$name.log" 2>&1 &
    PIDS+=($!)
    BASES+=("http://127.0.0.1:$port")
    for _ in $(seq 150); do
      curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
      kill -0 "${PIDS[-1]}" 2>/dev/null || { echo "the server exited; see $OUT/$name.log" >&2; exit 1; }
      sleep 0.1
    done
  done
}

# flows_round ROUND
flows_round() {
  for setup in $SETUPS; do
    for mode in $MODES; do
      for c in $CONCS; do
        start_nodes "$setup" "$mode" "$setup-$mode-c$c-r$1"
        local args=()
        for base in "${BASES[@]}"; do args+=(--base "$base"); done
        if [ "$mode" = pw ]; then
          # A password cell's ceiling is its own: this machine's argon2id
          # rate moves by a tenth within seconds, so the cell alternates
          # PW_SLICES runs of DURATION/PW_SLICES with 4 s of raw argon2id
          # before, between and after them, all on the one node.
          local slice=$(( (DURATION + PW_SLICES - 1) / PW_SLICES ))
          for _ in $(seq "$PW_SLICES"); do
            "$LOAD" argon2 -d 4 --label "beside/$setup/$mode/c$c/r$1" --out "$RESULTS" > /dev/null
            "$LOAD" flows "${args[@]}" --password --sink "$SINK" -c "$c" -d "$slice" --warmup "$WARMUP" \
              --label "$setup/$mode/r$1" --out "$RESULTS" > /dev/null
          done
          "$LOAD" argon2 -d 4 --label "beside/$setup/$mode/c$c/r$1" --out "$RESULTS" > /dev/null
        else
          "$LOAD" flows "${args[@]}" --sink "$SINK" -c "$c" -d "$DURATION" --warmup "$WARMUP" \
            --label "$setup/$mode/r$1" --out "$RESULTS" > /dev/null
        fi
        stop_nodes
      done
    done
  done
}

{
  echo "{\"kind\":\"machine\",\"date\":\"$(date -u +%FT%TZ)\",\"nproc\":$(nproc),"
  echo "\"cpu\":\"$(lscpu | sed -n 's/^Model name: *//p' | head -1)\","
  echo "\"commit\":\"$(git rev-parse --short HEAD)$(git status --porcelain -- server protocol bench/load Cargo.lock | grep -q . && echo ' (with uncommitted changes)')\","
  echo "\"server_profile\":\"$SERVER_PROFILE\",\"duration_s\":$DURATION,\"warmup_s\":$WARMUP,\"peer\":$PEER,\"pw_slices\":$PW_SLICES}"
} | tr -d '\n' >> "$RESULTS"
echo >> "$RESULTS"

say "ceilings: argon2id on every core (${CEILING_S} s), GET /healthz on one SQLite node"
"$LOAD" argon2 -d "$CEILING_S" --label ceiling --out "$RESULTS" > /dev/null
start_nodes sqlite nopw ceiling
for c in 16 64; do
  "$LOAD" get --base "${BASES[0]}" --path /healthz -c "$c" -d "$CEILING_S" --warmup 1 \
    --label ceiling --out "$RESULTS" > /dev/null
done
stop_nodes

say "the WAL frames of a flow: one SQLite node, c=1 for 3 s under strace"
start_nodes sqlite nopw wal-frames
"$LOAD" flows --base "${BASES[0]}" --sink "$SINK" -c 4 -d 2 --warmup 1 --label warm --out "$OUT/wal-warm.jsonl" > /dev/null
strace -f -e trace=pwrite64 -xx -s 24 -p "${PIDS[0]}" -o "$OUT/wal-frames.strace" 2> /dev/null &
STRACE=$!
sleep 1
"$LOAD" flows --base "${BASES[0]}" --sink "$SINK" -c 1 -d 3 --warmup 0 --label wal --out "$OUT/wal-flows.jsonl" > /dev/null
kill "$STRACE"
wait "$STRACE" 2> /dev/null || true
stop_nodes
python3 bench/wal-frames.py "$OUT/wal-frames.strace" "$OUT/db-wal-frames.sqlite" "$OUT/wal-flows.jsonl" >> "$RESULTS"

say "flows, round 1: $SETUPS x $MODES x c=$CONCS, $DURATION s each"
flows_round 1

if [ "$PEER" = 1 ]; then
  say "the peer: $PEER_DIR/run.sh"
  # The peer builds its driver into its own target directory (driver/target),
  # not into a CARGO_TARGET_DIR set for ours.
  env -u CARGO_TARGET_DIR PORT="$(free_port)" REPEATS="${PEER_REPEATS:-1}" DURATION="${PEER_DURATION:-$DURATION}" \
    WARMUP="$WARMUP" CONCS="${PEER_CONCS:-$CONCS}" bash "$PEER_DIR/run.sh" > "$OUT/peer.log" 2>&1 \
    || { echo "the peer failed; see $OUT/peer.log" >&2; exit 1; }
  cp /tmp/allauth-peer/results/results.jsonl "$OUT/peer.jsonl"
  cp /tmp/allauth-peer/results/env.txt "$OUT/peer-env.txt"
  say "flows, round 2"
  flows_round 2
fi

if [ "$HOLD_S" -gt 0 ]; then
  say "the load held: one SQLite node, no password, c=64 for $HOLD_S s"
  start_nodes sqlite nopw hold
  "$LOAD" flows --base "${BASES[0]}" --sink "$SINK" -c 64 -d "$HOLD_S" --warmup 0 --label hold --out "$RESULTS" > /dev/null
  stop_nodes
  # The server's own account of the same minute: its ERROR lines (text log).
  echo "{\"kind\":\"hold_log\",\"error_lines\":$(grep -c ' ERROR ' "$OUT/hold.log" || true)}" >> "$RESULTS"
fi

say "email link wake-up: $WAKE_RUNS runs across two PostgreSQL nodes, and on one SQLite node"
start_nodes pg2 nopw wakeup-pg2
"$LOAD" wakeup --waiting "${BASES[0]}" --confirming "${BASES[1]}" --sink "$SINK" --runs "$WAKE_RUNS" \
  --label pg2 --out "$RESULTS" > /dev/null
stop_nodes
start_nodes sqlite nopw wakeup-sqlite
"$LOAD" wakeup --waiting "${BASES[0]}" --confirming "${BASES[0]}" --sink "$SINK" --runs "$WAKE_RUNS" \
  --label sqlite --out "$RESULTS" > /dev/null
stop_nodes

say "the argon2id ceiling again (the report takes the better of the two)"
"$LOAD" argon2 -d "$CEILING_S" --label ceiling-end --out "$RESULTS" > /dev/null

node bench/server-report.mjs "$OUT"
