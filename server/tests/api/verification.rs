//! Codes: prepare, attempt, expiry, attempts, resend limit, email and phone.

use crate::helpers::{spawn_app, wrong};
use serde_json::json;

#[tokio::test]
async fn an_email_code_completes_the_sign_up() {
    let app = spawn_app().await;
    let browser = app.client();
    let id = browser.start_sign_up("ana@example.com").await;

    let prepared = browser.prepare(&id, "email_code").await;
    let v = &prepared.response()["verifications"]["email_address"];
    assert_eq!(v["status"], "unverified");
    assert_eq!(v["strategy"], "email_code");
    assert_eq!(v["next_action"], "needs_attempt");
    assert_eq!(v["attempts"], 0);
    assert_eq!(v["expire_at"], app.clock_ms() + 600_000);

    let outbox = app.outbox().await;
    assert_eq!(outbox.len(), 1);
    let message = &outbox[0];
    assert_eq!(message["to"], "ana@example.com");
    assert_eq!(message["channel"], "email");
    let code = message["code"].as_str().unwrap();
    assert!(code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()), "{code}");
    assert!(message["subject"].as_str().unwrap().contains(code));
    assert!(message["body"].as_str().unwrap().contains(code));
    assert_eq!(message["sent_at"], app.clock_ms());
    assert!(message.get("link").is_none());

    let answer = browser.attempt(&id, "email_code", code).await;
    let s = answer.response();
    assert_eq!(s["status"], "complete");
    assert_eq!(s["unverified_fields"], json!([]));
    let v = &s["verifications"]["email_address"];
    assert_eq!(v["status"], "verified");
    assert_eq!(v["next_action"], "");
    assert_eq!(v["verified_at_client"], answer.body["client"]["id"]);
    assert!(s["created_user_id"].as_str().unwrap().starts_with("user_"));
    assert_eq!(answer.body["client"]["sessions"][0]["id"], s["created_session_id"]);
}

#[tokio::test]
async fn codes_are_stored_hashed() {
    let app = spawn_app().await;
    let browser = app.client();
    let id = browser.start_sign_up("ana@example.com").await;
    browser.prepare(&id, "email_code").await.response();
    let code = app.last_code_to("ana@example.com").await;
    let mut db = app.db().await;
    let stored: String = sqlx::query_scalar("SELECT code_hash FROM verifications").fetch_one(&mut db).await.unwrap();
    assert_eq!(stored.len(), 64);
    assert!(!stored.contains(&code));
}

#[tokio::test]
async fn five_wrong_codes_fail_the_verification_until_a_new_prepare() {
    let app = spawn_app().await;
    let browser = app.client();
    let id = browser.start_sign_up("ana@example.com").await;
    browser.prepare(&id, "email_code").await.response();
    let code = app.last_code_to("ana@example.com").await;
    for attempt in 1..=5 {
        let answer = browser.attempt(&id, "email_code", &wrong(&code)).await;
        answer.assert_error(422, "form_code_incorrect");
        assert_eq!(answer.param(), Some("code"));
        let v = &browser.get_sign_up(&id).await.response()["verifications"]["email_address"].clone();
        assert_eq!(v["attempts"], attempt);
    }
    let v = browser.get_sign_up(&id).await.response()["verifications"]["email_address"].clone();
    assert_eq!((v["status"].as_str(), v["next_action"].as_str()), (Some("failed"), Some("needs_prepare")));
    // Even the right code is refused now.
    browser.attempt(&id, "email_code", &code).await.assert_error(422, "verification_failed");
    browser.attempt(&id, "email_code", &wrong(&code)).await.assert_error(422, "verification_failed");

    app.advance(30);
    browser.prepare(&id, "email_code").await.response();
    let fresh = app.last_code_to("ana@example.com").await;
    let answer = browser.attempt(&id, "email_code", &fresh).await;
    assert_eq!(answer.response()["status"], "complete");
}

#[tokio::test]
async fn an_expired_code_is_refused() {
    let app = spawn_app().await;
    let browser = app.client();
    let id = browser.start_sign_up("ana@example.com").await;
    browser.prepare(&id, "email_code").await.response();
    let code = app.last_code_to("ana@example.com").await;
    app.advance(599);
    assert_eq!(browser.get_sign_up(&id).await.response()["verifications"]["email_address"]["status"], "unverified");
    app.advance(1);
    assert_eq!(browser.get_sign_up(&id).await.response()["verifications"]["email_address"]["status"], "expired");
    browser.attempt(&id, "email_code", &code).await.assert_error(422, "verification_expired");
    let v = browser.get_sign_up(&id).await.response()["verifications"]["email_address"].clone();
    assert_eq!((v["status"].as_str(), v["next_action"].as_str()), (Some("expired"), Some("needs_prepare")));
}

