#!/usr/bin/env bash
# The server integration suite again, on PostgreSQL (issue 9): each test app
# gets a fresh database on the server at GATEHOUSE_TEST_POSTGRES_URL
# (default postgres://postgres@127.0.0.1:5432/postgres), dropped afterwards.
# Without a PostgreSQL that answers, the run is skipped with a notice, or
# fails when GATEHOUSE_REQUIRE_POSTGRES=1 (.ci/run sets it).
set -euo pipefail
cd "$(dirname "$0")/.."

url="${GATEHOUSE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
# This machine's own cluster may be installed but stopped: start it.
if command -v pg_isready >/dev/null && ! pg_isready -q -d "$url" && command -v pg_ctlcluster >/dev/null \
    && [ -d /etc/postgresql ] && [ -z "${GATEHOUSE_TEST_POSTGRES_URL:-}" ]; then
  for version in /etc/postgresql/*; do
    echo "test-postgres: starting the local PostgreSQL cluster $(basename "$version")/main"
    pg_ctlcluster --skip-systemctl-redirect "$(basename "$version")" main start || true
  done
  for _ in $(seq 1 20); do pg_isready -q -d "$url" && break; sleep 0.5; done
fi
if ! command -v pg_isready >/dev/null || ! pg_isready -q -d "$url"; then
    if [ "${GATEHOUSE_REQUIRE_POSTGRES:-}" = 1 ]; then
        echo "test-postgres: no PostgreSQL answers at $url, and GATEHOUSE_REQUIRE_POSTGRES=1" >&2
        exit 1
    fi
    echo "test-postgres: SKIPPED, no PostgreSQL answers at $url (set GATEHOUSE_TEST_POSTGRES_URL)"
    exit 0
fi
echo "test-postgres: the server integration suite on PostgreSQL ($url)"
GATEHOUSE_TEST_BACKEND=postgres GATEHOUSE_TEST_POSTGRES_URL="$url" cargo test -p gatehouse-server --test api
