//! Password reset (`reset_password_email_code`, issue 13 §1): a code, a new
//! password, a session, the other sessions revoked and a notice by email;
//! and each defence with the attack it stops: no account enumeration, the
//! code limits shared with sign-in codes, the password rules, the status
//! and client a new password needs.

use crate::helpers::{Answer, TestApp, TestClient, spawn_admin_app, wrong};
use crate::sign_in::{CERSEI, PASSWORD, sign_in_with_password, sync_cersei};
use serde_json::{Value, json};

const NEW_PASSWORD: &str = "a new and long passphrase";
const NOBODY: &str = "nobody-here@example.com";

async fn start_reset(browser: &TestClient, identifier: &str) -> Answer {
    browser.sign_in(json!({ "identifier": identifier, "strategy": "reset_password_email_code" })).await
}

fn id_of(answer: &Answer) -> String {
    answer.response()["id"].as_str().unwrap().to_owned()
}

async fn attempt_reset(browser: &TestClient, id: &str, code: &str) -> Answer {
    browser.attempt_first_factor(id, json!({ "strategy": "reset_password_email_code", "code": code })).await
}

/// Cersei with a password, signed in on a laptop; answers the laptop and
/// its session.
async fn cersei_on_a_laptop(app: &TestApp) -> (TestClient, String) {
    sync_cersei(app, json!({ "password": PASSWORD })).await;
    let laptop = app.client();
    let sign_in = sign_in_with_password(&laptop, CERSEI).await;
    (laptop, sign_in["created_session_id"].as_str().unwrap().to_owned())
}

/// A browser that proved a reset code for Cersei (after the resend interval
/// of any earlier code); answers it and the sign-in id.
async fn code_proven(app: &TestApp) -> (TestClient, String) {
    app.advance(30);
    let browser = app.client();
    let id = id_of(&start_reset(&browser, CERSEI).await);
    let code = app.last_code_to(CERSEI).await;
    let proven = attempt_reset(&browser, &id, &code).await;
    assert_eq!(proven.response()["status"], "needs_new_password", "{}", proven.text);
    (browser, id)
}

#[tokio::test]
async fn a_reset_code_then_a_new_password_signs_in_and_revokes_the_other_sessions() {
    let app = spawn_admin_app().await;
    let (laptop, laptop_session) = cersei_on_a_laptop(&app).await;
    let browser = app.client();
    let created = start_reset(&browser, " Cersei-Lannister@Example.com ").await;
    let s = created.response();
    assert_eq!(s["status"], "needs_first_factor");
    assert_eq!(
        s["supported_first_factors"],
        json!([
            { "strategy": "reset_password_email_code", "safe_identifier": CERSEI },
            { "strategy": "reset_password_email_link", "safe_identifier": CERSEI },
        ])
    );
    let v = &s["first_factor_verification"];
    assert_eq!(
        (v["status"].as_str(), v["strategy"].as_str(), v["next_action"].as_str()),
        (Some("unverified"), Some("reset_password_email_code"), Some("needs_attempt"))
    );
    assert_eq!(v["expire_at"], app.clock_ms() + 600_000);
    let id = id_of(&created);
    let message = app.last_message_to(CERSEI).await;
    assert!(message["subject"].as_str().unwrap().contains("password reset code"), "{message}");
    let code = message["code"].as_str().unwrap().to_owned();

    attempt_reset(&browser, &id, &wrong(&code)).await.assert_error(422, "form_code_incorrect");
    let proven = attempt_reset(&browser, &id, &code).await;
    let s = proven.response();
    assert_eq!(s["status"], "needs_new_password");
    assert_eq!((s["created_session_id"].clone(), s["user_id"].clone()), (Value::Null, Value::Null));
    assert_eq!(s["first_factor_verification"]["status"], "verified");
    assert_eq!(proven.body["client"]["sessions"], json!([]), "no session before the new password");
    // The code is spent: it proves nothing twice, and nothing else is asked of it.
    attempt_reset(&browser, &id, &code).await.assert_error(422, "verification_already_verified");
    browser
        .prepare_first_factor(&id, "reset_password_email_code")
        .await
        .assert_error(422, "verification_already_verified");

    let done = browser.reset_password(&id, json!({ "password": NEW_PASSWORD })).await;
    let s = done.response();
    assert_eq!(s["status"], "complete", "{}", done.text);
    let session = s["created_session_id"].as_str().unwrap();
    assert_eq!(done.body["client"]["last_active_session_id"], session);
    assert!(s["user_id"].as_str().unwrap().starts_with("user_"));
    browser.reset_password(&id, json!({ "password": NEW_PASSWORD })).await.assert_error(409, "sign_in_status_invalid");

    // The laptop's session is revoked: it is gone from its client, and gets no token.
    assert_eq!(laptop.get_client().await.response()["sessions"], json!([]));
    laptop.session_token(&laptop_session).await.assert_error(404, "session_not_found");
    assert_eq!(browser.session_token(session).await.status, 200);
    // Cersei is told (before the sign-in below, from a new browser, tells her of that).
    let notice = app.last_message_to(CERSEI).await;
    assert_eq!(notice["subject"], "Your password was changed", "{notice}");
    assert!(notice["body"].as_str().unwrap().contains("was signed out"), "{notice}");
    assert_eq!(notice["code"], Value::Null);
    // The old password is gone, the new one works.
    let old = app.client().sign_in(json!({ "identifier": CERSEI, "password": PASSWORD })).await;
    old.assert_error(422, "form_password_incorrect");
    let new = app.client().sign_in(json!({ "identifier": CERSEI, "password": NEW_PASSWORD })).await;
    assert_eq!(new.response()["status"], "complete");
}

