#!/usr/bin/env bash
# Builds the SDK's npm package into pkg/ (or $PKG_OUT):
#   gatehouse.js (ES module entry, minified when esbuild is installed),
#   gatehouse_bg.wasm (wasm-opt -Oz), gatehouse.d.ts, package.json.
# Assumes the tools are installed (scripts/setup.sh): the wasm32 target,
# wasm-bindgen-cli matching Cargo.lock, and the npm dev dependencies
# (binaryen's wasm-opt; esbuild is optional). Idempotent.
# Honours CARGO_TARGET_DIR (default: target).
set -euo pipefail
cd "$(dirname "$0")/.."

out=${PKG_OUT:-pkg}
target_dir=${CARGO_TARGET_DIR:-target}
wasm_opt=node_modules/.bin/wasm-opt
esbuild=node_modules/.bin/esbuild

if [ ! -x "$wasm_opt" ]; then
  echo "build-pkg: $wasm_opt is missing; run scripts/setup.sh (or npm ci)" >&2
  exit 1
fi

cargo build --quiet --release --target wasm32-unknown-unknown -p gatehouse

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

wasm-bindgen --target web --out-dir "$work" --out-name gatehouse \
  "$target_dir/wasm32-unknown-unknown/release/gatehouse.wasm"

"$wasm_opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-reference-types --enable-multivalue --enable-mutable-globals \
  --strip-debug --strip-producers \
  "$work/gatehouse_bg.wasm" -o "$work/gatehouse_bg.wasm"

# One minified ES module: the glue with its inline snippet bundled in.
if [ -x "$esbuild" ]; then
  "$esbuild" "$work/gatehouse.js" --bundle --format=esm --minify --target=es2020 \
    --log-level=warning --outfile="$work/gatehouse.min.js"
  mv "$work/gatehouse.min.js" "$work/gatehouse.js"
  rm -rf "$work/snippets"
fi

version=$(awk -F'"' '/^\[package\]/ { p = 1 } p && /^version *=/ { print $2; exit }' Cargo.toml)
cat > "$work/package.json" <<JSON
{
  "name": "gatehouse",
  "version": "$version",
  "description": "Gatehouse: a small browser sign-up SDK, compiled to WebAssembly.",
  "license": "MIT OR Apache-2.0",
  "type": "module",
  "module": "gatehouse.js",
  "main": "gatehouse.js",
  "types": "gatehouse.d.ts",
  "files": ["gatehouse.js", "gatehouse_bg.wasm", "gatehouse.d.ts", "gatehouse_bg.wasm.d.ts"$( [ -d "$work/snippets" ] && printf ', "snippets"')],
  "sideEffects": ["./snippets/*"]
}
JSON

rm -rf "$out"
mkdir -p "$out"
cp -R "$work"/. "$out"/
echo "build-pkg: wrote $out/"
