// gatehouse-react with real React (react-dom in a happy-dom document) and
// the real SDK (the gatehouse package's Node entry, bearer mode) against
// the real server that scripts/test-browser.sh starts (GATEHOUSE_TEST_API; and
// GATEHOUSE_TEST_API_MFA, its server that requires a second factor).
// Codes are read from the server's dev outbox.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Window } from "happy-dom";

const api = process.env.GATEHOUSE_TEST_API;
if (!api) throw new Error("GATEHOUSE_TEST_API is not set (scripts/test-browser.sh sets it)");

// A DOM for react-dom; Node's own fetch stays (the SDK talks to the server with it).
const window = new Window({ url: "http://127.0.0.1/" });
globalThis.window = window;
globalThis.document = window.document;
globalThis.navigator ??= window.navigator;
globalThis.IS_REACT_ACT_ENVIRONMENT = false;

const { createElement: h, StrictMode, Component } = await import("react");
const { createRoot } = await import("react-dom/client");
const { flushSync } = await import("react-dom");
const { GatehouseProvider, useGatehouse, useSignUp, useSignIn, useSession, SignedIn, SignedOut } = await import(
  "gatehouse-react"
);

/** Waits until `ready()` holds (every 10 ms, up to 5 s). */
async function until(what, ready) {
  for (let i = 0; i < 500; i++) {
    if (ready()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
}

const unique = () => `react-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;

async function codeSentTo(to) {
  for (let i = 0; i < 200; i++) {
    const outbox = await (await fetch(`${api}/v1/dev/outbox`)).json();
    const code = outbox.filter((m) => m.to === to).at(-1)?.code;
    if (code) return code;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no code sent to ${to}`);
}

/** Renders `element` into a fresh container, now; answers the container and the root. */
function mount(element) {
  const container = document.createElement("div");
  document.body.appendChild(container);
  const root = createRoot(container);
  flushSync(() => root.render(element));
  return { container, root };
}

test("the hooks load the SDK and re-render on every change of a sign-up", async () => {
  const renders = [];
  let hooks;
  function Probe() {
    const state = useGatehouse();
    const { isLoaded, signUp } = useSignUp();
    const { signIn } = useSignIn();
    const { session } = useSession();
    hooks = { state, signUp, signIn, session };
    renders.push(isLoaded ? `${signUp.status ?? "none"}/${session ? "session" : "no session"}` : "loading");
    return h("p", { id: "probe" }, renders.at(-1));
  }
  const app = h(
    GatehouseProvider,
    { frontendApi: api, tokenMode: "bearer" },
    h(Probe),
    h(SignedIn, null, h("p", { id: "in" }, "signed in")),
    h(SignedOut, null, h("p", { id: "out" }, "signed out")),
  );
  const { container, root } = mount(h(StrictMode, null, app));
  const shown = (id) => container.querySelector(`#${id}`)?.textContent ?? null;

  assert.equal(shown("probe"), "loading");
  assert.equal(shown("in"), null, "neither while loading");
  assert.equal(shown("out"), null, "neither while loading");
  await until("the load", () => shown("probe") === "none/no session");
  assert.equal(shown("out"), "signed out");
  const { state } = hooks;
  assert.equal(state.isLoaded, true);
  assert.equal(hooks.signUp, state.gatehouse.signUp, "useSignUp gives gh.signUp");
  assert.equal(hooks.signIn, state.gatehouse.signIn, "useSignIn gives gh.signIn");
  assert.equal(state.client, state.gatehouse.client);

  const gh = state.gatehouse;
  const email = unique();
  const before = renders.length;
  await gh.signUp.create({ emailAddress: email, password: "correct horse battery" });
  await until("the re-render after create", () => shown("probe") === "missing_requirements/no session");
  await gh.signUp.prepareEmailAddressVerification();
  const code = await codeSentTo(email);
  const afterPrepare = renders.length;
  assert.ok(afterPrepare > before, "re-rendered after create and prepare");
  await gh.signUp.attemptEmailAddressVerification({ code });
  await until("the session", () => shown("probe") === "complete/session");
  assert.equal(shown("in"), "signed in");
  assert.equal(shown("out"), null);
  assert.equal(hooks.session, gh.session, "useSession gives gh.session");
  assert.equal(hooks.session.id, gh.signUp.createdSessionId);
  assert.equal(hooks.state.client.lastActiveSessionId, gh.session.id, "one consistent snapshot");

  await gh.session.signOut();
  await until("signed out", () => shown("out") === "signed out");
  assert.equal(shown("in"), null);
  assert.equal(hooks.session, null);
  root.unmount();
});

