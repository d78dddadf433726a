//! The public origin and the CSRF rules: the own origin is the configured
//! one, scheme included (never the request's `Host`), and a write that
//! carries a cookie must be JSON, so a browser preflights it.

use crate::email_link::{outcome, sent};
use crate::helpers::{spawn_app, token_of};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn the_own_origin_check_compares_the_scheme_and_ignores_host() {
    let app = spawn_app().await;
    let browser = app.client();
    browser.start_sign_up("ana@example.com").await;
    // Same host and port, other scheme: not the own origin.
    let other_scheme = app.client();
    other_scheme.extra.lock().unwrap().push(("origin".into(), app.base.replace("http://", "https://")));
    other_scheme.create_sign_up(json!({})).await.assert_error(403, "origin_not_allowed");
    // A forged Host does not make the attacker's origin our own.
    let forged = app.client();
    forged.extra.lock().unwrap().push(("host".into(), "evil.example".into()));
    forged.extra.lock().unwrap().push(("origin".into(), "http://evil.example".into()));
    forged.create_sign_up(json!({})).await.assert_error(403, "origin_not_allowed");
    // The public origin itself passes.
    let own = app.client();
    own.extra.lock().unwrap().push(("origin".into(), app.base.clone()));
    own.create_sign_up(json!({})).await.response();
}

#[tokio::test]
async fn a_write_that_carries_a_cookie_must_be_json() {
    let app = spawn_app().await;
    let browser = app.client();
    let id = browser.start_sign_up("ana@example.com").await;
    let path = format!("/v1/client/sign_ups/{id}");
    let body = json!({ "first_name": "Eve" }).to_string();
    // The content types a cross-site form or fetch can send unpreflighted.
    for content_type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
        let answer = browser.send_as(Method::PATCH, &path, Some((content_type, body.clone()))).await;
        answer.assert_error(415, "request_content_type_invalid");
    }
    // No content type at all, on a write without a body.
    let raw = reqwest::Client::new()
        .delete(format!("{}/v1/client/sessions/sess_x", app.base))
        .header("cookie", format!("__gh_client={}", browser.token().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status().as_u16(), 415);
    let error: serde_json::Value = raw.json().await.unwrap();
    assert_eq!(error["errors"][0]["code"], "request_content_type_invalid");
    assert_eq!(browser.get_sign_up(&id).await.response()["first_name"], serde_json::Value::Null, "nothing changed");
    // JSON (with a charset) passes.
    let ok = browser.send_as(Method::PATCH, &path, Some(("application/json; charset=utf-8", body))).await;
    assert_eq!(ok.response()["first_name"], "Eve");
}

#[tokio::test]
async fn the_confirm_page_form_post_is_the_one_exception() {
    // `POST /v1/verify` is urlencoded (an HTML form) and carries the cookie
    // of whoever presses Confirm: it still works.
    let app = spawn_app().await;
    let browser = app.client();
    let (_, link) = sent(&app, &browser, "ana@example.com").await;
    let answer = browser.confirm_link(&token_of(&link)).await;
    assert!(browser.token().is_some());
    assert_eq!(outcome(&answer).1, "verified", "{}", answer.text);
    // From a foreign origin it is refused like any other write.
    let (_, link) = sent(&app, &app.client(), "bea@example.com").await;
    let attacker = app.client();
    attacker.extra.lock().unwrap().push(("origin".into(), "http://evil.example".into()));
    attacker.confirm_link(&token_of(&link)).await.assert_error(403, "origin_not_allowed");
}
