#!/usr/bin/env bash
# The npm package as its users get it (tests/consumers, issue 11 §1):
#   1. packs pkg/ (npm pack) and installs the tarball into
#      tests/consumers/node_modules, whose other packages (Vite, React,
#      webpack) scripts/setup.sh installed from the registry (npm ci);
#      nothing here reaches a registry;
#   2. builds the Vite + React app (vite build) and the webpack 5 app
#      (webpack, no config);
#   3. starts a dev-mode gatehouse-server on a free port, serving
#      tests/consumers as its --www (the plain page, the webpack app, and the
#      installed package the plain page's import map names), with the Vite
#      servers' origins allowed; then `vite` (dev, dependency pre-bundling
#      on) and `vite preview` on free ports;
#   4. the reference app, examples/react-app (issue 11 §2 and §4): packs
#      packages/node and packages/react too and installs the three tarballs
#      beside the app's own packages (scripts/setup.sh ran npm ci there),
#      builds it (vite build) for a second dev-mode gatehouse-server of its
#      own ([session] issuer and audience set, 3 s tokens) and starts its
#      Express backend (server/index.js), which serves the build and /api;
#      and builds it again for a third dev-mode gatehouse-server, with
#      [mfa] required (every session pending until TOTP), served by
#      `vite preview`, whose /api goes to the same Express backend;
#   5. runs `node --test` on tests/consumers: each browser app completes a
#      sign-up in headless Chromium, the Node test imports the package and
#      loads it, and react-app.test.mjs drives the reference app;
#   6. always stops the servers.
# Assumes pkg/ is built (scripts/build-pkg.sh) and the npm dev dependencies
# (root and tests/consumers) are installed (scripts/setup.sh). Honours
# CARGO_TARGET_DIR. Extra arguments go to `node --test`.
set -euo pipefail
cd "$(dirname "$0")/.."

target_dir=${CARGO_TARGET_DIR:-target}
consumers=tests/consumers
bin=$PWD/$consumers/node_modules/.bin

if [ ! -f pkg/gatehouse.js ]; then
  echo "test-consumers: pkg/gatehouse.js is missing; run scripts/build-pkg.sh first" >&2
  exit 1
fi
if [ ! -x "$bin/vite" ] || [ ! -x "$bin/webpack" ]; then
  echo "test-consumers: $consumers/node_modules is missing; run scripts/setup.sh" >&2
  exit 1
fi
example=examples/react-app
if [ ! -x "$example/node_modules/.bin/vite" ] || [ ! -d "$example/node_modules/express" ]; then
  echo "test-consumers: $example/node_modules is missing; run scripts/setup.sh test" >&2
  exit 1
fi

cargo build --quiet -p gatehouse-server

. scripts/processes.sh
logs=$target_dir/consumers
mkdir -p "$logs"

# 1. The tarball, installed as a user would (npm install FILE); --offline:
# it has no dependencies, and the rest is installed already.
npm pack ./pkg --pack-destination "$work" --silent >/dev/null
# What npm publishes: the two entries, the wasm, the types, the README and
# both licences (npm adds no LICENSE-* file of itself).
packed=$(tar tzf "$work"/gatehouse-*.tgz | sort | tr '\n' ' ')
want="package/LICENSE-APACHE package/LICENSE-MIT package/README.md package/gatehouse.d.ts package/gatehouse.js \
package/gatehouse.node.js package/gatehouse_bg.wasm package/package.json "
[ "$packed" = "$want" ] || { echo "test-consumers: the tarball holds: $packed; expected: $want" >&2; exit 1; }
(cd "$consumers" && npm install --no-save --offline --no-audit --no-fund --loglevel=error "$work"/gatehouse-*.tgz)
cmp -s pkg/gatehouse.js "$consumers/node_modules/gatehouse/gatehouse.js" ||
  { echo "test-consumers: the installed package is not pkg/'s" >&2; exit 1; }

# 2. The builds, each tool with its defaults.
(cd "$consumers/vite-react" && "$bin/vite" build --logLevel warn)
(cd "$consumers/webpack" && "$bin/webpack" --mode production --no-stats)

# The reference app's three packages, each from its tarball, as its README says.
# --legacy-peer-deps as in scripts/setup.sh: npm 11 refuses gatehouse-react's
# peers here otherwise (ERESOLVE, "react@undefined"), though all are installed.
npm pack ./packages/node ./packages/react --pack-destination "$work" --silent >/dev/null
(cd "$example" && npm install --no-save --offline --legacy-peer-deps --no-audit --no-fund --loglevel=error \
  "$work"/gatehouse-[0-9]*.tgz "$work"/gatehouse-node-*.tgz "$work"/gatehouse-react-*.tgz)
for name in gatehouse gatehouse-node gatehouse-react; do
  [ -f "$example/node_modules/$name/package.json" ] && [ ! -L "$example/node_modules/$name" ] ||
    { echo "test-consumers: $name is not installed in $example" >&2; exit 1; }
done

# 3. The servers.
api_port=$(free_port)
dev_port=$(free_port)
while [ "$dev_port" = "$api_port" ]; do dev_port=$(free_port); done
preview_port=$(free_port)
while [ "$preview_port" = "$api_port" ] || [ "$preview_port" = "$dev_port" ]; do preview_port=$(free_port); done
api=http://127.0.0.1:$api_port
dev=http://127.0.0.1:$dev_port
preview=http://127.0.0.1:$preview_port
cat > "$work/gatehouse.toml" <<TOML
allowed_origins = ["$dev", "$preview"]
TOML
env -u GATEHOUSE_CONFIG -u GATEHOUSE_PKG "$target_dir/debug/gatehouse-server" --dev --listen "127.0.0.1:$api_port" \
  --database-url "sqlite://$work/gatehouse.db" --config "$work/gatehouse.toml" --www "$consumers" \
  > "$logs/server.log" 2>&1 &
