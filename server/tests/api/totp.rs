//! The TOTP second factor (issue 13 §2): enrolment for a signed-in user,
//! a sign-in that then needs a code, backup codes; and each defence with
//! the attack it stops: drift beyond one step, a code used twice, a spent
//! backup code, guessing past the limit, the secret in the clear at rest.
//! Codes are computed here from the `otpauth://` URI the server answers
//! (totp-rs's own parser), at the server's test clock.

use crate::helpers::{Answer, TestApp, TestClient, spawn_admin_app};
use crate::sign_in::{CERSEI, PASSWORD, sign_in_with_password, sync_cersei};
use serde_json::{Value, json};
use sqlx::Row;
use totp_rs::TOTP;

/// The code of `totp` at the server's time moved by `steps` 30 s steps.
pub(crate) fn code_at(app: &TestApp, totp: &TOTP, steps: i64) -> String {
    let seconds = app.clock_ms() / 1000 + steps * 30;
    totp.generate(u64::try_from(seconds).unwrap())
}

pub(crate) async fn create_totp(browser: &TestClient, session: &str) -> Answer {
    browser.post(&format!("/v1/client/sessions/{session}/totp"), json!({})).await
}

pub(crate) async fn verify_totp(browser: &TestClient, session: &str, code: &str) -> Answer {
    browser.post(&format!("/v1/client/sessions/{session}/totp/attempt_verification"), json!({ "code": code })).await
}

pub(crate) async fn disable_totp(browser: &TestClient, session: &str, code: &str) -> Answer {
    browser.post(&format!("/v1/client/sessions/{session}/totp/disable"), json!({ "code": code })).await
}

pub(crate) async fn attempt_second(browser: &TestClient, id: &str, strategy: &str, code: &str) -> Answer {
    browser
        .post(&format!("/v1/client/sign_ins/{id}/attempt_second_factor"), json!({ "strategy": strategy, "code": code }))
        .await
}

/// Cersei, signed in with her password, with TOTP on: answers the
/// browser, its session, her TOTP (from the URI) and her backup codes.
async fn cersei_with_totp(app: &TestApp) -> (TestClient, String, TOTP, Vec<String>) {
    sync_cersei(app, json!({ "password": PASSWORD })).await;
    let browser = app.client();
    let session = sign_in_with_password(&browser, CERSEI).await["created_session_id"].as_str().unwrap().to_owned();
    let created = create_totp(&browser, &session).await;
    let t = created.response().clone();
    assert_eq!((t["object"].as_str(), t["verified"].as_bool()), (Some("totp"), Some(false)), "{}", created.text);
    assert_eq!(t["backup_codes"], json!([]));
    let uri = t["uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/Gatehouse:cersei-lannister%40example.com?"), "{uri}");
    let totp = TOTP::from_url(uri).unwrap();
    assert_eq!(totp.get_secret_base32(), t["secret"].as_str().unwrap());
    assert_eq!((totp.digits, totp.step, totp.algorithm), (6, 30, totp_rs::Algorithm::SHA1));

    let verified = verify_totp(&browser, &session, &code_at(app, &totp, 0)).await;
    let t = verified.response().clone();
    assert_eq!(
        (t["verified"].as_bool(), t["secret"].clone(), t["uri"].clone()),
        (Some(true), Value::Null, Value::Null)
    );
    let codes: Vec<String> = t["backup_codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().into()).collect();
    assert_eq!(codes.len(), 10);
    assert!(codes.iter().all(|c| c.len() == 10 && c.bytes().all(|b| b.is_ascii_alphanumeric())), "{codes:?}");
    // Past the code's step: the next code of the same step is refused as a reuse.
    app.advance(30);
    (browser, session, totp, codes)
}

