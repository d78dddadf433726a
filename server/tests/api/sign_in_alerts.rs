//! "Was this you?" (issue 13 §3): a sign-in from a browser the user had
//! not used before emails them (time, browser, IP, and a link); the
//! link's page changes nothing, its button ends that session, and the form
//! after it sets a new password that ends every session. And each defence
//! with the attack it stops: a spent, expired, unknown or foreign token,
//! a cross-origin form post, a hostile `User-Agent`, the password quota,
//! sign-ins from new browsers again and again (the per-user cap on the
//! emails).

use crate::helpers::{
    Answer, SECRET_KEY, TestApp, TestClient, no_verification, spawn_admin_app_with, spawn_app_with, token_of,
};
use crate::sign_in::{CERSEI, PASSWORD, sign_in_with_password, sync_cersei};
use crate::smtp::{smtp_config, smtp_listener};
use crate::webhooks::{Receiver, SECRET, config_with, spawn_with_hooks};
use gatehouse_server::Options;
use gatehouse_server::config::{Config, Secret};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

const SUBJECT: &str = "New sign-in to your account";
const NEW_PASSWORD: &str = "a brand new passphrase";
const CHROME: &str =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
const FIREFOX: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0";
const HOSTILE: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
    Chrome/120.0.0.0<script>alert(1)</script> Safari/537.36 <img src=x onerror=alert(2)> \"'&";

/// A browser leaving from `local` that sends `user_agent`.
fn browser(app: &TestApp, local: &str, user_agent: &str) -> TestClient {
    let browser = app.client_from(local);
    browser.extra.lock().unwrap().push(("user-agent".into(), user_agent.into()));
    browser
}

/// Signs `browser` in as Cersei with her password; answers the session id.
async fn signed_in(browser: &TestClient) -> String {
    sign_in_with_password(browser, CERSEI).await["created_session_id"].as_str().unwrap().to_owned()
}

/// The "new sign-in" emails sent to `to`, oldest first.
async fn alerts_to(app: &TestApp, to: &str) -> Vec<Value> {
    app.outbox().await.into_iter().filter(|m| m["to"] == to && m["subject"] == SUBJECT).collect()
}

/// The token of the last "new sign-in" email to Cersei.
async fn last_alert_token(app: &TestApp) -> String {
    let alerts = alerts_to(app, CERSEI).await;
    token_of(alerts.last().expect("an alert")["link"].as_str().unwrap())
}

async fn post_form(browser: &TestClient, path: &str, form: String) -> Answer {
    browser.send_as(Method::POST, path, Some(("application/x-www-form-urlencoded", form))).await
}

/// Presses "This wasn't me".
async fn not_me(browser: &TestClient, token: &str) -> Answer {
    post_form(browser, "/v1/verify/not_me", format!("token={token}")).await
}

/// Sends the new-password form.
async fn set_password(browser: &TestClient, token: &str, password: &str) -> Answer {
    let form = form_urlencoded::Serializer::new(String::new())
        .append_pair("token", token)
        .append_pair("password", password)
        .finish();
    post_form(browser, "/v1/verify/not_me/password", form).await
}

/// The token of the new-password form in a page.
fn form_token(page: &Answer) -> String {
    let (_, after) = page.text.split_once("name=\"token\" value=\"").unwrap_or_else(|| panic!("{}", page.text));
    after.split('"').next().unwrap().to_owned()
}

fn assert_page(page: &Answer, status: u16, heading: &str) {
    assert_eq!(page.status, status, "{}", page.text);
    assert_eq!(page.header("content-type").as_deref(), Some("text/html; charset=utf-8"));
    assert!(page.text.contains(&format!("<h1>{heading}</h1>")), "{}", page.text);
    assert_eq!(page.header("cache-control").as_deref(), Some("no-store"));
}

/// Cersei with a password, and webhooks to a real receiver.
async fn app_with_cersei() -> (TestApp, Receiver) {
    let receiver = Receiver::start(200, &[]).await;
    let app = spawn_with_hooks(config_with(no_verification(), &[("app", &receiver, SECRET, None)])).await;
    sync_cersei(&app, json!({ "password": PASSWORD, "first_name": "Cersei" })).await;
    (app, receiver)
}

