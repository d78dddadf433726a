//! The one HTTP helper: starts a request to the frontend API with the token
//! mode's credentials, and reads its answer: keeps the bearer token, and
//! turns the answer into its parsed JSON or an [`Error`].
//!
//! Built on the global `fetch` (so it also runs in workers), its init a
//! plain object made by the JS [`init`], which the package entry's early
//! requests (`src/js/core.js`) use too (web-sys's `RequestInit` setters
//! cost an import each, and setting its keys one by one from Rust cost
//! more than the JS); a request can carry an `AbortSignal` (the email link
//! flow's cancel).
//!
//! No Rust executor: [`pipe`] wires the promise chain in a few lines of JS
//! (fetch, then `response.json()`, then the target's `__run` method, with the tag as its op), and
//! Rust does the work at both ends. That keeps wasm-bindgen-futures and its
//! closures out of the binary.
//!
//! **Sent again once after `client_token_replaced`.** The server replaces
//! the client token at a sign-in and a sign-out (no fixation), and the
//! answer that does it carries the new token. Tabs share the cookie, so
//! another tab's request may already be on its way with the old one (the
//! link's landing page loads the client while the waiting tab's reload
//! replaces the token). The server answers such a request 409
//! `client_token_replaced`, with nothing of the client in it, for a minute
//! after the replacement. [`Transport::again`] then sends the same request
//! once more after [`PAUSE_MS`]: by then the replacing answer has arrived
//! and the browser sends its new cookie (in bearer mode, the token kept
//! from that answer's header). A second `client_token_replaced` is the
//! caller's `GatehouseError`.
//!
//! **The token kept across reloads** (bearer mode, `tokenStorage`). The
//! storage's `get` is read by the package entry before the client's first
//! request (`src/js/core.js`) and by each reload of the client that
//! another tab asks for (`bindings/objects.rs`); every new token from a
//! `Gatehouse-Client` header (or a completing event) goes to its `set`, in
//! [`Transport::finish`], so each rotation is kept. A second
//! `client_token_replaced` means the token is dead: the storage's `remove`,
//! if its `get` still gives that token (another tab may have put the new
//! one there). Calls to the storage never fail a request: what they throw
//! or reject is dropped.

