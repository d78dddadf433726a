//! Email links: the owner of the address decides. With
//! `require_same_client = false` (the default) an attacker can sign up with
//! a victim's address and wait; these tests show the victim's browser
//! seeing where and when that sign-up began, cancelling it with "I didn't
//! start this", and the attacker's sign-up dead: no account, no session,
//! every request about it 410 `sign_up_cancelled_by_owner`.

use crate::email_link::{email_verification, landing, outcome, sent};
use crate::helpers::{Answer, TestApp, TestClient, dev, spawn_app, spawn_app_with, token_of};
use gatehouse_server::config::Config;
use reqwest::Method;
use serde_json::json;
use std::time::{Duration, UNIX_EPOCH};

const CHROME_ON_WINDOWS: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
const FIREFOX_ON_LINUX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0";

/// Presses "I didn't start this": the form POST the page makes.
async fn cancel_link(browser: &TestClient, token: &str) -> Answer {
    let form = ("application/x-www-form-urlencoded", format!("token={token}"));
    browser.send_as(Method::POST, "/v1/verify/cancel", Some(form)).await
}

/// A cookie-mode browser that sends this `User-Agent`.
fn browser_with(app: &TestApp, user_agent: &str) -> TestClient {
    let browser = app.client();
    browser.extra.lock().unwrap().push(("user-agent".into(), user_agent.into()));
    browser
}

/// The victim's own browser, with a Gatehouse client of its own.
async fn victims_browser(app: &TestApp) -> TestClient {
    let victim = browser_with(app, FIREFOX_ON_LINUX);
    victim.get_client().await.response();
    victim
}

fn assert_cancelled_page(page: &Answer) {
    assert_eq!(page.status, 200, "{}", page.text);
    assert_eq!(page.header("content-type").as_deref(), Some("text/html; charset=utf-8"));
    assert!(page.text.contains("<h1>Sign-up cancelled</h1>"), "{}", page.text);
    assert!(page.text.contains("a•••@example.com") && !page.text.contains("ana@example.com"), "{}", page.text);
    assert!(page.header("location").is_none(), "no redirect to the attacker's page");
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&mut app.db().await).await.unwrap()
}

#[tokio::test]
async fn another_browser_sees_where_and_when_the_sign_up_began() {
    let app = spawn_app().await;
    let attacker = browser_with(&app, CHROME_ON_WINDOWS);
    let started_at = app.clock_ms();
    let (id, link) = sent(&app, &attacker, "ana@example.com").await;
    app.advance(120);
    let victim = victims_browser(&app).await;

    let page = victim.open_link(&link).await;
    assert_eq!(page.status, 200, "{}", page.text);
    let html = &page.text;
    assert!(html.contains("<h1>Confirm your email address</h1>"), "{html}");
    assert!(html.contains("<dt>Browser</dt><dd>Chrome 120 on Windows 10</dd>"), "{html}");
    assert!(html.contains("<dt>IP address</dt><dd>127.0.0.1</dd>"), "{html}");
    let when = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_millis(started_at as u64));
    assert!(html.contains(&format!("<dt>Started</dt><dd>{when}</dd>")), "{when} in {html}");
    assert!(html.contains("<form method=\"post\" action=\"/v1/verify/cancel\">"), "{html}");
    assert!(html.contains(&format!("<input type=\"hidden\" name=\"token\" value=\"{}\">", token_of(&link))));
    assert!(html.contains(">I didn’t start this</button>") && html.contains(">Confirm</button>"), "{html}");
    assert!(html.contains("expires in 8 minutes"), "{html}");
    assert!(!html.contains("<script") && !html.contains("http://"), "self-contained");
    // A browser without any Gatehouse cookie is another browser too.
    let cookieless = app.client();
    assert!(cookieless.open_link(&link).await.text.contains("I didn’t start this"));

    // The browser that signed up sees the plain page: nothing to decide.
    let own = attacker.open_link(&link).await;
    assert_eq!(own.status, 200);
    assert!(!own.text.contains("I didn’t start this") && !own.text.contains("<dt>Browser</dt>"), "{}", own.text);
    // Looking changed nothing.
    assert_eq!(email_verification(&attacker.get_sign_up(&id).await)["status"], "unverified");
}

