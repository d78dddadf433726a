//! The client: cookie and bearer modes, the `Gatehouse-Client` header, and
//! the envelope.

use crate::helpers::spawn_app;
use serde_json::json;

#[tokio::test]
async fn cookie_mode_sets_a_safe_cookie_and_keeps_the_client() {
    let app = spawn_app().await;
    let browser = app.client();
    let first = browser.get_client().await;
    let client = first.response();
    assert_eq!(client["object"], "client");
    assert!(client["id"].as_str().unwrap().starts_with("client_"));
    assert_eq!(client["sign_up_id"], serde_json::Value::Null);
    assert_eq!(client["sessions"], json!([]));
    // Reads use the envelope too, and the client is the same one.
    assert_eq!(first.body["client"]["id"], client["id"]);

    let cookie = first.header("set-cookie").expect("a cookie");
    let token = browser.token().unwrap();
    assert_eq!(token.len(), 52, "256 bits in base32");
    assert!(cookie.starts_with(&format!("__gh_client={token};")), "{cookie}");
    for part in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=31536000"] {
        assert!(cookie.contains(part), "{part} missing from {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http gets no Secure: {cookie}");
    assert_eq!(first.header("gatehouse-client").as_deref(), Some(token.as_str()));

    let again = browser.get_client().await;
    assert_eq!(again.response()["id"], client["id"]);
    assert_eq!(browser.token().unwrap(), token);
}

#[tokio::test]
async fn the_cookie_is_secure_behind_an_https_proxy() {
    let app = spawn_app().await;
    let browser = app.client();
    browser.extra.lock().unwrap().push(("x-forwarded-proto".into(), "https".into()));
    let cookie = browser.get_client().await.header("set-cookie").unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
}

#[tokio::test]
async fn bearer_mode_uses_the_header_and_sets_no_cookie() {
    let app = spawn_app().await;
    let sdk = app.bearer_client();
    // No token yet: a new client, whose token comes back in the header.
    let first = sdk.get_client().await;
    let id = first.response()["id"].clone();
    let token = sdk.token().expect("the Gatehouse-Client header");
    let second = sdk.get_client().await;
    assert_eq!(second.response()["id"], id);
    assert!(second.header("set-cookie").is_none(), "bearer mode sets no cookie");
    assert_eq!(second.header("gatehouse-client").as_deref(), Some(token.as_str()));

    // The same token works as a cookie: one client, two ways to carry it.
    let with_cookie = app.client();
    with_cookie.extra.lock().unwrap().push(("cookie".into(), format!("__gh_client={token}")));
    assert_eq!(with_cookie.get_client().await.response()["id"], id);
    // Without a token, a new client.
    assert_ne!(app.bearer_client().get_client().await.response()["id"], id);
}

#[tokio::test]
async fn an_unknown_token_gets_a_new_client() {
    let app = spawn_app().await;
    let sdk = app.bearer_client();
    sdk.extra.lock().unwrap().push(("authorization".into(), "Bearer not-a-real-token".into()));
    let answer = sdk.get_client().await;
    assert_eq!(answer.status, 200);
    let new_token = answer.header("gatehouse-client").unwrap();
    assert_ne!(new_token, "not-a-real-token");
    assert_eq!(new_token.len(), 52);
}

#[tokio::test]
async fn tokens_are_stored_hashed() {
    let app = spawn_app().await;
    let browser = app.client();
    browser.get_client().await;
    let token = browser.token().unwrap();
    let mut db = app.db().await;
    let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM clients").fetch_all(&mut db).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token);
    assert_eq!(stored[0].len(), 64, "a SHA-256 in hex");
}

#[tokio::test]
async fn the_client_lists_its_current_sign_up() {
    let app = spawn_app().await;
    let browser = app.client();
    let id = browser.start_sign_up("ana@example.com").await;
    let answer = browser.get_client().await;
    assert_eq!(answer.response()["sign_up_id"], id.as_str());
}