use crate::decode;
use crate::error::{Error, Result};
use crate::params::{join, Body};
use alloc::string::String;
use core::cell::Cell;
use gatehouse_protocol::ErrorCode;
use js_sys::{Array, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen(inline_js = r#"
export function store(s, t, dead) {
  if (s) Promise.resolve().then(() => (dead ? Promise.resolve(s.get()).then((k) => k === t && s.remove()) : s.set(t))).catch(() => {});
}
// `Retry-After` in whole seconds, as Rust's `s.trim().parse::<u32>()` reads
// it (a header is Latin-1: `\s` and U+0085 are its White_Space), or null.
const seconds = (h) => ((h = /^[\s\x85]*\+?(\d+)[\s\x85]*$/.exec(h)) && h[1] <= 4294967295 ? +h[1] : null);
const authorize = (headers, token) => token && (headers.Authorization = "Bearer " + token);
// `m`: a `Method` (0, GET; 1, POST; 2, PATCH; 3, DELETE).
export function init(m, body, bearer, token, signal) {
  const headers = {};
  // Every write says JSON, with or without a body: the server refuses a
  // cookie-carrying write that a browser would not preflight.
  if (m) headers["Content-Type"] = "application/json";
  // Only a request that asks gets the token in `Gatehouse-Client`.
  if (bearer) headers["Gatehouse-Token-Mode"] = "bearer";
  authorize(headers, token);
  return { method: ["GET", "POST", "PATCH", "DELETE"][m], body: body ? JSON.stringify(body) : undefined, credentials: bearer ? "omit" : "include", headers, signal };
}
// The request body's writer (`JsonObject`): a text, or (`raw`) JSON text
// as what it reads.
export function put(o, k, v, raw) {
  o[k] = raw ? JSON.parse(v) : v;
}
export function pipe(url, init, target, tag, wait, early, token) {
  authorize(init.headers, token);
  const header = (response, name) => response.headers.get(name);
  const send = () => (early || fetch(url, init)
    .then((response) => response.json().catch(() => {}).then((json) =>
      [response.status, json, header(response, "Gatehouse-Client"), seconds(header(response, "Retry-After"))]), () => null))
    .then((answer) => (target ? target.__run(tag, [answer, url, init]) : answer));
  return wait ? new Promise((wake) => setTimeout(wake, wait)).then(send) : send();
}
"#)]
extern "C" {
    /// Sends `fetch(url, init)` (after `wait` ms, if not 0) and resolves to
    /// `target.__run(tag, [answer, url, init])`, where `answer` is
    /// `[status, json, gatehouseClient, retryAfter]` (`json` undefined when
    /// the body is not JSON, `gatehouseClient` `null` when absent,
    /// `retryAfter` the header's whole seconds, or `null` when it is absent
    /// or not a `u32`: read in JS, not by core's integer parser, about
    /// 0.1 KiB gzip of the wasm), or `null` when the request failed. The headers are read here, not through
    /// web-sys: an import shim each, in both languages, and the conversion
    /// of a fallible string (about 0.2 KiB gzip); `tag` tells the target which of its
    /// requests this was, when it needs to know; `url` and `init` let it
    /// send the request [`again`](Transport::again). Without a `target`
    /// (`null`) it resolves to the bare `answer`, and never rejects; such
    /// a promise as `early` is the answer, and nothing is sent. A `token`
    /// (not empty) goes into `init`'s `Authorization` header first: the
    /// bearer token of a request sent [`again`](Transport::again).
    fn pipe(url: &str, init: &JsValue, target: &JsValue, tag: u32, wait: u32, early: &JsValue, token: &str) -> Promise;

    /// The `RequestInit` of a request: `method` (a [`Method`] as a number);
    /// `body`, the JSON of the object a [`JsonObject`] wrote (none for
    /// `undefined`); `credentials` `omit` in bearer mode, `include` in
    /// cookie mode; its headers (`Content-Type: application/json`
    /// for every write, and in bearer mode `Gatehouse-Token-Mode: bearer` and
    /// the `token`, if not empty, as `Authorization: Bearer`); the `signal`,
    /// an `AbortSignal` or `undefined`.
    fn init(method: u32, body: &JsValue, bearer: bool, token: &str, signal: &JsValue) -> JsValue;

    /// Hands the new token `t` to the storage `s`'s `set` (`dead`: calls
    /// its `remove` if its `get` still gives `t`), later in this turn;
    /// nothing without a storage.
    fn store(s: &JsValue, t: &str, dead: bool);

    /// `o[k] = v`, or (`raw`) `o[k] = JSON.parse(v)`: [`JsonObject`]'s
    /// writes.
    fn put(o: &JsValue, k: &str, v: &str, raw: bool);
}

/// The writer of the flat JSON objects of the request bodies, in the wasm:
/// the native `params::JsonObject`'s calls, each a key set on a JS object,
/// which [`init`] writes out by `JSON.stringify` (its escapes are JSON's
/// too: `\b` and `\f` short, which the native writer spells `\u0008`,
/// `\u000c`). The JSON string writer it replaces cost the wasm more than
/// the import; the object goes to [`init`] as it is (no JSON text made in
/// JS, copied into the wasm and back).
#[cfg(target_arch = "wasm32")]
pub struct JsonObject(JsValue);

#[cfg(target_arch = "wasm32")]
impl JsonObject {
    pub fn new() -> Self {
        JsonObject(js_sys::Object::new().into())
    }

    /// Adds a key with a string value.
    pub fn string(&mut self, key: &str, value: &str) {
        put(&self.0, key, value, false);
    }

    /// Adds a key with a value that is already JSON.
    pub fn raw(&mut self, key: &str, json: &str) {
        put(&self.0, key, json, true);
    }

    pub fn finish(self) -> JsValue {
        self.0
    }
}

/// A bit of a [`pipe`] tag: the request was sent again (it is not, twice).
pub const SENT_AGAIN: u32 = 0x100;
/// How long to wait before sending again: the replacing answer is arriving.
const PAUSE_MS: u32 = 80;

#[wasm_bindgen]
extern "C" {
    /// `globalThis.fetch`, looked up at call time.
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(url: &str, init: &JsValue) -> Promise;
}

/// The HTTP methods the frontend API uses, handed to the JS [`init`] by
/// number (the JS holds their names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Patch,
    Delete,
}

/// Where the API is and how this browser proves who it is.
pub struct Transport {
    /// `frontendApi` without a trailing slash.
    base: String,
    /// Bearer mode: send the kept token; cookie mode: send cookies.
    bearer: bool,
    /// The client token from the last `Gatehouse-Client` header (bearer
    /// mode). The server sends it only when it issues one (a new client,
    /// or a replacement at sign-in and sign-out), and only to requests
    /// that say `Gatehouse-Token-Mode: bearer`.
    /// A `Cell` (taken and put back) rather than a `RefCell`: no borrow
    /// panics, so no panic-message formatting in the binary.
    token: Cell<Option<String>>,
    /// `tokenStorage`: an object with `get`, `set` and `remove`, or
    /// `undefined` (kept in memory only).
    storage: JsValue,
}

impl Transport {
    /// `token`: the one `storage` held at load (bearer mode).
    pub fn new(base: &str, bearer: bool, storage: JsValue, token: Option<String>) -> Self {
        let mut base = String::from(base);
        // Over bytes: no `char` pattern, so no UTF-8 encoder in the wasm.
        while let [.., b'/'] = base.as_bytes() {
            base.truncate(base.len() - 1);
        }
        Transport { base, bearer, token: Cell::new(token.filter(|_| bearer)), storage }
    }

    /// `frontendApi` without a trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The token storage, or `undefined`.
    pub fn storage(&self) -> &JsValue {
        &self.storage
    }

    /// Whether other tabs share this client: cookie mode, or bearer mode
    /// with a `tokenStorage` (in memory only, each tab is its own client).
    pub fn shared_by_tabs(&self) -> bool {
        !self.bearer || !decode::is_undefined(&self.storage)
    }

    /// Takes a token read from the storage (another tab may have put a new
    /// one there); not written back.
    pub fn adopt(&self, token: Option<String>) {
        if self.bearer && token.as_deref().is_some_and(|t| !t.is_empty()) {
            self.token.set(token);
        }
    }

    /// Starts one request; its promise resolves to the `Response`. An
    /// `AbortSignal` as `signal` aborts it (anything else is ignored).
    pub fn start(&self, method: Method, path: &str, body: Option<Body>, signal: &JsValue) -> Promise {
        let (url, init) = self.request(method, path, body, signal);
        global_fetch(&url, &init)
    }

    /// Sends one request and [`pipe`]s its answer to `target`.
    pub fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Body>,
        signal: &JsValue,
        target: &JsValue,
        tag: u32,
    ) -> Promise {
        let (url, init) = self.request(method, path, body, signal);
        pipe(&url, &init, target, tag, 0, &JsValue::UNDEFINED, "")
    }

    /// A GET sent before its answer can be taken in (the client's, at
    /// load, alongside the environment's): without a `target` (`null`), it
    /// is sent and the promise resolves to its bare answer; given that
    /// promise as `early`, the answer is [`pipe`]d to `target` as
    /// [`Transport::send`] does, and nothing more is sent.
    pub fn get_early(&self, path: &str, early: &JsValue, target: &JsValue, tag: u32) -> Promise {
        let (url, init) = self.request(Method::Get, path, None, &JsValue::UNDEFINED);
        pipe(&url, &init, target, tag, 0, early, "")
    }

    /// The request [`pipe`] handed back with a `client_token_replaced`
    /// answer, sent once more after [`PAUSE_MS`] (see the module doc), with
    /// the current bearer token; `None` for any other error, or when it was
    /// already sent again (then the storage forgets the dead token, if it
    /// still holds it).
    pub fn again(&self, error: &Error, tag: u32, url: &JsValue, init: &JsValue, target: &JsValue) -> Option<Promise> {
        // A server's error: the first item's code, read from its body.
        let code = error.body.as_ref().and_then(|b| decode::first_code(b).as_string());
        let replaced = code.as_deref() == Some(ErrorCode::ClientTokenReplaced.as_str());
        if !replaced {
            return None;
        }
        if tag & SENT_AGAIN != 0 {
            // Dead: the storage forgets it, unless another tab has put a
            // new one in its place.
            let sent = self.token.take();
            if let Some(token) = &sent {
                store(&self.storage, token, true);
            }
            self.token.set(sent);
            return None;
        }
        let token = self.token.take();
        let again = pipe(
            &url.as_string().unwrap_or_default(),
            init,
            target,
            tag | SENT_AGAIN,
            PAUSE_MS,
            &JsValue::UNDEFINED,
            token.as_deref().unwrap_or_default(),
        );
        self.token.set(token);
        Some(again)
    }

    /// The URL and `RequestInit` of one request.
    // `JsValue::from`: the wasm's body is the `JsValue` already; the native
    // build's (never sent) is its JSON text.
    #[allow(clippy::useless_conversion)]
    fn request(&self, method: Method, path: &str, body: Option<Body>, signal: &JsValue) -> (String, JsValue) {
        let token = self.token.take();
        let signal = if decode::is_object(signal) { signal.clone() } else { JsValue::UNDEFINED };
        let init = init(
            method as u32,
            &body.map(JsValue::from).unwrap_or_default(),
            self.bearer,
            token.as_deref().filter(|_| self.bearer).unwrap_or_default(),
            &signal,
        );
        self.token.set(token);
        (join(&[&self.base, path]), init)
    }

    /// Reads what [`pipe`] hands over: the status and parsed JSON of a 2xx
    /// answer, or the error the answer carries.
    pub fn finish(&self, answer: &JsValue) -> Result<(u16, JsValue)> {
        if !decode::is_array(answer) {
            return Err(Error::network());
        }
        let answer = answer.unchecked_ref::<Array>();
        let status = decode::num(&answer.get_unchecked(0)) as u16;
        let json = answer.get_unchecked(1);
        if self.bearer {
            if let Some(token) = answer.get_unchecked(2).as_string() {
                store(&self.storage, &token, false);
                self.token.set(Some(token));
            }
        }
        let retry_after = decode::as_number(&answer.get_unchecked(3)).map(|n| n as u32);
        if decode::is_undefined(&json) {
            return Err(Error::response_invalid(status, retry_after));
        }
        if (200..300).contains(&status) {
            return Ok((status, json));
        }
        if status >= 400 && !decode::is_undefined(&decode::error_items(&json)) {
            return Err(Error::server(json, status, retry_after));
        }
        Err(Error::response_invalid(status, retry_after))
    }
}