#[tokio::test]
async fn other_sessions_stay_when_asked() {
    let app = spawn_admin_app().await;
    let (laptop, laptop_session) = cersei_on_a_laptop(&app).await;
    let (browser, id) = code_proven(&app).await;
    let body = json!({ "password": NEW_PASSWORD, "sign_out_of_other_sessions": false });
    assert_eq!(browser.reset_password(&id, body).await.response()["status"], "complete");
    assert_eq!(laptop.get_client().await.response()["sessions"][0]["id"], laptop_session.as_str());
    assert_eq!(laptop.session_token(&laptop_session).await.status, 200);
    assert!(app.last_message_to(CERSEI).await["body"].as_str().unwrap().contains("stay signed in"));
    // Not a boolean: refused, with its param.
    let (other, id) = code_proven(&app).await;
    let bad = other.reset_password(&id, json!({ "password": NEW_PASSWORD, "sign_out_of_other_sessions": "no" })).await;
    bad.assert_error(422, "form_param_format_invalid");
    assert_eq!(bad.param(), Some("sign_out_of_other_sessions"), "{}", bad.text);
}

/// An answer with what differs between any two sign-ins (ids, times, the
/// address typed) blanked.
pub(crate) fn shape(answer: &Answer, address: &str) -> String {
    let mut body = answer.body.clone();
    for (key, value) in [("id", "ID"), ("abandon_at", "T")] {
        body["response"][key] = json!(value);
    }
    body["response"]["first_factor_verification"]["expire_at"] = json!("T");
    body["client"]["id"] = json!("ID");
    body["client"]["sign_in_id"] = json!("ID");
    body.to_string().replace(address, "ADDRESS")
}

