//! The email link: `createMagicLinkFlow()` waits by push, reconnects,
//! falls back to polling, drops an oversized event, cancels without another
//! request, rejects bad params, and rejects with `sign_up_cancelled_by_owner`
//! when the owner of the address answers "I didn't start this" (the page
//! the link leads back to: `landing`). The link is confirmed (or refused) as its page's buttons do. Each test of a path
//! (push, reopened stream, polling) proves it took that path with the
//! server's request log (`/v1/dev/requests`).

use crate::support::*;
use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

/// Where the links lead back to: the server's own origin is allowed.
fn redirect_url() -> String {
    format!("{API}/welcome")
}

/// A sign-up with an email and a password: the link completes it.
async fn sign_up_waiting_for_email(token_mode: &str) -> (JsValue, JsValue, String) {
    let gh = load(token_mode).await;
    let sign_up = get(&gh, "signUp");
    let email = unique_email();
    let params = obj(&[("emailAddress", s(&email)), ("password", s(PASSWORD))]);
    call(&sign_up, "create", params).await.expect("create");
    (gh, sign_up, email)
}

fn method(target: &JsValue, name: &str) -> Function {
    Reflect::get(target, &s(name)).unwrap().dyn_into().expect(name)
}

/// `signUp[create]()`, then its `start` with `{ redirectUrl }`: the flow,
/// and the pending wait.
fn start(sign_up: &JsValue, names: [&str; 2], redirect: &str) -> (JsValue, JsFuture) {
    let flow = method(sign_up, names[0]).call0(sign_up).expect("flow");
    let params = obj(&[("redirectUrl", s(redirect))]);
    let wait: Promise = method(&flow, names[1]).call1(&flow, &params).expect("start").dyn_into().expect("a promise");
    (flow, JsFuture::from(wait))
}

fn start_magic(sign_up: &JsValue) -> (JsValue, JsFuture) {
    start(sign_up, ["createMagicLinkFlow", "startMagicLinkFlow"], &redirect_url())
}

fn assert_verified_and_signed_in(gh: &JsValue, sign_up: &JsValue) {
    assert_eq!(text(sign_up, "verifications.emailAddress.status").as_deref(), Some("verified"));
    assert_eq!(text(sign_up, "status").as_deref(), Some("complete"));
    let created = text(sign_up, "createdSessionId").expect("createdSessionId");
    assert_eq!(text(gh, "session.id"), Some(created));
}

#[wasm_bindgen_test]
async fn the_waiting_flow_resolves_once_the_link_is_confirmed_in_both_modes() {
    for mode in ["bearer", "cookie"] {
        let (gh, sign_up, email) = sign_up_waiting_for_email(mode).await;
        let (_flow, wait) = start_magic(&sign_up);
        let link = link_sent_to(&email).await;
        assert!(link.contains("/v1/verify?token="), "{link}");
        confirm_link(&link).await;
        let resolved = wait.await.expect("the flow resolves");
        assert!(resolved == sign_up, "it resolves with gh.signUp itself ({mode})");
        assert_verified_and_signed_in(&gh, &sign_up);
        // Confirmed in another browser. Bearer: the completing event
        // carried the client and the new token, so no reload; cookie: only
        // a reload's answer can set the new cookie, so one. Either way the
        // session works at once.
        let reloads = if mode == "bearer" { 0 } else { 1 };
        assert_eq!(reloads_and_streams(&id_of(&sign_up)).await, (reloads, 1), "(reloads, streams) {mode}");
        let jwt = call(&get(&gh, "session"), "getToken", JsValue::UNDEFINED).await.expect("a session token");
        assert_eq!(jwt.as_string().map(|t| t.split('.').count()), Some(3), "{mode}");
    }
}

#[wasm_bindgen_test]
async fn cookie_a_link_confirmed_in_the_same_browser_resolves_on_the_event_with_no_reload() {
    let (gh, sign_up, email) = sign_up_waiting_for_email("cookie").await;
    count_stream_answers();
    let (_flow, wait) = start_magic(&sign_up);
    let link = link_sent_to(&email).await;
    let id = id_of(&sign_up);
    // The stream answered, so the browser holds its __gh_wait cookie (a
    // link is clicked long after; a confirmation before that is one from
    // a browser without it, and the SDK then reloads).
    until("the event stream's answer", async || stream_answers() >= 1.0).await;
    // Confirm in this browser, as its page's button does: the client cookie
    // and the stream's __gh_wait cookie go along, and the 303 sets the
    // replaced client cookie.
    confirm_link_here(&link).await;
    let resolved = wait.await.expect("the flow resolves");
    assert!(resolved == sign_up, "it resolves with gh.signUp itself");
    assert_verified_and_signed_in(&gh, &sign_up);
    // The completing event carried the client: no reload after it.
    assert_eq!(reloads_and_streams(&id).await, (0, 1), "(reloads, streams)");
    // The session works at once, with the cookie the 303 set.
    let jwt = call(&get(&gh, "session"), "getToken", JsValue::UNDEFINED).await.expect("a session token");
    assert_eq!(jwt.as_string().map(|t| t.split('.').count()), Some(3));
}

