//! Email links: prepare, the redirect allow-list, the token rules, the
//! page a GET shows, the confirming POST and its redirect.

use crate::helpers::{Answer, TestApp, TestClient, dev, query_of, spawn_app, spawn_app_with, token_of};
use gatehouse_server::config::Config;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The demo's landing page, on the server's own origin.
pub fn landing(app: &TestApp) -> String {
    format!("{}/verify", app.base)
}

/// A browser with a sign-up for `email` and a link sent for it; answers
/// the sign-up id and the link.
pub async fn sent(app: &TestApp, browser: &TestClient, email: &str) -> (String, String) {
    let id = browser.start_sign_up(email).await;
    browser.prepare_link(&id, &landing(app)).await.response();
    (id, app.last_link_to(email).await)
}

/// The (status, `gh_status`, `gh_created_session`) of a redirect.
pub fn outcome(answer: &Answer) -> (u16, String, Option<String>) {
    let location =
        answer.header("location").unwrap_or_else(|| panic!("no Location: {} {}", answer.status, answer.text));
    let query = query_of(&location);
    let get = |key: &str| query.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    (answer.status, get("gh_status").unwrap_or_default(), get("gh_created_session"))
}

pub fn email_verification(answer: &Answer) -> Value {
    answer.response()["verifications"]["email_address"].clone()
}

#[tokio::test]
async fn a_link_is_sent_and_the_verification_waits_for_it() {
    let app = spawn_app().await;
    let browser = app.client();
    let id = browser.start_sign_up("ana@example.com").await;
    let prepared = browser.prepare_link(&id, &landing(&app)).await;
    let v = email_verification(&prepared);
    assert_eq!(v["status"], "unverified");
    assert_eq!(v["strategy"], "email_link");
    assert_eq!(v["next_action"], "", "nothing to do but wait for the link");
    assert_eq!(v["expire_at"], app.clock_ms() + 600_000);
    assert_eq!(v["attempts"], 0);

    let message = app.outbox().await.pop().unwrap();
    assert_eq!((message["to"].as_str(), message["channel"].as_str()), (Some("ana@example.com"), Some("email")));
    assert!(message.get("code").is_none());
    let link = message["link"].as_str().unwrap();
    let prefix = format!("{}/v1/verify?token=", app.base);
    assert!(link.starts_with(&prefix), "{link}");
    let token = token_of(link);
    assert_eq!(token.len(), 43, "256 bits in base64url");
    assert!(token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{token}");
    assert!(message["body"].as_str().unwrap().contains(link));
    assert!(message["subject"].as_str().unwrap().contains("Confirm"));

    // At rest: the SHA-256 of the token, never the token.
    let mut db = app.db().await;
    let (hash, stored_url): (String, String) =
        sqlx::query_as("SELECT token_hash, redirect_url FROM email_links").fetch_one(&mut db).await.unwrap();
    let expected: String = Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hash, expected);
    assert_eq!(stored_url, landing(&app));
    let dump: Vec<(Option<String>,)> =
        sqlx::query_as("SELECT code_hash FROM verifications").fetch_all(&mut db).await.unwrap();
    assert_eq!(dump, vec![(None,)]);
}

