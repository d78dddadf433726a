//! Password reset by email link (`reset_password_email_link`, issue 13 §1):
//! the link, its scanner-safe page (a GET changes nothing), the Confirm
//! that moves the waiting sign-in to `needs_new_password`, then the new
//! password; and each defence with the attack it stops: no account
//! enumeration, single use, expiry, a newer code or link replacing it,
//! `require_same_client`, and "I didn't ask for this" in another browser.

use crate::email_link::{landing, outcome};
use crate::helpers::{Answer, TestApp, TestClient, spawn_admin_app, spawn_admin_app_with, token_of};
use crate::password_reset::shape;
use crate::sign_in::{CERSEI, PASSWORD, sign_in_with_password, sync_cersei};
use gatehouse_server::config::Config;
use reqwest::Method;
use serde_json::{Value, json};

const NEW_PASSWORD: &str = "a new and long passphrase";
const NOBODY: &str = "nobody-here@example.com";
const LINK: &str = "reset_password_email_link";
const FIREFOX_ON_LINUX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0";

async fn start_link_reset(app: &TestApp, browser: &TestClient, identifier: &str) -> Answer {
    browser.sign_in(json!({ "identifier": identifier, "strategy": LINK, "redirect_url": landing(app) })).await
}

fn id_of(answer: &Answer) -> String {
    answer.response()["id"].as_str().unwrap().to_owned()
}

async fn sign_in_now(browser: &TestClient, id: &str) -> Value {
    browser.get(&format!("/v1/client/sign_ins/{id}")).await.response().clone()
}

/// Presses Confirm in `browser`, which pressed it on the server's own page.
async fn confirm(app: &TestApp, browser: &TestClient, link: &str) -> Answer {
    {
        let mut extra = browser.extra.lock().unwrap();
        if !extra.iter().any(|(k, _)| k == "origin") {
            extra.push(("origin".into(), app.base.clone()));
        }
    }
    browser.confirm_link(&token_of(link)).await
}

/// Cersei with a password, and a browser that asked for a reset link;
/// answers the browser, the sign-in id and the link.
async fn link_sent(app: &TestApp) -> (TestClient, String, String) {
    sync_cersei(app, json!({ "password": PASSWORD })).await;
    let browser = app.client();
    let id = id_of(&start_link_reset(app, &browser, CERSEI).await);
    (browser, id, app.last_link_to(CERSEI).await)
}

