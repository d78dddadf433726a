//! Helpers: load the SDK, call its methods as JS does, read properties by
//! path, make unique addresses, and read codes from the dev outbox.

use gatehouse::Gatehouse;
use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// The server under test.
pub const API: &str = match option_env!("GATEHOUSE_TEST_API") {
    Some(api) => api,
    None => "http://127.0.0.1:8080",
};

/// A URL where nothing listens.
pub const CLOSED: &str = match option_env!("GATEHOUSE_TEST_CLOSED") {
    Some(url) => url,
    None => "http://127.0.0.1:9",
};

#[wasm_bindgen(inline_js = r#"
export function fetchCount() {
  if (globalThis.__ghFetches === undefined) {
    const original = globalThis.fetch;
    globalThis.__ghFetches = 0;
    globalThis.fetch = (...args) => { globalThis.__ghFetches++; return original(...args); };
  }
  return globalThis.__ghFetches;
}
export async function getJson(url) {
  const response = await fetch(url);
  return response.json();
}
export async function postJson(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`POST ${url}: ${response.status}`);
  return response.json();
}
export function jwtPart(jwt, index) {
  const part = jwt.split(".")[index].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(part + "=".repeat((4 - (part.length % 4)) % 4)));
}
export async function confirmLink(link, credentials = "same-origin") {
  const url = new URL(link);
  const body = new URLSearchParams({ token: url.searchParams.get("token") });
  const response = await fetch(url.origin + url.pathname, { method: "POST", body, redirect: "manual", credentials });
  return response.type;
}
export function interceptEvents(mode) {
  // Installed once, over the fetch in place then, and switched by `mode`
  // from then on: it never puts an older fetch back, which would throw
  // away a wrapper installed over it since (fetchCount's counter, a test's
  // watcher).
  globalThis.__ghStreams = [];
  globalThis.__ghInterceptMode = mode;
  if (globalThis.__ghIntercepting) return;
  globalThis.__ghIntercepting = true;
  const original = globalThis.fetch;
  globalThis.fetch = (url, init) => {
    const mode = globalThis.__ghInterceptMode, streams = globalThis.__ghStreams;
    if (!mode || !String(url).endsWith("/events")) return original(url, init);
    if (!String(url).endsWith("/events")) return original(url, init);
    const stream = { bytes: 0, cancelled: false };
    streams.push(stream);
    if (mode === "fail") return Promise.reject(new TypeError("blocked by the test"));
    if (mode === "garbage") return Promise.resolve(new Response("event: sign_up\ndata: {not json\n\n"));
    // "endless": one event that never ends, 16 KiB at a time, as long as
    // it is read (8 MiB at most); "huge": one whole event of 80 KiB. Both
    // then stay silent: only the size limit ends them before 35 s.
    const piece = new TextEncoder().encode(mode === "endless" ? "x".repeat(16384) : "");
    // A sign-up still waiting, padded: read whole, it would not end the wait.
    const waiting = `{"response":{"status":"missing_requirements","verifications":{"email_address":{"status":"unverified"}}},"pad":"${"x".repeat(80 * 1024)}"}`;
    const whole = new TextEncoder().encode(`event: sign_up\ndata: ${waiting}\n\n`);
    const body = new ReadableStream({
      start(c) { if (mode === "huge") { c.enqueue(whole); stream.bytes = whole.length; } else c.enqueue(new TextEncoder().encode("event: sign_up\ndata: ")); },
      pull(c) {
        if (mode === "huge" || stream.bytes > 8 << 20) return;
        c.enqueue(piece);
        stream.bytes += piece.length;
      },
      cancel() { stream.cancelled = true; },
    }, { highWaterMark: 0 });
    return Promise.resolve(new Response(body, { headers: { "content-type": "text/event-stream" } }));
  };
}
export const interceptedStreams = () => globalThis.__ghStreams ?? [];
export function countStreamAnswers() {
  // Installed once, over the fetch in place then (never put back, as above).
  globalThis.__ghStreamAnswers = 0;
  if (globalThis.__ghCountingStreams) return;
  globalThis.__ghCountingStreams = true;
  const original = globalThis.fetch;
  globalThis.fetch = (url, init) => {
    const answer = original(url, init);
    if (String(url).endsWith("/events")) answer.then((r) => { if (r.ok) globalThis.__ghStreamAnswers++; }, () => {});
    return answer;
  };
}
export const streamAnswers = () => globalThis.__ghStreamAnswers ?? 0;
export async function requestsTo(api, prefix) {
  const response = await fetch(`${api}/v1/dev/requests?path_prefix=${encodeURIComponent(prefix)}`);
  if (!response.ok) throw new Error(`requests: ${response.status}`);
  return response.json();
}
export async function cancelLink(link) {
  const url = new URL(link);
  const body = new URLSearchParams({ token: url.searchParams.get("token") });
  const response = await fetch(url.origin + "/v1/verify/cancel", { method: "POST", body, redirect: "manual" });
  return `${response.status} ${await response.text()}`;
}
export async function handOver(link) {
  const url = new URL(link);
  const body = new URLSearchParams({ token: url.searchParams.get("token") });
  const response = await fetch(url.origin + "/v1/verify/handover", { method: "POST", body, redirect: "manual" });
  return response.type;
}
export function setPageHash(hash) {
  const url = new URL(location.href);
  url.hash = hash;
  history.replaceState(null, "", url);
}
export function readResetToken() {
  // What the README tells an app to do on its redirect page.
  const token = new URLSearchParams(location.hash.slice(1)).get("gh_reset_token");
  history.replaceState(null, "", location.pathname + location.search);
  return token;
}
export function setPageQuery(search) {
  const url = new URL(location.href);
  url.search = search;
  history.replaceState(null, "", url);
}
export function ticketOf(url) {
  return new URL(url).searchParams.get("__gh_ticket");
}
"#)]
extern "C" {
    /// How many `fetch` calls the page made since the first call of this.
    #[wasm_bindgen(js_name = fetchCount)]
    pub fn fetch_count() -> u32;

    #[wasm_bindgen(js_name = getJson)]
    fn get_json(url: &str) -> Promise;

    #[wasm_bindgen(js_name = postJson)]
    fn post_json(url: &str, body: &JsValue) -> Promise;

    /// The header (0) or the claims (1) of a JWT, base64url-decoded.
    #[wasm_bindgen(js_name = jwtPart)]
    pub fn jwt_part(jwt: &str, index: u32) -> JsValue;

    /// POSTs the confirmation of an email link (what its page's Confirm
    /// button does) and answers the response type: `"opaqueredirect"` for
    /// the 303 back to the `redirect_url`.
    #[wasm_bindgen(js_name = confirmLink)]
    fn confirm_link_js(link: &str) -> Promise;
    #[wasm_bindgen(js_name = confirmLink)]
    fn confirm_link_with_js(link: &str, credentials: &str) -> Promise;

    /// Makes the page's `fetch` of every event stream fail (`"fail"`),
    /// answer a stream that is no sign-up (`"garbage"`), one event that
    /// never ends (`"endless"`) or one of 80 KiB (`"huge"`); `None`
    /// lets every request through again. Each call starts a new [`intercepted_streams`] list.
    #[wasm_bindgen(js_name = interceptEvents)]
    pub fn intercept_events(mode: Option<&str>);

    /// The streams intercepted since [`intercept_events`]: `{ bytes,
    /// cancelled }` each (bytes the page read, whether it cancelled).
    #[wasm_bindgen(js_name = interceptedStreams)]
    pub fn intercepted_streams() -> Array;

    /// Counts, from now on, the page's event stream fetches that answered
    /// (their headers, and so their cookies, taken in): [`stream_answers`].
    #[wasm_bindgen(js_name = countStreamAnswers)]
    pub fn count_stream_answers();

    /// How many event stream fetches answered since [`count_stream_answers`].
    #[wasm_bindgen(js_name = streamAnswers)]
    pub fn stream_answers() -> f64;

    #[wasm_bindgen(js_name = requestsTo)]
    fn requests_to_js(api: &str, prefix: &str) -> Promise;

    /// POSTs "I didn't start this" for an email link, as its page's button
    /// does; answers the status and the page.
    #[wasm_bindgen(js_name = cancelLink)]
    fn cancel_link_js(link: &str) -> Promise;

    /// POSTs "Continue in the app" for a bearer-mode reset link, as its
    /// page's button does; answers the response type (`"opaqueredirect"`
    /// for the 303 to the `redirect_url` with the token in its fragment).
    #[wasm_bindgen(js_name = handOver)]
    fn hand_over_js(link: &str) -> Promise;

    /// Replaces the test page's fragment (`location.hash`), staying on it:
    /// where a handed-over reset link lands.
    #[wasm_bindgen(js_name = setPageHash)]
    pub fn set_page_hash(hash: &str);

    /// Reads `gh_reset_token` from the page's fragment, then clears the
    /// fragment, as the README tells an app to.
    #[wasm_bindgen(js_name = readResetToken)]
    pub fn read_reset_token() -> Option<String>;

    /// Replaces the test page's query (`location.search`), staying on it.
    #[wasm_bindgen(js_name = setPageQuery)]
    pub fn set_page_query(search: &str);

    /// The `__gh_ticket` query parameter of an invitation link.
    #[wasm_bindgen(js_name = ticketOf)]
    pub fn ticket_of(url: &str) -> Option<String>;
}