#[tokio::test]
async fn redirect_url_is_required_and_must_be_on_an_allowed_origin() {
    let config = Config::from_toml("allowed_redirect_origins = [\"https://app.example.com\"]\n").unwrap();
    let app = spawn_app_with(config, dev()).await;
    let browser = app.client();
    let id = browser.start_sign_up("ana@example.com").await;
    let path = format!("/v1/client/sign_ups/{id}/prepare_verification");

    let missing = browser.post(&path, json!({ "strategy": "email_link" })).await;
    missing.assert_error(422, "form_param_missing");
    assert_eq!(missing.param(), Some("redirect_url"));
    let foreign_port = format!("http://127.0.0.1:{}/verify", app.addr.port() + 1);
    let other_scheme = landing(&app).replace("http://", "https://");
    for bad in [
        "/verify",
        "javascript:alert(1)",
        "https://evil.example/verify",
        "https://app.example.com@evil.example/",
        "https://evil.example\\@app.example.com/",
        "https://app.example.com.evil.example/",
        &foreign_port,
        &other_scheme,
    ] {
        let answer = browser.prepare_link(&id, bad).await;
        answer.assert_error(422, "form_param_format_invalid");
        assert_eq!(answer.param(), Some("redirect_url"), "{bad}");
    }
    let wrong_type = browser.post(&path, json!({ "strategy": "email_link", "redirect_url": 5 })).await;
    wrong_type.assert_error(422, "form_param_format_invalid");
    assert!(app.outbox().await.is_empty(), "nothing was sent");

    // A code takes no redirect_url; a link is never attempted.
    let code = browser.post(&path, json!({ "strategy": "email_code", "redirect_url": landing(&app) })).await;
    code.assert_error(422, "form_param_unknown");
    assert_eq!(code.param(), Some("redirect_url"));
    browser.attempt(&id, "email_link", "123456").await.assert_error(422, "verification_strategy_invalid");

    // Listed origins, and the server's own, are allowed.
    browser.prepare_link(&id, "https://App.Example.com:443/welcome?step=2#top").await.response();
    let mut db = app.db().await;
    let stored: String = sqlx::query_scalar("SELECT redirect_url FROM email_links").fetch_one(&mut db).await.unwrap();
    assert_eq!(stored, "https://app.example.com/welcome?step=2#top");
    app.advance(30);
    browser.prepare_link(&id, &landing(&app)).await.response();
}

#[tokio::test]
async fn a_link_is_refused_where_it_is_not_enabled() {
    let config = Config::from_toml("[attributes.email_address]\nverification_strategies = [\"email_code\"]\n").unwrap();
    let app = spawn_app_with(config, dev()).await;
    let browser = app.client();
    let id = browser.start_sign_up("ana@example.com").await;
    let answer = browser.prepare_link(&id, &landing(&app)).await;
    answer.assert_error(422, "verification_strategy_invalid");
    assert_eq!(answer.param(), Some("strategy"));
}

#[tokio::test]
async fn opening_a_link_shows_a_confirm_page_and_verifies_nothing() {
    let app = spawn_app().await;
    let browser = app.client();
    let (id, link) = sent(&app, &browser, "ana@example.com").await;
    for _ in 0..2 {
        let page = browser.open_link(&link).await;
        assert_eq!(page.status, 200, "{}", page.text);
        assert_eq!(page.header("content-type").as_deref(), Some("text/html; charset=utf-8"));
        let csp = page.header("content-security-policy").unwrap();
        for part in ["default-src 'none'", "style-src 'unsafe-inline'", "frame-ancestors 'none'", "base-uri 'none'"] {
            assert!(csp.contains(part), "{part} missing from {csp}");
        }
        assert!(csp.contains(&format!("form-action 'self' {}", app.base)), "{csp}");
        assert_eq!(page.header("referrer-policy").as_deref(), Some("same-origin"));
        assert_eq!(page.header("cache-control").as_deref(), Some("no-store"));
        assert_eq!(page.header("x-frame-options").as_deref(), Some("DENY"));
        assert_eq!(page.header("x-content-type-options").as_deref(), Some("nosniff"));
        let html = &page.text;
        assert!(html.starts_with("<!doctype html>"));
        assert!(html.contains("<title>Confirm your email address</title>"));
        assert!(html.contains("<h1>Confirm your email address</h1>"));
        assert!(html.contains("a•••@example.com") && !html.contains("ana@example.com"), "{html}");
        assert!(html.contains("<form method=\"post\" action=\"/v1/verify\">"));
        assert!(html.contains(&format!("<input type=\"hidden\" name=\"token\" value=\"{}\">", token_of(&link))));
        assert!(html.contains(">Confirm</button>"));
        assert!(!html.contains("<script") && !html.contains("http://") && !html.contains("https://"), "self-contained");
    }
    // Nothing was used up: the sign-up still waits, and the link still works.
    let v = email_verification(&browser.get_sign_up(&id).await);
    assert_eq!((v["status"].as_str(), v["next_action"].as_str()), (Some("unverified"), Some("")));
    assert_eq!(outcome(&browser.confirm_link(&token_of(&link)).await).1, "verified");
}