#[tokio::test]
async fn an_unknown_address_gets_the_same_answer_and_no_email() {
    let app = spawn_admin_app().await;
    sync_cersei(&app, json!({ "password": PASSWORD })).await;
    let (known, unknown) = (app.client(), app.client());
    let known_answer = start_reset(&known, CERSEI).await;
    let before = app.outbox().await.len();
    let unknown_answer = start_reset(&unknown, NOBODY).await;
    assert_eq!((known_answer.status, unknown_answer.status), (200, 200), "{}", unknown_answer.text);
    assert_eq!(shape(&known_answer, CERSEI), shape(&unknown_answer, NOBODY));
    let unknown_id = id_of(&unknown_answer);
    // The same work was done: a sign-in stored, with a code hash (of a code
    // that went nowhere), and the send counted against the address.
    let mut db = app.db().await;
    let (user_id, code_hash): (Option<String>, Option<String>) =
        sqlx::query_as("SELECT user_id, code_hash FROM sign_ins WHERE id = $1")
            .bind(&unknown_id)
            .fetch_one(&mut db)
            .await
            .unwrap();
    assert_eq!(user_id, None);
    assert_eq!(code_hash.map(|h| h.len()), Some(64));
    let sends: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM limit_events WHERE limit_key = $1")
        .bind(format!("send:{NOBODY}"))
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(sends, 1);
    // No email, to anyone.
    let outbox = app.outbox().await;
    assert_eq!(outbox.len(), before, "{outbox:?}");
    assert!(!outbox.iter().any(|m| m["to"] == NOBODY));

    // What follows answers alike too: a resend too soon, reads, wrong codes,
    // then a failed code.
    for (browser, id) in [(&known, id_of(&known_answer)), (&unknown, unknown_id.clone())] {
        let again = browser.prepare_first_factor(&id, "reset_password_email_code").await;
        again.assert_error(429, "verification_code_too_many_requests");
        assert_eq!(browser.get(&format!("/v1/client/sign_ins/{id}")).await.status, 200);
        for _ in 0..5 {
            attempt_reset(browser, &id, "000000").await.assert_error(422, "form_code_incorrect");
        }
        attempt_reset(browser, &id, "000000").await.assert_error(422, "verification_failed");
        browser
            .reset_password(&id, json!({ "password": NEW_PASSWORD }))
            .await
            .assert_error(409, "sign_in_status_invalid");
    }
    // After the resend interval, a new code for the unknown address: still no email.
    app.advance(30);
    let resent = unknown.prepare_first_factor(&unknown_id, "reset_password_email_code").await;
    assert_eq!(resent.response()["first_factor_verification"]["next_action"], "needs_attempt");
    assert!(!app.outbox().await.iter().any(|m| m["to"] == NOBODY));
    // A reset starts from an email address: a username is refused before any lookup.
    let by_name = start_reset(&app.client(), "cersei.lannister").await;
    by_name.assert_error(422, "form_param_format_invalid");
    assert_eq!(by_name.param(), Some("identifier"));
    let by_name = start_reset(&app.client(), "nobody.here").await;
    by_name.assert_error(422, "form_param_format_invalid");
}