/// A new browser's password sign-in for Cersei, stopped at the second factor.
async fn needs_second_factor(app: &TestApp) -> (TestClient, String) {
    let browser = app.client();
    let answer = browser.sign_in(json!({ "identifier": CERSEI, "password": PASSWORD })).await;
    let s = answer.response();
    assert_eq!(s["status"], "needs_second_factor", "{}", answer.text);
    assert_eq!(s["supported_second_factors"], json!([{ "strategy": "totp" }, { "strategy": "backup_code" }]));
    assert_eq!((s["created_session_id"].clone(), s["user_id"].clone()), (Value::Null, Value::Null));
    assert_eq!(s["first_factor_verification"]["status"], "verified");
    assert_eq!(answer.body["client"]["sessions"], json!([]), "no session before the second factor");
    (browser, s["id"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn enrolled_totp_makes_a_sign_in_ask_for_the_code_which_completes_it() {
    let app = spawn_admin_app().await;
    let (_, _, totp, _) = cersei_with_totp(&app).await;
    let (browser, id) = needs_second_factor(&app).await;
    // No first factor again, and no new password: only the second factor.
    let again = browser.attempt_first_factor(&id, json!({ "strategy": "password", "password": PASSWORD })).await;
    again.assert_error(422, "verification_already_verified");
    browser
        .reset_password(&id, json!({ "password": "another long passphrase" }))
        .await
        .assert_error(409, "sign_in_status_invalid");

    attempt_second(&browser, &id, "totp", "12345").await.assert_error(422, "form_param_format_invalid");
    attempt_second(&browser, &id, "sms_code", "123456").await.assert_error(422, "verification_strategy_invalid");
    let done = attempt_second(&browser, &id, "totp", &code_at(&app, &totp, 0)).await;
    let s = done.response();
    assert_eq!(s["status"], "complete", "{}", done.text);
    assert_eq!(s["supported_second_factors"], json!([]));
    let session = s["created_session_id"].as_str().unwrap();
    assert_eq!(done.body["client"]["last_active_session_id"], session);
    assert_eq!(browser.session_token(session).await.status, 200);
    // A complete sign-in takes no second factor again.
    attempt_second(&browser, &id, "totp", &code_at(&app, &totp, 1)).await.assert_error(409, "sign_in_status_invalid");
}

#[tokio::test]
async fn a_code_one_step_off_is_accepted_two_steps_off_refused() {
    let app = spawn_admin_app().await;
    let (_, _, totp, _) = cersei_with_totp(&app).await;
    // Well past the step verified at enrolment, so no code here is a reuse.
    app.advance(60);
    let (browser, id) = needs_second_factor(&app).await;
    for steps in [-2, 2] {
        attempt_second(&browser, &id, "totp", &code_at(&app, &totp, steps))
            .await
            .assert_error(422, "form_code_incorrect");
    }
    let behind = attempt_second(&browser, &id, "totp", &code_at(&app, &totp, -1)).await;
    assert_eq!(behind.response()["status"], "complete", "{}", behind.text);

    app.advance(90);
    let (browser, id) = needs_second_factor(&app).await;
    let ahead = attempt_second(&browser, &id, "totp", &code_at(&app, &totp, 1)).await;
    assert_eq!(ahead.response()["status"], "complete", "{}", ahead.text);
}

#[tokio::test]
async fn a_totp_code_is_never_accepted_twice() {
    let app = spawn_admin_app().await;
    let (_, _, totp, _) = cersei_with_totp(&app).await;
    let code = code_at(&app, &totp, 0);
    let (first, first_id) = needs_second_factor(&app).await;
    let (second, second_id) = needs_second_factor(&app).await;
    assert_eq!(attempt_second(&first, &first_id, "totp", &code).await.response()["status"], "complete");
    // The same code, on another sign-in, within its step: refused.
    attempt_second(&second, &second_id, "totp", &code).await.assert_error(422, "form_code_incorrect");
    // An earlier step's code is refused too once a later one was used.
    let earlier = code_at(&app, &totp, -1);
    if earlier != code {
        attempt_second(&second, &second_id, "totp", &earlier).await.assert_error(422, "form_code_incorrect");
    }
    app.advance(30);
    let next = attempt_second(&second, &second_id, "totp", &code_at(&app, &totp, 0)).await;
    assert_eq!(next.response()["status"], "complete", "{}", next.text);
}

#[tokio::test]
async fn a_backup_code_completes_a_sign_in_once() {
    let app = spawn_admin_app().await;
    let (_, _, _, codes) = cersei_with_totp(&app).await;
    let (browser, id) = needs_second_factor(&app).await;
    attempt_second(&browser, &id, "backup_code", "123456").await.assert_error(422, "form_param_format_invalid");
    let upper = format!(" {} ", codes[0].to_uppercase());
    let done = attempt_second(&browser, &id, "backup_code", &upper).await;
    assert_eq!(done.response()["status"], "complete", "{}", done.text);

    let (browser, id) = needs_second_factor(&app).await;
    attempt_second(&browser, &id, "backup_code", &codes[0]).await.assert_error(422, "form_code_incorrect");
    let other = attempt_second(&browser, &id, "backup_code", &codes[1]).await;
    assert_eq!(other.response()["status"], "complete", "{}", other.text);
}

#[tokio::test]
async fn wrong_second_factor_codes_are_capped_per_user_across_sign_ins() {
    let app = spawn_admin_app().await;
    let (_, _, totp, codes) = cersei_with_totp(&app).await;
    let max = app.state.config.verification.max_failed_attempts_per_address;
    for n in 0..max {
        // A new sign-in every few guesses: the count is the user's.
        let (browser, id) = needs_second_factor(&app).await;
        let right = code_at(&app, &totp, 0);
        let guess = format!("{:06}", (right.parse::<u32>().unwrap() + 500_000 + n) % 1_000_000);
        attempt_second(&browser, &id, "totp", &guess).await.assert_error(422, "form_code_incorrect");
    }
    let (browser, id) = needs_second_factor(&app).await;
    let limited = attempt_second(&browser, &id, "totp", &code_at(&app, &totp, 0)).await;
    limited.assert_error(429, "rate_limited");
    assert!(limited.header("retry-after").is_some());
    attempt_second(&browser, &id, "backup_code", &codes[0]).await.assert_error(429, "rate_limited");
    // After the window, the right code works again.
    app.advance(app.state.config.verification.failed_attempt_window_seconds);
    let done = attempt_second(&browser, &id, "backup_code", &codes[0]).await;
    assert_eq!(done.response()["status"], "complete", "{}", done.text);
}

#[tokio::test]
async fn enrolment_refusals_and_disable() {
    let app = spawn_admin_app().await;
    sync_cersei(&app, json!({ "password": PASSWORD })).await;
    let browser = app.client();
    let session = sign_in_with_password(&browser, CERSEI).await["created_session_id"].as_str().unwrap().to_owned();
    verify_totp(&browser, &session, "123456").await.assert_error(404, "totp_not_found");
    disable_totp(&browser, &session, "123456").await.assert_error(404, "totp_not_found");
    // Another browser cannot enrol on this session.
    create_totp(&app.client(), &session).await.assert_error(404, "session_not_found");
    let first = TOTP::from_url(create_totp(&browser, &session).await.response()["uri"].as_str().unwrap()).unwrap();
    // A second create replaces the pending secret: the first one's codes no longer verify.
    let uri = create_totp(&browser, &session).await.response()["uri"].as_str().unwrap().to_owned();
    let totp = TOTP::from_url(&uri).unwrap();
    assert_ne!(first.get_secret_base32(), totp.get_secret_base32());
    let stale = code_at(&app, &first, 0);
    if stale != code_at(&app, &totp, 0) {
        verify_totp(&browser, &session, &stale).await.assert_error(422, "form_code_incorrect");
    }
    verify_totp(&browser, &session, "12345a").await.assert_error(422, "form_param_format_invalid");
    let on = verify_totp(&browser, &session, &code_at(&app, &totp, 0)).await;
    assert_eq!(on.response()["verified"], true, "{}", on.text);
    create_totp(&browser, &session).await.assert_error(409, "totp_already_enabled");
    verify_totp(&browser, &session, &code_at(&app, &totp, 1)).await.assert_error(409, "totp_already_enabled");

    // Disable needs a right code (the one just used is spent), then the sign-in needs none.
    disable_totp(&browser, &session, &code_at(&app, &totp, 0)).await.assert_error(422, "form_code_incorrect");
    app.advance(30);
    let off = disable_totp(&browser, &session, &code_at(&app, &totp, 0)).await;
    assert_eq!(off.response()["verified"], false, "{}", off.text);
    disable_totp(&browser, &session, &code_at(&app, &totp, 0)).await.assert_error(404, "totp_not_found");
    sign_in_with_password(&app.client(), CERSEI).await;

    // A signed-out session enrols nothing.
    browser.delete(&format!("/v1/client/sessions/{session}")).await;
    create_totp(&browser, &session).await.assert_error(404, "session_not_found");
}

/// `totp_enabled` of session `id` as the client of `answer` lists it.
fn totp_enabled(answer: &Answer, id: &str) -> Value {
    let sessions = answer.body["client"]["sessions"].as_array().unwrap_or_else(|| panic!("{}", answer.text));
    let session = sessions.iter().find(|s| s["id"] == id).unwrap_or_else(|| panic!("{id} not in {}", answer.text));
    session["totp_enabled"].clone()
}

#[tokio::test]
async fn the_session_says_whether_its_user_has_totp_on() {
    let app = spawn_admin_app().await;
    sync_cersei(&app, json!({ "password": PASSWORD })).await;
    let browser = app.client();
    let signed_in = browser.sign_in(json!({ "identifier": CERSEI, "password": PASSWORD })).await;
    let session = signed_in.response()["created_session_id"].as_str().unwrap().to_owned();
    // Off: in the sign-in's answer, on a read of the client, and while a secret is pending.
    assert_eq!(totp_enabled(&signed_in, &session), false);
    assert_eq!(totp_enabled(&browser.get("/v1/client").await, &session), false);
    let created = create_totp(&browser, &session).await;
    assert_eq!(totp_enabled(&created, &session), false);
    let totp = TOTP::from_url(created.response()["uri"].as_str().unwrap()).unwrap();

    // On: in the verification's answer, and on every read after it (a page reloaded).
    let on = verify_totp(&browser, &session, &code_at(&app, &totp, 0)).await;
    assert_eq!(totp_enabled(&on, &session), true, "{}", on.text);
    assert_eq!(totp_enabled(&browser.get("/v1/client").await, &session), true);
    // A session that signs in later, through the second factor, says so from the start.
    app.advance(30);
    let (other, id) = needs_second_factor(&app).await;
    let done = attempt_second(&other, &id, "totp", &code_at(&app, &totp, 0)).await;
    let second = done.response()["created_session_id"].as_str().unwrap().to_owned();
    assert_eq!(totp_enabled(&done, &second), true, "{}", done.text);
    // A session answered alone (ended here, from the user's list) says it too.
    let ended = browser.post(&format!("/v1/client/sessions/{session}/user_sessions/{second}/revoke"), json!({})).await;
    assert_eq!(ended.response()["totp_enabled"], true, "{}", ended.text);

    // Off again: in the answer that turned it off, and on every read after it.
    app.advance(30);
    let off = disable_totp(&browser, &session, &code_at(&app, &totp, 0)).await;
    assert_eq!(totp_enabled(&off, &session), false, "{}", off.text);
    assert_eq!(totp_enabled(&browser.get("/v1/client").await, &session), false);
    let out = browser.delete(&format!("/v1/client/sessions/{session}")).await;
    assert_eq!(
        (out.response()["status"].as_str(), out.response()["totp_enabled"].as_bool()),
        (Some("revoked"), Some(false)),
        "{}",
        out.text
    );
}

#[tokio::test]
async fn disable_takes_a_backup_code_and_drops_the_others() {
    let app = spawn_admin_app().await;
    let (browser, session, _, codes) = cersei_with_totp(&app).await;
    let off = disable_totp(&browser, &session, &codes[3]).await;
    assert_eq!(off.response()["verified"], false, "{}", off.text);
    let mut db = app.db().await;
    let left: i64 = sqlx::query("SELECT COUNT(*) AS n FROM backup_codes").fetch_one(&mut db).await.unwrap().get("n");
    assert_eq!(left, 0);
}

#[tokio::test]
async fn the_secret_and_backup_codes_are_not_stored_in_the_clear() {
    let app = spawn_admin_app().await;
    let (_, _, totp, codes) = cersei_with_totp(&app).await;
    let mut db = app.db().await;
    let row = sqlx::query("SELECT secret FROM user_totp").fetch_one(&mut db).await.unwrap();
    let stored: String = row.get("secret");
    assert!(stored.starts_with("v1."), "{stored}");
    let secret = totp.get_secret_base32();
    let raw_hex: String = totp.secret.iter().map(|b| format!("{b:02x}")).collect();
    for clear in [secret.as_str(), &secret.to_lowercase(), &raw_hex] {
        assert!(!stored.to_lowercase().contains(&clear.to_lowercase()), "{stored}");
    }
    let hashes: Vec<String> = sqlx::query("SELECT code_hash FROM backup_codes")
        .fetch_all(&mut db)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get("code_hash"))
        .collect();
    assert_eq!(hashes.len(), 10);
    for code in &codes {
        assert!(hashes.iter().all(|h| !h.contains(code.as_str())), "{code}");
    }
}

const NEW_PASSWORD: &str = "a new and long passphrase";

/// A reset of Cersei's password by email code, in a new browser, up to
/// the new password: answers the browser and the sign-in, which then
/// needs her second factor.
async fn reset_up_to_the_second_factor(app: &TestApp) -> (TestClient, String) {
    let browser = app.client();
    let started = browser.sign_in(json!({ "identifier": CERSEI, "strategy": "reset_password_email_code" })).await;
    let id = started.response()["id"].as_str().unwrap().to_owned();
    let code = app.last_code_to(CERSEI).await;
    let proven =
        browser.attempt_first_factor(&id, json!({ "strategy": "reset_password_email_code", "code": code })).await;
    assert_eq!(proven.response()["status"], "needs_new_password", "{}", proven.text);
    let reset = browser.reset_password(&id, json!({ "password": NEW_PASSWORD })).await;
    assert_eq!(reset.response()["status"], "needs_second_factor", "{}", reset.text);
    assert_eq!(reset.body["client"]["sessions"], json!([]));
    (browser, id)
}

/// Which of her two passwords a new browser's sign-in takes now: the right
/// one stops at the second factor, the wrong one is refused.
async fn password_taken(app: &TestApp, password: &str) -> bool {
    let answer = app.client().sign_in(json!({ "identifier": CERSEI, "password": password })).await;
    match answer.status {
        200 => answer.response()["status"] == "needs_second_factor",
        _ => {
            answer.assert_error(422, "form_password_incorrect");
            false
        }
    }
}

#[tokio::test]
async fn a_password_reset_of_a_user_with_totp_still_needs_the_code() {
    let app = spawn_admin_app().await;
    let (owner, owner_session, totp, _) = cersei_with_totp(&app).await;
    let (browser, id) = reset_up_to_the_second_factor(&app).await;
    let done = attempt_second(&browser, &id, "totp", &code_at(&app, &totp, 0)).await;
    assert_eq!(done.response()["status"], "complete", "{}", done.text);
    // Only now is the new password set, and the other sessions ended.
    assert!(password_taken(&app, NEW_PASSWORD).await);
    assert!(!password_taken(&app, PASSWORD).await);
    assert_eq!(owner.get_client().await.response()["sessions"], json!([]), "{owner_session} ended");
    assert_eq!(app.last_message_to(CERSEI).await["subject"], "Your password was changed");
}

/// The attack: someone who reads Cersei's mail, but has not her phone,
/// resets her password. The reset stops at her second factor, and it
/// changes nothing until that is proven: her password stays, her session
/// stays, no "password changed" mail; a wrong TOTP code and the sign-in's
/// end change nothing either.
#[tokio::test]
async fn a_password_reset_without_the_second_factor_changes_neither_the_password_nor_the_sessions() {
    let app = spawn_admin_app().await;
    let (owner, owner_session, _, _) = cersei_with_totp(&app).await;
    let (attacker, id) = reset_up_to_the_second_factor(&app).await;
    let passwords_unchanged = || async {
        assert!(password_taken(&app, PASSWORD).await, "the old password still signs in");
        assert!(!password_taken(&app, NEW_PASSWORD).await, "the attacker's password does not");
        assert_ne!(app.last_message_to(CERSEI).await["subject"], "Your password was changed");
    };
    passwords_unchanged().await;
    assert_eq!(owner.get_client().await.response()["sessions"][0]["id"], owner_session.as_str());
    attempt_second(&attacker, &id, "totp", "000000").await.assert_error(422, "form_code_incorrect");
    passwords_unchanged().await;
    assert_eq!(owner.get_client().await.response()["sessions"][0]["id"], owner_session.as_str());
    // The sign-in ends unproven: the password that waited on it goes with it.
    app.advance(24 * 60 * 60);
    attempt_second(&attacker, &id, "totp", "000000").await.assert_error(404, "sign_in_not_found");
    passwords_unchanged().await;
}

#[tokio::test]
async fn the_admin_api_lists_and_resets_a_users_factors() {
    let app = spawn_admin_app().await;
    let (_, _, _, codes) = cersei_with_totp(&app).await;
    let user = app.store().await.user(gatehouse_server::db::UserKey::Email(CERSEI)).await.unwrap().unwrap();
    let path = format!("/v1/admin/users/{}/factors", user.id);
    let listed = app.admin().get(&path).await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    assert_eq!(
        (listed.body["totp"]["verified"].as_bool(), listed.body["backup_codes_left"].as_u64()),
        (Some(true), Some(10))
    );
    assert!(!listed.text.contains("secret"), "{}", listed.text);
    // One backup code spent: nine left.
    let (browser, id) = needs_second_factor(&app).await;
    attempt_second(&browser, &id, "backup_code", &codes[0]).await.response();
    assert_eq!(app.admin().get(&path).await.body["backup_codes_left"], 9);
    // Without the key: refused.
    app.client().get(&path).await.assert_error(401, "authorization_invalid");

    let reset = app.admin().delete(&path).await;
    assert_eq!(
        (reset.status, reset.body["totp"].clone(), reset.body["backup_codes_left"].clone()),
        (200, Value::Null, json!(0))
    );
    sign_in_with_password(&app.client(), CERSEI).await;
    app.admin().get("/v1/admin/users/user_nobody/factors").await.assert_error(404, "resource_not_found");
}
