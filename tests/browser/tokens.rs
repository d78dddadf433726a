//! The two token modes: cookie (the default) and bearer; and a request
//! sent with a token that another request has just replaced (another tab's
//! sign-in or sign-out): sent again once, after the server's 409
//! `client_token_replaced`.

use crate::support::*;
use gatehouse::Gatehouse;
use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen(inline_js = r#"
const watched = (globalThis.__ghWatched ??= { statuses: [] });
// From now on, records the status of every fetch whose URL ends with
// `path`. `mode` "hold": the next one carries `gh_proxy_hold`, so the test
// proxy holds it (with the cookie it has now) until an answer that sets
// the client cookie has gone back to the browser. A number `n`: the next n
// get a 409 `client_token_replaced` made here, and never reach the server.
// Installed once, over the fetch in place then, and switched off by
// unwatchFetches(): it never puts an older fetch back, which would throw
// away a wrapper installed over it since (fetchCount's counter).
export function watchFetches(path, mode) {
  Object.assign(watched, { path, statuses: [], hold: mode === "hold", fake: typeof mode === "number" ? mode : 0 });
  if (watched.installed) return;
  watched.installed = true;
  const original = globalThis.fetch;
  globalThis.fetch = async (url, init) => {
    if (!watched.path || !String(url).endsWith(watched.path)) return original(url, init);
    let response;
    if (watched.fake > 0) {
      watched.fake--;
      const errors = [{ code: "client_token_replaced", message: "m", long_message: "l", meta: {} }];
      response = new Response(JSON.stringify({ errors, trace_id: "0".repeat(32) }),
        { status: 409, headers: { "content-type": "application/json" } });
    } else {
      response = await original(watched.hold ? `${url}?gh_proxy_hold` : url, init);
      watched.hold = false;
    }
    watched.statuses.push(response.status);
    return response;
  };
}
export const watchedStatuses = () => watched.statuses;
export function unwatchFetches() {
  watched.path = null;
}
export async function proxyHolds(api) {
  return (await fetch(`${api}/__proxy/held`)).json();
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = watchFetches)]
    fn watch_fetches(path: &str, mode: JsValue);
    #[wasm_bindgen(js_name = watchedStatuses)]
    fn watched_statuses() -> Vec<u16>;
    #[wasm_bindgen(js_name = unwatchFetches)]
    fn unwatch_fetches();
    #[wasm_bindgen(js_name = proxyHolds)]
    fn proxy_holds(api: &str) -> Promise;
}

async fn held_by_proxy() -> f64 {
    JsFuture::from(proxy_holds(API)).await.unwrap().as_f64().unwrap()
}

#[wasm_bindgen_test]
async fn cookie_mode_shares_the_client_through_the_cookie() {
    // tokenMode left out: cookie is the default.
    // A client is stored on its first change (the server keeps no row for
    // a browser that only reads), so the client id is compared after it.
    let first = JsFuture::from(Gatehouse::load(obj(&[("frontendApi", s(API))]))).await.expect("load");
    let sign_up = get(&first, "signUp");
    call(&sign_up, "create", obj(&[("emailAddress", s(&unique_email()))])).await.expect("create");
    let client = text(&first, "client.id").unwrap();
    let second = load("cookie").await;
    assert_eq!(text(&second, "client.id"), Some(client), "the same browser, the same client");
    assert_eq!(text(&second, "client.signUpId"), text(&sign_up, "id"));
}

#[wasm_bindgen_test]
async fn bearer_mode_keeps_its_own_client_token() {
    let first = load("bearer").await;
    let second = load("bearer").await;
    // Each request after the first change carries the token, so the
    // sign-up is found.
    let sign_up = get(&first, "signUp");
    call(&sign_up, "create", obj(&[("emailAddress", s(&unique_email()))])).await.expect("create");
    let client = text(&first, "client.id").unwrap();
    let other = get(&second, "signUp");
    call(&other, "create", obj(&[("emailAddress", s(&unique_email()))])).await.expect("create");
    assert_ne!(text(&second, "client.id"), Some(client.clone()), "each bearer instance is its own client");
    call(&sign_up, "update", obj(&[("password", s("correct horse battery"))])).await.expect("update");
    call(&sign_up, "reload", JsValue::UNDEFINED).await.expect("reload");
    assert_eq!(get(&sign_up, "hasPassword").as_bool(), Some(true));
    assert_eq!(text(&first, "client.id"), Some(client));
    assert_eq!(text(&first, "client.signUpId"), text(&sign_up, "id"));
}

