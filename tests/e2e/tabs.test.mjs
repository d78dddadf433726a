// Sessions across tabs and reloads (the SDK's `follow` in
// src/bindings/objects.rs, `tokenStorage` in src/js/core.js and
// src/fetch.rs): two pages of one browser context, each with its own
// Gatehouse instance loaded from /pkg/ against the real server, as two tabs
// of one person's browser. A sign-up completed, a sign-in or a sign-out in
// one shows in the other within 1 s, and its listeners fire there; a tab
// that becomes visible reloads its client; in bearer mode, the client token
// survives a reload through `tokenStorage` ("local", or an object of the
// page's own).
//
// The pages are the server's /healthz (any page of the origin will do: the
// demo's own instance would be a third party to every message).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, uniqueEmail, codesFromApi, BASE_URL } from "./support.mjs";

const PASSWORD = "correct horse battery";
/** The bound: every open tab follows within 1 s. */
const FOLLOW_MS = 1000;

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** A page of a context at the server's origin; page errors are collected. */
async function tab(context, problems) {
  const page = await context.newPage();
  page.on("pageerror", (err) => problems.push(`pageerror: ${err.message}`));
  await page.goto(BASE_URL + "/healthz");
  return page;
}

/**
 * `window.gh = await Gatehouse.load(...)` in `page`. `storage: "custom"`
 * is the page's own token storage: an object over sessionStorage whose
 * `get` answers a promise, and which counts its calls in `window.calls`.
 */
async function load(page, { tokenMode, storage } = {}) {
  return page.evaluate(async ({ tokenMode, storage }) => {
    const { Gatehouse } = await import("/pkg/gatehouse.js");
    window.calls = { get: 0, set: 0, remove: 0 };
    const custom = {
      get: () => (calls.get++, Promise.resolve(sessionStorage.getItem("my-token"))),
      set: (t) => (calls.set++, sessionStorage.setItem("my-token", t)),
      remove: () => (calls.remove++, sessionStorage.removeItem("my-token")),
    };
    const options = { frontendApi: location.origin };
    if (tokenMode) options.tokenMode = tokenMode;
    if (storage) options.tokenStorage = storage === "custom" ? custom : storage;
    window.gh = await Gatehouse.load(options);
    return window.gh.session?.id ?? null;
  }, { tokenMode, storage });
}

/** Completes a sign-up with an emailed code in `page`'s instance; its session id. */
async function signUp(page, email) {
  await page.evaluate(async ({ email, password }) => {
    await gh.signUp.create({ emailAddress: email, password });
    await gh.signUp.prepareEmailAddressVerification();
  }, { email, password: PASSWORD });
  const code = (await codesFromApi(email)).at(-1);
  return page.evaluate(async (code) => {
    const s = await gh.signUp.attemptEmailAddressVerification({ code });
    return s.status === "complete" ? gh.session.id : s.status;
  }, code);
}

/** Waits (at most `timeout` ms) until `page`'s `gh.session` has the id `id` (null: none). */
async function sessionBecomes(page, id, timeout = FOLLOW_MS) {
  await page.waitForFunction((id) => (gh.session?.id ?? null) === id, id, { polling: 20, timeout });
}