/// A JS object from key/value pairs.
pub fn obj(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &JsValue::from_str(k), v).unwrap();
    }
    o.into()
}

pub fn s(v: &str) -> JsValue {
    JsValue::from_str(v)
}

/// `Gatehouse.load({ frontendApi, tokenMode })`.
pub async fn load_at(frontend_api: &str, token_mode: &str) -> Result<JsValue, JsValue> {
    JsFuture::from(Gatehouse::load(obj(&[("frontendApi", s(frontend_api)), ("tokenMode", s(token_mode))]))).await
}

pub async fn load(token_mode: &str) -> JsValue {
    load_at(API, token_mode).await.expect("Gatehouse.load")
}

/// `target[method](arg)`, awaited.
pub async fn call(target: &JsValue, method: &str, arg: JsValue) -> Result<JsValue, JsValue> {
    let f: Function = Reflect::get(target, &s(method)).unwrap().dyn_into().expect(method);
    let promise: Promise = f.call1(target, &arg)?.dyn_into().expect("a promise");
    JsFuture::from(promise).await
}

/// The value at a dotted path, e.g. `"verifications.emailAddress.status"`.
pub fn get(v: &JsValue, path: &str) -> JsValue {
    path.split('.').fold(v.clone(), |v, key| Reflect::get(&v, &s(key)).unwrap_or(JsValue::UNDEFINED))
}

