#!/usr/bin/env bash
# Builds the SDK's npm package into pkg/ (or $PKG_OUT):
#   gatehouse.js (the ES module entry for browsers and bundlers) and
#   gatehouse.node.js (for Node), each src/js's entry bundled with the glue
#   and minified by esbuild, then terser; gatehouse_bg.wasm (wasm-opt -Oz),
#   gatehouse.d.ts, package.json (with its exports map), README.md (the
#   root README's "Using the SDK"), LICENSE-MIT and LICENSE-APACHE.
# Assumes the tools are installed (scripts/setup.sh): the wasm32 target,
# wasm-bindgen-cli matching Cargo.lock, and the npm dev dependencies
# (binaryen's wasm-opt, esbuild, terser). Idempotent.
# Honours CARGO_TARGET_DIR (default: target). PKG_NAMES=1 keeps the
# function names in the wasm (the `release-names` profile and wasm-opt -g),
# for the size report's breakdown (bench/size-report.sh); the code is the
# shipped one's.
set -euo pipefail
cd "$(dirname "$0")/.."

out=${PKG_OUT:-pkg}
target_dir=${CARGO_TARGET_DIR:-target}
profile=sdk
names=()
strip=(--strip-debug)
if [ "${PKG_NAMES:-}" = 1 ]; then
  profile=release-names
  names=(-g)
  strip=()
fi
wasm_opt=node_modules/.bin/wasm-opt
esbuild=node_modules/.bin/esbuild
terser=node_modules/.bin/terser

for tool in "$wasm_opt" "$esbuild" "$terser"; do
  if [ ! -x "$tool" ]; then
    echo "build-pkg: $tool is missing; run scripts/setup.sh (or npm ci)" >&2
    exit 1
  fi
done

# Without reference types, wasm-bindgen keeps JS objects in a JS-side heap
# instead of an externref table and drops a shim per export: about 0.8 KiB
# gzip less. Only here: the browser tests link std, which expects them.
# (The sdk profile, like release, strips the target_features section, so
# wasm-bindgen warns that it cannot read them; with them it would see core's
# reference types and expect an externref table.)
# A 512 KiB stack, not Rust's 1 MiB: the linker puts the stack first and
# the data after it, so every address of the data is then under 1 MiB and
# its i32.const takes 3 bytes of LEB, not 4 (about 25 bytes gzip; 128 KiB
# measured 7 bytes more), and the memory starts at 9 pages, not 17. The
# SDK's calls are shallow (the deepest, the decoder's, recurse as deep as
# the schema, about five objects); an overflow would trap (below address
# 0), never write over the data.
RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=-reference-types -C link-arg=-zstack-size=524288" \
  cargo build --quiet --profile "$profile" --target wasm32-unknown-unknown -p gatehouse

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

input="$target_dir/wasm32-unknown-unknown/$profile/gatehouse.wasm"
if [ "$profile" = release-names ]; then
  # What `strip` does for the shipped build besides the names: no
  # target_features section, or wasm-bindgen expects an externref table.
  "$wasm_opt" "$input" --enable-reference-types -g --strip-target-features -o "$work/input.wasm"
  input="$work/input.wasm"
fi
wasm-bindgen --target web --out-dir "$work" --out-name gatehouse "$input"
rm -f "$work/input.wasm"
# A JS string goes into the wasm as `TextEncoder.encode` makes its UTF-8
# (the glue's own path when no `realloc` is passed), not by the ASCII loop
# and `encodeInto` into a buffer grown with the wasm's `realloc`: the same
# bytes, a shorter glue, and the `realloc` export goes (below: the glue no
# longer names it). Found by its exact text, or the build fails; so is the
# return slot's DataView (below).
node --input-type=commonjs - "$work/gatehouse.js" <<'JS'
const fs = require("fs");
const file = process.argv[2];
let glue = fs.readFileSync(file, "utf8");
const replace = (pattern, to, what) => {
  if (!pattern.test(glue)) throw new Error(`build-pkg: the glue's ${what} is not where it was; look again`);
  glue = glue.replace(pattern, to);
};
replace(/^function passStringToWasm0\(arg, malloc, realloc\) \{\n {4}if \(realloc === undefined\) \{\n([^]*?)\n {4}\}\n[^]*?\n\}\n/m,
  "function passStringToWasm0(arg, malloc) {\n$1\n}\n", "passStringToWasm0");