#[tokio::test]
async fn the_ip_shown_is_the_one_the_rate_limit_reads_and_odd_agents_are_harmless() {
    let config = Config::from_toml("[rate_limit]\nclient_ip = \"RightmostXForwardedFor\"\n").unwrap();
    let app = spawn_app_with(config, dev()).await;
    let attacker = browser_with(&app, "<script>alert(1)</script>");
    attacker.extra.lock().unwrap().push(("x-forwarded-for".into(), "203.0.113.9".into()));
    let (_, link) = sent(&app, &attacker, "ana@example.com").await;
    let page = victims_browser(&app).await.open_link(&link).await;
    assert!(page.text.contains("<dd>203.0.113.9</dd>"), "{}", page.text);
    assert!(page.text.contains("<dd>an unknown browser</dd>"), "{}", page.text);
    assert!(!page.text.contains("<script"), "{}", page.text);

    // No User-Agent at all, and one far too long, are stored bounded.
    let silent = app.client();
    silent.extra.lock().unwrap().push(("x-forwarded-for".into(), "203.0.113.10".into()));
    let (_, link) = sent(&app, &silent, "bea@example.com").await;
    assert!(victims_browser(&app).await.open_link(&link).await.text.contains("<dd>an unknown browser</dd>"));
    let long = browser_with(&app, &format!("{CHROME_ON_WINDOWS} {}", "x".repeat(4000)));
    long.extra.lock().unwrap().push(("x-forwarded-for".into(), "203.0.113.11".into()));
    sent(&app, &long, "cy@example.com").await;
    let longest = count(&app, "SELECT MAX(LENGTH(created_user_agent)) FROM sign_ups").await;
    assert_eq!(longest, 512);
}

#[tokio::test]
async fn the_owner_cancels_and_the_attackers_sign_up_is_dead() {
    let app = spawn_app().await;
    let attacker = browser_with(&app, CHROME_ON_WINDOWS);
    let (id, link) = sent(&app, &attacker, "ana@example.com").await;
    let token = token_of(&link);
    // The attacker's tab waits on the event stream.
    let mut waiting = attacker.events(&id).await;
    assert_eq!(waiting.next_sign_up().await["status"], "missing_requirements");

    let victim = victims_browser(&app).await;
    victim.extra.lock().unwrap().push(("origin".into(), app.base.clone()));
    assert_cancelled_page(&cancel_link(&victim, &token).await);

    // The waiting tab learns at once: the stream shows it abandoned, and ends.
    // Without the client: its GET answers 410, so the SDK reads that.
    let last = waiting.next_event().await;
    assert_eq!(last["response"]["status"], "abandoned");
    assert!(last.get("client").is_none(), "{last}");
    waiting.assert_ends().await;
    // Every request about it answers the coded error: read, change, resend, attempt, listen.
    attacker.get_sign_up(&id).await.assert_error(410, "sign_up_cancelled_by_owner");
    attacker.update_sign_up(&id, json!({ "first_name": "Eve" })).await.assert_error(410, "sign_up_cancelled_by_owner");
    attacker.prepare_link(&id, &landing(&app)).await.assert_error(410, "sign_up_cancelled_by_owner");
    attacker.prepare(&id, "email_code").await.assert_error(410, "sign_up_cancelled_by_owner");
    attacker.attempt(&id, "email_code", "123456").await.assert_error(410, "sign_up_cancelled_by_owner");
    let mut reopened = attacker.events(&id).await;
    assert_eq!(reopened.next_sign_up().await["status"], "abandoned");
    reopened.assert_ends().await;
    assert_eq!(app.outbox().await.len(), 1, "no new message went to the victim");

    // The link is dead too: confirming, or opening it again, shows the cancelled page and signs nobody in.
    assert_cancelled_page(&victim.confirm_link(&token).await);
    assert_cancelled_page(&attacker.confirm_link(&token).await);
    assert_cancelled_page(&victim.open_link(&link).await);
    assert_cancelled_page(&cancel_link(&victim, &token).await);
    attacker.get_sign_up(&id).await.assert_error(410, "sign_up_cancelled_by_owner");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users").await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sessions").await, 0);
    let cancelled_at = count(&app, "SELECT cancelled_at FROM sign_ups WHERE status = 'abandoned'").await;
    assert_eq!(cancelled_at, app.clock_ms());
    assert_eq!(count(&app, "SELECT COUNT(*) FROM email_links WHERE spent_at IS NULL").await, 0);
    let client = attacker.get_client().await;
    assert_eq!(client.response()["sessions"], json!([]), "{}", client.text);

    // The address is free: the owner can sign up with it (after the resend wait).
    app.advance(31);
    let (_, own_link) = sent(&app, &victim, "ana@example.com").await;
    assert_eq!(outcome(&victim.confirm_link(&token_of(&own_link)).await).1, "verified");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users").await, 1);
}

