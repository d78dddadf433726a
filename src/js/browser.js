// The package's entry for browsers and bundlers (gatehouse.js; see
// core.js). The wasm sits next to it: the `new URL(..., import.meta.url)`
// below, kept literal, is what Vite and webpack see and ship as an asset.
// Its fetch and compile start at import, so it is on its way before the
// app calls `Gatehouse.load`.
import { compile, setUp } from "./core.js";

export { Gatehouse, GatehouseError, initSync, isGatehouseError, default } from "./core.js";

setUp(() =>
  fetch(new URL("gatehouse_bg.wasm", import.meta.url)).then((response) => {
    const type = response.headers.get("Content-Type") ?? "";
    // A dev server's page in its place: the JS was moved away from the wasm.
    if (!response.ok || type.startsWith("text/html")) throw new Error(`${response.url}: ${response.status} ${type}`);
    // Compiled while it streams in; a server that does not say
    // application/wasm gets the slower way rather than a failure.
    const wasm = type.startsWith("application/wasm");
    return wasm ? WebAssembly.compileStreaming(response) : response.arrayBuffer().then((b) => WebAssembly.compile(b));
  }),
);
compile();