replace(/\bpassStringToWasm0\((\w+), (wasm\.\w+), wasm\.\w+\)/g, "passStringToWasm0($1, $2)", "passStringToWasm0 calls");
// The one return slot the glue writes (a string's pointer and length, for
// `as_string`) written through an Int32Array (wasm memory is little-endian,
// as the typed arrays are on every engine; the slot is 4-aligned), so the
// cached DataView and its getter go; any other use of it fails the build.
replace(/^( *)getDataViewMemory0\(\)\.setInt32\(\((\w+) >>> 0\) \+ 4 \* 1, (\w+), true\);\n *getDataViewMemory0\(\)\.setInt32\(\(\2 >>> 0\) \+ 4 \* 0, (\w+), true\);\n/m,
  "$1new Int32Array(wasm.memory.buffer, $2 >>> 0, 2).set([$4, $3]);\n", "string return slot");
replace(/^let cachedDataViewMemory0 = null;\nfunction getDataViewMemory0\(\) \{\n[^]*?\n\}\n/m, "", "DataView cache");
replace(/^ *cachedDataViewMemory0 = null;\n/m, "", "DataView cache reset");
if (/DataViewMemory0/.test(glue)) throw new Error("build-pkg: the glue writes another return slot through its DataView; look again");
fs.writeFileSync(file, glue);
JS

features=(--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext
  --enable-reference-types --enable-multivalue --enable-mutable-globals)
# --low-memory-unused: the first 1 KiB of memory holds nothing (the linker
# puts the stack first, growing down from 512 KiB, and the data after it), so
# constant offsets can fold into loads and stores: about 0.2 KiB gzip.
# Then flattened and re-relooped (the control flow rebuilt from scratch)
# and -Oz again: about 0.1 KiB gzip.
# --traps-never-happen: the optimizer may assume no trap is reached, so
# the code that only leads to one (a Rust panic, which traps: src/runtime.rs)
# goes, and the checks before it: about 0.2 KiB gzip. The SDK never panics
# by design (every failure is an `Error`); a panic would be a bug either way.
# --always-inline-max-function-size=6 (binaryen's default is 2): functions
# of up to 6 instructions inlined everywhere (the small getters and
# wasm-bindgen's conversions), about 55 bytes gzip; 4 to 6 pay, 7 and more
# cost (docs/BENCHMARKS.md). --reorder-functions here as on the last pass
# (below): about 25 bytes gzip more.
"$wasm_opt" --traps-never-happen --low-memory-unused --always-inline-max-function-size=6 -Oz --flatten --rereloop -Oz --reorder-functions "${features[@]}" "${names[@]}" "${strip[@]}" --strip-producers \
  "$work/gatehouse_bg.wasm" -o "$work/optimized.wasm"

# Exports the glue never uses (wasm-bindgen's `__wbindgen_free`, the
# linker's `__data_end` and `__heap_base`) go, so that the code only they
# kept goes too: one pass each (a pass takes one pattern).
for name in $(node --input-type=commonjs - "$work" <<'JS'
const fs = require("fs");
const dir = process.argv[2];
const glue = fs.readFileSync(`${dir}/gatehouse.js`, "utf8");
const module = new WebAssembly.Module(fs.readFileSync(`${dir}/optimized.wasm`));
const used = (name) => new RegExp(`\\bwasm\\.${name.replace(/[$]/g, "\\$&")}\\b`).test(glue);
console.log(WebAssembly.Module.exports(module).filter((e) => e.name !== "memory" && !used(e.name)).map((e) => e.name).join("\n"));
JS
); do
  "$wasm_opt" "${features[@]}" "${names[@]}" --remove-exports --pass-arg="remove-exports@$name" \
    "$work/optimized.wasm" -o "$work/optimized.wasm"
done

