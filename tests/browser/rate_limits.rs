//! The SDK under the default rate limit (20 requests a second per IP,
//! bursts of 200), on a server of its own (`GATEHOUSE_TEST_API_LIMITED`:
//! the main one runs with a raised limit, so the other tests never meet
//! it): a 429 reaches the page as `rate_limited` with its `retryAfter`,
//! and the email link's poll loop backs off on it (2 s, then 4 s, ...)
//! instead of failing, then resolves once the link is confirmed.

use crate::support::*;
use js_sys::{Array, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

/// The server at the default limits; no default: run through scripts/test-browser.sh.
const LIMITED: &str = match option_env!("GATEHOUSE_TEST_API_LIMITED") {
    Some(api) => api,
    None => "GATEHOUSE_TEST_API_LIMITED is not set: run scripts/test-browser.sh",
};

#[wasm_bindgen(inline_js = r#"
export async function burst(url, n) {
  const answers = await Promise.all(Array.from({ length: n }, () => fetch(url).then((r) => r.status, () => 0)));
  return answers.filter((s) => s === 429).length;
}
export function hog(url, ms) {
  const until = performance.now() + ms;
  let limited = 0;
  const one = async () => {
    while (performance.now() < until) {
      const r = await fetch(url).catch(() => null);
      if (r?.status === 429) limited++;
    }
  };
  return Promise.all(Array.from({ length: 8 }, one)).then(() => limited);
}
export function watchPolls(id) {
  const polls = [];
  globalThis.__ghPollWatch = { id, polls };
  // Installed once, over whatever fetch is in place then, and switched
  // off by unwatch(): it never puts an older fetch back, which would throw
  // away a wrapper installed over it since (fetchCount's counter).
  if (!globalThis.__ghPollWatching) {
    globalThis.__ghPollWatching = true;
    const original = globalThis.fetch;
    globalThis.fetch = async (url, init) => {
      const watch = globalThis.__ghPollWatch;
      const poll = watch && new URL(String(url)).pathname === `/v1/client/sign_ups/${watch.id}` && (init?.method ?? "GET") === "GET";
      const start = performance.now();
      const response = await original(url, init);
      if (poll) watch.polls.push({ start, status: response.status });
      return response;
    };
  }
  return polls;
}
export function unwatch() {
  globalThis.__ghPollWatch = null;
}
export async function status(url) {
  return (await fetch(url)).status;
}
export async function confirmKind(link) {
  const url = new URL(link);
  const body = new URLSearchParams({ token: url.searchParams.get("token") });
  return (await fetch(url.origin + url.pathname, { method: "POST", body, redirect: "manual" })).type;
}
"#)]
extern "C" {
    /// Sends `n` GETs to `url` at once; answers how many got 429.
    fn burst(url: &str, n: u32) -> Promise;
    /// Keeps 8 GETs to `url` in flight for `ms`; answers how many got 429.
    fn hog(url: &str, ms: u32) -> Promise;
    /// Logs `{ start, status }` of every `GET` of the sign-up `id` (the
    /// poll) from now on; the array fills as they come.
    #[wasm_bindgen(js_name = watchPolls)]
    fn watch_polls(id: &str) -> Array;
    fn unwatch();
    fn status(url: &str) -> Promise;
    /// Presses Confirm on an email link; answers the response type
    /// (`"opaqueredirect"` for its 303, `"cors"` for a 429).
    #[wasm_bindgen(js_name = confirmKind)]
    fn confirm_kind(link: &str) -> Promise;
}

fn environment() -> String {
    format!("{LIMITED}/v1/environment")
}

async fn number(promise: Promise) -> f64 {
    JsFuture::from(promise).await.expect("a number").as_f64().unwrap()
}

/// Waits for the limit to let requests through again (a token comes back every 50 ms).
async fn until_allowed() {
    until("the rate limit to allow a request", async || number(status(&environment())).await == 200.0).await;
}

/// `Gatehouse.load` on the limited server. The other test of this file
/// shares its bucket and may have just emptied it, so a load refused with
/// `rate_limited` waits for the limit and tries again (anything else fails).
async fn load_limited() -> JsValue {
    for _ in 0..20 {
        until_allowed().await;
        match load_at(LIMITED, "bearer").await {
            Ok(gh) => return gh,
            Err(err) => assert_eq!(error_code(&err), "rate_limited", "load"),
        }
    }
    panic!("Gatehouse.load kept meeting an empty bucket");
}

#[wasm_bindgen_test]
async fn a_429_reaches_the_page_as_rate_limited_with_retry_after() {
    assert!(LIMITED.starts_with("http"), "{LIMITED}");
    let gh = load_limited().await;
    let sign_up = get(&gh, "signUp");
    // The bucket holds 200: 260 at once leave it empty, and the SDK's
    // request right after finds it so (a few tries, in case a token came back).
    for _ in 0..5 {
        let limited = number(burst(&environment(), 260)).await;
        assert!(limited >= 40.0, "the default burst is 200: {limited} of 260 got 429");
        let params = obj(&[("emailAddress", s(&unique_email())), ("password", s(PASSWORD))]);
        match call(&sign_up, "create", params).await {
            Ok(_) => continue,
            Err(err) => {
                assert_eq!(error_code(&err), "rate_limited");
                assert_eq!(status_of(&err), 429.0);
                let retry_after = get(&err, "retryAfter").as_f64().expect("retryAfter");
                assert!((1.0..=10.0).contains(&retry_after), "retryAfter {retry_after}");
                until_allowed().await;
                return;
            }
        }
    }
    panic!("the SDK's request never met the rate limit");
}

fn status_of(err: &JsValue) -> f64 {
    get(err, "status").as_f64().unwrap()
}

#[wasm_bindgen_test]
async fn the_link_poll_loop_backs_off_on_429_and_goes_on() {
    let gh = load_limited().await;
    let sign_up = get(&gh, "signUp");
    let email = unique_email();
    let params = obj(&[("emailAddress", s(&email)), ("password", s(PASSWORD))]);
    call(&sign_up, "create", params).await.expect("create");
    let id = text(&sign_up, "id").unwrap();
    // Straight to polling: the stream is blocked. The poll watcher goes
    // over the interceptor (each wraps the fetch in place when called).
    intercept_events(Some("fail"));
    let polls = watch_polls(&id);
    let flow = call_sync(&sign_up, "createMagicLinkFlow");
    let params = obj(&[("redirectUrl", s(&format!("{LIMITED}/welcome")))]);
    let wait = JsFuture::from(Promise::from(call_with(&flow, "startMagicLinkFlow", params)));
    let link = link_on(LIMITED, &email).await;
    until("polling", async || polls.length() >= 1).await;

    // Keep the limit spent for 5 s: the polls meet 429s.
    let limited = number(hog(&environment(), 5000)).await;
    assert!(limited > 0.0);
    // The confirmation may meet the limit too, while it fills again.
    until("the link confirmed", async || {
        JsFuture::from(confirm_kind(&link)).await.unwrap().as_string().as_deref() == Some("opaqueredirect")
    })
    .await;
    let result = wait.await;
    unwatch();
    intercept_events(None);
    result.expect("the flow goes on after 429s and resolves");
    assert_eq!(text(&sign_up, "status").as_deref(), Some("complete"));

    // Each 429 doubled the wait before the next poll (1 s between polls otherwise).
    let polls: Vec<(f64, f64)> =
        polls.iter().map(|p| (get(&p, "start").as_f64().unwrap(), get(&p, "status").as_f64().unwrap())).collect();
    let limited_polls = polls.iter().filter(|(_, status)| *status == 429.0).count();
    assert!(limited_polls >= 1, "no poll met the limit: {polls:?}");
    let mut wait_ms = 1000.0;
    for pair in polls.windows(2) {
        let ((start, status), (next, _)) = (pair[0], pair[1]);
        wait_ms = if status == 429.0 { f64::min(wait_ms * 2.0, 30_000.0) } else { 1000.0 };
        let gap = next - start;
        assert!(gap >= wait_ms - 100.0, "after a {status} the next poll came {gap} ms later, not {wait_ms}: {polls:?}");
    }
}

fn call_sync(target: &JsValue, method: &str) -> JsValue {
    let f: js_sys::Function = js_sys::Reflect::get(target, &s(method)).unwrap().into();
    f.call0(target).unwrap()
}

fn call_with(target: &JsValue, method: &str, arg: JsValue) -> JsValue {
    let f: js_sys::Function = js_sys::Reflect::get(target, &s(method)).unwrap().into();
    f.call1(target, &arg).unwrap()
}
