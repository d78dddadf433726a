// The package's entry, bundled by scripts/build-pkg.sh (esbuild) with the
// wasm-bindgen glue (`glue.js`) into gatehouse.js (browser.js) and
// gatehouse.node.js (node.js), which differ only in where the wasm comes
// from.
//
// - One await: `Gatehouse.load(options)` instantiates the wasm itself,
//   once, then loads. `init(source?)` stays for those who pass their own
//   module (bytes, a `Response`, a URL, a `WebAssembly.Module`); without
//   one it is what `load` runs.
// - Fast: the entry's own wasm is fetched and compiled from the moment it
//   is asked for (browser.js: at import), and `load` sends the
//   environment's and the client's requests while the wasm is still on its
//   way, handing their answers to the Rust `load` under `__early`
//   (src/bindings/mod.rs). The requests are the ones the SDK would send,
//   their init made by the same `init` (src/fetch.rs, exported from the
//   glue by scripts/build-pkg.sh): GET, cookies in cookie mode; in bearer
//   mode no cookies and `Gatehouse-Token-Mode: bearer`, and the token
//   `tokenStorage` keeps, if any (its `get` awaited first; what it throws
//   or rejects is no token), which `load` gets too, under `__token`.
//   Each answer is what `fetch::pipe` makes of a response.
// - `tokenStorage: "local"` becomes an object over `localStorage` (key
//   `gatehouse:client:` + the frontendApi) handed over as `__storage`,
//   where `localStorage` can be used; elsewhere (Node, a blocked storage)
//   there is none, and `load` refuses the option.
// - A wasm that cannot be loaded rejects `load` (and `init`) with an
//   `Error` that names it, its cause attached; the next call tries again.
// - The instantiation is this file's, not the glue's (scripts/build-pkg.sh
//   exports the glue's imports object and finalizer to it): one path for
//   the entry's own wasm, a source given to `init` and `initSync`, so the
//   glue's loader stays out of the bundle.
// - `Gatehouse.handleMagicLinkVerification()` is landing.js's, plain JS
//   over the browser's query parser: it works before the wasm is there.
import { Gatehouse, __wbg_get_imports as imports, __wbg_finalize_init as finish, pipe, init as request } from "./glue.js";
import { handleMagicLinkVerification } from "./landing.js";

export { Gatehouse, GatehouseError, isGatehouseError } from "./glue.js";

/** The entry's own wasm: a function that answers a promise of the compiled module. */
let compileOwn;
/** That promise, once asked for. */
let compiled;
/** The instantiation, once started; unset again when it fails. */
let instantiated;
/** The wasm's exports, once instantiated (by `init` or `initSync`). */
let exports;

/** Starts compiling the entry's own wasm (once; again after a failure). */
export function compile() {
  if (!compiled) {
    compiled = compileOwn();
    // Kept for `init`, which reports it; not an unhandled rejection here.
    compiled.catch(() => {
      compiled = undefined;
    });
  }
  return compiled;
}

/** Sets where the entry's wasm comes from (browser.js, node.js). */
export function setUp(compileEntryWasm) {
  compileOwn = compileEntryWasm;
}

/** Compiles a fetched wasm: while it streams in when the server says application/wasm. */
export function compileResponse(response) {
  const type = response.headers.get("Content-Type") ?? "";
  // A dev server's page in its place: the JS was moved away from the wasm.
  if (!response.ok || type.startsWith("text/html")) throw new Error(`${response.url}: ${response.status} ${type}`);
  // A server that does not say application/wasm gets the slower way rather than a failure.
  return type.startsWith("application/wasm")
    ? WebAssembly.compileStreaming(response)
    : response.arrayBuffer().then((b) => WebAssembly.compile(b));
}

/** A URL or `Request` fetched, a `Response` compiled; bytes and modules as they are. */
const fetchSource = (source) =>
  typeof source == "string" || source instanceof URL || source instanceof Request
    ? fetch(source).then(compileResponse)
    : source instanceof Response
      ? compileResponse(source)
      : source;

/** What wasm-bindgen's init takes, given as `{ module_or_path }` or alone. */
const unwrap = (given, key) => (given && Object.getPrototypeOf(given) === Object.prototype ? given[key] : given);

/** Instantiates a compiled module (or bytes) and hands its exports to the glue. */
function start(module) {
  if (!exports) {
    if (!(module instanceof WebAssembly.Module)) module = new WebAssembly.Module(module);
    exports = finish(new WebAssembly.Instance(module, imports()), module);
  }
  return exports;
}

/** `initSync({ module })` (or `initSync(module)`): bytes or a `WebAssembly.Module`, instantiated now. */
export const initSync = (module) => start(unwrap(module, "module"));

/**
 * Instantiates the wasm once: from `source` if given (a URL, a `Request`,
 * a `Response`, bytes or a `WebAssembly.Module`, or a promise of one, alone
 * or as `{ module_or_path }`), else the entry's own. Later calls answer
 * the first one's promise.
 */
export default function init(source) {
  // After initSync: that instance.
  if (!instantiated && exports) instantiated = Promise.resolve(exports);
  if (!instantiated) {
    source = unwrap(source, "module_or_path");
    const own = source === undefined;
    instantiated = (own ? compile() : Promise.resolve(source).then(fetchSource))
      .then((module) => (module instanceof WebAssembly.Module ? module : WebAssembly.compile(module)))
      .then(start, (cause) => {
        throw new Error(`gatehouse: could not load its wasm module (${own ? "gatehouse_bg.wasm" : "the module given to init"})`, { cause });
      });
    instantiated.catch(() => {
      instantiated = undefined;
    });
  }
  return instantiated;
}
/** `tokenStorage: "local"`: `localStorage` under a key of the frontendApi, or none where it cannot be used. */
function local(base) {
  try {
    const s = localStorage, key = "gatehouse:client:" + base;
    return { key, get: () => s.getItem(key), set: (t) => s.setItem(key, t), remove: () => s.removeItem(key) };
  } catch {}
}

/**
 * The load's two requests, sent now (the client's once the stored token is
 * read): `{ __early: [environment, client], __storage, __token }`, the
 * token a promise; none without a `frontendApi` string.
 */
function early(options) {
  const api = options?.frontendApi;
  if (typeof api !== "string") return undefined;
  const base = api.replace(/\/+$/, "");
  const bearer = options.tokenMode === "bearer";
  const storage = options.tokenStorage === "local" ? local(base) : options.tokenStorage;
  const token = Promise.resolve()
    .then(() => bearer && storage?.get())
    .then((t) => (typeof t == "string" && t ? t : undefined), () => {});
  // Each answer is what `pipe` (src/fetch.rs) makes of a response, as for any request.
  const client = token.then((t) => pipe(base + "/v1/client", request(0, null, bearer, t)));
  return { __early: [pipe(base + "/v1/environment", request(0, null, bearer)), client], __storage: storage, __token: token };
}

const load = Gatehouse.load;
/** `Gatehouse.load(options)`: the wasm (once) and the two requests at the same time. */
Gatehouse.load = (options) => {
  const more = early(options);
  return init()
    .then(() => more?.__token)
    .then((t) => load({ ...options, ...more, __token: t }));
};

/** For the page an email link leads back to (landing.js): plain JS, no wasm needed. */
Gatehouse.handleMagicLinkVerification = handleMagicLinkVerification;