#[wasm_bindgen_test]
async fn the_email_link_names_are_the_same_flow() {
    let (gh, sign_up, email) = sign_up_waiting_for_email("bearer").await;
    let (flow, wait) = start(&sign_up, ["createEmailLinkFlow", "startEmailLinkFlow"], &redirect_url());
    assert!(get(&flow, "cancelEmailLinkFlow").is_function());
    confirm_link(&link_sent_to(&email).await).await;
    wait.await.expect("the flow resolves");
    assert_verified_and_signed_in(&gh, &sign_up);
}

fn id_of(sign_up: &JsValue) -> String {
    text(sign_up, "id").expect("id")
}

#[wasm_bindgen_test]
async fn a_dropped_stream_is_reopened_and_misses_nothing() {
    let (gh, sign_up, email) = sign_up_waiting_for_email("bearer").await;
    let before = open_streams().await;
    let (_flow, wait) = start_magic(&sign_up);
    until("the stream", async || open_streams().await > before).await;
    drop_streams().await;
    // The link is confirmed while the stream is down or coming back.
    confirm_link(&link_sent_to(&email).await).await;
    wait.await.expect("the flow resolves");
    assert_verified_and_signed_in(&gh, &sign_up);
    // By push: a second stream, whose last event carried what a reload
    // would (bearer mode), so no reload. Polling starts only after three
    // failed streams, and reloads first.
    assert_eq!(reloads_and_streams(&id_of(&sign_up)).await, (0, 2), "(reloads, streams)");
}

#[wasm_bindgen_test]
async fn a_blocked_or_garbled_stream_hands_over_to_polling() {
    for mode in ["fail", "garbage"] {
        let (gh, sign_up, email) = sign_up_waiting_for_email("bearer").await;
        let id = id_of(&sign_up);
        intercept_events(Some(mode));
        let (_flow, wait) = start_magic(&sign_up);
        let link = link_sent_to(&email).await;
        // Confirmed only once polling runs: a poll must see it.
        until("the first poll", async || reloads_and_streams(&id).await.0 >= 1).await;
        assert_eq!(intercepted_streams().length(), 3, "three tries of the stream first ({mode})");
        confirm_link(&link).await;
        let result = wait.await;
        intercept_events(None);
        result.expect("polling resolves the flow");
        assert_verified_and_signed_in(&gh, &sign_up);
        let (reloads, streams) = reloads_and_streams(&id).await;
        assert!(reloads >= 2, "a poll before the confirmation and one after ({mode}): {reloads}");
        assert_eq!(streams, 0, "no stream reached the server ({mode})");
    }
}

#[wasm_bindgen_test]
async fn an_oversized_event_drops_the_stream_and_polling_takes_over() {
    for mode in ["endless", "huge"] {
        let (gh, sign_up, email) = sign_up_waiting_for_email("bearer").await;
        let id = id_of(&sign_up);
        intercept_events(Some(mode));
        let (_flow, wait) = start_magic(&sign_up);
        let link = link_sent_to(&email).await;
        // Each stream stays silent after its event: without the 64 KiB
        // limit the flow would wait 35 s on the first.
        until("the first poll", async || reloads_and_streams(&id).await.0 >= 1).await;
        let streams = Array::from(&intercepted_streams());
        assert_eq!(streams.length(), 3, "{mode}");
        for stream in streams.iter() {
            let bytes = get(&stream, "bytes").as_f64().unwrap();
            assert!(get(&stream, "cancelled").as_bool().unwrap(), "{mode}: the reader dropped the stream");
            // Past 64 KiB, at most a few 16 KiB chunks were in flight.
            assert!(bytes <= 128.0 * 1024.0, "{mode}: read {bytes} bytes");
        }
        confirm_link(&link).await;
        let result = wait.await;
        intercept_events(None);
        result.expect("polling resolves the flow");
        assert_verified_and_signed_in(&gh, &sign_up);
    }
}

