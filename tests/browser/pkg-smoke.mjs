// The built package (scripts/build-pkg.sh output) against the running
// server, in Node: the production wasm with its own allocator and panic
// handler and the minified glue, which the wasm-bindgen tests do not load.
//   node --expose-gc tests/browser/pkg-smoke.mjs PKG_DIR API_URL
// It fails rather than hangs: each wait is bounded, each request times out
// after 10 s, and the whole run after 120 s.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [pkgDir, api] = process.argv.slice(2);
assert.ok(pkgDir && api, "usage: node --expose-gc tests/browser/pkg-smoke.mjs PKG_DIR API_URL");
assert.ok(globalThis.gc, "run with node --expose-gc (the failed-load memory check needs it)");
setTimeout(() => {
  console.error("pkg-smoke: timed out after 120 s");
  process.exit(1);
}, 120_000).unref();
// Every request, the SDK's included, gives up after 10 s.
const untimedFetch = globalThis.fetch;
globalThis.fetch = (url, init = {}) => untimedFetch(url, { signal: AbortSignal.timeout(10_000), ...init });
/** `promise`, or a failure naming `what` after `ms`. */
const within = (promise, ms, what) => Promise.race([
  promise,
  new Promise((_, fail) => setTimeout(() => fail(new Error(`pkg-smoke: ${what} took over ${ms} ms`)), ms).unref()),
]);
// What npm publishes besides the code: the licences the package names, and
// a README that shows how to use it.
for (const file of ["LICENSE-MIT", "LICENSE-APACHE"]) {
  assert.ok((await readFile(path.resolve(pkgDir, file), "utf8")).length > 500, `${file} in the package`);
}
const readme = await readFile(path.resolve(pkgDir, "README.md"), "utf8");
assert.match(readme, /^## Using the SDK$/m, "the package README has the usage section");
assert.match(readme, /Gatehouse\.load\(/, "the package README shows Gatehouse.load");
assert.doesNotMatch(readme, /^## The server$/m, "the package README stops before the server");

const pkg = await import(pathToFileURL(path.resolve(pkgDir, "gatehouse.js")).href);
const { default: init, Gatehouse, GatehouseError } = pkg;
// Before the wasm is there. The browser entry's own wasm cannot be fetched
// in Node (a file: URL), so its load rejects, naming the wasm, and a later
// init with the bytes still works.
// handleMagicLinkVerification is plain JS (src/js/landing.js, whose cases
// tests/browser/landing.rs runs in Chromium): it needs no wasm, and reads
// `location.search` where there is one (none in Node: null).
assert.equal(Gatehouse.handleMagicLinkVerification(), null, "no location: not reached through a link");
globalThis.location = { search: "?gh_status=verified&gh_created_session=sess_1" };
assert.deepEqual(Gatehouse.handleMagicLinkVerification(), { status: "verified", createdSessionId: "sess_1" });
globalThis.location.search = "?gh_status=client_mismatch&gh_created_session=%3Cx%3E";
assert.deepEqual(Gatehouse.handleMagicLinkVerification(), { status: "client_mismatch", createdSessionId: null });
globalThis.location.search = "?gh_status=bogus";
assert.equal(Gatehouse.handleMagicLinkVerification(), null, "an unknown status");
delete globalThis.location;
const unfetched = await Gatehouse.load({ frontendApi: api }).catch((e) => e);
assert.ok(unfetched instanceof Error && !(unfetched instanceof GatehouseError));
assert.match(unfetched.message, /could not load its wasm module \(gatehouse_bg\.wasm\)/);
assert.ok(unfetched.cause, "the fetch's own error is its cause");
const wasm = await init({ module_or_path: await readFile(path.resolve(pkgDir, "gatehouse_bg.wasm")) });
assert.equal(await init(), wasm, "init answers the one instantiation");
const memory = Object.values(wasm).find((v) => v instanceof WebAssembly.Memory);
// Every source init and initSync take, each in a fresh copy of the module
// (its own instance): alone or wrapped, bytes, a compiled module, a
// `Response` (compiled while it streams), a promise of one; a bad one
// rejects naming the given module, and the next try works.
{
  const bytes = await readFile(path.resolve(pkgDir, "gatehouse_bg.wasm"));
  const compiled = await WebAssembly.compile(bytes);
  const asWasm = () => new Response(bytes, { headers: { "Content-Type": "application/wasm" } });
  const fresh = (n) => import(`${pathToFileURL(path.resolve(pkgDir, "gatehouse.js")).href}?copy=${n}`);
  const hasMemory = (exports) => Object.values(exports).some((v) => v instanceof WebAssembly.Memory);
  const forms = [
    ["bytes", (m) => m.default(bytes)],
    ["a module", (m) => m.default(compiled)],
    ["a Response", (m) => m.default(asWasm())],
    ["a promise of a Response", (m) => m.default({ module_or_path: Promise.resolve(asWasm()) })],
    ["initSync({ module })", (m) => m.initSync({ module: compiled })],
    ["initSync(bytes)", (m) => m.initSync(bytes)],
  ];
  for (const [i, [what, start]] of forms.entries()) {
    const copy = await fresh(i);
    const exports = await start(copy);
    assert.ok(hasMemory(exports), `${what}: the wasm's exports`);
    assert.equal(await copy.default(), exports, `${what}: init answers the same instance after`);
    // The wasm's own check of the options, with no request.
    const refused = await copy.Gatehouse.load({ tokenMode: "bearer" }).catch((e) => e);
    assert.equal(refused.code, "form_param_missing", `${what}: the wasm is there`);
  }
  const copy = await fresh("bad");
  const bad = await copy.default(new Response("<!doctype html>", { headers: { "Content-Type": "text/html" } })).catch((e) => e);
  assert.match(bad.message, /could not load its wasm module \(the module given to init\)/);
  assert.ok(bad.cause, "the given module's own error is its cause");
  assert.ok(hasMemory(await copy.default(bytes)), "a later init tries again");
}

const codeSentTo = async (to) => {
  const outbox = await (await fetch(`${api}/v1/dev/outbox`)).json();
  const message = outbox.filter((m) => m.to === to).at(-1);
  assert.ok(message, `no message to ${to}`);
  return message.code;
};

const gh = await Gatehouse.load({ frontendApi: api, tokenMode: "bearer" });
assert.equal(gh.environment.signUp.attributes.emailAddress.required, true);
assert.equal(gh.signUp.status, null);

// A check before sending: a real GatehouseError class, exported.
const invalid = await gh.signUp.create({ emailAddress: "nope" }).catch((e) => e);
assert.ok(invalid instanceof GatehouseError && invalid instanceof Error);
assert.equal(invalid.name, "GatehouseError");
assert.equal(invalid.code, "form_param_format_invalid");
assert.equal(invalid.meta.paramName, "email_address");

// A whole sign-up, with many updates in between to work the allocator.
const email = `smoke.${Date.now()}@example.com`;
const signUp = await gh.signUp.create({ emailAddress: email, unsafeMetadata: { step: 0 } });
assert.equal(signUp, gh.signUp);
for (let step = 1; step <= 40; step++) {
  await signUp.update({ firstName: "Ana".repeat(step % 30 + 1), unsafeMetadata: { step, pad: "x".repeat(step * 90) } });
  assert.equal(signUp.unsafeMetadata.step, step);
}
await signUp.update({ password: "correct horse battery" });
// Concurrent calls each resolve to the same object.
const both = await Promise.all([signUp.reload(), signUp.update({ lastName: "Lima" }), signUp.reload()]);
assert.ok(both.every((s) => s === signUp));
assert.equal((await signUp.reload()).lastName, "Lima");
assert.deepEqual(signUp.missingFields, []);
await signUp.prepareEmailAddressVerification();
const wrong = await signUp.attemptEmailAddressVerification({ code: "000000" }).catch((e) => e);
const code = await codeSentTo(email);
if (code !== "000000") assert.equal(wrong.code, "form_code_incorrect");
await signUp.attemptEmailAddressVerification({ code });
assert.equal(signUp.status, "complete");
assert.match(signUp.createdSessionId, /^sess_/);
assert.equal(gh.client.lastActiveSessionId, signUp.createdSessionId);

// The session the sign-up created: a cached token, one request for
// concurrent calls, and none after signing out.
let fetches = 0;
const realFetch = globalThis.fetch;
globalThis.fetch = (...args) => { fetches++; return realFetch(...args); };
const session = gh.session;
assert.equal(session.id, signUp.createdSessionId);
const tokens = await Promise.all([session.getToken(), session.getToken(), session.getToken()]);
assert.equal(fetches, 1);
assert.ok(tokens.every((t) => t === tokens[0]));
const claims = JSON.parse(Buffer.from(tokens[0].split(".")[1], "base64url"));
assert.equal(claims.sid, session.id);
assert.equal(claims.sub, signUp.createdUserId);
assert.equal(await session.getToken(), tokens[0]);
assert.equal(fetches, 1, "cached");
await gh.signOut();
assert.equal(gh.session, null);
assert.equal(session.status, "revoked");
const gone = await session.getToken().catch((e) => e);
assert.ok(gone instanceof GatehouseError);
assert.equal(gone.code, "session_not_found");
// The server's id of the request, for support: the body's trace_id (a UUID).
assert.match(gone.traceId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
assert.equal(invalid.traceId, null, "a check before sending has no trace id");
globalThis.fetch = realFetch;

// The whole `meta` of each error comes through, its keys in camelCase,
// with the body's trace_id (an answer this server does not make today).
{
  const body = {
    errors: [
      { code: "form_param_format_invalid", message: "m", long_message: "l",
        meta: { param_name: "email_address", allowed_domains: ["example.com"], max_length: 5, gone: null } },
      { code: "form_param_missing", message: "m2", long_message: "l2", meta: {} },
    ],
    trace_id: "lb-7f3a.2",
  };
  globalThis.fetch = async () => new Response(JSON.stringify(body), { status: 422, headers: { "content-type": "application/json" } });
  const err = await gh.signIn.create({ identifier: "meta@example.com", password: "x" }).catch((e) => e);
  globalThis.fetch = realFetch;
  assert.equal(err.code, "form_param_format_invalid");
  assert.deepEqual(err.meta, { paramName: "email_address", allowedDomains: ["example.com"], maxLength: 5 });
  assert.deepEqual(err.errors[1].meta, {});
  assert.equal(err.traceId, "lb-7f3a.2");
}

// Two copies of the package on one page (two bundles, two versions):
// either copy recognizes the other's errors.
{
  const copy = await import(`${pathToFileURL(path.resolve(pkgDir, "gatehouse.js")).href}?second-copy`);
  assert.notEqual(copy.GatehouseError, GatehouseError, "a separate module instance");
  assert.ok(copy.isGatehouseError(gone) && pkg.isGatehouseError(gone));
  assert.ok(gone instanceof copy.GatehouseError);
  for (const other of [new Error("x"), null, undefined, "GatehouseError", { name: "GatehouseError", code: "x" }]) {
    assert.equal(copy.isGatehouseError(other), false);
    assert.equal(other instanceof copy.GatehouseError, false);
  }
}

// Signing in again with the password; the same session object shows it.
const signIn = await gh.signIn.create({ identifier: email.toUpperCase(), password: "correct horse battery" });
assert.equal(signIn, gh.signIn);
assert.equal(signIn.status, "complete");
assert.equal(gh.session, session);
assert.equal(session.id, signIn.createdSessionId);
const badIdentifier = await gh.signIn.create({ identifier: "ana@", password: "x" }).catch((e) => e);
assert.equal(badIdentifier.code, "form_param_format_invalid");
assert.equal(badIdentifier.meta.paramName, "identifier");

// A sign-up from an invitation (the dev helper makes it).
const invited = `smoke.invited.${Date.now()}@example.com`;
const invitation = await (await fetch(`${api}/v1/dev/invitations`, {
  method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: invited }),
})).json();
const ticket = new URL(invitation.url).searchParams.get("__gh_ticket");
const other = await Gatehouse.load({ frontendApi: api, tokenMode: "bearer" });
await other.signUp.create({ strategy: "ticket", ticket, password: "correct horse battery" });
assert.equal(other.signUp.status, "complete");
assert.equal(other.signUp.emailAddress, invited);
assert.equal(other.session.id, other.signUp.createdSessionId);

// tokenStorage in Node: an object of the app's own (an async get) keeps the
// token, and the next load has the same client; its BroadcastChannel (Node
// has one) does not keep the process running. "local": no localStorage here.
{
  const kept = [];
  const tokenStorage = { get: async () => kept.at(-1) ?? null, set: (t) => void kept.push(t), remove: () => void kept.splice(0) };
  const options = { frontendApi: api, tokenMode: "bearer", tokenStorage };
  const first = await Gatehouse.load(options);
  await first.signUp.create({ emailAddress: `smoke.stored.${Date.now()}@example.com` });
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(kept.length, 1, "the new token is kept");
  const reloaded = await Gatehouse.load(options);
  assert.equal(reloaded.client.id, first.client.id, "the kept token's client");
  assert.equal(reloaded.client.signUpId, first.signUp.id);
  const local = await Gatehouse.load({ ...options, tokenStorage: "local" }).catch((e) => e);
  assert.ok(local instanceof GatehouseError);
  assert.equal(local.code, "form_param_format_invalid");
  assert.equal(local.meta.paramName, "tokenStorage");
}

// An email link, waited for by push: the bundled flow's stream reader.
const linked = await Gatehouse.load({ frontendApi: api, tokenMode: "bearer" });
const linkEmail = `smoke.link.${Date.now()}@example.com`;
await linked.signUp.create({ emailAddress: linkEmail, password: "correct horse battery" });
const { startMagicLinkFlow } = linked.signUp.createMagicLinkFlow();
const waiting = startMagicLinkFlow({ redirectUrl: `${api}/welcome` });
let link;
for (let tries = 0; !(link = (await (await fetch(`${api}/v1/dev/outbox`)).json()).findLast((m) => m.to === linkEmail)?.link); tries++) {
  assert.ok(tries < 250, `no link was sent to ${linkEmail} within 5 s`);
  await new Promise((r) => setTimeout(r, 20));
}
const confirmed = await fetch(`${api}/v1/verify`, {
  method: "POST", body: new URLSearchParams({ token: new URL(link).searchParams.get("token") }), redirect: "manual",
});
assert.equal(confirmed.status, 303);
assert.equal(await within(waiting, 15_000, "the email link flow"), linked.signUp);
assert.equal(linked.signUp.verifications.emailAddress.status, "verified");
assert.equal(linked.session.id, linked.signUp.createdSessionId);

const down = await Gatehouse.load({ frontendApi: "http://127.0.0.1:9" }).catch((e) => e);
assert.ok(down instanceof GatehouseError);
assert.equal(down.code, "network_error");

// Failed loads leave nothing behind: 200 of them with a 64 KiB URL would
// hold about 16 MiB if each kept its instance.
{
  const long = `http://127.0.0.1:9/${"x".repeat(64 * 1024)}`;
  const settle = async () => {
    globalThis.gc();
    await new Promise((r) => setTimeout(r, 10));
  };
  for (let i = 0; i < 20; i++) await Gatehouse.load({ frontendApi: long }).catch(() => {});
  await settle();
  const before = memory.buffer.byteLength;
  for (let i = 0; i < 200; i++) {
    assert.equal((await Gatehouse.load({ frontendApi: long }).catch((e) => e)).code, "network_error");
    if (i % 10 === 9) await settle();
  }
  const grown = memory.buffer.byteLength - before;
  assert.ok(grown <= 2 * 1024 * 1024, `failed loads grew wasm memory by ${grown} bytes`);
}
console.log("pkg-smoke: ok");