test("a sign-up, a sign-out and a sign-in in one tab show in the other within 1 s", { timeout: 60_000 }, async () => {
  const problems = [];
  const context = await browser.newContext();
  try {
    const [a, b] = [await tab(context, problems), await tab(context, problems)];
    assert.equal(await load(a), null);
    assert.equal(await load(b), null);

    const email = uniqueEmail("tabs");
    const session = await signUp(a, email);
    assert.match(session, /^sess_/);
    await sessionBecomes(b, session);
    assert.equal(await b.evaluate(() => gh.client.lastActiveSessionId), session);

    await a.evaluate(() => gh.signOut());
    await sessionBecomes(b, null);
    assert.equal(await b.evaluate(() => gh.client.sessions.length), 0);

    const signedIn = await a.evaluate(async ({ email, password }) => {
      const s = await gh.signIn.create({ identifier: email, password });
      return s.status === "complete" ? gh.session.id : s.status;
    }, { email, password: PASSWORD });
    assert.match(signedIn, /^sess_/);
    assert.notEqual(signedIn, session);
    await sessionBecomes(b, signedIn);

    // B follows through the server (its cookie was replaced at each step):
    // a token for the session A made.
    const jwt = await b.evaluate(() => gh.session.getToken());
    assert.match(jwt, /^ey[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("listeners fire in the other tab, once per change it follows, with the new state", { timeout: 60_000 }, async () => {
  const problems = [];
  const context = await browser.newContext();
  try {
    const [a, b] = [await tab(context, problems), await tab(context, problems)];
    await load(a);
    await load(b);
    await b.evaluate(() => {
      window.seen = [];
      gh.addListener(({ client, session }) => seen.push([client.lastActiveSessionId, session?.id ?? null]));
    });
    const session = await signUp(a, uniqueEmail("tabs-listen"));
    await b.waitForFunction((id) => seen.some(([, s]) => s === id), session, { polling: 20, timeout: FOLLOW_MS });
    await a.evaluate(() => gh.signOut());
    await b.waitForFunction(() => seen.at(-1)?.[1] === null, null, { polling: 20, timeout: FOLLOW_MS });
    await new Promise((r) => setTimeout(r, 300));
    // One reload each: the session, then none.
    assert.deepEqual(await b.evaluate(() => seen), [[session, session], [null, null]]);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("the message says only that the client changed: no token, no id; a tab never passes it on", { timeout: 60_000 }, async () => {
  const problems = [];
  const context = await browser.newContext();
  try {
    const [a, b, spy] = [await tab(context, problems), await tab(context, problems), await tab(context, problems)];
    await load(a);
    await load(b);
    // A third tab listens on the SDK's channel, as any script of the origin could.
    await spy.evaluate((api) => {
      window.heard = [];
      new BroadcastChannel("gatehouse:" + api).onmessage = (e) => heard.push(e.data);
    }, BASE_URL);
    // B counts its client requests: one reload per message, and no message from it.
    await b.evaluate(() => {
      window.reloads = 0;
      const fetch = window.fetch;
      window.fetch = (url, init) => (String(url).endsWith("/v1/client") && reloads++, fetch(url, init));
    });
    const session = await signUp(a, uniqueEmail("tabs-msg"));
    await sessionBecomes(b, session);
    await a.evaluate(() => gh.signOut());
    await sessionBecomes(b, null);
    await new Promise((r) => setTimeout(r, 500));
    const heard = await spy.evaluate(() => heard);
    // A's completion and A's sign-out; nothing from B, which only followed.
    assert.equal(heard.length, 2, JSON.stringify(heard));
    for (const m of heard) assert.equal(typeof m, "number", "a bare number, no token nor id");
    assert.equal(await b.evaluate(() => reloads), 2);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("a tab that becomes visible reloads its client (and runs without BroadcastChannel)", { timeout: 60_000 }, async () => {
  const problems = [];
  const context = await browser.newContext();
  try {
    const a = await tab(context, problems);
    // B has no BroadcastChannel, as some browsers: only becoming visible tells it.
    await context.addInitScript(() => {
      if (location.search === "?no-channel") delete window.BroadcastChannel;
    });
    const b = await context.newPage();
    b.on("pageerror", (err) => problems.push(`pageerror: ${err.message}`));
    await b.goto(BASE_URL + "/healthz?no-channel");
    await load(a);
    assert.equal(await load(b), null);
    assert.equal(await b.evaluate(() => typeof BroadcastChannel), "undefined");

    // Headless Chromium shows every page (bringToFront, a minimized window:
    // still "visible"), so B's visibility is set by hand: the property the
    // SDK reads, and the browser's own event.
    const setVisible = (visible) => b.evaluate((visible) => {
      Object.defineProperty(document, "visibilityState", { configurable: true, get: () => (visible ? "visible" : "hidden") });
      document.dispatchEvent(new Event("visibilitychange"));
    }, visible);
    await setVisible(false);
    const session = await signUp(a, uniqueEmail("tabs-visible"));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await b.evaluate(() => gh.session), null, "hidden, no channel: not told yet");
    await setVisible(true);
    await sessionBecomes(b, session);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('bearer mode: tokenStorage "local" keeps the client through a reload and every rotation', { timeout: 60_000 }, async () => {
  const problems = [];
  const context = await browser.newContext();
  try {
    const a = await tab(context, problems);
    const key = "gatehouse:client:" + BASE_URL;
    const stored = () => a.evaluate((key) => localStorage.getItem(key), key);
    await load(a, { tokenMode: "bearer", storage: "local" });
    assert.equal(await stored(), null, "no token before the client is stored");
    await a.evaluate((email) => gh.signUp.create({ emailAddress: email }), uniqueEmail("tabs-local"));
    const first = await stored();
    assert.match(first, /^\S{20,}$/);
    const clientId = await a.evaluate(() => gh.client.id);

    await a.reload();
    assert.equal(await load(a, { tokenMode: "bearer", storage: "local" }), null);
    const signUpId = await a.evaluate(() => gh.client.signUpId);
    assert.match(signUpId, /^su_/, "the reloaded page has the sign-up of the stored client");
    assert.equal(await a.evaluate(() => gh.client.id), clientId);
    assert.equal(await stored(), first);
    // The same client completes a sign-up: its token is replaced, and kept.
    const session = await signUp(a, uniqueEmail("tabs-local"));
    assert.match(session, /^sess_/);
    const rotated = await stored();
    assert.notEqual(rotated, first, "the token replaced at completion is the one kept");

    // A second tab of the same storage shares the client, and follows a sign-out.
    const b = await tab(context, problems);
    assert.equal(await load(b, { tokenMode: "bearer", storage: "local" }), session);
    await a.reload();
    assert.equal(await load(a, { tokenMode: "bearer", storage: "local" }), session, "signed in after a reload");
    await a.evaluate(() => gh.signOut());
    assert.notEqual(await stored(), rotated, "the token replaced at sign-out is kept");
    await sessionBecomes(b, null);
    await a.reload();
    assert.equal(await load(a, { tokenMode: "bearer", storage: "local" }), null, "still signed out after a reload");
    assert.equal(await a.evaluate(() => gh.client.lastActiveSessionId), null);
    assert.equal(await a.evaluate(() => gh.client.id), clientId, "the same client");

    // The default, "memory": a reload starts a new client.
    await a.reload();
    await load(a, { tokenMode: "bearer" });
    assert.notEqual(await a.evaluate(() => gh.client.id), clientId);
    assert.equal(await a.evaluate(() => gh.client.signUpId), null);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("bearer mode: a tokenStorage object of the app's own, with an async get, keeps the session", { timeout: 60_000 }, async () => {
  const problems = [];
  const context = await browser.newContext();
  try {
    const a = await tab(context, problems);
    await load(a, { tokenMode: "bearer", storage: "custom" });
    const session = await signUp(a, uniqueEmail("tabs-custom"));
    assert.match(session, /^sess_/);
    // Set at the client's first token, then at the completion's replacement.
    assert.deepEqual(await a.evaluate(() => calls), { get: 1, set: 2, remove: 0 });
    await a.reload();
    assert.equal(await load(a, { tokenMode: "bearer", storage: "custom" }), session);
    assert.deepEqual(await a.evaluate(() => calls), { get: 1, set: 0, remove: 0 });
    assert.match(await a.evaluate(() => gh.session.getToken()), /^ey/);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("bearer mode: a stored token replaced elsewhere, refused twice, is removed from the storage", { timeout: 60_000 }, async () => {
  const problems = [];
  const context = await browser.newContext();
  try {
    const a = await tab(context, problems);
    await load(a, { tokenMode: "bearer", storage: "custom" });
    const email = uniqueEmail("tabs-dead");
    await a.evaluate(async (email) => {
      await gh.signUp.create({ emailAddress: email, password: "correct horse battery" });
      await gh.signUp.prepareEmailAddressVerification();
    }, email);
    const [token, signUpId] = await a.evaluate(() => [sessionStorage.getItem("my-token"), gh.signUp.id]);
    // Someone else with the same token (another device the app copied it to)
    // completes the sign-up: the server replaces the token, and the page
    // never hears the new one.
    const code = (await codesFromApi(email)).at(-1);
    const res = await fetch(`${BASE_URL}/v1/client/sign_ups/${signUpId}/attempt_verification`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Gatehouse-Token-Mode": "bearer", Authorization: `Bearer ${token}` },
      body: JSON.stringify({ strategy: "email_code", code }),
    });
    assert.equal(res.status, 200);
    assert.ok(res.headers.get("Gatehouse-Client"), "the token was replaced");
    const refused = await a.evaluate(() => gh.signUp.reload().then(() => "reloaded", (e) => e.code));
    assert.equal(refused, "client_token_replaced");
    await a.waitForFunction(() => calls.remove === 1 && sessionStorage.getItem("my-token") === null, null, { timeout: 2000 });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("a tokenStorage that cannot work is a GatehouseError naming it, before any request", { timeout: 60_000 }, async () => {
  const problems = [];
  const context = await browser.newContext();
  try {
    const a = await tab(context, problems);
    const refused = await a.evaluate(async () => {
      const { Gatehouse, isGatehouseError } = await import("/pkg/gatehouse.js");
      const frontendApi = location.origin;
      const cases = [
        { frontendApi, tokenMode: "bearer", tokenStorage: "session" },
        { frontendApi, tokenMode: "bearer", tokenStorage: 42 },
        { frontendApi, tokenMode: "bearer", tokenStorage: { get() {}, set() {} } },
        { frontendApi, tokenMode: "bearer", tokenStorage: { get: 1, set() {}, remove() {} } },
        // Cookie mode has no token to keep.
        { frontendApi, tokenStorage: "local" },
      ];
      const out = [];
      for (const options of cases) {
        try {
          await Gatehouse.load(options);
          out.push("loaded");
        } catch (e) {
          out.push(isGatehouseError(e) ? `${e.code} ${e.meta.paramName}` : `not a GatehouseError: ${e}`);
        }
      }
      return out;
    });
    assert.deepEqual(refused, Array(5).fill("form_param_format_invalid tokenStorage"));
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