#[tokio::test]
async fn a_confirmed_link_lets_the_waiting_tab_set_a_new_password() {
    let app = spawn_admin_app().await;
    sync_cersei(&app, json!({ "password": PASSWORD })).await;
    let laptop = app.client();
    let laptop_session = sign_in_with_password(&laptop, CERSEI).await["created_session_id"].clone();
    let browser = app.client();
    let created = start_link_reset(&app, &browser, CERSEI).await;
    let s = created.response();
    assert_eq!(s["status"], "needs_first_factor", "{}", created.text);
    let v = &s["first_factor_verification"];
    assert_eq!(
        (v["status"].as_str(), v["strategy"].as_str(), v["next_action"].as_str()),
        (Some("unverified"), Some(LINK), Some("")),
        "nothing to do but wait for the link"
    );
    assert_eq!(v["expire_at"], app.clock_ms() + 600_000);
    let id = id_of(&created);
    let message = app.last_message_to(CERSEI).await;
    assert_eq!(message["subject"], "Reset your Gatehouse password", "{message}");
    assert_eq!(message["code"], Value::Null);
    let link = message["link"].as_str().unwrap().to_owned();
    assert!(link.starts_with(&format!("{}/v1/verify?token=", app.base)), "{link}");
    assert!(message["body"].as_str().unwrap().contains(&link));
    // At rest: the token's hash, owned by the sign-in.
    let mut db = app.db().await;
    let (sign_up_id, sign_in_id): (Option<String>, Option<String>) =
        sqlx::query_as("SELECT sign_up_id, sign_in_id FROM email_links").fetch_one(&mut db).await.unwrap();
    assert_eq!((sign_up_id, sign_in_id.as_deref()), (None, Some(id.as_str())));

    // Opening it (a mail scanner, or the person) changes nothing.
    for _ in 0..2 {
        let page = browser.open_link(&link).await;
        assert_eq!(page.status, 200, "{}", page.text);
        assert!(page.text.contains("<h1>Reset your password</h1>"), "{}", page.text);
        assert!(page.text.contains("c•••@example.com") && !page.text.contains(CERSEI), "{}", page.text);
        assert!(page.text.contains(&format!("value=\"{}\"", token_of(&link))));
        assert!(!page.text.contains("<script") && !page.text.contains("another browser"), "{}", page.text);
        assert_eq!(page.header("referrer-policy").as_deref(), Some("same-origin"));
        let csp = page.header("content-security-policy").unwrap();
        assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    }
    let now = sign_in_now(&browser, &id).await;
    assert_eq!(now["status"], "needs_first_factor");
    assert_eq!(now["first_factor_verification"]["status"], "unverified");
    // No password before the link is confirmed; a link is never attempted.
    browser.reset_password(&id, json!({ "password": NEW_PASSWORD })).await.assert_error(409, "sign_in_status_invalid");
    // A link asked for in cookie mode is never attempted, even with its token.
    let attempt = browser.attempt_first_factor(&id, json!({ "strategy": LINK, "token": token_of(&link) })).await;
    attempt.assert_error(422, "verification_strategy_invalid");

    let confirmed = confirm(&app, &browser, &link).await;
    assert_eq!(outcome(&confirmed), (303, String::from("verified"), None));
    assert!(confirmed.header("location").unwrap().starts_with(&landing(&app)));
    let now = sign_in_now(&browser, &id).await;
    assert_eq!(now["status"], "needs_new_password");
    assert_eq!(now["created_session_id"], Value::Null);
    let v = &now["first_factor_verification"];
    assert_eq!((v["status"].as_str(), v["strategy"].as_str()), (Some("verified"), Some(LINK)));
    assert!(v["verified_at_client"].as_str().unwrap().starts_with("client_"));

    let done = browser.reset_password(&id, json!({ "password": NEW_PASSWORD })).await;
    assert_eq!(done.response()["status"], "complete", "{}", done.text);
    assert_eq!(laptop.get_client().await.response()["sessions"], json!([]), "the other session is revoked");
    laptop.session_token(laptop_session.as_str().unwrap()).await.assert_error(404, "session_not_found");
    assert_eq!(app.last_message_to(CERSEI).await["subject"], "Your password was changed");
    // (A sign-in from yet another browser then sends its own "new sign-in" email.)
    let new = app.client().sign_in(json!({ "identifier": CERSEI, "password": NEW_PASSWORD })).await;
    assert_eq!(new.response()["status"], "complete");
}