pub fn text(v: &JsValue, path: &str) -> Option<String> {
    get(v, path).as_string()
}

pub fn strings(v: &JsValue, path: &str) -> Vec<String> {
    let list = get(v, path);
    assert!(Array::is_array(&list), "{path} is not an array");
    Array::from(&list).iter().map(|x| x.as_string().unwrap()).collect()
}

fn random_digits(n: usize) -> String {
    (0..n).map(|_| char::from(b'0' + (js_sys::Math::random() * 10.0) as u8)).collect()
}

/// An address no other test uses.
pub fn unique_email() -> String {
    format!("ana.{}{}@example.com", js_sys::Date::now() as u64, random_digits(6))
}

/// An E.164 number no other test uses, as a person might type it.
pub fn unique_phone() -> (String, String) {
    let d = random_digits(7);
    (format!("+1 (415) {}-{}", &d[..3], &d[3..]), format!("+1415{d}"))
}

/// The `key` (`code`, `link`, `subject`, `body`) of the newest outbox
/// message to `to`, if any.
pub async fn sent_to(to: &str, key: &str) -> Option<String> {
    sent_on(API, to, key).await
}

/// [`sent_to`] on the server at `api`.
async fn sent_on(api: &str, to: &str, key: &str) -> Option<String> {
    let messages = JsFuture::from(get_json(&format!("{api}/v1/dev/outbox"))).await.expect("outbox");
    Array::from(&messages).iter().rfind(|m| text(m, "to").as_deref() == Some(to)).and_then(|m| text(&m, key))
}