#[wasm_bindgen_test]
async fn the_owner_of_the_address_cancels_and_the_waiting_flow_rejects_with_the_code() {
    for mode in ["bearer", "cookie"] {
        let (gh, sign_up, email) = sign_up_waiting_for_email(mode).await;
        let id = id_of(&sign_up);
        let before = open_streams().await;
        let (_flow, wait) = start_magic(&sign_up);
        until("the stream", async || open_streams().await > before).await;
        // The victim's browser (here: no Gatehouse cookie for it) says no.
        let page = cancel_link(&link_sent_to(&email).await).await;
        assert!(page.starts_with("200 ") && page.contains("<h1>Sign-up cancelled</h1>"), "{page}");
        let err = rejected(wait.await);
        assert_eq!(error_code(&err), "sign_up_cancelled_by_owner", "{mode}");
        assert_eq!(status(&err), 410.0);
        // No account, no session (in cookie mode the page's client may
        // hold an earlier test's session: none came from this sign-up).
        assert!(get(&sign_up, "createdUserId").is_null() && get(&sign_up, "createdSessionId").is_null(), "{mode}");
        if mode == "bearer" {
            assert!(get(&gh, "session").is_null());
        }
        // It learned from the stream at once: one stream, one reload.
        assert_eq!(reloads_and_streams(&id).await, (1, 1), "(reloads, streams) {mode}");
        // The sign-up is dead: every call about it answers the code.
        let params = obj(&[("firstName", s("Eve"))]);
        let err = rejected(call(&sign_up, "update", params).await);
        assert_eq!(error_code(&err), "sign_up_cancelled_by_owner");
        let err = rejected(call(&sign_up, "reload", JsValue::UNDEFINED).await);
        assert_eq!(error_code(&err), "sign_up_cancelled_by_owner");
    }
}

#[wasm_bindgen_test]
async fn cancel_rejects_at_once_closes_the_stream_and_sends_nothing_more() {
    let (_gh, sign_up, _email) = sign_up_waiting_for_email("bearer").await;
    let before = open_streams().await;
    let (flow, wait) = start_magic(&sign_up);
    until("the stream", async || open_streams().await > before).await;
    method(&flow, "cancelMagicLinkFlow").call0(&flow).expect("cancel");
    let err = rejected(wait.await);
    assert_eq!(error_code(&err), "magic_link_flow_cancelled");
    until("the stream to close", async || open_streams().await == before).await;
    // Nothing to wait on for an absence: a bounded wait, longer than the
    // polling interval and the reconnect delay.
    // Counted from here: the SDK looks `fetch` up at each call.
    let counted = fetch_count();
    sleep(2500).await;
    assert_eq!(fetch_count(), counted, "a request after cancel");
    // Cancelling again, or before any start, does nothing.
    method(&flow, "cancelMagicLinkFlow").call0(&flow).expect("cancel");
}

#[wasm_bindgen_test]
async fn a_link_needs_an_allowed_redirect_url() {
    let (_gh, sign_up, _email) = sign_up_waiting_for_email("bearer").await;
    let flow = method(&sign_up, "createMagicLinkFlow").call0(&sign_up).unwrap();
    let start = method(&flow, "startMagicLinkFlow");
    let wait = |params: JsValue| {
        let promise: Promise = start.call1(&flow, &params).unwrap().dyn_into().unwrap();
        JsFuture::from(promise)
    };
    let err = rejected(wait(JsValue::UNDEFINED).await);
    assert_eq!(error_code(&err), "form_param_missing");
    assert_eq!(param_name(&err).as_deref(), Some("redirect_url"));
    assert_eq!(status(&err), 0.0, "refused before sending");

    for elsewhere in ["https://evil.example.com/verify", "javascript:alert(1)"] {
        let err = rejected(wait(obj(&[("redirectUrl", s(elsewhere))])).await);
        assert_eq!(error_code(&err), "form_param_format_invalid", "{elsewhere}");
        assert_eq!(param_name(&err).as_deref(), Some("redirect_url"));
        assert_eq!(status(&err), 422.0);
    }

    // A code takes no URL.
    let params = obj(&[("strategy", s("email_code")), ("redirectUrl", s(&redirect_url()))]);
    let err = rejected(call(&sign_up, "prepareEmailAddressVerification", params).await);
    assert_eq!(error_code(&err), "form_param_unknown");
}
