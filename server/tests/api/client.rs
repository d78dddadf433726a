//! The client: cookie and bearer modes, where the token travels (and where
//! it never does), its replacement at sign-in and sign-out (and the old
//! token's minute of 409 `client_token_replaced`), its expiry, and clients
//! stored only on their first change.

use crate::email_link::sent;
use crate::helpers::{
    Answer, Mode, TestApp, TestClient, dev, no_verification, spawn_admin_app, spawn_app, spawn_app_with, token_of,
};
use crate::sign_in::{CERSEI, PASSWORD, sync_cersei};
use gatehouse_server::config::Config;
use serde_json::{Value, json};

async fn client_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM clients").fetch_one(&mut app.db().await).await.unwrap()
}

/// A browser that presents exactly this token as its cookie.
fn browser_with(app: &TestApp, token: &str) -> TestClient {
    let browser = app.client();
    browser.extra.lock().unwrap().push(("cookie".into(), format!("__gh_client={token}")));
    browser
}

#[tokio::test]
async fn reading_the_client_without_a_cookie_stores_nothing() {
    let app = spawn_app().await;
    let browser = app.client();
    for _ in 0..3 {
        let answer = browser.get_client().await;
        let client = answer.response();
        assert_eq!(client["object"], "client");
        assert_eq!(client["sessions"], json!([]));
        assert!(answer.header("set-cookie").is_none(), "no token is issued for a read");
    }
    // Unknown tokens, by cookie or bearer, store nothing either.
    browser_with(&app, "not-a-real-token").get_client().await.response();
    let sdk = app.bearer_client();
    sdk.extra.lock().unwrap().push(("authorization".into(), "Bearer not-a-real-token".into()));
    assert!(sdk.get_client().await.header("gatehouse-client").is_none());
    assert_eq!(client_rows(&app).await, 0);

    // The first change stores it.
    let id = browser.start_sign_up("ana@example.com").await;
    assert_eq!(client_rows(&app).await, 1);
    assert_eq!(browser.get_client().await.response()["sign_up_id"], id.as_str());
}

#[tokio::test]
async fn cookie_mode_sets_a_safe_cookie_and_never_shows_the_token() {
    let app = spawn_app().await;
    let browser = app.client();
    let first = browser
        .create_sign_up(json!({ "email_address": "ana@example.com", "password": "correct horse battery" }))
        .await;
    first.response();
    let cookie = first.header("set-cookie").expect("a cookie");
    let token = browser.token().unwrap();
    assert_eq!(token.len(), 52, "256 bits in base32");
    assert!(cookie.starts_with(&format!("__gh_client={token};")), "{cookie}");
    for part in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=31536000"] {
        assert!(cookie.contains(part), "{part} missing from {cookie}");
    }
    assert!(!cookie.contains("Secure"), "an http public origin gets no Secure: {cookie}");
    assert!(first.header("gatehouse-client").is_none(), "cookie mode: no header JS can read");
    assert!(!first.text.contains(&token), "nor the body");

    let again = browser.get_client().await;
    assert_eq!(again.response()["id"], first.body["client"]["id"]);
    assert!(again.header("set-cookie").is_none() && again.header("gatehouse-client").is_none(), "not echoed");
    assert_eq!(browser.token().unwrap(), token);
}

