// The package in Node, as installed from its tarball: `import("gatehouse")`
// resolves through the exports map to gatehouse.node.js, which reads the
// wasm from its file; load works in bearer mode, and cookie mode, which
// Node's fetch cannot keep, is refused with an error that says what to do.
// Run by scripts/test-consumers.sh (GATEHOUSE_CONSUMERS_API: a dev-mode
// server).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { test } from "node:test";

const api = process.env.GATEHOUSE_CONSUMERS_API;

test("import('gatehouse') in Node picks the Node entry and the wasm subpath resolves", async () => {
  assert.match(import.meta.resolve("gatehouse"), /\/node_modules\/gatehouse\/gatehouse\.node\.js$/);
  const wasm = fileURLToPath(import.meta.resolve("gatehouse/gatehouse_bg.wasm"));
  assert.ok(existsSync(wasm), wasm);
  const sdk = await import("gatehouse");
  assert.equal(typeof sdk.Gatehouse.load, "function");
  assert.equal(typeof sdk.default, "function", "init stays exported");
});

test("Gatehouse.load in Node: one await, bearer mode, a sign-up", async () => {
  assert.ok(api, "GATEHOUSE_CONSUMERS_API is not set: run scripts/test-consumers.sh");
  const { Gatehouse, GatehouseError } = await import("gatehouse");
  const [gh, again] = await Promise.all([
    Gatehouse.load({ frontendApi: api, tokenMode: "bearer" }),
    Gatehouse.load({ frontendApi: api, tokenMode: "bearer" }),
  ]);
  assert.notEqual(gh, again, "two instances, one wasm");
  assert.equal(gh.environment.signUp.attributes.emailAddress.required, true);
  assert.match(gh.client.id, /^client_/);
  const email = `consumer.node.${Date.now()}@example.com`;
  await gh.signUp.create({ emailAddress: email, password: "correct horse battery" });
  assert.deepEqual(gh.signUp.unverifiedFields, ["email_address"]);
  const invalid = await gh.signUp.update({ emailAddress: "nope" }).catch((e) => e);
  assert.ok(invalid instanceof GatehouseError);
  assert.equal(invalid.code, "form_param_format_invalid");
});

test("cookie mode in Node fails with a clear error, bad options with the SDK's own", async () => {
  const { Gatehouse, GatehouseError } = await import("gatehouse");
  const cookie = await Gatehouse.load({ frontendApi: api ?? "http://127.0.0.1:9" }).catch((e) => e);
  assert.ok(cookie instanceof Error);
  assert.match(cookie.message, /in Node, use .*tokenMode: "bearer"/);
  const bad = await Gatehouse.load({ frontendApi: "http://127.0.0.1:9", tokenMode: "sometimes" }).catch((e) => e);
  assert.ok(bad instanceof GatehouseError);
  assert.equal(bad.code, "form_param_format_invalid");
  assert.equal(bad.meta.paramName, "tokenMode");
});