#[wasm_bindgen_test]
async fn a_request_whose_token_another_tab_replaced_is_sent_again_with_the_new_cookie() {
    let email = unique_email();
    signed_up_by_invitation(&email).await;
    let tab = load("cookie").await;
    let sign_in = obj(&[("identifier", s(&email)), ("password", s(PASSWORD))]);
    call(&get(&tab, "signIn"), "create", sign_in.clone()).await.expect("sign in");
    call(&tab, "signOut", JsValue::UNDEFINED).await.expect("sign out");

    // Another tab loads: its client request leaves with the cookie of now,
    // and the proxy holds it there...
    watch_fetches("/v1/client", "hold".into());
    let other = Gatehouse::load(obj(&[("frontendApi", s(API))]));
    until("the proxy to hold the other tab's request", async || held_by_proxy().await == 1.0).await;
    // ... while the first tab signs in, which replaces the token; the held
    // request reaches the server once the new cookie is back in the browser.
    call(&get(&tab, "signIn"), "create", sign_in).await.expect("sign in again");
    let session = text(&tab, "session.id").expect("signed in");
    let other = JsFuture::from(other).await;
    unwatch_fetches();
    let other = other.expect("the other tab loads");
    assert_eq!(text(&other, "session.id"), Some(session), "the other tab sees the new session");
    assert_eq!(text(&other, "client.id"), text(&tab, "client.id"), "the same client, not an empty one");
    assert_eq!(watched_statuses(), [409, 200], "refused with the old cookie, then sent again with the new");
}

#[wasm_bindgen_test]
async fn client_token_replaced_is_sent_again_once_then_rejects() {
    let gh = load("cookie").await;
    // A stored client, so that its id is the same at every load.
    call(&get(&gh, "signUp"), "create", obj(&[("emailAddress", s(&unique_email()))])).await.expect("create");
    // Once: the request goes again, and this time to the server.
    watch_fetches("/v1/client", 1.into());
    let once = JsFuture::from(Gatehouse::load(obj(&[("frontendApi", s(API))]))).await;
    assert_eq!(watched_statuses(), [409, 200]);
    assert_eq!(text(&once.expect("loaded"), "client.id"), text(&gh, "client.id"));
    // Twice: the second is the caller's error; no third request.
    watch_fetches("/v1/client", 2.into());
    let twice = JsFuture::from(Gatehouse::load(obj(&[("frontendApi", s(API))]))).await;
    unwatch_fetches();
    let err = rejected(twice);
    assert_eq!(error_code(&err), "client_token_replaced");
    assert_eq!(status(&err), 409.0);
    assert_eq!(watched_statuses(), [409, 409]);
}

#[wasm_bindgen(inline_js = r#"
// Records the Authorization header (or null) of every fetch from now on,
// until authorizationsSeen() hands them over and stops recording.
const seen = (globalThis.__ghAuthorizations ??= { on: false, list: [] });
export function recordAuthorizations() {
  Object.assign(seen, { on: true, list: [] });
  if (seen.installed) return;
  seen.installed = true;
  const original = globalThis.fetch;
  globalThis.fetch = (url, init) => {
    if (seen.on) seen.list.push(new Headers(init?.headers).get("authorization"));
    return original(url, init);
  };
}
export function authorizationsSeen() {
  seen.on = false;
  return seen.list.map((a) => (a === null ? "none" : a));
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = recordAuthorizations)]
    fn record_authorizations();
    #[wasm_bindgen(js_name = authorizationsSeen)]
    fn authorizations_seen() -> Vec<String>;
}

/// An empty token from the storage (`__token`, what the package entry
/// read from `tokenStorage`) counts as none: the requests carry no
/// `Authorization: Bearer ` with nothing after it, and the first change
/// makes a client of its own, whose token the later requests carry.
#[wasm_bindgen_test]
async fn an_empty_stored_token_counts_as_none() {
    record_authorizations();
    let options = obj(&[("frontendApi", s(API)), ("tokenMode", s("bearer")), ("__token", s(""))]);
    let gh = JsFuture::from(Gatehouse::load(options)).await.expect("load");
    let sign_up = get(&gh, "signUp");
    call(&sign_up, "create", obj(&[("emailAddress", s(&unique_email()))])).await.expect("create");
    call(&sign_up, "reload", JsValue::UNDEFINED).await.expect("reload");
    let seen = authorizations_seen();
    assert!(seen.len() >= 4, "load's two requests, the create and the reload: {seen:?}");
    let (before, after) = seen.split_at(seen.len() - 1);
    assert!(before.iter().all(|a| a == "none"), "no request before the first change carries a token: {seen:?}");
    let last = &after[0];
    assert!(last.starts_with("Bearer ") && last.len() > "Bearer ".len(), "the reload carries the new token: {seen:?}");
    assert!(text(&gh, "client.id").is_some());
}