#[tokio::test]
async fn a_forwarded_https_header_does_not_change_the_cookie() {
    let app = spawn_app().await;
    let browser = app.client();
    browser.extra.lock().unwrap().push(("x-forwarded-proto".into(), "https".into()));
    let answer = browser.create_sign_up(json!({ "email_address": "ana@example.com" })).await;
    let cookie = answer.header("set-cookie").unwrap();
    assert!(cookie.starts_with("__gh_client=") && !cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn over_https_the_cookie_is_host_prefixed() {
    let config = Config::from_toml("public_origin = \"https://auth.example.com\"\n").unwrap();
    let app = spawn_app_with(config, dev()).await;
    let browser = app.client();
    let answer = browser.create_sign_up(json!({ "email_address": "ana@example.com" })).await;
    let cookie = answer.header("set-cookie").unwrap();
    assert!(cookie.starts_with("__Host-gh_client="), "{cookie}");
    assert!(cookie.contains("; Secure") && cookie.contains("Path=/") && !cookie.contains("Domain"), "{cookie}");
    // Over https only the __Host- cookie counts: a plain one (which a
    // sibling subdomain could plant) is ignored.
    let id = answer.response()["id"].as_str().unwrap().to_owned();
    let token = browser.token().unwrap();
    assert_eq!(browser.get_sign_up(&id).await.response()["id"], id.as_str());
    browser_with(&app, &token).get_sign_up(&id).await.assert_error(404, "sign_up_not_found");
}

#[tokio::test]
async fn two_client_cookies_are_refused() {
    let app = spawn_app().await;
    let browser = app.client();
    browser.start_sign_up("ana@example.com").await;
    let token = browser.token().unwrap();
    // A planted second cookie (another subdomain's, or a path cookie).
    browser.extra.lock().unwrap().push(("cookie".into(), "__gh_client=planted".into()));
    let answer = browser.get_client().await;
    answer.assert_error(400, "client_cookie_duplicate");
    let one_header = app.client();
    one_header.extra.lock().unwrap().push(("cookie".into(), format!("__gh_client=planted; __gh_client={token}")));
    one_header.get_client().await.assert_error(400, "client_cookie_duplicate");
}

#[tokio::test]
async fn bearer_mode_gets_the_header_only_when_it_asks() {
    let app = spawn_app().await;
    let sdk = app.bearer_client();
    let first = sdk.create_sign_up(json!({ "email_address": "ana@example.com" })).await;
    let id = first.body["client"]["id"].clone();
    let token = sdk.token().expect("the Gatehouse-Client header");
    assert!(first.header("set-cookie").is_none(), "bearer mode sets no cookie");
    let second = sdk.get_client().await;
    assert_eq!(second.response()["id"], id);
    assert!(second.header("gatehouse-client").is_none(), "not echoed");

    // The same token works as a cookie: one client, two ways to carry it;
    // a cookie-mode request never gets the header.
    assert_eq!(browser_with(&app, &token).get_client().await.response()["id"], id);
    let cookie_mode = app.client();
    let started = cookie_mode.create_sign_up(json!({ "email_address": "bea@example.com" })).await;
    assert!(started.header("gatehouse-client").is_none());
    assert!(started.header("set-cookie").is_some());
}

#[tokio::test]
async fn tokens_are_stored_hashed() {
    let app = spawn_app().await;
    let browser = app.client();
    browser.start_sign_up("ana@example.com").await;
    let token = browser.token().unwrap();
    let mut db = app.db().await;
    let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM clients").fetch_all(&mut db).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token);
    assert_eq!(stored[0].len(), 64, "a SHA-256 in hex");
}

/// The live sessions a token sees.
async fn sessions_seen(app: &TestApp, token: &str) -> Value {
    browser_with(app, token).get_client().await.response()["sessions"].clone()
}

#[tokio::test]
async fn completing_a_sign_up_replaces_the_token() {
    let app = spawn_app_with(no_verification(), dev()).await;
    let browser = app.client();
    let id = browser.created(json!({ "email_address": "ana@example.com" })).await;
    let fixed = browser.token().unwrap();
    let done = browser.update_sign_up(&id, json!({ "password": "correct horse battery" })).await;
    assert_eq!(done.response()["status"], "complete");
    let fresh = browser.token().unwrap();
    assert_ne!(fresh, fixed, "a new token as the sign-up completes");
    assert!(done.header("set-cookie").unwrap().starts_with(&format!("__gh_client={fresh};")));
    assert_eq!(sessions_seen(&app, &fresh).await.as_array().unwrap().len(), 1);
    // The old token sees no session: for a minute it is refused outright
    // (another tab may still be sending it), then it is unknown.
    assert_replaced(&browser_with(&app, &fixed).get_client().await, &[]);
    app.advance(60);
    assert_eq!(sessions_seen(&app, &fixed).await, json!([]), "the old token sees no session");
    browser_with(&app, &fixed).get_sign_up(&id).await.assert_error(404, "sign_up_not_found");
}

/// Asserts the answer to a token replaced moments ago: 409
/// `client_token_replaced`, with nothing of the client in it (none of
/// `hidden`), and no token issued.
fn assert_replaced(answer: &Answer, hidden: &[&str]) {
    answer.assert_error(409, "client_token_replaced");
    let keys: Vec<&str> = answer.body.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["errors", "trace_id"], "no client, no response: {}", answer.text);
    for secret in hidden {
        assert!(!answer.text.contains(secret), "{secret} in {}", answer.text);
    }
    assert!(answer.header("set-cookie").is_none() && answer.header("gatehouse-client").is_none());
}

#[tokio::test]
async fn a_token_replaced_moments_ago_answers_409_with_nothing_for_a_minute() {
    let app = spawn_app_with(no_verification(), dev()).await;
    let browser = app.client();
    let id = browser.created(json!({ "email_address": "ana@example.com" })).await;
    let old = browser.token().unwrap();
    let done = browser.update_sign_up(&id, json!({ "password": "correct horse battery" })).await;
    let session = done.response()["created_session_id"].as_str().unwrap().to_owned();
    let client = done.body["client"]["id"].as_str().unwrap().to_owned();
    let user = done.response()["created_user_id"].as_str().unwrap().to_owned();
    let hidden = [id.as_str(), &session, &client, &user, "ana@example.com"];

    // Another tab's request, sent with the old cookie: reads...
    let tab = browser_with(&app, &old);
    assert_replaced(&tab.get_client().await, &hidden);
    assert_replaced(&tab.get_sign_up(&id).await, &hidden);
    assert_replaced(&tab.get(&format!("/v1/client/sign_ups/{id}/events")).await, &hidden);
    // ... and writes: no token for the session, no sign-out, and no new
    // client whose cookie would overwrite the new one.
    assert_replaced(&tab.session_token(&session).await, &hidden);
    assert_replaced(&tab.delete(&format!("/v1/client/sessions/{session}")).await, &hidden);
    assert_replaced(&tab.update_sign_up(&id, json!({ "first_name": "Eve" })).await, &hidden);
    assert_replaced(&tab.create_sign_up(json!({ "email_address": "eve@example.com" })).await, &hidden);
    assert_replaced(&tab.sign_in(json!({ "identifier": "ana@example.com" })).await, &hidden);
    assert_eq!(client_rows(&app).await, 1, "nothing stored for the old token");
    // The same token as a bearer token.
    let sdk = TestClient::new(&app.base, Mode::Bearer);
    sdk.extra.lock().unwrap().push(("authorization".into(), format!("Bearer {old}")));
    assert_replaced(&sdk.get_client().await, &hidden);

    // The new token works, and the session is still there.
    let fresh = browser.get_client().await;
    assert_eq!(fresh.response()["sessions"][0]["id"], session.as_str());
    assert_eq!(fresh.response()["sessions"][0]["status"], "active");
    assert!(browser.session_token(&session).await.response()["jwt"].is_string());

    // Less than a minute later, still refused; a minute after, unknown like
    // any token: an empty client that is not this one.
    app.advance(59);
    assert_replaced(&tab.get_client().await, &hidden);
    app.advance(1);
    let unknown = tab.get_client().await;
    assert_eq!(unknown.response()["sessions"], json!([]));
    assert_ne!(unknown.response()["id"], client.as_str());
    tab.get_sign_up(&id).await.assert_error(404, "sign_up_not_found");
    tab.session_token(&session).await.assert_error(404, "session_not_found");
    assert_eq!(browser.get_client().await.response()["sessions"][0]["id"], session.as_str());
}

#[tokio::test]
async fn signing_in_and_out_replace_the_token() {
    let app = spawn_admin_app().await;
    sync_cersei(&app, json!({ "password": PASSWORD })).await;
    // Bearer mode: the SDK takes the new token from the header.
    let sdk = app.bearer_client();
    let started = sdk.sign_in(json!({ "identifier": CERSEI })).await;
    let sign_in_id = started.response()["id"].as_str().unwrap().to_owned();
    let before = sdk.token().unwrap();
    let done = sdk.attempt_first_factor(&sign_in_id, json!({ "strategy": "password", "password": PASSWORD })).await;
    let session = done.response()["created_session_id"].as_str().unwrap().to_owned();
    let signed_in = sdk.token().unwrap();
    assert_ne!(signed_in, before);
    assert_eq!(done.header("gatehouse-client").as_deref(), Some(signed_in.as_str()));
    let old = TestClient::new(&app.base, Mode::Bearer);
    old.extra.lock().unwrap().push(("authorization".into(), format!("Bearer {before}")));
    assert_replaced(&old.get_client().await, &[&session]);
    assert_replaced(&old.session_token(&session).await, &[&session]);

    let out = sdk.delete(&format!("/v1/client/sessions/{session}")).await;
    assert_eq!(out.response()["status"], "revoked");
    let signed_out = sdk.token().unwrap();
    assert_ne!(signed_out, signed_in, "a new token at sign-out");
    let stale = TestClient::new(&app.base, Mode::Bearer);
    stale.extra.lock().unwrap().push(("authorization".into(), format!("Bearer {signed_in}")));
    assert_replaced(&stale.get_client().await, &[&session, &sign_in_id]);
    // Replaced twice: the first token is simply unknown now.
    assert!(old.get_client().await.response()["sign_in_id"].is_null(), "the first token finds nothing");
    app.advance(60);
    assert!(stale.get_client().await.response()["sign_in_id"].is_null(), "the old token finds nothing");
}

#[tokio::test]
async fn a_sign_up_completed_by_email_link_replaces_the_token_at_the_next_request() {
    let app = spawn_app().await;
    let waiting = app.client();
    let (id, link) = sent(&app, &waiting, "ana@example.com").await;
    let before = waiting.token().unwrap();
    // Confirmed in another browser: not the waiting client's request.
    app.client().confirm_link(&token_of(&link)).await;
    let polled = waiting.get_sign_up(&id).await;
    assert_eq!(polled.response()["status"], "complete");
    let after = waiting.token().unwrap();
    assert_ne!(after, before, "the waiting tab's next request gets a new token");
    assert!(polled.header("set-cookie").unwrap().starts_with(&format!("__gh_client={after};")));
    assert_eq!(sessions_seen(&app, &after).await.as_array().unwrap().len(), 1);
    assert_replaced(&browser_with(&app, &before).get_client().await, &[&id]);
    app.advance(60);
    assert_eq!(sessions_seen(&app, &before).await, json!([]), "the old token sees no session");
}

#[tokio::test]
async fn clients_expire_when_idle_and_at_their_maximum_age() {
    let app = spawn_app().await;
    let browser = app.client();
    let id = browser.start_sign_up("ana@example.com").await;
    // Used within 30 days: still there, and its idle time starts again.
    app.advance(29 * 24 * 3600);
    assert_eq!(browser.get_sign_up(&id).await.response()["id"], id.as_str());
    app.advance(29 * 24 * 3600);
    assert_eq!(browser.get_sign_up(&id).await.response()["id"], id.as_str());
    // Idle 30 days: gone.
    app.advance(30 * 24 * 3600);
    browser.get_sign_up(&id).await.assert_error(404, "sign_up_not_found");

    // Used every 20 days, it still ends a year after it was made.
    let busy = app.client();
    let id = busy.start_sign_up("bea@example.com").await;
    for _ in 0..18 {
        app.advance(20 * 24 * 3600);
        assert_eq!(busy.get_sign_up(&id).await.response()["id"], id.as_str());
    }
    app.advance(5 * 24 * 3600);
    busy.get_sign_up(&id).await.assert_error(404, "sign_up_not_found");
}