#[tokio::test]
async fn a_resend_within_30_seconds_is_refused_with_retry_after() {
    let app = spawn_app().await;
    let browser = app.client();
    let id = browser.start_sign_up("ana@example.com").await;
    browser.prepare(&id, "email_code").await.response();
    let first = app.last_code_to("ana@example.com").await;

    app.advance(10);
    let answer = browser.prepare(&id, "email_code").await;
    answer.assert_error(429, "verification_code_too_many_requests");
    assert_eq!(answer.header("retry-after").as_deref(), Some("20"));
    assert_eq!(app.outbox().await.len(), 1, "nothing was sent");

    // The limit is per address: another client's sign-up cannot send either.
    let other = app.client();
    let other_id = other.start_sign_up("ana@example.com").await;
    other.prepare(&other_id, "email_code").await.assert_error(429, "verification_code_too_many_requests");

    app.advance(20);
    browser.prepare(&id, "email_code").await.response();
    let second = app.last_code_to("ana@example.com").await;
    assert_eq!(app.outbox().await.len(), 2);
    // A new prepare replaces the old code.
    if first != second {
        browser.attempt(&id, "email_code", &first).await.assert_error(422, "form_code_incorrect");
    }
    assert_eq!(browser.attempt(&id, "email_code", &second).await.response()["status"], "complete");
}

#[tokio::test]
async fn prepare_and_attempt_refuse_what_cannot_be_done() {
    let app = spawn_app().await;
    let browser = app.client();
    let id = browser.create_sign_up(json!({ "password": "correct horse" })).await.response()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let missing = browser.prepare(&id, "email_code").await;
    missing.assert_error(422, "form_param_missing");
    assert_eq!(missing.param(), Some("email_address"));
    browser.attempt(&id, "email_code", "123456").await.assert_error(422, "verification_not_sent");

    for strategy in ["carrier_pigeon", "ticket"] {
        let answer = browser.prepare(&id, strategy).await;
        answer.assert_error(422, "verification_strategy_invalid");
        assert_eq!(answer.param(), Some("strategy"));
    }
    let no_strategy = browser.post(&format!("/v1/client/sign_ups/{id}/prepare_verification"), json!({})).await;
    no_strategy.assert_error(422, "form_param_missing");
    assert_eq!(no_strategy.param(), Some("strategy"));

    browser.update_sign_up(&id, json!({ "email_address": "ana@example.com" })).await.response();
    browser.attempt(&id, "email_code", "123456").await.assert_error(422, "verification_not_sent");
    browser.prepare(&id, "email_code").await.response();
    for bad in ["12345", "1234567", "abcdef"] {
        let answer = browser.attempt(&id, "email_code", bad).await;
        answer.assert_error(422, "form_param_format_invalid");
        assert_eq!(answer.param(), Some("code"));
    }
    let no_code = browser
        .post(&format!("/v1/client/sign_ups/{id}/attempt_verification"), json!({ "strategy": "email_code" }))
        .await;
    no_code.assert_error(422, "form_param_missing");
    assert_eq!(no_code.param(), Some("code"));
}

#[tokio::test]
async fn a_verified_field_answers_already_verified() {
    let app = spawn_app().await;
    let browser = app.client();
    // A phone keeps the sign-up open after the email is verified.
    let id = browser
        .created(
            json!({ "email_address": "ana@example.com", "password": "correct horse", "phone_number": "+14155550123" }),
        )
        .await;
    browser.prepare(&id, "email_code").await.response();
    let code = app.last_code_to("ana@example.com").await;
    let s = browser.attempt(&id, "email_code", &code).await;
    assert_eq!(s.response()["status"], "missing_requirements");
    assert_eq!(s.response()["unverified_fields"], json!(["phone_number"]));
    browser.prepare(&id, "email_code").await.assert_error(422, "verification_already_verified");
    browser.attempt(&id, "email_code", &code).await.assert_error(422, "verification_already_verified");
}

