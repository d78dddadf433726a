// The package's entry for browsers and bundlers (gatehouse.js; see
// core.js). The wasm sits next to it: the `new URL(..., import.meta.url)`
// below, kept literal, is what Vite and webpack see and ship as an asset.
// Its fetch and compile start at import, so it is on its way before the
// app calls `Gatehouse.load`.
import { compile, compileResponse, setUp } from "./core.js";

export { Gatehouse, GatehouseError, initSync, isGatehouseError, default } from "./core.js";

setUp(() => fetch(new URL("gatehouse_bg.wasm", import.meta.url)).then(compileResponse));
compile();
