// Loading the Gatehouse SDK from /pkg/ (the module, then its wasm), shared
// by the sign-up page and the /verify landing page.

export const SDK_URL = "/pkg/gatehouse.js";

/** Imports the SDK and initialises its wasm; resolves to the module. */
export async function importSdk() {
  const sdk = await import(SDK_URL);
  await sdk.default();
  return sdk;
}