pids+=("$!")
(cd "$consumers/vite-react" && exec "$bin/vite" --host 127.0.0.1 --port "$dev_port" --strictPort) > "$logs/vite-dev.log" 2>&1 &
pids+=("$!")
(cd "$consumers/vite-react" && exec "$bin/vite" preview --host 127.0.0.1 --port "$preview_port" --strictPort) \
  > "$logs/vite-preview.log" 2>&1 &
pids+=("$!")

# 4. The reference app, with a Gatehouse server of its own: its tokens carry
# an issuer and an audience that the backend checks, and live 3 s, so the
# test sees a token taken before sign-out refused once it has expired.
app_api_port=$(free_port)
while [[ " $api_port $dev_port $preview_port " == *" $app_api_port "* ]]; do app_api_port=$(free_port); done
app_port=$(free_port)
while [[ " $api_port $dev_port $preview_port $app_api_port " == *" $app_port "* ]]; do app_port=$(free_port); done
app_api=http://127.0.0.1:$app_api_port
app=http://127.0.0.1:$app_port
cat > "$work/react-app.toml" <<TOML
allowed_origins = ["$app"]
allowed_redirect_origins = ["$app"]

[session]
token_ttl_seconds = 3
issuer = "$app_api"
audience = "$app"
TOML
env -u GATEHOUSE_CONFIG -u GATEHOUSE_PKG "$target_dir/debug/gatehouse-server" --dev --listen "127.0.0.1:$app_api_port" \
  --database-url "sqlite://$work/react-app.db" --config "$work/react-app.toml" > "$logs/react-app-gatehouse.log" 2>&1 &
pids+=("$!")
(cd "$example" && VITE_GATEHOUSE_API="$app_api" node_modules/.bin/vite build --logLevel warn)
(cd "$example" && GATEHOUSE_API="$app_api" GATEHOUSE_ISSUER="$app_api" GATEHOUSE_AUDIENCE="$app" PORT="$app_port" \
  exec node server/index.js) > "$logs/react-app-backend.log" 2>&1 &
pids+=("$!")

# The same app against a Gatehouse server where every user needs a second
# factor: a new session is pending, getToken() answers null, and the page
# must send its backend no Authorization at all (not "Bearer null").
taken=" $api_port $dev_port $preview_port $app_api_port $app_port "
mfa_api_port=$(free_port)
while [[ "$taken" == *" $mfa_api_port "* ]]; do mfa_api_port=$(free_port); done
mfa_port=$(free_port)
while [[ "$taken $mfa_api_port " == *" $mfa_port "* ]]; do mfa_port=$(free_port); done
mfa_api=http://127.0.0.1:$mfa_api_port
mfa_app=http://127.0.0.1:$mfa_port
cat > "$work/react-app-mfa.toml" <<TOML
allowed_origins = ["$mfa_app"]
allowed_redirect_origins = ["$mfa_app"]

[mfa]
required = true
TOML
env -u GATEHOUSE_CONFIG -u GATEHOUSE_PKG "$target_dir/debug/gatehouse-server" --dev --listen "127.0.0.1:$mfa_api_port" \
  --database-url "sqlite://$work/react-app-mfa.db" --config "$work/react-app-mfa.toml" \
  > "$logs/react-app-mfa-gatehouse.log" 2>&1 &
pids+=("$!")
(cd "$example" && VITE_GATEHOUSE_API="$mfa_api" node_modules/.bin/vite build --logLevel warn \
  --outDir "$work/react-app-mfa" --emptyOutDir)
(cd "$example" && PORT="$app_port" exec node_modules/.bin/vite preview --outDir "$work/react-app-mfa" \
  --host 127.0.0.1 --port "$mfa_port" --strictPort) > "$logs/react-app-mfa-preview.log" 2>&1 &
pids+=("$!")

for url in "$api/healthz" "$dev/" "$preview/" "$app_api/healthz" "$app/" "$mfa_api/healthz" "$mfa_app/"; do
  for _ in $(seq 1 300); do
    curl -fsS -o /dev/null "$url" 2>/dev/null && break
    sleep 0.1
  done
  curl -fsS -o /dev/null "$url" || { echo "test-consumers: no answer from $url; logs in $logs/" >&2; exit 1; }
done
echo "test-consumers: server at $api, vite dev at $dev, vite preview at $preview (logs: $logs/)"
echo "test-consumers: the react app at $app, its gatehouse server at $app_api"
echo "test-consumers: the react app with [mfa] required at $mfa_app, its gatehouse server at $mfa_api"

# 5. The tests.
status=0
GATEHOUSE_CONSUMERS_API="$api" \
GATEHOUSE_CONSUMERS_VITE_DEV="$dev/" \
GATEHOUSE_CONSUMERS_VITE_PREVIEW="$preview/" \
GATEHOUSE_CONSUMERS_WEBPACK="$api/webpack/index.html" \
GATEHOUSE_CONSUMERS_PLAIN="$api/plain/index.html" \
GATEHOUSE_CONSUMERS_SHOTS="$logs" \
GATEHOUSE_REACT_APP="$app/" \
GATEHOUSE_REACT_APP_API="$app_api" \
GATEHOUSE_REACT_APP_MFA="$mfa_app/" \
GATEHOUSE_REACT_APP_MFA_API="$mfa_api" \
  node --test --test-concurrency=2 "$@" "$consumers/" || status=$?
if [ "$status" -ne 0 ]; then
  echo "test-consumers: tests failed; logs and screenshots in $logs/" >&2
fi
exit "$status"