#[tokio::test]
async fn confirming_completes_the_sign_up_and_redirects_with_the_session() {
    let app = spawn_app().await;
    let waiting = app.client();
    let (id, link) = sent(&app, &waiting, "ana@example.com").await;
    // The same browser, pressing Confirm on the page: its Origin is the server's own.
    waiting.extra.lock().unwrap().push(("origin".into(), app.base.clone()));
    let answer = waiting.confirm_link(&token_of(&link)).await;
    let (status, gh_status, session) = outcome(&answer);
    assert_eq!((status, gh_status.as_str()), (303, "verified"));
    let location = answer.header("location").unwrap();
    assert!(
        location.starts_with(&format!("{}?gh_status=verified&gh_created_session=sess_", landing(&app))),
        "{location}"
    );
    assert_eq!(answer.header("referrer-policy").as_deref(), Some("no-referrer"));
    assert_eq!(answer.header("cache-control").as_deref(), Some("no-store"));

    let s = waiting.get_sign_up(&id).await;
    let sign_up = s.response();
    assert_eq!(sign_up["status"], "complete");
    assert_eq!(sign_up["created_session_id"].as_str(), session.as_deref());
    let v = &sign_up["verifications"]["email_address"];
    assert_eq!((v["status"].as_str(), v["strategy"].as_str()), (Some("verified"), Some("email_link")));
    assert_eq!(v["verified_at_client"], s.body["client"]["id"]);
    assert_eq!(s.body["client"]["sessions"][0]["id"].as_str(), session.as_deref());
    assert_eq!(s.body["client"]["last_active_session_id"].as_str(), session.as_deref());
}

#[tokio::test]
async fn a_link_confirmed_on_another_device_gives_the_session_to_the_waiting_client() {
    let app = spawn_app().await;
    let waiting = app.bearer_client();
    let (id, link) = sent(&app, &waiting, "ana@example.com").await;
    // A phone with no Gatehouse cookie at all.
    let phone = app.client();
    let answer = phone.confirm_link(&token_of(&link)).await;
    let (_, gh_status, session) = outcome(&answer);
    assert_eq!(gh_status, "verified");
    assert!(answer.header("set-cookie").is_none(), "/v1/verify makes no client");

    let s = waiting.get_sign_up(&id).await;
    assert_eq!(s.response()["verifications"]["email_address"]["verified_at_client"], Value::Null);
    assert_eq!(s.body["client"]["sessions"][0]["id"].as_str(), session.as_deref());
    // Another browser that has a client is recorded as the one that confirmed.
    let (_, other_link) = sent(&app, &app.client(), "bea@example.com").await;
    let laptop = app.client();
    // A client is stored on its first change: the laptop starts something.
    laptop.start_sign_up("cat@example.com").await;
    let laptop_id = laptop.get_client().await.response()["id"].clone();
    laptop.confirm_link(&token_of(&other_link)).await;
    let mut db = app.db().await;
    let recorded: Option<String> = sqlx::query_scalar(
        "SELECT v.verified_at_client FROM verifications v JOIN sign_ups s ON s.id = v.sign_up_id WHERE s.email_address = 'bea@example.com'",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!(recorded.as_deref(), laptop_id.as_str());
}

#[tokio::test]
async fn a_link_works_once() {
    let app = spawn_app().await;
    let browser = app.client();
    let (_, link) = sent(&app, &browser, "ana@example.com").await;
    let token = token_of(&link);
    assert_eq!(outcome(&browser.confirm_link(&token).await).1, "verified");
    // Reused: POST and GET both send the person back with `failed`, no session.
    assert_eq!(outcome(&browser.confirm_link(&token).await), (303, String::from("failed"), None));
    assert_eq!(outcome(&browser.open_link(&link).await), (303, String::from("failed"), None));
    let mut db = app.db().await;
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&mut db).await.unwrap();
    assert_eq!(users, 1);
}

