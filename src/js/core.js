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
//   (src/bindings/mod.rs). The requests are the ones the SDK would send
//   (`fetch::Transport::request`): GET, cookies in cookie mode; in bearer
//   mode no cookies and `Gatehouse-Token-Mode: bearer`, and no token yet.
//   Each answer is what `fetch::pipe` makes of a response.
// - A wasm that cannot be loaded rejects `load` (and `init`) with an
//   `Error` that names it, its cause attached; the next call tries again.
import instantiate, { Gatehouse } from "./glue.js";

export { Gatehouse, GatehouseError, initSync, isGatehouseError } from "./glue.js";

/** The entry's own wasm: a function that answers a promise of the compiled module. */
let compileOwn;
/** That promise, once asked for. */
let compiled;
/** The instantiation, once started; unset again when it fails. */
let instantiated;

const failed = (what) => (cause) => {
  throw new Error(`gatehouse: could not load its wasm module (${what})`, { cause });
};

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

/**
 * Instantiates the wasm once: from `source` if given (as wasm-bindgen's
 * init takes it), else the entry's own. Later calls answer the first one's
 * promise.
 */
export default function init(source) {
  if (!instantiated) {
    const module = source === undefined ? compile() : source;
    instantiated = Promise.resolve(module)
      .then((m) => instantiate(source === undefined ? { module_or_path: m } : m))
      .catch(failed(source === undefined ? "gatehouse_bg.wasm" : "the module given to init"));
    instantiated.catch(() => {
      instantiated = undefined;
    });
  }
  return instantiated;
}

/** The answer `fetch::pipe` makes of a response: [status, json, client token, Retry-After], or null. */
const answer = (url, request) =>
  fetch(url, request).then(
    (r) =>
      r.json().catch(() => {}).then((json) => [r.status, json, r.headers.get("Gatehouse-Client"), r.headers.get("Retry-After")]),
    () => null,
  );

/** The load's two requests, sent now: [environment, client]; none without a `frontendApi` string. */
function early(options) {
  const api = options?.frontendApi;
  if (typeof api !== "string") return undefined;
  const base = api.replace(/\/+$/, "");
  const bearer = options.tokenMode === "bearer";
  const request = {
    method: "GET",
    credentials: bearer ? "omit" : "include",
    headers: bearer ? { "Gatehouse-Token-Mode": "bearer" } : {},
  };
  return [answer(base + "/v1/environment", request), answer(base + "/v1/client", request)];
}

const load = Gatehouse.load;
/** `Gatehouse.load(options)`: the wasm (once) and the two requests at the same time. */
Gatehouse.load = (options) => {
  const answers = early(options);
  return init().then(() => load({ ...options, __early: answers }));
};

const handle = Gatehouse.handleMagicLinkVerification;
/** Needs the wasm: a clear error instead of a TypeError before it is there. */
Gatehouse.handleMagicLinkVerification = () => {
  if (!instantiated) throw new Error("gatehouse: await Gatehouse.load(...) (or init()) before handleMagicLinkVerification()");
  return handle();
};