#[tokio::test]
async fn reset_codes_count_with_sign_in_codes_per_address_across_re_sends() {
    let app = spawn_admin_app().await;
    sync_cersei(&app, json!({ "password": PASSWORD })).await;
    // 5 wrong sign-in codes, then 5 wrong reset codes over two re-sent codes.
    let attacker = app.client();
    let created = attacker.sign_in(json!({ "identifier": CERSEI, "strategy": "email_code" })).await;
    let sign_in = id_of(&created);
    attacker.prepare_first_factor(&sign_in, "email_code").await.response();
    let code = app.last_code_to(CERSEI).await;
    for _ in 0..5 {
        let answer = attacker.attempt_first_factor(&sign_in, json!({ "strategy": "email_code", "code": wrong(&code) }));
        answer.await.assert_error(422, "form_code_incorrect");
    }
    // Reset codes and sign-in codes are both email codes: one resend interval.
    start_reset(&attacker, CERSEI).await.assert_error(429, "verification_code_too_many_requests");
    app.advance(30);
    let reset = id_of(&start_reset(&attacker, CERSEI).await);
    for (round, guesses) in [3, 2].into_iter().enumerate() {
        if round > 0 {
            app.advance(30);
            attacker.prepare_first_factor(&reset, "reset_password_email_code").await.response();
        }
        let code = app.last_code_to(CERSEI).await;
        for _ in 0..guesses {
            attempt_reset(&attacker, &reset, &wrong(&code)).await.assert_error(422, "form_code_incorrect");
        }
    }
    // The 11th guess is refused, even the right code; and no new code goes out.
    let live = app.last_code_to(CERSEI).await;
    attempt_reset(&attacker, &reset, &live).await.assert_error(429, "rate_limited");
    app.advance(30);
    let sent = app.outbox().await.len();
    let resend = attacker.prepare_first_factor(&reset, "reset_password_email_code").await;
    resend.assert_error(429, "verification_code_too_many_requests");
    let fresh = start_reset(&app.client(), CERSEI).await;
    fresh.assert_error(429, "verification_code_too_many_requests");
    assert_eq!(app.outbox().await.len(), sent, "nothing was sent");
    // An unknown address is limited the same way: its wrong codes count.
    let decoy = app.client();
    let id = id_of(&start_reset(&decoy, NOBODY).await);
    for round in 0..2 {
        if round > 0 {
            app.advance(30);
            decoy.prepare_first_factor(&id, "reset_password_email_code").await.response();
        }
        for _ in 0..5 {
            attempt_reset(&decoy, &id, "123456").await.assert_error(422, "form_code_incorrect");
        }
    }
    attempt_reset(&decoy, &id, "123456").await.assert_error(429, "rate_limited");
}

#[tokio::test]
async fn the_new_password_follows_the_rules_the_status_and_the_client() {
    let app = spawn_admin_app().await;
    sync_cersei(&app, json!({ "password": PASSWORD })).await;
    // Before the code is proven, no new password.
    let early = app.client();
    let id = id_of(&start_reset(&early, CERSEI).await);
    early.reset_password(&id, json!({ "password": NEW_PASSWORD })).await.assert_error(409, "sign_in_status_invalid");
    // The sign-up rules.
    let (browser, id) = code_proven(&app).await;
    for (password, code) in
        [("short", "form_password_length_too_short"), (&*"x".repeat(300), "form_password_length_too_long")]
    {
        let refused = browser.reset_password(&id, json!({ "password": password })).await;
        refused.assert_error(422, code);
        assert_eq!(refused.param(), Some("password"));
    }
    browser.reset_password(&id, json!({})).await.assert_error(422, "form_param_missing");
    // Another client cannot finish it (not even with the id).
    let stranger = app.client();
    stranger.reset_password(&id, json!({ "password": NEW_PASSWORD })).await.assert_error(404, "sign_in_not_found");
    // Nothing changed so far.
    sign_in_with_password(&app.client(), CERSEI).await;
    assert_eq!(browser.reset_password(&id, json!({ "password": NEW_PASSWORD })).await.response()["status"], "complete");
}

#[tokio::test]
async fn a_sign_in_of_a_username_prepares_a_reset_to_the_masked_email() {
    let app = spawn_admin_app().await;
    sync_cersei(&app, json!({ "password": PASSWORD })).await;
    let browser = app.client();
    let id = id_of(&browser.sign_in(json!({ "identifier": "cersei.lannister" })).await);
    let prepared = browser.prepare_first_factor(&id, "reset_password_email_code").await;
    assert_eq!(prepared.response()["first_factor_verification"]["strategy"], "reset_password_email_code");
    let code = app.last_code_to(CERSEI).await;
    assert_eq!(attempt_reset(&browser, &id, &code).await.response()["status"], "needs_new_password");
    let done = browser.reset_password(&id, json!({ "password": NEW_PASSWORD })).await;
    assert_eq!(done.response()["status"], "complete");
    let new = app.client().sign_in(json!({ "identifier": "cersei.lannister", "password": NEW_PASSWORD })).await;
    assert_eq!(new.response()["status"], "complete");
}
