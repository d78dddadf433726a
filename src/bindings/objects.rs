//! `gh.signUp`, `gh.signIn` and `gh.session`: small JS classes whose
//! methods call the hidden `Gatehouse.__run(op, params)`, one wasm export
//! for all of them (a wasm-bindgen class costs a shim per method in both
//! languages). Their data properties are set from Rust; the `Gatehouse` is
//! kept under a symbol, so it is no data property.
//!
//! Two small pieces of state live here too, because in JS they cost a
//! fraction of their Rust (about 0.35 KiB gzip against 1.2 KiB; the size
//! budget, `bench/size.sh`):
//!
//! - `show`: `gh.client` and `gh.session`, the client's last active session
//!   (the one `Session` object of the instance, updated in place), or null;
//! - the session token cache of `getToken()`. A token is handed out again
//!   while the session is `gh.session` and the token has more than 10 s
//!   (or half its lifetime, if shorter) left. Its lifetime is the answer's
//!   `expireAt - issuedAt` (both the server's clock), counted from when the
//!   request was sent: the browser's clock is only compared with itself.
//!   Calls made while a token is on its way share that request; a failed
//!   one is not kept. `signOut()` forgets the token at once.
//!
//! The op numbers are those of `Gatehouse::run` in `bindings/mod.rs`.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
const gh = Symbol(), current = Symbol(), token = Symbol();
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
  resetPassword(params) { return this[gh].__run(18, params); }
}
class Session extends Resource {
  getToken() {
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
export const newSignUp = (g) => new SignUp(g);
export const newSignIn = (g) => new SignIn(g);
export function show(g, client, revoked) {
  const s = (g[current] ??= new Session(g));
  if (revoked && revoked.id === s.id) Object.assign(s, revoked);
  g.client = client;
  const active = client.sessions.find((x) => x.id === client.lastActiveSessionId);
  g.session = active ? Object.assign(s, active) : null;
}
export const signOut = (g) => (g.session ? g.session.signOut() : Promise.resolve());
"#)]
extern "C" {
    /// A new `SignUp` object of the `Gatehouse` object `g`.
    #[wasm_bindgen(js_name = newSignUp)]
    pub fn sign_up(g: &JsValue) -> JsValue;

    /// A new `SignIn` object of the `Gatehouse` object `g`.
    #[wasm_bindgen(js_name = newSignIn)]
    pub fn sign_in(g: &JsValue) -> JsValue;

    /// Sets `g.client` to the (decoded) `client` and `g.session` to its last
    /// active session, or `null`; `revoked`, a session just signed out,
    /// updates the session object that showed it.
    pub fn show(g: &JsValue, client: &JsValue, revoked: &JsValue);

    /// `gh.signOut()`: `gh.session.signOut()`, if there is a session.
    #[wasm_bindgen(js_name = signOut)]
    pub fn sign_out(g: &JsValue) -> js_sys::Promise;
}