/// The `session.ended` events received, as (session id, ended_by).
async fn ended(receiver: &Receiver, at_least: usize) -> Vec<(String, String)> {
    for _ in 0..100 {
        let events = receiver.of_type("session.ended");
        if events.len() >= at_least {
            return events
                .iter()
                .map(|e| e.json())
                .map(|e| {
                    (e["data"]["id"].as_str().unwrap().to_owned(), e["data"]["ended_by"].as_str().unwrap().to_owned())
                })
                .collect();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("fewer than {at_least} session.ended events: {:?}", receiver.of_type("session.ended").len());
}

#[tokio::test]
async fn a_new_browser_gets_an_email_and_the_same_browser_again_does_not() {
    let (app, _receiver) = app_with_cersei().await;
    let laptop = browser(&app, "127.0.0.2", CHROME);
    let signed_in_at = app.clock_ms();
    let session = signed_in(&laptop).await;

    let alerts = alerts_to(&app, CERSEI).await;
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let body = alerts[0]["body"].as_str().unwrap();
    let at = time::OffsetDateTime::from_unix_timestamp(signed_in_at / 1000).unwrap();
    let when =
        format!("{:04}-{:02}-{:02} {:02}:{:02} UTC", at.year(), u8::from(at.month()), at.day(), at.hour(), at.minute());
    assert!(body.contains("Hi Cersei,"), "{body}");
    assert!(body.contains(&format!("Time: {when}")), "{body}");
    assert!(body.contains("Browser: Chrome 120 on Linux"), "{body}");
    assert!(body.contains("IP address: 127.0.0.2"), "{body}");
    let link = alerts[0]["link"].as_str().unwrap();
    assert!(link.starts_with(&format!("{}/v1/verify/not_me?token=", app.base)), "{link}");
    assert!(body.contains(link) && body.contains("expires in 24 hours"), "{body}");
    // Only the token's SHA-256 is stored.
    let token = token_of(link);
    let stored: Vec<(String, String, String)> =
        sqlx::query_as("SELECT token_hash, purpose, session_id FROM sign_in_alerts")
            .fetch_all(&mut app.db().await)
            .await
            .unwrap();
    assert_eq!(stored, [(gatehouse_server::ids::token_hash(&token), String::from("not_me"), session.clone())]);

    // Signed out and in again on the same browser: known, no email.
    assert_eq!(laptop.delete(&format!("/v1/client/sessions/{session}")).await.status, 200);
    app.advance(60);
    signed_in(&laptop).await;
    assert_eq!(alerts_to(&app, CERSEI).await.len(), 1, "the same browser again is no news");

    // Another browser, by an email code this time, in German: news.
    let desktop = browser(&app, "127.0.0.3", FIREFOX);
    desktop.extra.lock().unwrap().push(("accept-language".into(), "de-DE,de;q=0.9".into()));
    let created = desktop.sign_in(json!({ "identifier": CERSEI })).await;
    let id = created.response()["id"].as_str().unwrap().to_owned();
    desktop.prepare_first_factor(&id, "email_code").await.response();
    let code = app.last_code_to(CERSEI).await;
    let done = desktop.attempt_first_factor(&id, json!({ "strategy": "email_code", "code": code })).await;
    assert_eq!(done.response()["status"], "complete", "{}", done.text);
    let german = app.last_message_to(CERSEI).await;
    assert_eq!(german["subject"], "Neue Anmeldung bei Ihrem Konto", "{german}");
    let body = german["body"].as_str().unwrap();
    assert!(body.contains("Browser: Firefox 121 on Windows 10") && body.contains("IP-Adresse: 127.0.0.3"), "{body}");
}

#[tokio::test]
async fn no_email_after_a_sign_up_or_a_password_reset() {
    let (app, _receiver) = app_with_cersei().await;
    // A sign-up makes the first session of a new user: no news to them.
    let newcomer = browser(&app, "127.0.0.2", CHROME);
    let done = newcomer.create_sign_up(json!({ "email_address": "ana@example.com", "password": PASSWORD })).await;
    assert_eq!(done.response()["status"], "complete", "{}", done.text);
    assert!(done.response()["created_session_id"].as_str().is_some());
    assert_eq!(alerts_to(&app, "ana@example.com").await, Vec::<Value>::new());

    // A reset from a browser Cersei never used: the reset code proved her
    // mailbox, and the password-changed email tells her; no alert.
    let stranger = browser(&app, "127.0.0.3", FIREFOX);
    let created = stranger.sign_in(json!({ "identifier": CERSEI, "strategy": "reset_password_email_code" })).await;
    let id = created.response()["id"].as_str().unwrap().to_owned();
    let code = app.last_code_to(CERSEI).await;
    let body = json!({ "strategy": "reset_password_email_code", "code": code });
    assert_eq!(stranger.attempt_first_factor(&id, body).await.response()["status"], "needs_new_password");
    let done = stranger.reset_password(&id, json!({ "password": NEW_PASSWORD })).await;
    assert_eq!(done.response()["status"], "complete", "{}", done.text);
    assert_eq!(app.last_message_to(CERSEI).await["subject"], "Your password was changed");
    assert_eq!(alerts_to(&app, CERSEI).await, Vec::<Value>::new());
}

#[tokio::test]
async fn the_link_shows_the_sign_in_and_changes_nothing_its_button_ends_that_session() {
    let (app, receiver) = app_with_cersei().await;
    let laptop = browser(&app, "127.0.0.2", CHROME);
    let at_laptop = signed_in(&laptop).await;
    let thief = browser(&app, "127.0.0.3", FIREFOX);
    let at_thief = signed_in(&thief).await;
    let token = last_alert_token(&app).await;
    // Cersei reads her mail in a third browser.
    let mailbox = app.client();

    for _ in 0..2 {
        let page = mailbox.get(&format!("/v1/verify/not_me?token={token}")).await;
        assert_page(&page, 200, "Was this you?");
        assert!(page.text.contains("<dd>Firefox 121 on Windows 10</dd>"), "{}", page.text);
        assert!(page.text.contains("<dd>127.0.0.3</dd>"), "{}", page.text);
        assert!(page.text.contains("action=\"/v1/verify/not_me\""), "{}", page.text);
        assert_eq!(page.header("referrer-policy").as_deref(), Some("same-origin"));
        assert!(page.header("content-security-policy").unwrap().contains("form-action 'self'"));
        // A HEAD (what some scanners send) changes nothing either.
        let head = mailbox.send(Method::HEAD, &format!("/v1/verify/not_me?token={token}"), None).await;
        assert_eq!(head.status, 200);
    }
    // Opened (twice): the thief's session still works.
    assert_eq!(thief.session_token(&at_thief).await.status, 200);

    let page = not_me(&mailbox, &token).await;
    assert_page(&page, 200, "That session is signed out");
    assert!(page.text.contains("action=\"/v1/verify/not_me/password\""), "{}", page.text);
    assert!(page.text.contains("autocomplete=\"new-password\""), "{}", page.text);
    assert_ne!(form_token(&page), token, "the form has a token of its own");
    thief.session_token(&at_thief).await.assert_error(404, "session_not_found");
    assert_eq!(laptop.session_token(&at_laptop).await.status, 200, "only that session ends");
    let events = ended(&receiver, 1).await;
    assert_eq!(events, [(at_thief.clone(), String::from("not_me"))]);

    // Spent: pressed again, or opened again, it is refused and changes nothing.
    assert_page(&not_me(&mailbox, &token).await, 410, "This link was used already");
    assert_page(&mailbox.get(&format!("/v1/verify/not_me?token={token}")).await, 410, "This link was used already");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.of_type("session.ended").len(), 1, "no second event");
}

#[tokio::test]
async fn the_new_password_form_sets_it_ends_every_session_and_tells_by_email() {
    let (app, receiver) = app_with_cersei().await;
    let laptop = browser(&app, "127.0.0.2", CHROME);
    let at_laptop = signed_in(&laptop).await;
    let thief = browser(&app, "127.0.0.3", FIREFOX);
    let at_thief = signed_in(&thief).await;
    let mailbox = app.client();
    let page = not_me(&mailbox, &last_alert_token(&app).await).await;
    let token = form_token(&page);

    // A password that breaks the rules: the form again with why, 422; nothing spent.
    let short = set_password(&mailbox, &token, "short").await;
    assert_page(&short, 422, "That session is signed out");
    assert!(short.text.contains("Your password is too short."), "{}", short.text);
    assert_eq!(form_token(&short), token);
    assert_eq!(laptop.session_token(&at_laptop).await.status, 200);
    let missing = post_form(&mailbox, "/v1/verify/not_me/password", format!("token={token}")).await;
    assert_eq!(missing.status, 422, "{}", missing.text);

    let done = set_password(&mailbox, &token, NEW_PASSWORD).await;
    assert_page(&done, 200, "Your password was changed");
    // Every session ends: the laptop's too.
    laptop.session_token(&at_laptop).await.assert_error(404, "session_not_found");
    let events = ended(&receiver, 2).await;
    assert!(events.contains(&(at_thief.clone(), String::from("not_me"))), "{events:?}");
    assert!(events.contains(&(at_laptop.clone(), String::from("password_reset"))), "{events:?}");
    let mail = app.last_message_to(CERSEI).await;
    assert_eq!(mail["subject"], "Your password was changed", "{mail}");
    assert!(mail["body"].as_str().unwrap().contains("Every other session of your account was signed out."));
    // The old password no longer signs in; the new one does.
    let old = app.client().sign_in(json!({ "identifier": CERSEI, "password": PASSWORD })).await;
    old.assert_error(422, "form_password_incorrect");
    let new = app.client().sign_in(json!({ "identifier": CERSEI, "password": NEW_PASSWORD })).await;
    assert_eq!(new.response()["status"], "complete", "{}", new.text);

    // The form's token works once.
    assert_page(&set_password(&mailbox, &token, "yet another passphrase").await, 410, "This link was used already");
    let still = app.client().sign_in(json!({ "identifier": CERSEI, "password": NEW_PASSWORD })).await;
    assert_eq!(still.response()["status"], "complete", "{}", still.text);
}

#[tokio::test]
async fn expired_unknown_and_foreign_tokens_are_refused_and_change_nothing() {
    let (app, _receiver) = app_with_cersei().await;
    let thief = browser(&app, "127.0.0.3", FIREFOX);
    let at_thief = signed_in(&thief).await;
    let token = last_alert_token(&app).await;
    let mailbox = app.client();

    // Malformed or unknown: 400.
    for bad in ["", "short", &"A".repeat(43), &format!("{}x", &token[1..])] {
        assert_page(&mailbox.get(&format!("/v1/verify/not_me?token={bad}")).await, 400, "This link can’t be used");
        assert_page(&not_me(&mailbox, bad).await, 400, "This link can’t be used");
        assert_page(&set_password(&mailbox, bad, NEW_PASSWORD).await, 400, "This link can’t be used");
    }
    assert_page(&mailbox.get("/v1/verify/not_me").await, 400, "This link can’t be used");
    // The email's token does not set a password.
    assert_page(&set_password(&mailbox, &token, NEW_PASSWORD).await, 400, "This link can’t be used");

    // Past 24 hours: 410, and the session stays.
    app.advance(24 * 60 * 60);
    assert_page(&mailbox.get(&format!("/v1/verify/not_me?token={token}")).await, 410, "This link has expired");
    assert_page(&not_me(&mailbox, &token).await, 410, "This link has expired");
    let found: (String,) = sqlx::query_as("SELECT status FROM sessions WHERE id = $1")
        .bind(&at_thief)
        .fetch_one(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(found.0, "active");

    // A new sign-in's link, then its form past an hour: 410, password unchanged.
    let other = browser(&app, "127.0.0.4", CHROME);
    signed_in(&other).await;
    let page = not_me(&mailbox, &last_alert_token(&app).await).await;
    let form = form_token(&page);
    // The form's token does not end a session.
    assert_page(&not_me(&mailbox, &form).await, 400, "This link can’t be used");
    app.advance(60 * 60);
    assert_page(&set_password(&mailbox, &form, NEW_PASSWORD).await, 410, "This link has expired");
    let old = app.client().sign_in(json!({ "identifier": CERSEI, "password": PASSWORD })).await;
    assert_eq!(old.response()["status"], "complete", "the password is unchanged: {}", old.text);
}

#[tokio::test]
async fn a_cross_origin_form_post_is_refused_and_a_same_origin_one_with_the_cookie_passes() {
    let (app, _receiver) = app_with_cersei().await;
    let thief = browser(&app, "127.0.0.3", FIREFOX);
    let at_thief = signed_in(&thief).await;
    let token = last_alert_token(&app).await;

    // A page elsewhere posting the form (the token leaked there): refused.
    let evil = app.client();
    evil.extra.lock().unwrap().push(("origin".into(), "https://evil.example".into()));
    not_me(&evil, &token).await.assert_error(403, "origin_not_allowed");
    assert_eq!(thief.session_token(&at_thief).await.status, 200, "nothing changed");
    set_password(&evil, &token, NEW_PASSWORD).await.assert_error(403, "origin_not_allowed");

    // Cersei's own browser, with its client cookie, posting from the page: the form is let through.
    let own = browser(&app, "127.0.0.2", CHROME);
    signed_in(&own).await;
    assert!(own.token().is_some(), "it carries the cookie");
    own.extra.lock().unwrap().push(("origin".into(), app.base.clone()));
    let page = not_me(&own, &token).await;
    assert_page(&page, 200, "That session is signed out");
    let form = form_token(&page);
    assert_page(&set_password(&own, &form, NEW_PASSWORD).await, 200, "Your password was changed");
}

#[tokio::test]
async fn the_new_password_form_counts_against_the_password_quota() {
    let receiver = Receiver::start(200, &[]).await;
    let mut config = config_with(no_verification(), &[("app", &receiver, SECRET, None)]);
    config.rate_limit.sensitive_per_minute = 1;
    config.rate_limit.sensitive_burst = 3;
    let app = spawn_with_hooks(config).await;
    sync_cersei(&app, json!({ "password": PASSWORD })).await;
    let thief = browser(&app, "127.0.0.3", FIREFOX);
    signed_in(&thief).await;
    // Cersei's mailbox is on another IP, with a quota of its own.
    let mailbox = app.client();
    let form = form_token(&not_me(&mailbox, &last_alert_token(&app).await).await);
    for _ in 0..3 {
        assert_eq!(set_password(&mailbox, &form, "short").await.status, 422);
    }
    // The quota is spent: refused before any hashing, and nothing changed.
    let refused = set_password(&mailbox, &form, NEW_PASSWORD).await;
    refused.assert_error(429, "rate_limited");
    assert!(refused.header("retry-after").is_some());
    let old = browser(&app, "127.0.0.3", CHROME).sign_in(json!({ "identifier": CERSEI, "password": PASSWORD })).await;
    assert_eq!(old.response()["status"], "complete", "the password is unchanged: {}", old.text);
}

#[tokio::test]
async fn a_hostile_user_agent_is_shown_escaped_in_the_email_and_on_the_page() {
    let (port, mut inbox) = smtp_listener().await;
    let options = Options { secret_key: Some(Secret::new(String::from(SECRET_KEY))), ..Options::default() };
    let app = spawn_app_with(smtp_config(port, ""), options).await;
    sync_cersei(&app, json!({ "password": PASSWORD })).await;
    let thief = browser(&app, "127.0.0.3", HOSTILE);
    signed_in(&thief).await;

    let mail = tokio::time::timeout(Duration::from_secs(10), inbox.recv()).await.unwrap().unwrap();
    let parsed = mail_parser::MessageParser::default().parse(mail.data.as_bytes()).unwrap();
    assert_eq!(parsed.subject(), Some(SUBJECT));
    let html = parsed.body_html(0).unwrap().into_owned();
    let text = parsed.body_text(0).unwrap().into_owned();
    for part in [&html, &text] {
        assert!(!part.contains("<script") && !part.contains("<img") && !part.contains("onerror"), "{part}");
    }
    assert!(text.contains("Browser: Chrome 120"), "{text}");
    assert!(html.contains("127.0.0.3"), "{html}");
    let link = text.lines().find(|l| l.contains("/v1/verify/not_me?token=")).expect("the link").trim();

    let page = app.client().get(&link[link.find("/v1/verify").unwrap()..]).await;
    assert_page(&page, 200, "Was this you?");
    assert!(!page.text.contains("<script") && !page.text.contains("<img") && !page.text.contains("onerror"));
    assert!(page.text.contains("<dd>Chrome 120"), "{}", page.text);
}

/// How many `sign_in_alerts` rows there are.
async fn rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM sign_in_alerts").fetch_one(&mut app.db().await).await.unwrap()
}

/// One cleanup pass; answers how many links it deleted.
async fn pass(app: &TestApp) -> u64 {
    let report = gatehouse_server::cleanup::run_once(&app.store().await, &app.state.config, app.clock_ms()).await;
    report.unwrap().iter().find(|(name, _)| *name == "expired sign-in alerts").unwrap().1
}

#[tokio::test]
async fn the_cleanup_deletes_the_links_once_expired_and_a_deleted_user_takes_theirs() {
    let (app, _receiver) = app_with_cersei().await;
    signed_in(&browser(&app, "127.0.0.3", FIREFOX)).await;
    assert_eq!(rows(&app).await, 1);
    app.advance(24 * 60 * 60 - 1);
    assert_eq!(pass(&app).await, 0, "live for 24 hours");
    app.advance(2);
    assert_eq!(pass(&app).await, 1);
    assert_eq!(rows(&app).await, 0);

    // A user deleted through the admin API takes their links along.
    signed_in(&browser(&app, "127.0.0.4", CHROME)).await;
    assert_eq!(rows(&app).await, 1);
    let user = app.admin().get(&format!("/v1/admin/users?email={}", CERSEI.replace('@', "%40"))).await;
    let id = user.body["data"][0]["id"].as_str().unwrap_or_else(|| panic!("{}", user.text)).to_owned();
    assert_eq!(app.admin().delete(&format!("/v1/admin/users/{id}")).await.status, 200);
    assert_eq!(rows(&app).await, 0);
}

/// A TOTP code for a sign-in at `needs_second_factor`.
async fn attempt_totp(browser: &TestClient, id: &str, code: String) -> Answer {
    let path = format!("/v1/client/sign_ins/{id}/attempt_second_factor");
    browser.post(&path, json!({ "strategy": "totp", "code": code })).await
}

#[tokio::test]
async fn with_a_second_factor_the_email_waits_for_it_and_a_reset_then_the_code_sends_none() {
    let (app, _receiver) = app_with_cersei().await;
    // Cersei turns TOTP on from her laptop (its sign-in: the first alert).
    let laptop = browser(&app, "127.0.0.2", CHROME);
    let session = signed_in(&laptop).await;
    let created = laptop.post(&format!("/v1/client/sessions/{session}/totp"), json!({})).await;
    let totp = totp_rs::TOTP::from_url(created.response()["uri"].as_str().unwrap()).unwrap();
    let code = |app: &TestApp| totp.generate(u64::try_from(app.clock_ms() / 1000).unwrap());
    let path = format!("/v1/client/sessions/{session}/totp/attempt_verification");
    assert_eq!(laptop.post(&path, json!({ "code": code(&app) })).await.status, 200);
    assert_eq!(alerts_to(&app, CERSEI).await.len(), 1);
    // A new browser: the password alone makes no session and no email; the code does.
    app.advance(30);
    let desktop = browser(&app, "127.0.0.3", FIREFOX);
    let first = desktop.sign_in(json!({ "identifier": CERSEI, "password": PASSWORD })).await;
    assert_eq!(first.response()["status"], "needs_second_factor", "{}", first.text);
    assert_eq!(alerts_to(&app, CERSEI).await.len(), 1, "no session yet, no email");
    let id = first.response()["id"].as_str().unwrap().to_owned();
    let done = attempt_totp(&desktop, &id, code(&app)).await;
    assert_eq!(done.response()["status"], "complete", "{}", done.text);
    let alerts = alerts_to(&app, CERSEI).await;
    assert_eq!(alerts.len(), 2);
    assert!(alerts[1]["body"].as_str().unwrap().contains("Firefox 121 on Windows 10"));

    // A reset from yet another browser, completed by the code: no alert.
    app.advance(30);
    let phone = browser(&app, "127.0.0.4", CHROME);
    let started = phone.sign_in(json!({ "identifier": CERSEI, "strategy": "reset_password_email_code" })).await;
    let id = started.response()["id"].as_str().unwrap().to_owned();
    let reset_code = app.last_code_to(CERSEI).await;
    let body = json!({ "strategy": "reset_password_email_code", "code": reset_code });
    assert_eq!(phone.attempt_first_factor(&id, body).await.response()["status"], "needs_new_password");
    let reset = phone.reset_password(&id, json!({ "password": NEW_PASSWORD })).await;
    assert_eq!(reset.response()["status"], "needs_second_factor", "{}", reset.text);
    let done = attempt_totp(&phone, &id, code(&app)).await;
    assert_eq!(done.response()["status"], "complete", "{}", done.text);
    assert_eq!(alerts_to(&app, CERSEI).await.len(), 2, "the reset was told by the password-changed email");
}

#[tokio::test]
async fn after_this_wasnt_me_that_browser_is_new_again_and_its_second_factor_is_gone() {
    let (app, receiver) = app_with_cersei().await;
    // The owner's own browser, signed in before the intruder.
    let home = browser(&app, "127.0.0.2", CHROME);
    signed_in(&home).await;
    app.advance(60);
    // The intruder knows the password, signs in from their own browser and
    // turns on a second factor of their own.
    let intruder = browser(&app, "127.0.0.9", FIREFOX);
    let session = signed_in(&intruder).await;
    let created = crate::totp::create_totp(&intruder, &session).await;
    let totp = totp_rs::TOTP::from_url(created.response()["uri"].as_str().unwrap()).unwrap();
    let code = crate::totp::code_at(&app, &totp, 0);
    crate::totp::verify_totp(&intruder, &session, &code).await.response();
    assert_eq!(alerts_to(&app, CERSEI).await.len(), 2);

    // The owner: "This wasn't me", and no new password.
    let page = not_me(&home, &last_alert_token(&app).await).await;
    assert_page(&page, 200, "That session is signed out");
    assert_eq!(ended(&receiver, 1).await, vec![(session.clone(), String::from("not_me"))]);

    // The intruder's browser lost its client: it is signed out, and a
    // sign-in from it again is from a new browser, which mails the owner.
    assert_eq!(intruder.get_client().await.response()["sessions"], json!([]));
    signed_in(&intruder).await;
    assert_eq!(alerts_to(&app, CERSEI).await.len(), 3, "the intruder's next sign-in mails the owner again");
    // The intruder's second factor went with the session: the owner's
    // password sign-in does not ask for the intruder's code.
    let owner = app.client();
    let sign_in = sign_in_with_password(&owner, CERSEI).await;
    assert_eq!(sign_in["status"], "complete", "{sign_in}");
}

/// An app whose users get at most `max` "new sign-in" emails per 10
/// minutes, with Cersei and her password.
async fn app_with_a_cap_of(max: u32) -> TestApp {
    let app = spawn_admin_app_with(capped_at(max)).await;
    sync_cersei(&app, json!({ "password": PASSWORD })).await;
    app
}

/// Settings where users get at most `max` "new sign-in" emails per 10 minutes.
fn capped_at(max: u32) -> Config {
    let mut config = no_verification();
    config.sign_in.max_new_sign_in_emails = max;
    config.sign_in.new_sign_in_email_window_seconds = 600;
    config
}

/// `gatehouse_messages_total{result="capped"}`, as `/metrics` tells it
/// (the process's recorder: every app of this test binary counts there).
async fn capped(app: &TestApp) -> f64 {
    let answer = app.admin().get("/metrics").await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer
        .text
        .lines()
        .filter(|l| l.starts_with("gatehouse_messages_total{") && l.contains("result=\"capped\""))
        .filter_map(|l| l.rsplit_once(' ')?.1.parse::<f64>().ok())
        .sum()
}

/// Signs Cersei in from a browser she never used (a client of its own);
/// asserts that the session works (it gets a JWT) and answers its id.
async fn signed_in_from_a_new_browser(app: &TestApp, n: u8) -> String {
    let laptop = browser(app, &format!("127.0.1.{n}"), CHROME);
    let session = signed_in(&laptop).await;
    let token = laptop.session_token(&session).await;
    assert!(token.response()["jwt"].is_string(), "{}", token.text);
    session
}

#[tokio::test]
async fn new_sign_in_emails_are_capped_per_user_and_sign_ins_past_the_cap_still_work() {
    let defaults = Config::default().sign_in;
    assert_eq!((defaults.max_new_sign_in_emails, defaults.new_sign_in_email_window_seconds), (10, 24 * 60 * 60));
    let app = app_with_a_cap_of(3).await;
    let capped_before = capped(&app).await;

    // Someone who knows the password signs in from new browsers again and
    // again: the owner hears of the first three, not of the rest; every
    // sign-in still works.
    for n in 1..=6 {
        signed_in_from_a_new_browser(&app, n).await;
        app.advance(10);
    }
    assert_eq!(alerts_to(&app, CERSEI).await.len(), 3, "three emails, however many sign-ins");
    assert_eq!(rows(&app).await, 3, "no link is stored for an email not sent");
    assert!(capped(&app).await >= capped_before + 3.0, "the three emails not sent are counted");

    // Once the first of them has left the window (10 minutes), one more
    // new browser is told of again, and only one.
    app.advance(600 - 60 + 1);
    signed_in_from_a_new_browser(&app, 7).await;
    signed_in_from_a_new_browser(&app, 8).await;
    assert_eq!(alerts_to(&app, CERSEI).await.len(), 4);

    // The cap is the user's: another user's first new browser is news.
    let answer = app.admin().put("/v1/admin/users", json!({ "email": "ana@example.com", "password": PASSWORD })).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    sign_in_with_password(&browser(&app, "127.0.1.9", FIREFOX), "ana@example.com").await;
    assert_eq!(alerts_to(&app, "ana@example.com").await.len(), 1);
}

#[tokio::test]
async fn parallel_sign_ins_from_new_browsers_send_at_most_the_cap() {
    // Counted under the key's row lock in each sign-in's transaction: on
    // PostgreSQL too, no two sign-ins both see the last place free.
    let app = app_with_a_cap_of(3).await;
    let sign_ins = (1..=8).map(|n| signed_in_from_a_new_browser(&app, n));
    let sessions = futures_util::future::join_all(sign_ins).await;
    assert_eq!(sessions.len(), 8);
    assert_eq!(alerts_to(&app, CERSEI).await.len(), 3);
    assert_eq!(rows(&app).await, 3);
}

#[tokio::test]
async fn sign_ins_spread_across_two_nodes_at_once_send_at_most_the_cap() {
    // Two nodes of one deployment over one PostgreSQL database: the count
    // is the database's, so the cap is the user's, not each node's.
    let node_a = app_with_a_cap_of(3).await;
    if !crate::races::on_postgres(&node_a, "sign_ins_spread_across_two_nodes_at_once_send_at_most_the_cap") {
        return;
    }
    let node_b = node_a.restart(capped_at(3), crate::helpers::admin_options()).await;
    let sign_ins = (1..=10).map(|n| signed_in_from_a_new_browser(if n % 2 == 0 { &node_a } else { &node_b }, n));
    assert_eq!(futures_util::future::join_all(sign_ins).await.len(), 10);
    let emails = alerts_to(&node_a, CERSEI).await.len() + alerts_to(&node_b, CERSEI).await.len();
    assert_eq!(emails, 3, "each node's outbox holds what it sent");
    assert_eq!(rows(&node_a).await, 3);
}