#[tokio::test]
async fn an_expired_link_gives_expired() {
    let app = spawn_app_with(Config::from_toml("[email_link]\nttl_seconds = 60\n").unwrap(), dev()).await;
    let browser = app.client();
    let (id, link) = sent(&app, &browser, "ana@example.com").await;
    assert_eq!(email_verification(&browser.get_sign_up(&id).await)["expire_at"], app.clock_ms() + 60_000);
    app.advance(59);
    // A second before it expires, the link still shows its confirm page.
    let page = browser.open_link(&link).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.text.contains("<title>Confirm your email address</title>"), "{}", page.text);
    assert!(
        page.text.contains(&format!("value=\"{}\"", token_of(&link))) && page.text.contains("expires in 1 minute."),
        "{}",
        page.text
    );
    app.advance(1);
    let v = email_verification(&browser.get_sign_up(&id).await);
    assert_eq!((v["status"].as_str(), v["next_action"].as_str()), (Some("expired"), Some("needs_prepare")));
    assert_eq!(outcome(&browser.open_link(&link).await), (303, String::from("expired"), None));
    assert_eq!(outcome(&browser.confirm_link(&token_of(&link)).await), (303, String::from("expired"), None));
    // Stored as expired now, and still answered so.
    let mut db = app.db().await;
    let stored: String = sqlx::query_scalar("SELECT status FROM verifications").fetch_one(&mut db).await.unwrap();
    assert_eq!(stored, "expired");
    assert_eq!(outcome(&browser.confirm_link(&token_of(&link)).await).1, "expired");
    // A new link works.
    browser.prepare_link(&id, &landing(&app)).await.response();
    let fresh = app.last_link_to("ana@example.com").await;
    assert_eq!(outcome(&browser.confirm_link(&token_of(&fresh)).await).1, "verified");
}

#[tokio::test]
async fn a_new_code_or_link_replaces_the_link_and_the_resend_limit_holds() {
    let app = spawn_app().await;
    let browser = app.client();
    let (id, first) = sent(&app, &browser, "ana@example.com").await;
    let early = browser.prepare_link(&id, &landing(&app)).await;
    early.assert_error(429, "verification_code_too_many_requests");
    assert_eq!(early.header("retry-after").as_deref(), Some("30"));

    app.advance(30);
    browser.prepare_link(&id, &landing(&app)).await.response();
    let second = app.last_link_to("ana@example.com").await;
    assert_ne!(first, second);
    assert_eq!(outcome(&browser.open_link(&first).await).1, "failed");
    assert_eq!(outcome(&browser.confirm_link(&token_of(&first)).await).1, "failed");

    let code_sent = browser.prepare(&id, "email_code").await;
    assert_eq!(email_verification(&code_sent)["next_action"], "needs_attempt");
    assert_eq!(outcome(&browser.confirm_link(&token_of(&second)).await).1, "failed");
    let code = app.last_code_to("ana@example.com").await;
    assert_eq!(browser.attempt(&id, "email_code", &code).await.response()["status"], "complete");
}

#[tokio::test]
async fn a_code_and_a_link_each_have_their_own_resend_limit() {
    let app = spawn_app().await;
    let browser = app.client();
    let id = browser.start_sign_up("ana@example.com").await;
    browser.prepare(&id, "email_code").await.response();
    let code = app.last_code_to("ana@example.com").await;
    // A link right after the code goes out, and replaces the code.
    browser.prepare_link(&id, &landing(&app)).await.response();
    let link = app.last_link_to("ana@example.com").await;
    browser.attempt(&id, "email_code", &code).await.assert_error(422, "verification_not_sent");
    // Another code, though, waits its turn, as another link does.
    browser.prepare(&id, "email_code").await.assert_error(429, "verification_code_too_many_requests");
    browser.prepare_link(&id, &landing(&app)).await.assert_error(429, "verification_code_too_many_requests");
    assert_eq!(outcome(&browser.confirm_link(&token_of(&link)).await).1, "verified");
}

#[tokio::test]
async fn a_link_for_a_changed_address_or_an_abandoned_sign_up_fails() {
    let app = spawn_app().await;
    let browser = app.client();
    let (id, link) = sent(&app, &browser, "ana@example.com").await;
    browser.update_sign_up(&id, json!({ "email_address": "bea@example.com" })).await.response();
    assert_eq!(outcome(&browser.confirm_link(&token_of(&link)).await).1, "failed");
    browser.update_sign_up(&id, json!({ "email_address": "ana@example.com" })).await.response();
    assert_eq!(outcome(&browser.confirm_link(&token_of(&link)).await).1, "failed", "the old link stays dead");

    let (_, link) = sent(&app, &browser, "cy@example.com").await;
    browser.create_sign_up(json!({})).await.response();
    assert_eq!(outcome(&browser.open_link(&link).await).1, "failed");
    assert_eq!(outcome(&browser.confirm_link(&token_of(&link)).await).1, "failed");
}

