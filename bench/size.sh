#!/usr/bin/env bash
# Builds the SDK package (scripts/build-pkg.sh into a temporary directory)
# and prints the gzip -9 size of the wasm and of the JS it loads.
#   bench/size.sh           print the sizes
#   bench/size.sh --check   also fail if the total exceeds the 19 KiB budget,
#                           or gatehouse-react (packages/react) its 2 KiB or
#                           its tree-shaking
set -euo pipefail
cd "$(dirname "$0")/.."
budget=$((19 * 1024))
goal=$((18 * 1024))

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
PKG_OUT="$out" scripts/build-pkg.sh >/dev/null

# From stdin, as the JS below: a file name in the gzip header is no part
# of what a server sends.
wasm_raw=$(wc -c < "$out/gatehouse_bg.wasm")
wasm_gz=$(gzip -9 < "$out/gatehouse_bg.wasm" | wc -c)
# The browser entry, which bundles the glue and its snippets (the Node
# entry, gatehouse.node.js, is never sent to a browser).
js_files=$out/gatehouse.js
js_raw=$(cat $js_files | wc -c)
js_gz=$(cat $js_files | gzip -9 | wc -c)
total=$((wasm_gz + js_gz))

printf 'wasm  %7d bytes raw  %6d bytes gzip -9\n' "$wasm_raw" "$wasm_gz"
printf 'js    %7d bytes raw  %6d bytes gzip -9\n' "$js_raw" "$js_gz"
printf 'total                    %6d bytes gzip -9 (%d.%02d KiB; budget %d KiB, goal %d KiB)\n' \
  "$total" $((total / 1024)) $((total % 1024 * 100 / 1024)) $((budget / 1024)) $((goal / 1024))

# gatehouse-react's own bundle (React and the SDK left out), minified as an
# app's bundler would: under 2 KiB gzip. And tree-shaking: an app that
# imports only useSession gets no provider (whose code says addListener).
react_budget=2048
esbuild=node_modules/.bin/esbuild
react_gz=$("$esbuild" packages/react/index.js --bundle --minify --format=esm --external:react --external:gatehouse \
  --log-level=warning | gzip -9 | wc -c)
shaken=$(echo 'export { useSession } from "./packages/react/index.js";' |
  "$esbuild" --bundle --minify --format=esm --external:react --external:gatehouse --log-level=warning)
printf 'react                    %6d bytes gzip -9 (gatehouse-react alone; budget 2 KiB)\n' "$react_gz"

if [ "${1:-}" = "--check" ] && [ "$total" -gt "$budget" ]; then
  echo "size: over budget by $((total - budget)) bytes" >&2
  exit 1
fi
if [ "${1:-}" = "--check" ] && [ "$react_gz" -gt "$react_budget" ]; then
  echo "size: gatehouse-react is over its budget by $((react_gz - react_budget)) bytes" >&2
  exit 1
fi
if [ "${1:-}" = "--check" ] && [[ "$shaken" == *addListener* ]]; then
  echo "size: gatehouse-react does not tree-shake (useSession alone brought the provider)" >&2
  exit 1
fi
