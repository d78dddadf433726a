#!/usr/bin/env bash
# The SDK size report of `make bench`: the package's wasm and JS entry, raw,
# gzip -9 and brotli (-q 11), and the 15 largest items of the wasm by
# twiggy, read from a build that keeps its function names (the shipped
# wasm has them stripped; PKG_NAMES=1 scripts/build-pkg.sh, the same code).
# Prints the tables and rewrites its own section of docs/BENCHMARKS.md
# (between the "bench/size-report.sh" markers) unless BENCH_NO_DOC=1.
#
#   bench/size-report.sh   (`make bench` runs it; scripts/setup.sh bench
#                           installs twiggy and brotli)
#
# Environment: GATEHOUSE_BENCH_PKG, the package to measure (default
# target/bench/pkg, built here if missing). Honours CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."

pkg=${GATEHOUSE_BENCH_PKG:-target/bench/pkg}
names=target/bench/pkg-names
doc=docs/BENCHMARKS.md
begin='<!-- bench/size-report.sh: begin (generated; `make bench` rewrites it) -->'
end='<!-- bench/size-report.sh: end -->'

for tool in twiggy brotli; do
  command -v "$tool" >/dev/null || { echo "size-report: $tool is missing; run scripts/setup.sh bench" >&2; exit 1; }
done
[ -f "$pkg/gatehouse_bg.wasm" ] || PKG_OUT="$pkg" scripts/build-pkg.sh >/dev/null
PKG_OUT="$names" PKG_NAMES=1 scripts/build-pkg.sh >/dev/null

raw() { wc -c < "$1"; }
gz() { gzip -9 < "$1" | wc -c; }  # from stdin: no file name in the header, as bench/size.sh
br() { brotli -q 11 < "$1" | wc -c; }
n() { printf '%s' "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }
wasm=$pkg/gatehouse_bg.wasm
js=$pkg/gatehouse.js
total_gz=$(($(gz "$wasm") + $(gz "$js")))
total_br=$(($(br "$wasm") + $(br "$js")))

# The named build's items, without its name sections (not shipped): the
# shares are of the rest, which is the shipped wasm's code and data.
items=$(twiggy top -n 400 -f csv "$names/gatehouse_bg.wasm" | tail -n +2 | grep -v 'names"" subsection' || true)
sum=$(printf '%s\n' "$items" | awk -F, '{ s += $(NF - 3) } END { print s }')
top=$(printf '%s\n' "$items" | head -15 | awk -F, -v sum="$sum" '{
  size = $(NF - 3); name = $0; sub(/,[^,]*,[^,]*,[^,]*,[^,]*$/, "", name)
  gsub(/^"|"$/, "", name); gsub(/""/, "\"", name); gsub(/::h[0-9a-f]{16}$/, "", name)
  gsub(/\[[0-9a-f]{16}\]/, "", name); gsub(/\|/, "\\|", name)
  if (length(name) > 90) name = substr(name, 1, 87) "..."
  printf "| %d | %.1f%% | `%s` |\n", size, 100 * size / sum, name
}')

section=$(
  cat <<EOF
$begin
## SDK size report

\`make bench\` runs \`bench/size-report.sh\` on the package it builds
(\`scripts/build-pkg.sh\` into \`target/bench/pkg\`): the download is the
wasm and the JS entry. Measured $(date -u +%Y-%m-%d) on $(git rev-parse --short HEAD 2>/dev/null || echo "an unknown revision").

| file | raw bytes | gzip -9 bytes | brotli -q 11 bytes |
|---|---|---|---|
| \`gatehouse_bg.wasm\` | $(n "$(raw "$wasm")") | $(n "$(gz "$wasm")") | $(n "$(br "$wasm")") |
| \`gatehouse.js\` | $(n "$(raw "$js")") | $(n "$(gz "$js")") | $(n "$(br "$js")") |
| **total** | $(n $(($(raw "$wasm") + $(raw "$js")))) | **$(n "$total_gz")** | **$(n "$total_br")** |

The 15 largest items of the wasm (\`twiggy top\`, shallow bytes, on the same
code built with its function names: \`PKG_NAMES=1 scripts/build-pkg.sh\`;
shares of its $(n "$sum") bytes without the name sections). \`twiggy
dominators\` and \`twiggy garbage\` on
\`target/bench/pkg-names/gatehouse_bg.wasm\` go further.

| bytes | share | item |
|---|---|---|
$top
$end
EOF
)

printf '%s\n' "$section" | sed '1d;$d'
if [ -n "${BENCH_NO_DOC:-}" ]; then
  echo "size-report: BENCH_NO_DOC set: $doc left as it was"
  exit 0
fi
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
if grep -qF "$begin" "$doc" && grep -qF "$end" "$doc"; then
  BEGIN_MARK=$begin END_MARK=$end SECTION=$section awk '
    $0 == ENVIRON["BEGIN_MARK"] { print ENVIRON["SECTION"]; skip = 1; next }
    $0 == ENVIRON["END_MARK"] { skip = 0; next }
    !skip' "$doc" > "$tmp"
else
  { cat "$doc"; printf '\n%s\n' "$section"; } > "$tmp"
fi
cat "$tmp" > "$doc"
echo "size-report: $doc updated"