/// Whether any outbox message went to `to`.
pub async fn anything_sent_to(to: &str) -> bool {
    sent_to(to, "to").await.is_some()
}

/// The code of the newest outbox message to `to`.
pub async fn code_sent_to(to: &str) -> String {
    sent_to(to, "code").await.unwrap_or_else(|| panic!("no code was sent to {to}"))
}

/// The link of the newest outbox message to `to`, waiting for it to be sent.
pub async fn link_sent_to(to: &str) -> String {
    link_on(API, to).await
}

/// [`link_sent_to`] on the server at `api`.
pub async fn link_on(api: &str, to: &str) -> String {
    for _ in 0..100 {
        if let Some(link) = sent_on(api, to, "link").await {
            return link;
        }
        sleep(50).await;
    }
    panic!("no link was sent to {to}")
}

/// Confirms an email link as its page's button does; it must redirect.
pub async fn confirm_link(link: &str) {
    let kind = JsFuture::from(confirm_link_js(link)).await.expect("confirm");
    assert_eq!(kind.as_string().as_deref(), Some("opaqueredirect"));
}

/// Presses Confirm on an email link's page in this browser, with its
/// Gatehouse cookie (cookie mode): the browser that asked for the link.
pub async fn confirm_link_here(link: &str) {
    let kind = JsFuture::from(confirm_link_with_js(link, "include")).await.expect("confirm");
    assert_eq!(kind.as_string().as_deref(), Some("opaqueredirect"));
}

/// Presses "Continue in the app" on a bearer-mode reset link's page, from
/// a browser without the app's client: it must redirect.
pub async fn hand_over(link: &str) {
    let kind = JsFuture::from(hand_over_js(link)).await.expect("hand over");
    assert_eq!(kind.as_string().as_deref(), Some("opaqueredirect"));
}

/// The requests the server at `api` saw on paths starting with `prefix`
/// (`GET /v1/dev/requests`): the latest 20, `"METHOD /path"`, oldest first.
pub async fn requests_to(api: &str, prefix: &str) -> Vec<String> {
    let seen = JsFuture::from(requests_to_js(api, prefix)).await.expect("requests");
    strings(&seen, "recent")
}

/// How many of a sign-up's requests were its reload (`GET`) and its event
/// stream, as the server saw them.
pub async fn reloads_and_streams(id: &str) -> (usize, usize) {
    let seen = requests_to(API, &format!("/v1/client/sign_ups/{id}")).await;
    let reloads = seen.iter().filter(|r| **r == format!("GET /v1/client/sign_ups/{id}")).count();
    let streams = seen.iter().filter(|r| **r == format!("GET /v1/client/sign_ups/{id}/events")).count();
    (reloads, streams)
}

/// Presses "I didn't start this" on the page of an email link; answers
/// the status and the page it shows.
pub async fn cancel_link(link: &str) -> String {
    JsFuture::from(cancel_link_js(link)).await.expect("cancel").as_string().unwrap()
}

/// How many event streams the server has open.
pub async fn open_streams() -> f64 {
    let count = JsFuture::from(get_json(&format!("{API}/v1/dev/event_streams"))).await.expect("event_streams");
    get(&count, "open").as_f64().unwrap()
}

/// Ends every event stream the server has open.
pub async fn drop_streams() {
    JsFuture::from(post_json(&format!("{API}/v1/dev/drop_event_streams"), &JsValue::NULL))
        .await
        .expect("drop_event_streams");
}

/// Waits `ms` milliseconds.
pub async fn sleep(ms: i32) {
    let wait = Promise::new(&mut |resolve, _| {
        let global: JsValue = js_sys::global().into();
        let set_timeout: Function = Reflect::get(&global, &s("setTimeout")).unwrap().into();
        set_timeout.call2(&global, &resolve, &JsValue::from(ms)).unwrap();
    });
    JsFuture::from(wait).await.unwrap();
}