#[tokio::test]
async fn a_phone_code_goes_by_sms_to_the_outbox() {
    let app = spawn_app().await;
    let browser = app.bearer_client();
    let id = browser.created(json!({ "email_address": "ana@example.com", "password": "correct horse", "phone_number": "+1 (415) 555-0123" })).await;
    browser.prepare(&id, "phone_code").await.response();
    let sms = app.outbox().await.pop().unwrap();
    assert_eq!((sms["to"].as_str(), sms["channel"].as_str()), (Some("+14155550123"), Some("sms")));
    let phone_code = sms["code"].as_str().unwrap().to_owned();
    let s = browser.attempt(&id, "phone_code", &phone_code).await;
    assert_eq!(s.response()["verifications"]["phone_number"]["status"], "verified");
    assert_eq!(s.response()["unverified_fields"], json!(["email_address"]));

    browser.prepare(&id, "email_code").await.response();
    let code = app.last_code_to("ana@example.com").await;
    let done = browser.attempt(&id, "email_code", &code).await;
    assert_eq!(done.response()["status"], "complete");
    let mut db = app.db().await;
    let phone: String = sqlx::query_scalar("SELECT phone_number FROM users").fetch_one(&mut db).await.unwrap();
    assert_eq!(phone, "+14155550123");
}

#[tokio::test]
async fn changing_a_verified_email_resets_its_verification() {
    let app = spawn_app().await;
    let browser = app.client();
    let id = browser.created(json!({ "email_address": "ana@example.com", "phone_number": "+14155550123" })).await;
    browser.prepare(&id, "email_code").await.response();
    let code = app.last_code_to("ana@example.com").await;
    let verified = browser.attempt(&id, "email_code", &code).await;
    assert_eq!(verified.response()["verifications"]["email_address"]["status"], "verified");

    let changed = browser.update_sign_up(&id, json!({ "email_address": "bea@example.com" })).await;
    let s = changed.response();
    assert_eq!(s["email_address"], "bea@example.com");
    assert_eq!(s["verifications"]["email_address"]["status"], "unverified");
    assert_eq!(s["verifications"]["email_address"]["next_action"], "needs_prepare");
    assert_eq!(s["unverified_fields"], json!(["email_address", "phone_number"]));
    // The new address gets its own code at once: the limit is per address.
    browser.prepare(&id, "email_code").await.response();
    assert_ne!(app.last_code_to("bea@example.com").await, "");
}

#[tokio::test]
async fn two_servers_over_one_database_share_clients_and_codes() {
    let first = spawn_app().await;
    let second = first.another_node().await;
    let browser = first.client();
    let id = browser.start_sign_up("ana@example.com").await;
    browser.prepare(&id, "email_code").await.response();
    let code = first.last_code_to("ana@example.com").await;

    // The same browser, now served by the other node: same client, and the
    // code hashed by the first node checks out on the second.
    let elsewhere = crate::helpers::TestClient::new(&second.base, crate::helpers::Mode::Cookie);
    let token = browser.token().unwrap();
    elsewhere.extra.lock().unwrap().push(("cookie".into(), format!("__gh_client={token}")));
    // The resend limit holds across nodes too.
    elsewhere.prepare(&id, "email_code").await.assert_error(429, "verification_code_too_many_requests");
    let done = elsewhere.attempt(&id, "email_code", &code).await;
    assert_eq!(done.response()["status"], "complete");
}

#[tokio::test]
async fn of_two_open_sign_ups_for_one_email_only_the_first_completes() {
    let app = spawn_app().await;
    let (ana, twin) = (app.client(), app.client());
    let first = ana.start_sign_up("ana@example.com").await;
    let second = twin.start_sign_up("ana@example.com").await;
    ana.prepare(&first, "email_code").await.response();
    let first_code = app.last_code_to("ana@example.com").await;
    app.advance(30);
    twin.prepare(&second, "email_code").await.response();
    let second_code = app.last_code_to("ana@example.com").await;

    assert_eq!(ana.attempt(&first, "email_code", &first_code).await.response()["status"], "complete");
    // The user now exists: completing the other sign-up would duplicate it.
    let answer = twin.attempt(&second, "email_code", &second_code).await;
    answer.assert_error(422, "form_identifier_exists");
    assert_eq!(answer.param(), Some("email_address"));
    // Nothing of that request was kept.
    let s = twin.get_sign_up(&second).await;
    assert_eq!(s.response()["status"], "missing_requirements");
    assert_eq!(s.response()["created_user_id"], serde_json::Value::Null);
    let mut db = app.db().await;
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&mut db).await.unwrap();
    assert_eq!(users, 1);
}