test("a component re-renders once per change, and stops listening when unmounted", async () => {
  let renders = 0;
  let gh;
  function Counter() {
    const state = useGatehouse();
    gh = state.gatehouse;
    renders++;
    return null;
  }
  const { root } = mount(h(GatehouseProvider, { frontendApi: api, tokenMode: "bearer" }, h(Counter)));
  await until("the load", () => gh);
  const loaded = renders;
  await gh.signUp.create({ emailAddress: unique() });
  await until("a render", () => renders > loaded);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(renders, loaded + 1, "one render for one change");
  await gh.signUp.reload();
  await until("a render", () => renders > loaded + 1);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(renders, loaded + 2);

  root.unmount();
  await gh.signUp.reload();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(renders, loaded + 2, "no render after unmount");
});

test("a failed load reaches the error boundary", async () => {
  class Boundary extends Component {
    state = { error: null };
    static getDerivedStateFromError(error) {
      return { error };
    }
    render() {
      return this.state.error ? h("p", { id: "error" }, this.state.error.code ?? this.state.error.message) : this.props.children;
    }
  }
  const { container, root } = mount(
    h(Boundary, null, h(GatehouseProvider, { frontendApi: "http://127.0.0.1:9", tokenMode: "bearer" }, h("p", null, "app"))),
  );
  await until("the error", () => container.querySelector("#error"));
  assert.equal(container.querySelector("#error").textContent, "network_error");
  root.unmount();
});

/** The TOTP code of a base32 `secret` now (RFC 6238: SHA-1, 6 digits, 30 s). */
async function totpCode(secret) {
  const { createHmac } = await import("node:crypto");
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secret.replace(/=+$/, "")) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const step = Buffer.alloc(8);
  step.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000)));
  const mac = createHmac("sha1", key).update(step).digest();
  const at = mac[19] & 15;
  return String((mac.readUInt32BE(at) & 0x7fffffff) % 1000000).padStart(6, "0");
}

// The server that requires a second factor (`[mfa] required`, no email code at sign-up).
const mfaApi = process.env.GATEHOUSE_TEST_API_MFA;

test("a pending session (a second factor to set up) is not signed in until TOTP is verified", { skip: !mfaApi }, async () => {
  let gh;
  function Probe() {
    gh = useGatehouse().gatehouse;
    return null;
  }
  const app = h(
    GatehouseProvider,
    { frontendApi: mfaApi, tokenMode: "bearer" },
    h(Probe),
    h(SignedIn, null, h("p", { id: "in" }, "signed in")),
    h(SignedOut, null, h("p", { id: "out" }, "signed out")),
  );
  const { container, root } = mount(app);
  const shown = (id) => container.querySelector(`#${id}`)?.textContent ?? null;
  await until("the load", () => shown("out") === "signed out");
  await gh.signUp.create({ emailAddress: unique(), password: "correct horse battery" });
  await until("the pending session", () => gh.session?.status === "pending");
  assert.deepEqual(gh.session.tasks, ["setup_mfa"]);
  assert.equal(await gh.session.getToken(), null);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(shown("in"), null, "pending is not signed in");
  assert.equal(shown("out"), "signed out");

  const { secret } = await gh.user.createTOTP();
  await gh.user.verifyTOTP({ code: await totpCode(secret) });
  await until("signed in", () => shown("in") === "signed in");
  assert.equal(shown("out"), null);
  assert.equal(gh.session.status, "active");
  assert.match(await gh.session.getToken(), /^ey/);
  root.unmount();
});

test("a hook outside the provider says so", async () => {
  const { renderToString } = await import("react-dom/server");
  function Lost() {
    useSession();
    return null;
  }
  assert.throws(() => renderToString(h(Lost)), /inside <GatehouseProvider>/);
});

test("on the server (no effects), the provider renders its tree as not loaded", async () => {
  const { renderToString } = await import("react-dom/server");
  function Status() {
    return h("p", null, useSession().isLoaded ? "loaded" : "loading");
  }
  const html = renderToString(
    h(GatehouseProvider, { frontendApi: api }, h(Status), h(SignedIn, null, "in"), h(SignedOut, null, "out")),
  );
  assert.equal(html, "<p>loading</p>");
});