#[tokio::test]
async fn prepare_sends_a_link_and_a_code_or_link_replaces_the_other() {
    let app = spawn_admin_app().await;
    sync_cersei(&app, json!({ "password": PASSWORD })).await;
    let browser = app.client();
    let created = browser.sign_in(json!({ "identifier": CERSEI, "strategy": "reset_password_email_code" })).await;
    let id = id_of(&created);
    let code = app.last_code_to(CERSEI).await;
    let path = format!("/v1/client/sign_ins/{id}/prepare_first_factor");
    let prepare = |body: Value| browser.post(&path, body);
    // A link has its own resend interval: asking for one right after the code works.
    let prepared = prepare(json!({ "strategy": LINK, "redirect_url": landing(&app) })).await;
    assert_eq!(prepared.response()["first_factor_verification"]["strategy"], LINK, "{}", prepared.text);
    let first = app.last_link_to(CERSEI).await;
    // The code no longer proves anything: the link replaced it.
    let old_code = json!({ "strategy": "reset_password_email_code", "code": code });
    browser.attempt_first_factor(&id, old_code).await.assert_error(422, "verification_not_sent");
    // A second link too soon: 429, the same resend limit as codes.
    let early = prepare(json!({ "strategy": LINK, "redirect_url": landing(&app) })).await;
    early.assert_error(429, "verification_code_too_many_requests");
    app.advance(30);
    prepare(json!({ "strategy": LINK, "redirect_url": landing(&app) })).await.response();
    let second = app.last_link_to(CERSEI).await;
    assert_eq!(outcome(&browser.open_link(&first).await).1, "failed", "replaced by the newer link");
    assert_eq!(outcome(&confirm(&app, &browser, &first).await).1, "failed");
    // A new code replaces the link.
    app.advance(30);
    prepare(json!({ "strategy": "reset_password_email_code" })).await.response();
    assert_eq!(outcome(&confirm(&app, &browser, &second).await).1, "failed");
    assert_eq!(sign_in_now(&browser, &id).await["status"], "needs_first_factor");

    // redirect_url: required for a link, on an allowed origin; refused with a code.
    let missing = prepare(json!({ "strategy": LINK })).await;
    missing.assert_error(422, "form_param_missing");
    assert_eq!(missing.param(), Some("redirect_url"));
    let foreign = prepare(json!({ "strategy": LINK, "redirect_url": "https://evil.example/reset" })).await;
    foreign.assert_error(422, "form_param_format_invalid");
    assert_eq!(foreign.param(), Some("redirect_url"));
    let with_code = prepare(json!({ "strategy": "reset_password_email_code", "redirect_url": landing(&app) })).await;
    with_code.assert_error(422, "form_param_unknown");
    let create = app.client().sign_in(json!({ "identifier": CERSEI, "strategy": LINK })).await;
    create.assert_error(422, "form_param_missing");
    let create = app.client().sign_in(json!({ "identifier": CERSEI, "redirect_url": landing(&app) })).await;
    create.assert_error(422, "form_param_unknown");
}

#[tokio::test]
async fn an_unknown_address_gets_the_same_answer_the_same_work_and_no_email() {
    let app = spawn_admin_app().await;
    sync_cersei(&app, json!({ "password": PASSWORD })).await;
    let (known, unknown) = (app.client(), app.client());
    let known_answer = start_link_reset(&app, &known, CERSEI).await;
    let before = app.outbox().await.len();
    let unknown_answer = start_link_reset(&app, &unknown, NOBODY).await;
    assert_eq!((known_answer.status, unknown_answer.status), (200, 200), "{}", unknown_answer.text);
    assert_eq!(shape(&known_answer, CERSEI), shape(&unknown_answer, NOBODY));
    let unknown_id = id_of(&unknown_answer);
    // The same work: a link stored (its token went nowhere), the send counted.
    let mut db = app.db().await;
    let links: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM email_links WHERE sign_in_id = $1")
        .bind(&unknown_id)
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(links, 1);
    let sends: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM limit_events WHERE limit_key = $1")
        .bind(format!("send:{NOBODY}"))
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(sends, 1);
    let outbox = app.outbox().await;
    assert_eq!(outbox.len(), before, "{outbox:?}");
    assert!(!outbox.iter().any(|m| m["to"] == NOBODY));
    // What follows answers alike: a resend too soon, a read.
    for (browser, id) in [(&known, id_of(&known_answer)), (&unknown, unknown_id)] {
        let again = browser
            .post(
                &format!("/v1/client/sign_ins/{id}/prepare_first_factor"),
                json!({ "strategy": LINK, "redirect_url": landing(&app) }),
            )
            .await;
        again.assert_error(429, "verification_code_too_many_requests");
        assert_eq!(sign_in_now(browser, &id).await["status"], "needs_first_factor");
    }
    // A reset starts from an email address.
    let by_name = start_link_reset(&app, &app.client(), "cersei.lannister").await;
    by_name.assert_error(422, "form_param_format_invalid");
}

#[tokio::test]
async fn the_per_address_message_limit_counts_links_with_codes() {
    let config = Config::from_toml("[verification]\nmax_sends_per_address = 2\n").unwrap();
    let app = spawn_admin_app_with(config).await;
    sync_cersei(&app, json!({ "password": PASSWORD })).await;
    let browser = app.client();
    browser.sign_in(json!({ "identifier": CERSEI, "strategy": "reset_password_email_code" })).await.response();
    start_link_reset(&app, &browser, CERSEI).await.response();
    app.advance(30);
    let sent = app.outbox().await.len();
    let third = start_link_reset(&app, &app.client(), CERSEI).await;
    third.assert_error(429, "verification_code_too_many_requests");
    assert!(third.header("retry-after").is_some());
    assert_eq!(app.outbox().await.len(), sent, "nothing was sent");
}

