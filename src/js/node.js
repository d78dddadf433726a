// The package's entry for Node (gatehouse.node.js, the exports map's
// "node" condition; see core.js): the wasm is read from its file, since
// Node's fetch cannot load a file: URL. Read at the first `load`.
//
// Node's fetch keeps no cookies, so cookie mode cannot keep a client
// there: `load` refuses it with an error that says to use bearer mode.
import { readFile } from "node:fs/promises";
import { Gatehouse, setUp } from "./core.js";

export { Gatehouse, GatehouseError, initSync, isGatehouseError, default } from "./core.js";

setUp(() => readFile(new URL("gatehouse_bg.wasm", import.meta.url)).then((bytes) => WebAssembly.compile(bytes)));

const load = Gatehouse.load;
Gatehouse.load = (options) =>
  (options?.tokenMode ?? "cookie") !== "cookie"
    ? load(options)
    : Promise.reject(
        new Error(
          'gatehouse: in Node, use Gatehouse.load({ frontendApi, tokenMode: "bearer" }): ' +
            "Node's fetch keeps no cookies, so cookie mode (the default) would lose the client",
        ),
      );
