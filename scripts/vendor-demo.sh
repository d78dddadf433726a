#!/usr/bin/env bash
# Copies the demo page's third-party browser modules from node_modules
# (npm dev dependencies, installed by scripts/setup.sh's `npm ci`) into
# www/vendor/, which is not committed (.gitignore): the page imports them
# from there, served by the dev server like the rest of www/.
#   qrcode-generator: draws the otpauth:// URI of two-step verification
#   as a QR code (www/totp.js).
# Run by `make demo` and scripts/test-e2e.sh; cheap and idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

src=node_modules/qrcode-generator
if [ ! -f "$src/dist/qrcode.mjs" ]; then
  echo "vendor-demo: $src/dist/qrcode.mjs is missing; run npm ci (scripts/setup.sh demo)" >&2
  exit 1
fi
mkdir -p www/vendor
version=$(node -p "require('./$src/package.json').version")
{
  echo "// qrcode-generator $version (MIT, Kazuhiko Arase), copied from $src/dist/qrcode.mjs"
  echo "// by scripts/vendor-demo.sh. Not committed: edit nothing here."
  cat "$src/dist/qrcode.mjs"
} >www/vendor/qrcode-generator.mjs.tmp
mv www/vendor/qrcode-generator.mjs.tmp www/vendor/qrcode-generator.mjs