#[tokio::test]
async fn a_link_works_once_and_not_after_it_expires() {
    let app = spawn_admin_app().await;
    let (browser, id, link) = link_sent(&app).await;
    assert_eq!(outcome(&confirm(&app, &browser, &link).await).1, "verified");
    // Reused: both methods send the person back with `failed`, and nothing changes.
    assert_eq!(outcome(&confirm(&app, &browser, &link).await), (303, String::from("failed"), None));
    assert_eq!(outcome(&browser.open_link(&link).await), (303, String::from("failed"), None));
    assert_eq!(sign_in_now(&browser, &id).await["status"], "needs_new_password");

    // Expiry: a second before, the page; at expiry, `expired` and no change.
    app.advance(30);
    let other = app.client();
    let id = id_of(&start_link_reset(&app, &other, CERSEI).await);
    let link = app.last_link_to(CERSEI).await;
    app.advance(599);
    assert_eq!(other.open_link(&link).await.status, 200);
    app.advance(1);
    let v = sign_in_now(&other, &id).await["first_factor_verification"].clone();
    assert_eq!((v["status"].as_str(), v["next_action"].as_str()), (Some("expired"), Some("needs_prepare")));
    assert_eq!(outcome(&other.open_link(&link).await), (303, String::from("expired"), None));
    assert_eq!(outcome(&confirm(&app, &other, &link).await), (303, String::from("expired"), None));
    assert_eq!(sign_in_now(&other, &id).await["status"], "needs_first_factor");
    other.reset_password(&id, json!({ "password": NEW_PASSWORD })).await.assert_error(409, "sign_in_status_invalid");
    // A malformed or unknown token: the 400 page.
    assert_eq!(other.confirm_link(&"A".repeat(43)).await.status, 400);
}

#[tokio::test]
async fn another_browser_sees_where_the_reset_was_asked_for_and_can_stop_it() {
    let app = spawn_admin_app().await;
    sync_cersei(&app, json!({ "password": PASSWORD })).await;
    // The requester, with a browser and an IP the owner can recognise (or not).
    let asker = app.client_from("127.0.0.7");
    asker.extra.lock().unwrap().push(("user-agent".into(), FIREFOX_ON_LINUX.into()));
    let id = id_of(&start_link_reset(&app, &asker, CERSEI).await);
    let link = app.last_link_to(CERSEI).await;
    // The owner's phone, with a client of its own.
    let phone = app.client();
    phone.get_client().await.response();
    let page = phone.open_link(&link).await;
    assert_eq!(page.status, 200, "{}", page.text);
    for part in [
        "<h1>Reset your password?</h1>",
        "asked for in another browser",
        "<dd>Firefox 121 on Linux</dd>",
        "<dd>127.0.0.7</dd>",
        "<dt>Asked for</dt>",
        "works only in the browser where the reset was asked for",
        "<form method=\"post\" action=\"/v1/verify/cancel\">",
        "I didn’t ask for this",
    ] {
        assert!(page.text.contains(part), "{part} missing: {}", page.text);
    }
    assert!(!page.text.contains("action=\"/v1/verify\""), "no Confirm in another browser: {}", page.text);
    assert_eq!(sign_in_now(&asker, &id).await["status"], "needs_first_factor", "looking changed nothing");
    // "I didn't ask for this": the link is spent, the password stays.
    let form = ("application/x-www-form-urlencoded", format!("token={}", token_of(&link)));
    phone.extra.lock().unwrap().push(("origin".into(), app.base.clone()));
    let stopped = phone.send_as(Method::POST, "/v1/verify/cancel", Some(form.clone())).await;
    assert_eq!(stopped.status, 200, "{}", stopped.text);
    assert!(stopped.text.contains("<h1>Password reset stopped</h1>"), "{}", stopped.text);
    assert_eq!(outcome(&confirm(&app, &phone, &link).await).1, "failed");
    assert_eq!(outcome(&confirm(&app, &asker, &link).await).1, "failed");
    // The reset ended with its link: the asker can neither set a password
    // nor send another link or code on it.
    asker.get(&format!("/v1/client/sign_ins/{id}")).await.assert_error(404, "sign_in_not_found");
    asker.reset_password(&id, json!({ "password": NEW_PASSWORD })).await.assert_error(404, "sign_in_not_found");
    let again = asker
        .post(
            &format!("/v1/client/sign_ins/{id}/prepare_first_factor"),
            json!({ "strategy": LINK, "redirect_url": landing(&app) }),
        )
        .await;
    again.assert_error(404, "sign_in_not_found");
    assert_eq!(phone.send_as(Method::POST, "/v1/verify/cancel", Some(form)).await.status, 400);

    // The attack: someone typed the owner's address and waits; the owner,
    // not knowing better, confirms from their phone. Refused, even with
    // `require_same_client` off (the default): the asker's tab stays put.
    app.advance(30);
    let id = id_of(&start_link_reset(&app, &asker, CERSEI).await);
    let link = app.last_link_to(CERSEI).await;
    assert_eq!(outcome(&confirm(&app, &phone, &link).await).1, "client_mismatch");
    assert_eq!(sign_in_now(&asker, &id).await["status"], "needs_first_factor");
    asker.reset_password(&id, json!({ "password": NEW_PASSWORD })).await.assert_error(409, "sign_in_status_invalid");
}