# Data that only a panic's message reads, which wasm-opt cannot drop (the
# linker laid it out; code reaches data by address), is zeroed in place, so
# the last pass below packs it away (memory-packing): the source paths of
# core, alloc and the crates, the allocator's and RefCell's panic texts,
# and core::fmt's table of two-digit numbers (about 0.25 KiB gzip). The
# panic handler (src/runtime.rs) traps without reading its message, and
# the SDK formats nothing (no core::fmt). Each text is found by its exact
# form, or the build fails; so does a text that some code still points
# into (an i32 constant or a load/store offset of the module's text form).
# wasm-bindgen's own texts, which it throws as JS errors, are kept, but for
# the closures' (the SDK makes no closure: no code points into it).
"$(dirname "$wasm_opt")/wasm-dis" "$work/optimized.wasm" -o "$work/optimized.wat"
node --input-type=commonjs - "$work" "${CARGO_HOME:-$HOME/.cargo}" "$(rustc -vV | awk '/^commit-hash/ { print $2 }')" <<'JS'
const fs = require("fs");
const [dir, cargoHome, rustcHash] = process.argv.slice(2);
const file = `${dir}/optimized.wasm`;
const wasm = fs.readFileSync(file);
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const dead = [
  [new RegExp(`/rustc/${rustcHash}/library/[\\w/.-]+?\\.rs`, "g"), "core and alloc source paths"],
  [new RegExp(`${escape(cargoHome)}/registry/src/[\\w.-]+/[\\w.-]+/[\\w/.-]+?\\.rs`, "g"), "crate source paths"],
  [/memory allocation of /g, "the allocation failure text"],
  [/ bytes failed/g, "the allocation failure text's end"],
  [/RefCell already (mutably )?borrowed/g, "RefCell's texts"],
  [/Tried to shrink to a larger capacity/g, "RawVec's text"],
  [/closure invoked recursively or after being dropped/g, "wasm-bindgen's text of a closure no code has"],
  [new RegExp(Array.from({ length: 100 }, (_, i) => String(i).padStart(2, "0")).join(""), "g"), "core::fmt's digits"],
];
// The data section: id 11, after the header, each section an id and a LEB size.
let at = 8, data;
const leb = () => {
  let value = 0, shift = 0, byte;
  do {
    byte = wasm[at++];
    value += (byte & 127) * 2 ** shift;
    shift += 7;
  } while (byte & 128);
  return value;
};
while (at < wasm.length) {
  const id = wasm[at++], size = leb();
  if (id === 11) data = [at, at + size];
  at += size;
}
if (!data) throw new Error("build-pkg: no data section");
// The segments' memory addresses (active, `i32.const` offset), to map a text to its address.
at = data[0];
const segments = [];
for (let n = leb(); n > 0; n--) {
  const flags = leb();
  if (flags !== 0 || wasm[at] !== 0x41) throw new Error("build-pkg: a data segment of an unexpected form");
  at++;
  let address = 0, shift = 0, byte;
  do {
    byte = wasm[at++];
    address |= (byte & 127) << shift;
    shift += 7;
  } while (byte & 128);
  if (wasm[at++] !== 0x0b) throw new Error("build-pkg: a data segment offset of an unexpected form");
  const size = leb();
  segments.push({ start: at, size, address });
  at += size;
}
const wat = fs.readFileSync(`${dir}/optimized.wat`, "utf8");
// The code's constants (not the data segments' own offsets).
const code = wat.replace(/^ *\(data .*$/gm, "");
const pointers = [...code.matchAll(/\bi32\.const (-?\d+)|\boffset=(\d+)/g)].map((m) => Number(m[1] ?? m[2]) >>> 0);
for (const [pattern, what] of dead) {
  let found = 0;
  for (const { start, size, address } of segments) {
    const text = wasm.toString("latin1", start, start + size);
    for (const m of text.matchAll(pattern)) {
      const [from, to] = [address + m.index, address + m.index + m[0].length];
      const used = pointers.find((p) => p >= from && p < to);
      if (used !== undefined) throw new Error(`build-pkg: code points into ${what} (${used}); look again`);
      wasm.fill(0, start + m.index, start + m.index + m[0].length);
      found++;
    }
  }
  if (!found) throw new Error(`build-pkg: ${what} are not in the data; look again`);
}
// The build with names (PKG_NAMES=1): the data segments' names go (the
// name section's subsection 9), or memory-packing names the pieces it
// splits off ".rodata" ".rodata.1" and so on, beside the linker's own
// ".rodata.1", and wasm-opt aborts on the duplicates.
const sections = [];
at = 8;
while (at < wasm.length) {
  const begin = at, id = wasm[at++], size = leb(), body = at;
  at += size;
  let bytes = wasm.subarray(begin, at);
  if (id === 0) {
    const nameEnd = (at = body, leb() + at);
    if (wasm.toString("latin1", at, nameEnd) === "name") {
      const kept = [wasm.subarray(body, nameEnd)];
      for (at = nameEnd; at < body + size; ) {
        const start = at, sub = wasm[at++], length = leb();
        at += length;
        if (sub !== 9) kept.push(wasm.subarray(start, at));
      }
      const content = Buffer.concat(kept);
      const sizeLeb = [];
      for (let n = content.length; ; ) {
        const byte = n & 127;
        n >>>= 7;
        sizeLeb.push(n ? byte | 128 : byte);
        if (!n) break;
      }
      bytes = Buffer.concat([Buffer.from([0, ...sizeLeb]), content]);
    }
    at = body + size;
  }
  sections.push(bytes);
}
fs.writeFileSync(file, Buffer.concat([wasm.subarray(0, 8), ...sections]));
JS
rm "$work/optimized.wat"

# Short import, export and module names (wasm-bindgen's carry hashes, in
# both files: about 1.5 KiB gzip), then the same renames in the glue. The
# mapping is read from the two modules by position; an import the glue does
# not define, or a use of an export left unrenamed, fails the build.
"$wasm_opt" "${features[@]}" "${names[@]}" --minify-imports-and-exports-and-modules \
  "$work/optimized.wasm" -o "$work/minified.wasm" >/dev/null
node --input-type=commonjs - "$work" <<'JS'
const fs = require("fs");
const dir = process.argv[2];
const read = (name) => new WebAssembly.Module(fs.readFileSync(`${dir}/${name}`));
const [before, after] = [read("optimized.wasm"), read("minified.wasm")];
const renames = (list) => list(before).map((entry, i) => [entry, list(after)[i]]);
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
let js = fs.readFileSync(`${dir}/gatehouse.js`, "utf8");
let dts = fs.readFileSync(`${dir}/gatehouse.d.ts`, "utf8");
const replace = (text, pattern, to, what) => {
  if (!pattern.test(text)) throw new Error(`build-pkg: no ${what} in the glue to rename`);
  return text.replace(pattern, to);
};
const modules = new Set();
for (const [old, neu] of renames(WebAssembly.Module.imports)) {
  if (!modules.has(old.module)) {
    modules.add(old.module);
    const key = new RegExp(`${escape(JSON.stringify(old.module))}:`, "g");
    js = replace(js, key, `${JSON.stringify(neu.module)}:`, `module ${old.module}`);
  }
  const key = new RegExp(`^(\\s*)${escape(old.name)}:`, "m");
  js = replace(js, key, `$1${JSON.stringify(neu.name)}:`, `import ${old.name}`);
}
// Not every export is used by the glue; every use must be renamed.
for (const [old, neu] of renames(WebAssembly.Module.exports)) {
  js = js.replace(new RegExp(`\\bwasm\\.${escape(old.name)}\\b`, "g"), `wasm[${JSON.stringify(neu.name)}]`);
  dts = dts.replace(new RegExp(`\\breadonly ${escape(old.name)}:`), `readonly ${JSON.stringify(neu.name)}:`);
}
const left = js.match(/\bwasm\.[A-Za-z_]\w*/);
if (left) throw new Error(`build-pkg: ${left[0]} was not renamed`);
fs.writeFileSync(`${dir}/gatehouse.js`, js);
fs.writeFileSync(`${dir}/gatehouse.d.ts`, dts);
JS
# Shorter names make some code identical: fold it (about 60 bytes gzip).
# --reorder-functions: the most called functions first, where their
# indices take one LEB byte in each call (about 35 bytes gzip).
"$wasm_opt" --low-memory-unused -Oz --converge --reorder-functions "${features[@]}" "${names[@]}" \
  "$work/minified.wasm" -o "$work/gatehouse_bg.wasm"
rm "$work/minified.wasm"
# It names the raw exports by their old names, and nothing imports it.
rm -f "$work/optimized.wasm" "$work/gatehouse_bg.wasm.d.ts"

# The entries (src/js: one await, the early requests, where the wasm comes
# from), each bundled with the glue and its inline snippets into one
# minified ES module: gatehouse.js for browsers and bundlers,
# gatehouse.node.js for Node.
mv "$work/gatehouse.js" "$work/glue.js"
# A piece of the glue that never runs here goes, found by its exact text,
# or the build fails: the fallback for a TextEncoder without `encodeInto`
# (which the glue no longer calls: above), which every engine that has the
# rest of what the SDK uses (FinalizationRegistry, TextDecoderStream,
# Error causes) has.
node --input-type=commonjs - "$work/glue.js" <<'JS'
const fs = require("fs");
const file = process.argv[2];
let glue = fs.readFileSync(file, "utf8");
const cut = (pattern, what) => {
  if (!pattern.test(glue)) throw new Error(`build-pkg: the glue's ${what} is not where it was; look again`);
  glue = glue.replace(pattern, "");
};
cut(/^if \(!\('encodeInto' in cachedTextEncoder\)\) \{\n[^]*?\n\}\n/m, "encodeInto fallback");
fs.writeFileSync(file, glue);
JS
# core.js instantiates the wasm itself (one path for its own wasm, a given
# source and initSync), so it needs the glue's imports object and its
# finalizer, and fetch.rs's `pipe` and `init` for the early requests: exported here
# (a name that is gone fails the bundling). The glue's own init and
# initSync, which nothing then imports, are left out of the bundle.
pipe_snippet=$(cd "$work" && grep -l '^export function pipe(' snippets/*/inline*.js)
printf '\nexport { __wbg_get_imports, __wbg_finalize_init };\nexport { pipe, init } from "./%s";\n' "$pipe_snippet" >> "$work/glue.js"
cp src/js/core.js src/js/landing.js src/js/browser.js src/js/node.js "$work"/
# The glue's and the SDK's private members, which no caller names and
# Rust never reads by name, get short names (about 40 bytes gzip);
# `__early`, which Rust reads, keeps its name.
private='^(__wbg_ptr|__destroy_into_raw|__wrap|__run)$'
for entry in browser:gatehouse node:gatehouse.node; do
  "$esbuild" "$work/${entry%%:*}.js" --bundle --format=esm --minify --target=es2020 --platform=neutral --mangle-props="$private" \
    --external:node:fs/promises --log-level=warning --outfile="$work/${entry#*:}.js"
  # Then terser over esbuild's output: its compressor and module-wide
  # mangling find what esbuild's single pass leaves (about 0.15 KiB gzip of
  # the browser entry). Its safe defaults only: no `unsafe` options and no
  # property mangling (esbuild's `--mangle-props` above did the private
  # members).
  "$terser" "$work/${entry#*:}.js" --module --compress --mangle --output "$work/${entry#*:}.js"
done
rm -rf "$work/snippets" "$work/glue.js" "$work/core.js" "$work/landing.js" "$work/browser.js" "$work/node.js"
if ! grep -q 'new URL("gatehouse_bg.wasm",import.meta.url)' "$work/gatehouse.js"; then
  echo "build-pkg: gatehouse.js lost its literal new URL(\"gatehouse_bg.wasm\", import.meta.url)" >&2
  exit 1
fi

version=$(awk -F'"' '/^\[package\]/ { p = 1 } p && /^version *=/ { print $2; exit }' Cargo.toml)
# The exports map: the types; browsers and bundlers (which find the wasm
# through the literal URL and ship it as an asset); Node (the wasm read
# from its file); the wasm itself, for those who serve or pass it.
cat > "$work/package.json" <<JSON
{
  "name": "gatehouse",
  "version": "$version",
  "description": "Gatehouse: a small browser sign-up SDK, compiled to WebAssembly.",
  "license": "MIT OR Apache-2.0",
  "type": "module",
  "main": "gatehouse.js",
  "module": "gatehouse.js",
  "types": "gatehouse.d.ts",
  "exports": {
    ".": {
      "types": "./gatehouse.d.ts",
      "browser": "./gatehouse.js",
      "node": "./gatehouse.node.js",
      "default": "./gatehouse.js"
    },
    "./gatehouse_bg.wasm": "./gatehouse_bg.wasm",
    "./package.json": "./package.json"
  },
  "files": ["gatehouse.js", "gatehouse.node.js", "gatehouse_bg.wasm", "gatehouse.d.ts", "LICENSE-MIT", "LICENSE-APACHE"]
}
JSON

# The licences, and a README made of the root README's "Using the SDK"
# section (one text for both), go into the package.
cp LICENSE-MIT LICENSE-APACHE "$work"/
{
  printf '# gatehouse\n\nThe Gatehouse sign-up SDK for the browser (Rust compiled to WebAssembly).\nLicence: MIT OR Apache-2.0.\n\n'
  awk '/^## Using the SDK/ { on = 1 } /^## The server/ { on = 0 } on' README.md
} > "$work/README.md"

# The two files a browser downloads, compressed once at the highest levels
# (brotli 11, gzip 9) beside them: the server's `/pkg` sends these as they
# are when the request accepts them (`static_files.rs`), instead of
# compressing at each request at its faster, larger levels. Not in the npm
# package (`files` above).
node -e '
const zlib = require("zlib"), fs = require("fs");
for (const file of process.argv.slice(1)) {
  const bytes = fs.readFileSync(file);
  fs.writeFileSync(file + ".br", zlib.brotliCompressSync(bytes, {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
  }));
  fs.writeFileSync(file + ".gz", zlib.gzipSync(bytes, { level: 9 }));
}' "$work/gatehouse.js" "$work/gatehouse_bg.wasm"

rm -rf "$out"
mkdir -p "$out"
cp -R "$work"/. "$out"/
echo "build-pkg: wrote $out/"