#[tokio::test]
async fn a_verified_link_without_completion_gives_no_session() {
    let app = spawn_app().await;
    let browser = app.client();
    let id = browser
        .created(
            json!({ "email_address": "ana@example.com", "password": "correct horse", "phone_number": "+14155550123" }),
        )
        .await;
    browser.prepare_link(&id, &landing(&app)).await.response();
    let link = app.last_link_to("ana@example.com").await;
    assert_eq!(outcome(&browser.confirm_link(&token_of(&link)).await), (303, String::from("verified"), None));
    let s = browser.get_sign_up(&id).await;
    assert_eq!(s.response()["status"], "missing_requirements");
    assert_eq!(s.response()["unverified_fields"], json!(["phone_number"]));
}

#[tokio::test]
async fn unknown_and_malformed_tokens_get_a_friendly_page() {
    let app = spawn_app().await;
    let browser = app.client();
    let unknown = "A".repeat(43);
    for path in [
        "/v1/verify".to_owned(),
        "/v1/verify?token=".to_owned(),
        "/v1/verify?token=abc".to_owned(),
        format!("/v1/verify?token={unknown}"),
        "/v1/verify?token=%FF%FE".to_owned(),
    ] {
        let page = browser.get(&path).await;
        assert_eq!(page.status, 400, "{path}");
        assert_eq!(page.header("content-type").as_deref(), Some("text/html; charset=utf-8"));
        assert!(page.text.contains("<title>Link not valid</title>") && page.text.contains("<h1>"), "{}", page.text);
        assert!(page.header("content-security-policy").unwrap().contains("default-src 'none'"));
        assert_eq!(page.header("referrer-policy").as_deref(), Some("no-referrer"));
    }
    for body in [format!("token={unknown}"), String::from("token=abc"), String::new(), String::from("nonsense")] {
        let page = browser
            .send_as(reqwest::Method::POST, "/v1/verify", Some(("application/x-www-form-urlencoded", body)))
            .await;
        assert_eq!(page.status, 400);
        assert!(page.text.contains("<title>Link not valid</title>"));
    }
    let json = browser.post("/v1/verify", json!({ "token": unknown })).await;
    assert_eq!(json.status, 400);
    assert!(json.text.contains("<title>Link not valid</title>"), "a JSON body is no form: {}", json.text);
}

#[tokio::test]
async fn a_foreign_page_cannot_post_a_confirmation() {
    let app = spawn_app().await;
    let browser = app.client();
    let (id, link) = sent(&app, &browser, "ana@example.com").await;
    let attacker = app.client();
    attacker.extra.lock().unwrap().push(("origin".into(), "http://evil.example".into()));
    attacker.confirm_link(&token_of(&link)).await.assert_error(403, "origin_not_allowed");
    assert_eq!(email_verification(&browser.get_sign_up(&id).await)["status"], "unverified");
}

#[tokio::test]
async fn a_request_without_host_still_gets_a_link_on_the_public_origin() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app().await;
    let browser = app.client();
    let id = browser.start_sign_up("ana@example.com").await;
    let cookie = format!("__gh_client={}", browser.token().unwrap());
    let prepare = |body: String| {
        let cookie = cookie.clone();
        let (addr, id) = (app.addr, id.clone());
        async move {
            let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
            let request = format!(
                "POST /v1/client/sign_ups/{id}/prepare_verification HTTP/1.0\r\nCookie: {cookie}\r\n\
                 Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
            tcp.write_all(request.as_bytes()).await.unwrap();
            let mut answer = String::new();
            tcp.read_to_string(&mut answer).await.unwrap();
            answer
        }
    };
    let link = prepare(json!({ "strategy": "email_link", "redirect_url": landing(&app) }).to_string()).await;
    assert!(link.starts_with("HTTP/1.0 200"), "{link}");
    let sent = app.last_link_to("ana@example.com").await;
    assert!(sent.starts_with(&format!("{}/v1/verify?token=", app.base)), "{sent}");
}
