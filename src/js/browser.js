// The package's entry for browsers and bundlers (gatehouse.js; see
// core.js). The wasm sits next to it: the `new URL(..., import.meta.url)`
// below, kept literal, is what Vite and webpack see and ship as an asset.
// Its fetch and compile start at import, so it is on its way before the
// app calls `Gatehouse.load`.
import { compile, setUp } from "./core.js";

export { Gatehouse, GatehouseError, initSync, default } from "./core.js";

setUp(() =>
  fetch(new URL("gatehouse_bg.wasm", import.meta.url)).then((response) => {
    if (!response.ok) throw new Error(`${response.status} fetching ${response.url}`);
    // Compiled while it streams in; a server that does not say
    // application/wasm gets the slower way rather than a failure.
    const wasm = /^application\/wasm\b/.test(response.headers.get("Content-Type") ?? "");
    return wasm ? WebAssembly.compileStreaming(response) : response.arrayBuffer().then((b) => WebAssembly.compile(b));
  }),
);
compile();
