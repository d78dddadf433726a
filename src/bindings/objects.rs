//! `gh.signUp`, `gh.signIn` and `gh.session`: small JS classes whose
//! methods call the hidden `Gatehouse.__run(op, params)`, one wasm export
//! for all of them (a wasm-bindgen class costs a shim per method in both
//! languages). Their data properties are set from Rust; the `Gatehouse` is
//! kept under a symbol, so it is no data property.
//!
//! Small pieces of state live here too, because in JS they cost a
//! fraction of their Rust (about 0.35 KiB gzip against 1.2 KiB; the size
//! budget, `bench/size.sh`):
//!
//! - `show`: `gh.client` and `gh.session`, the client's last active session
//!   (the one `Session` object of the instance, updated in place), or null;
//!   `gh.user` beside it (null when signed out): `sessions()` lists the
//!   user's sessions on every browser, each with `revoke()` (ops 24, 25), and the TOTP second factor's
//!   `createTOTP()`, `verifyTOTP()` and `disableTOTP()` (ops 21 to 23), and
//!   `totpEnabled`, a getter of `gh.session`'s (the wire's `totp_enabled`,
//!   which every answer's client carries, those of `verifyTOTP()` and
//!   `disableTOTP()` too);
//! - the listeners of `gh.addListener(f)`: `show` is the one place where
//!   an answer's state lands (after the sign-up or sign-in object took
//!   its part), so it calls each listener there, once per answer taken in,
//!   with one new snapshot `{ client, session, signUp, signIn }` (what `gh`
//!   shows now). A listener that throws is reported to the page (a
//!   microtask rethrows it) and stops neither the SDK nor the others.
//!   `addListener` itself is a JS method that the first `show` (at load,
//!   before `Gatehouse.load` resolves) puts on the `Gatehouse` class's
//!   prototype, as it does `gh.signOut()` (`gh.session.signOut()`, if there
//!   is a session): a wasm-bindgen method would cost a wasm export and a
//!   shim for what is JS alone; their types are in `typescript.rs`;
//! - the session token cache of `getToken()`. A token is handed out again
//!   while the session is `gh.session` and the token has more than 10 s
//!   (or half its lifetime, if shorter) left. Its lifetime is the answer's
//!   `expireAt - issuedAt` (both the server's clock), counted from when the
//!   request was sent: the browser's clock is only compared with itself.
//!   Calls made while a token is on its way share that request; a failed
//!   one is not kept. `signOut()` forgets the token at once. A `pending`
//!   session (its user must enrol a second factor first) has no token:
//!   `null`, without a request.
//! - other tabs follow (`follow`, set up at load when tabs share the
//!   client: cookie mode, or bearer mode with a `tokenStorage`). When this
//!   tab's own operation (a sign-up or sign-in step, a sign-out) changes
//!   the client's last active session, `show` posts a message on the
//!   `BroadcastChannel` named by the `frontendApi`. It says only "changed":
//!   a random number of this page, no token, no id. A tab that gets it,
//!   or that becomes visible (`visibilitychange`), or that sees the
//!   "local" token storage change (a `storage` event), reloads its client
//!   (`__run(18)`, `GET /v1/client`, with the token its storage holds),
//!   which comes in through `show` like any answer, and is never posted on:
//!   no loops. One reload at a time, and one more if asked meanwhile: no
//!   storms. Other instances in the same page are not told. Where
//!   `BroadcastChannel` or `document` is missing (Node), that part is left
//!   out.
//!
//! The op numbers are those of `Gatehouse::run` in `bindings/mod.rs`.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
const gh = Symbol(), current = Symbol(), token = Symbol(), heard = Symbol(), tabs = Symbol(), me = Symbol(), page = Math.random();
class Resource {
  constructor(g) { this[gh] = g; }
}
class SignUp extends Resource {
  create(params) { return this[gh].__run(0, params); }
  update(params) { return this[gh].__run(1, params); }
  reload() { return this[gh].__run(2); }
  prepareVerification(params) { return this[gh].__run(3, params); }
  attemptVerification(params) { return this[gh].__run(4, params); }
  prepareEmailAddressVerification(params) { return this[gh].__run(5, params); }
  attemptEmailAddressVerification(params) { return this[gh].__run(6, params); }
  preparePhoneNumberVerification(params) { return this[gh].__run(7, params); }
  attemptPhoneNumberVerification(params) { return this[gh].__run(8, params); }
  createMagicLinkFlow() { return this[gh].__run(15); }
  createEmailLinkFlow() {
    const f = this.createMagicLinkFlow();
    return { startEmailLinkFlow: f.startMagicLinkFlow, cancelEmailLinkFlow: f.cancelMagicLinkFlow };
  }
}
class SignIn extends Resource {
  create(params) { return this[gh].__run(9, params); }
  reload() { return this[gh].__run(10); }
  prepareFirstFactor(params) { return this[gh].__run(11, params); }
  attemptFirstFactor(params) { return this[gh].__run(12, params); }
  resetPassword(params) { return this[gh].__run(19, params); }
  attemptSecondFactor(params) { return this[gh].__run(20, params); }
  createMagicLinkFlow() { return this[gh].__run(26); }
}
class Session extends Resource {
  getToken() {
    if (this.status == "pending") return Promise.resolve(null);
    const g = this[gh], sent = Date.now();
    let t = this[token];
    if (!t || g.session !== this || t.id !== this.id || sent >= t.until) {
      t = this[token] = { id: this.id, until: Infinity };
      t.jwt = g.__run(13, this.id).then((r) => {
        // A lifetime that makes no sense ends before it starts: not kept.
        const life = r.expireAt - r.issuedAt;
        t.until = sent + life - Math.min(10000, life / 2);
        return r.jwt;
      }, (e) => {
        t.until = 0;
        throw e;
      });
    }
    return t.jwt;
  }
  signOut() {
    this[token] = null;
    return this[gh].__run(14, this.id);
  }
}
class User extends Resource {
  get totpEnabled() { return !!this[gh].session?.totpEnabled; }
  createTOTP() { return this[gh].__run(21); }
  verifyTOTP(params) { return this[gh].__run(22, params); }
  disableTOTP(params) { return this[gh].__run(23, params); }
  sessions() {
    const g = this[gh];
    return g.__run(24, g.session?.id).then((r) => r.data.map((x) => Object.assign(new UserSession(g), x)));
  }
}
class UserSession extends Resource {
  revoke() { return this[gh].__run(25, (this[gh].session?.id ?? "") + "/user_sessions/" + this.id).then((r) => Object.assign(this, r)); }
}
export const sessionId = (g) => g.session?.id;
export const newSignUp = (g, e) => (g.signUp = Object.assign(new SignUp(g), e));
export const newSignIn = (g, e) => (g.signIn = Object.assign(new SignIn(g), e));
function addListener(f) {
  if (typeof f != "function") throw new TypeError("addListener takes a function");
  const all = (this[heard] ??= new Set()), one = (x) => f(x);
  all.add(one);
  return () => { all.delete(one); };
}
function signOut() {
  return this.session ? this.session.signOut() : Promise.resolve();
}
export function show(g, { client }, revoked, tell) {
  const proto = Object.getPrototypeOf(g);
  proto.addListener ??= addListener;
  proto.signOut ??= signOut;
  const s = (g[current] ??= new Session(g)), before = g.client?.lastActiveSessionId;
  if (revoked && revoked.id === s.id) Object.assign(s, revoked);
  g.client = client;
  const active = client.sessions.find((x) => x.id === client.lastActiveSessionId);
  g.session = active ? Object.assign(s, active) : null;
  g.user = active ? (g[me] ??= new User(g)) : null;
  const snapshot = { client, session: g.session, signUp: g.signUp, signIn: g.signIn };
  for (const f of g[heard] ?? []) {
    try {
      f(snapshot);
    } catch (e) {
      queueMicrotask(() => { throw e; });
    }
  }
  if (tell && before !== client.lastActiveSessionId) g[tabs]?.postMessage(page);
}
export function follow(g, name, storage) {
  let busy, again;
  const reload = () => {
    if (busy) return (again = true);
    again = false;
    busy = Promise.resolve()
      .then(() => storage?.get())
      .catch(() => {})
      .then((t) => g.__run(18, typeof t == "string" ? t : undefined))
      .catch(() => {})
      .then(() => {
        busy = null;
        if (again) reload();
      });
  };
  if (typeof BroadcastChannel == "function") {
    const c = (g[tabs] = new BroadcastChannel("gatehouse:" + name));
    c.onmessage = (e) => e.data !== page && reload();
    // Node: not what keeps the process running.
    c.unref?.();
  }
  const d = globalThis.document;
  d?.addEventListener("visibilitychange", () => d.visibilityState == "visible" && reload());
  if (storage?.key) addEventListener("storage", (e) => e.key == storage.key && reload());
}
"#)]
extern "C" {
    /// The id of `g.session`, or `undefined` when signed out.
    #[wasm_bindgen(js_name = sessionId)]
    pub fn session_id(g: &JsValue) -> JsValue;

    /// A new `SignUp` object of the `Gatehouse` object `g`, `g.signUp`,
    /// with the keys of `empty` (`decode::empty`).
    #[wasm_bindgen(js_name = newSignUp)]
    pub fn sign_up(g: &JsValue, empty: &JsValue) -> JsValue;

    /// A new `SignIn` object of the `Gatehouse` object `g`, `g.signIn`,
    /// with the keys of `empty`.
    #[wasm_bindgen(js_name = newSignIn)]
    pub fn sign_in(g: &JsValue, empty: &JsValue) -> JsValue;

    /// Sets `g.client` to the `client` of a decoded answer (`envelope`) and
    /// `g.session` to its last active session, or `null`; `revoked`, a
    /// session just signed out, updates the session object that showed it. `tell`: if the last
    /// active session changed, other tabs are told (see the module doc).
    pub fn show(g: &JsValue, envelope: &JsValue, revoked: &JsValue, tell: bool);

    /// Other tabs follow: sets up `g`'s reloads of its client on a message
    /// of the channel `name` (the `frontendApi`), on becoming visible, and
    /// on a change of `storage` (the token storage, or `undefined`).
    pub fn follow(g: &JsValue, name: &str, storage: &JsValue);
}