/// Waits until `ready` holds, checking every 20 ms for up to 5 s.
pub async fn until(what: &str, mut ready: impl AsyncFnMut() -> bool) {
    for _ in 0..250 {
        if ready().await {
            return;
        }
        sleep(20).await;
    }
    panic!("gave up waiting for {what}")
}

/// Sends the sign-up's email code and reads it from the outbox.
pub async fn email_code_for(sign_up: &JsValue, email: &str) -> String {
    call(sign_up, "prepareEmailAddressVerification", JsValue::UNDEFINED).await.expect("prepare");
    code_sent_to(email).await
}

/// The rejection of a call that must fail.
pub fn rejected(result: Result<JsValue, JsValue>) -> JsValue {
    match result {
        Ok(v) => panic!("expected a GatehouseError, got {v:?}"),
        Err(e) => e,
    }
}

/// Checks the shape every GatehouseError has, and returns its code.
pub fn error_code(err: &JsValue) -> String {
    assert!(err.is_instance_of::<js_sys::Error>(), "not an Error: {err:?}");
    assert_eq!(text(err, "name").as_deref(), Some("GatehouseError"));
    let code = text(err, "code").expect("code");
    assert!(!text(err, "message").unwrap_or_default().is_empty(), "{code}: empty message");
    assert!(text(err, "longMessage").is_some(), "{code}: no longMessage");
    assert!(get(err, "meta").is_object(), "{code}: no meta");
    assert!(get(err, "status").as_f64().is_some(), "{code}: no status");
    let errors = get(err, "errors");
    assert!(Array::is_array(&errors) && Array::from(&errors).length() >= 1, "{code}: no errors");
    assert_eq!(text(&errors, "0.code").as_deref(), Some(code.as_str()));
    // The brand `isGatehouseError` reads, shared by every copy of the package.
    let brand = js_sys::Reflect::get(err, &js_sys::Symbol::for_("gatehouse.error").into()).unwrap_or_default();
    assert_eq!(brand.as_bool(), Some(true), "{code}: no brand");
    let trace_id = get(err, "traceId");
    assert!(trace_id.is_null() || trace_id.as_string().is_some_and(|t| !t.is_empty()), "{code}: traceId {trace_id:?}");
    code
}

pub fn status(err: &JsValue) -> f64 {
    get(err, "status").as_f64().unwrap()
}

pub fn param_name(err: &JsValue) -> Option<String> {
    text(err, "meta.paramName")
}

/// Invites `email` with the dev helper (`POST /v1/dev/invitations`) and
/// returns the invitation (its `url` carries the ticket).
pub async fn invite(email: &str) -> JsValue {
    JsFuture::from(post_json(&format!("{API}/v1/dev/invitations"), &obj(&[("email", s(email))])))
        .await
        .expect("invitation")
}

/// A password every test account uses.
pub const PASSWORD: &str = "correct horse battery";

/// Signs `email` up completely (email code), on its own bearer client, and
/// returns the new user's id.
pub async fn signed_up(email: &str) -> String {
    let gh = load("bearer").await;
    let sign_up = get(&gh, "signUp");
    let params = obj(&[("emailAddress", s(email)), ("password", s(PASSWORD))]);
    call(&sign_up, "create", params).await.expect("create");
    let code = email_code_for(&sign_up, email).await;
    call(&sign_up, "attemptEmailAddressVerification", obj(&[("code", s(&code))])).await.expect("attempt");
    assert_eq!(text(&sign_up, "status").as_deref(), Some("complete"));
    text(&sign_up, "createdUserId").expect("createdUserId")
}

/// Signs `email` up from an invitation (no code is sent, so a sign-in may
/// send one at once), and returns the new user's id.
pub async fn signed_up_by_invitation(email: &str) -> String {
    let ticket = ticket_of(&text(&invite(email).await, "url").expect("url")).expect("ticket");
    let gh = load("bearer").await;
    let sign_up = get(&gh, "signUp");
    let params = obj(&[("ticket", s(&ticket)), ("password", s(PASSWORD))]);
    call(&sign_up, "create", params).await.expect("create");
    text(&sign_up, "createdUserId").expect("createdUserId")
}