#[tokio::test]
async fn with_require_same_client_too_only_the_asking_browser_confirms() {
    let config = Config::from_toml("[email_link]\nrequire_same_client = true\n").unwrap();
    let app = spawn_admin_app_with(config).await;
    let (browser, id, link) = link_sent(&app).await;
    let phone = app.client();
    phone.get_client().await.response();
    let mismatch = (303, String::from("client_mismatch"), None);
    let elsewhere = phone.open_link(&link).await;
    assert_eq!(elsewhere.status, 200);
    assert!(!elsewhere.text.contains("action=\"/v1/verify\""), "{}", elsewhere.text);
    assert_eq!(outcome(&confirm(&app, &phone, &link).await), mismatch);
    // No cookie at all: refused too.
    assert_eq!(outcome(&app.client().confirm_link(&token_of(&link)).await), mismatch);
    assert_eq!(sign_in_now(&browser, &id).await["status"], "needs_first_factor");
    // The browser that asked for it confirms.
    assert_eq!(browser.open_link(&link).await.status, 200);
    assert_eq!(outcome(&confirm(&app, &browser, &link).await).1, "verified");
    assert_eq!(sign_in_now(&browser, &id).await["status"], "needs_new_password");
}

#[tokio::test]
async fn a_deleted_user_takes_their_reset_links_with_them() {
    let app = spawn_admin_app().await;
    let user = sync_cersei(&app, json!({ "password": PASSWORD })).await;
    let user_id = user["id"].as_str().unwrap().to_owned();
    start_link_reset(&app, &app.client(), CERSEI).await.response();
    let deleted = app.admin().delete(&format!("/v1/admin/users/{user_id}")).await;
    assert!(deleted.status < 300, "{} {}", deleted.status, deleted.text);
    let mut db = app.db().await;
    let links: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM email_links").fetch_one(&mut db).await.unwrap();
    assert_eq!(links, 0);
}

#[tokio::test]
async fn the_link_is_off_where_email_links_are() {
    let config = Config::from_toml("[attributes.email_address]\nverification_strategies = [\"email_code\"]\n").unwrap();
    let app = spawn_admin_app_with(config).await;
    sync_cersei(&app, json!({ "password": PASSWORD })).await;
    let refused = start_link_reset(&app, &app.client(), CERSEI).await;
    refused.assert_error(422, "verification_strategy_invalid");
    let created = app.client().sign_in(json!({ "identifier": CERSEI, "strategy": "reset_password_email_code" })).await;
    let factors = &created.response()["supported_first_factors"];
    assert_eq!(factors, &json!([{ "strategy": "reset_password_email_code", "safe_identifier": CERSEI }]));
}
