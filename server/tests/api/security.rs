//! The Origin check, CORS and the per-IP rate limit.

use crate::helpers::{spawn_app, spawn_app_with};
use gatehouse_server::Options;
use gatehouse_server::config::Config;
use reqwest::Method;
use serde_json::json;

const ALLOWED: &str = "http://127.0.0.1:8000";

async fn app_allowing(origin: &str) -> crate::helpers::TestApp {
    let config = Config::from_toml(&format!("allowed_origins = [\"{origin}\"]\n")).unwrap();
    spawn_app_with(config, Options { dev: true, ..Options::default() }).await
}

#[tokio::test]
async fn a_foreign_origin_cannot_change_state() {
    let app = app_allowing(ALLOWED).await;
    let owner = app.client();
    let id = owner.start_sign_up("ana@example.com").await;

    let attacker = app.client();
    attacker.extra.lock().unwrap().push(("origin".into(), "http://evil.example".into()));
    attacker.create_sign_up(json!({})).await.assert_error(403, "origin_not_allowed");
    attacker.update_sign_up(&id, json!({ "first_name": "Eve" })).await.assert_error(403, "origin_not_allowed");
    attacker.prepare(&id, "email_code").await.assert_error(403, "origin_not_allowed");
    attacker.send(Method::PUT, "/v1/client", None).await.assert_error(403, "origin_not_allowed");
    attacker.send(Method::DELETE, "/v1/client", None).await.assert_error(403, "origin_not_allowed");
    // Reads are not state changes.
    assert_eq!(attacker.get("/v1/environment").await.status, 200);
    assert!(app.outbox().await.is_empty());
}

#[tokio::test]
async fn the_own_origin_and_allowed_origins_pass() {
    let app = app_allowing(ALLOWED).await;
    let same_site = app.client();
    same_site.extra.lock().unwrap().push(("origin".into(), app.base.clone()));
    assert_eq!(same_site.create_sign_up(json!({})).await.status, 200);

    let partner = app.client();
    partner.extra.lock().unwrap().push(("origin".into(), ALLOWED.into()));
    let answer = partner.create_sign_up(json!({})).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("access-control-allow-origin").as_deref(), Some(ALLOWED));
    assert_eq!(answer.header("access-control-allow-credentials").as_deref(), Some("true"));
    let exposed = answer.header("access-control-expose-headers").unwrap().to_ascii_lowercase();
    assert!(exposed.contains("gatehouse-client") && exposed.contains("retry-after"), "{exposed}");

    // No Origin at all (curl, server to server) passes.
    assert_eq!(app.client().create_sign_up(json!({})).await.status, 200);
}

#[tokio::test]
async fn cors_preflight_answers_only_allowed_origins() {
    let app = app_allowing(ALLOWED).await;
    let http = reqwest::Client::new();
    let preflight = |origin: &str| {
        http.request(Method::OPTIONS, format!("{}/v1/client/sign_ups/su_x", app.base))
            .header("origin", origin)
            .header("access-control-request-method", "PATCH")
            .header("access-control-request-headers", "content-type, authorization")
            .send()
    };
    let ok = preflight(ALLOWED).await.unwrap();
    assert!(ok.status().is_success(), "{}", ok.status());
    let h = |name: &str| ok.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    assert_eq!(h("access-control-allow-origin"), ALLOWED);
    assert_eq!(h("access-control-allow-credentials"), "true");
    for method in ["get", "post", "patch", "put", "delete"] {
        assert!(h("access-control-allow-methods").contains(method), "{method}");
    }
    assert!(h("access-control-allow-headers").contains("content-type"));
    assert!(h("access-control-allow-headers").contains("authorization"));

    let foreign = preflight("http://evil.example").await.unwrap();
    assert!(foreign.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn too_many_requests_from_one_address_are_rate_limited() {
    let config = Config::from_toml("[rate_limit]\nper_second = 1\nburst = 3\n").unwrap();
    let app = spawn_app_with(config, Options::default()).await;
    let client = app.client();
    // Three fit in the burst; the next is refused (one more token per second
    // at most, so a slow machine may let one or two more through).
    let mut passed = 0;
    let limited = loop {
        let answer = client.get("/v1/environment").await;
        if answer.status != 200 || passed == 20 {
            break answer;
        }
        passed += 1;
    };
    assert!((3..20).contains(&passed), "{passed} passed");
    limited.assert_error(429, "rate_limited");
    let retry_after: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    // Health checks are not under /v1 and never limited.
    assert_eq!(client.get("/healthz").await.status, 200);
}

/// Requests until one is refused (at most 20): how many passed.
async fn requests_until_limited(client: &crate::helpers::TestClient) -> usize {
    let mut passed = 0;
    while passed < 20 && client.get("/v1/environment").await.status == 200 {
        passed += 1;
    }
    passed
}

#[tokio::test]
async fn behind_a_proxy_the_limit_keys_on_the_address_it_forwards() {
    let toml = "[rate_limit]\nper_second = 1\nburst = 3\nclient_ip = \"RightmostXForwardedFor\"\n";
    let app = spawn_app_with(Config::from_toml(toml).unwrap(), Options::default()).await;
    let forwarded_for = |chain: &str| {
        let client = app.client();
        client.extra.lock().unwrap().push((String::from("x-forwarded-for"), String::from(chain)));
        client
    };
    // The proxy appends the address it saw: the rightmost is the client's.
    let ana = forwarded_for("203.0.113.9, 198.51.100.1");
    assert!((3..20).contains(&requests_until_limited(&ana).await));
    ana.get("/v1/environment").await.assert_error(429, "rate_limited");
    // Another address (whatever its forged left part) has its own budget.
    let bea = forwarded_for("198.51.100.1, 198.51.100.2");
    assert_eq!(bea.get("/v1/environment").await.status, 200);
    // Without the header, the peer's budget counts.
    assert!((3..20).contains(&requests_until_limited(&app.client()).await));
}

#[tokio::test]
async fn by_default_a_forwarded_header_changes_nothing() {
    let config = Config::from_toml("[rate_limit]\nper_second = 1\nburst = 3\n").unwrap();
    let app = spawn_app_with(config, Options::default()).await;
    let client = app.client();
    assert!((3..20).contains(&requests_until_limited(&client).await));
    // A forged header is no way around the limit.
    let forged = app.client();
    forged.extra.lock().unwrap().push((String::from("x-forwarded-for"), String::from("192.0.2.77")));
    forged.get("/v1/environment").await.assert_error(429, "rate_limited");
}

#[tokio::test]
async fn an_unknown_client_ip_source_is_a_config_error() {
    let error = Config::from_toml("[rate_limit]\nclient_ip = \"x-forwarded-for\"\n").unwrap_err();
    assert!(error.to_string().contains("client_ip"), "{error}");
}

#[tokio::test]
async fn internal_details_never_reach_the_client() {
    let app = spawn_app().await;
    let browser = app.client();
    let id = browser.start_sign_up("ana@example.com").await;
    // Break the database under the server: its next write fails.
    let mut db = app.db().await;
    sqlx::query("DROP TABLE code_sends").execute(&mut db).await.unwrap();
    let answer = browser.prepare(&id, "email_code").await;
    answer.assert_error(500, "internal_error");
    assert!(!answer.text.contains("code_sends") && !answer.text.to_lowercase().contains("sql"), "{}", answer.text);
}