#[tokio::test]
async fn a_link_that_cannot_confirm_cannot_cancel() {
    let app = spawn_app().await;
    let victim = victims_browser(&app).await;
    // Used: the owner confirmed it first; the account stands.
    let owner = app.client();
    let (id, link) = sent(&app, &owner, "ana@example.com").await;
    assert_eq!(outcome(&owner.confirm_link(&token_of(&link)).await).1, "verified");
    let page = cancel_link(&victim, &token_of(&link)).await;
    assert_eq!(page.status, 400, "{}", page.text);
    assert!(page.text.contains("<title>Link not valid</title>"), "{}", page.text);
    assert_eq!(owner.get_sign_up(&id).await.response()["status"], "complete");

    // Expired: nothing is cancelled.
    let other = app.client();
    let (id, link) = sent(&app, &other, "bea@example.com").await;
    app.advance(601);
    assert_eq!(cancel_link(&victim, &token_of(&link)).await.status, 400);
    let s = other.get_sign_up(&id).await;
    assert_eq!((s.status, s.response()["status"].as_str()), (200, Some("missing_requirements")));

    // Unknown and malformed tokens.
    for token in ["A".repeat(43), String::from("abc"), String::new()] {
        let page = cancel_link(&victim, &token).await;
        assert_eq!(page.status, 400, "{token}");
        assert!(page.text.contains("<title>Link not valid</title>"));
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sign_ups WHERE cancelled_at IS NOT NULL").await, 0);
}

#[tokio::test]
async fn cancelling_takes_a_post_from_the_page_itself() {
    let app = spawn_app().await;
    let attacker = app.client();
    let (id, link) = sent(&app, &attacker, "ana@example.com").await;
    let token = token_of(&link);
    // A mail scanner's GET or HEAD, of the link or of the cancel path, cancels nothing.
    let victim = victims_browser(&app).await;
    assert_eq!(victim.open_link(&link).await.status, 200);
    victim.send(Method::HEAD, &format!("/v1/verify?token={token}"), None).await;
    victim.get(&format!("/v1/verify/cancel?token={token}")).await.assert_error(405, "method_not_allowed");
    // Another site cannot post it.
    let foreign = app.client();
    foreign.extra.lock().unwrap().push(("origin".into(), "http://evil.example".into()));
    cancel_link(&foreign, &token).await.assert_error(403, "origin_not_allowed");
    let s = attacker.get_sign_up(&id).await;
    assert_eq!((s.status, s.response()["status"].as_str()), (200, Some("missing_requirements")));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sign_ups WHERE cancelled_at IS NOT NULL").await, 0);
}

#[tokio::test]
async fn auto_confirm_asks_another_browser_first() {
    let app = spawn_app_with(Config::from_toml("[email_link]\nconfirm = \"auto\"\n").unwrap(), dev()).await;
    let attacker = browser_with(&app, CHROME_ON_WINDOWS);
    let (id, link) = sent(&app, &attacker, "ana@example.com").await;
    let victim = victims_browser(&app).await;
    let page = victim.open_link(&link).await;
    assert_eq!(page.status, 200, "not confirmed on GET: {}", page.text);
    assert!(page.text.contains("<dd>Chrome 120 on Windows 10</dd>") && page.text.contains("I didn’t start this"));
    assert_eq!(email_verification(&attacker.get_sign_up(&id).await)["status"], "unverified");
    assert_cancelled_page(&cancel_link(&victim, &token_of(&link)).await);
    attacker.get_sign_up(&id).await.assert_error(410, "sign_up_cancelled_by_owner");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users").await, 0);
}

#[tokio::test]
async fn with_require_same_client_the_owner_can_still_cancel() {
    let app = spawn_app_with(Config::from_toml("[email_link]\nrequire_same_client = true\n").unwrap(), dev()).await;
    let attacker = app.client();
    let (id, link) = sent(&app, &attacker, "ana@example.com").await;
    let victim = victims_browser(&app).await;
    assert_eq!(outcome(&victim.confirm_link(&token_of(&link)).await).1, "client_mismatch");
    assert_cancelled_page(&cancel_link(&victim, &token_of(&link)).await);
    attacker.get_sign_up(&id).await.assert_error(410, "sign_up_cancelled_by_owner");
    assert_cancelled_page(&attacker.confirm_link(&token_of(&link)).await);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users").await, 0);
}

#[tokio::test]
async fn a_browser_with_a_gatehouse_cookie_of_its_own_can_cancel_too() {
    let app = spawn_app().await;
    let attacker = browser_with(&app, CHROME_ON_WINDOWS);
    let (_, link) = sent(&app, &attacker, "ana@example.com").await;
    // The victim's browser has used Gatehouse before: its cookie goes with
    // the form post, which says urlencoded, as the page's form does.
    let victim = browser_with(&app, FIREFOX_ON_LINUX);
    sent(&app, &victim, "ana.other@example.com").await;
    assert!(victim.token().is_some(), "the victim's browser carries a client cookie");
    victim.extra.lock().unwrap().push(("origin".into(), app.base.clone()));
    assert_cancelled_page(&cancel_link(&victim, &token_of(&link)).await);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sign_ups WHERE cancelled_at IS NOT NULL").await, 1);
    // Any other urlencoded write with the cookie is still refused.
    let form = ("application/x-www-form-urlencoded", String::from("email_address=x%40example.com"));
    victim
        .send_as(Method::POST, "/v1/client/sign_ups", Some(form))
        .await
        .assert_error(415, "request_content_type_invalid");
}
