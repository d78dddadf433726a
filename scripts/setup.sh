#!/usr/bin/env bash
# Installs what `make demo` (setup.sh demo), `make test` (setup.sh test) or
# `make bench` (setup.sh bench: all of test's, plus psql and the size
# report's tools) needs and is missing: Debian packages, the wasm32 rustup target, the
# wasm-bindgen CLI matching Cargo.lock, the npm dev dependencies, and (test)
# Schemathesis in a Python venv.
# Every step checks first, so a second run does nothing and takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
purpose=${1:-test}

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=false
need_apt() { # need_apt PACKAGE...: installs the Debian packages that are missing
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  if ! $apt_updated; then as_root apt-get update -qq; apt_updated=true; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# `make bench` is `make test`'s tools plus psql, which bench/server.sh
# makes its PostgreSQL databases with, brotli for the size report
# (bench/size-report.sh), strace, which bench/server.sh reads a flow's WAL
# writes with, and chromium-headless-shell, the browser without a UI that
# bench/sdk-ready.mjs opens its pages in beside the full one.
if [ "$purpose" = bench ]; then
  command -v psql >/dev/null 2>&1 || need_apt postgresql-client
  command -v brotli >/dev/null 2>&1 || need_apt brotli
  command -v strace >/dev/null 2>&1 || need_apt strace
  command -v chromium-headless-shell >/dev/null 2>&1 || need_apt chromium-headless-shell
  # The rest is `make test`'s set-up, plus twiggy below.
  for_bench=1
  purpose=test
fi

# Node.js and npm: the demo's package build (wasm-opt) and the e2e tests use them.
command -v npm >/dev/null 2>&1 || need_apt nodejs npm
command -v cc >/dev/null 2>&1 || need_apt build-essential
command -v curl >/dev/null 2>&1 || need_apt curl
if [ "$purpose" = test ] || [ "$purpose" = bench ]; then
  need_apt chromium chromium-driver
  # systemd-analyze: the check of docs/deploy.md's unit (server/tests/api/systemd_unit.rs).
  command -v systemd-analyze >/dev/null 2>&1 || need_apt systemd
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the rustup target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# `make test` checks formatting and clippy (`make lint`).
if [ "$purpose" = test ] || [ "$purpose" = bench ]; then
  for component in rustfmt clippy; do
    if ! rustup component list --installed 2>/dev/null | grep -q "^$component"; then
      say "adding the rustup component $component"
      rustup component add "$component"
    fi
  done
fi

# The wasm-bindgen CLI must match the crate version in Cargo.lock exactly.
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ -n "$want" ] && [ "$have" != "$want" ]; then
  say "installing wasm-bindgen-cli $want (found '${have:-none}'); this takes a few minutes"
  # Not --locked: that fails on this registry's index.
  cargo install wasm-bindgen-cli --version "=$want"
fi

# The SDK size report's breakdown of the wasm (bench/size-report.sh).
twiggy_version=0.8.0
if [ "${for_bench:-0}" = 1 ] && [ "$(twiggy --version 2>/dev/null | awk '{print $2}' || true)" != "$twiggy_version" ]; then
  say "installing twiggy $twiggy_version; this takes a few minutes"
  cargo install twiggy --version "=$twiggy_version"
fi

# Schemathesis (PyPI), which runs the OpenAPI document against a real
# server (scripts/test-api-fuzz.sh), in a venv of its own, pinned.
schemathesis_version=4.32.5
venv=${GATEHOUSE_SCHEMATHESIS_VENV:-$HOME/.cache/gatehouse/schemathesis}
if [ "$purpose" = test ] && [ "$("$venv/bin/st" --version 2>/dev/null | awk '{print $3}' || true)" != "$schemathesis_version" ]; then
  # Debian's python3 makes venvs only with python3-venv (ensurepip).
  python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || need_apt python3 python3-venv
  say "installing schemathesis $schemathesis_version into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$schemathesis_version"
fi

# npm dev dependencies (binaryen's wasm-opt, playwright-core, the minifiers esbuild and terser,
# and qrcode-generator, which scripts/vendor-demo.sh copies into the demo's www/vendor/).
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dev dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi
# The fixture apps of tests/consumers (Vite, React, webpack): what a user of
# the npm package installs beside it (scripts/test-consumers.sh).
consumers=tests/consumers
if [ "$purpose" = test ] && { [ ! -d $consumers/node_modules ] ||
  [ $consumers/package-lock.json -nt $consumers/node_modules/.package-lock.json ]; }; then
  say "installing the npm packages of $consumers"
  npm ci --prefix $consumers --no-audit --no-fund --loglevel=error
fi
# gatehouse-react's test dependencies (React, react-dom, happy-dom) and the
# React example app's (Vite, React, Express). --legacy-peer-deps: npm would
# otherwise fetch the peer "gatehouse" from the registry, where that name is
# an unrelated package; the tests install ours from its npm pack tarball.
for dir in packages/react examples/react-app; do
  if [ "$purpose" = test ] && { [ ! -d $dir/node_modules ] ||
    [ $dir/package-lock.json -nt $dir/node_modules/.package-lock.json ]; }; then
    say "installing the npm packages of $dir"
    npm ci --prefix $dir --legacy-peer-deps --no-audit --no-fund --loglevel=error
  fi
done
say "ready for '$purpose'"
