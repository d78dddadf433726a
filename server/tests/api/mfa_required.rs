//! `[mfa] required` (issue 13 §2, as WorkOS's enrolment flow): a user
//! without a second factor who signs up or signs in gets a `pending`
//! session with `tasks: ["setup_mfa"]`. It gets no token and no other
//! session route (403 `session_pending`) until a verified TOTP activates it;
//! `session.created` is told only then. A user with TOTP goes through
//! `needs_second_factor` to an active session. TOTP cannot be turned off
//! (403 `mfa_required`); an admin's factor reset ends the user's sessions,
//! pending ones too.

use crate::helpers::{TestApp, TestClient, no_verification};
use crate::sign_in::{CERSEI, PASSWORD, sign_in_with_password, sync_cersei};
use crate::totp::{attempt_second, code_at, create_totp, disable_totp, verify_totp};
use crate::webhook_receiver::{Receiver, config_with, spawn_with_hooks};
use crate::webhooks::SECRET;
use serde_json::{Value, json};
use std::time::Duration;
use totp_rs::TOTP;

/// An instance that requires a second factor, telling its events to `receiver`.
async fn spawn_required(receiver: &Receiver) -> TestApp {
    let mut config = no_verification();
    config.mfa.required = true;
    spawn_with_hooks(config_with(config, &[("app", receiver, SECRET, None)])).await
}

/// The client's session `id`, as the answer's client lists it.
fn listed(answer: &Value, id: &str) -> Value {
    let sessions = answer["client"]["sessions"].as_array().unwrap();
    sessions.iter().find(|s| s["id"] == id).cloned().unwrap_or_else(|| panic!("{id} not in {answer}"))
}

/// The ids of the `session.created` events told so far (after a moment for the outbox).
async fn created_events(receiver: &Receiver) -> Vec<Value> {
    tokio::time::sleep(Duration::from_millis(300)).await;
    receiver.of_type("session.created").iter().map(|r| r.json()["data"].clone()).collect()
}

/// Every session route but enrolment and sign-out refuses a pending session.
async fn assert_refused_while_pending(browser: &TestClient, session: &str) {
    browser.session_token(session).await.assert_error(403, "session_pending");
    browser.get(&format!("/v1/client/sessions/{session}/user_sessions")).await.assert_error(403, "session_pending");
    let other = format!("/v1/client/sessions/{session}/user_sessions/{session}/revoke");
    browser.post(&other, json!({})).await.assert_error(403, "session_pending");
    disable_totp(browser, session, "123456").await.assert_error(403, "session_pending");
}

/// Enrols TOTP on `session` (pending or active): answers the verify answer and the TOTP.
async fn enrol(app: &TestApp, browser: &TestClient, session: &str) -> (Value, TOTP) {
    let created = create_totp(browser, session).await;
    assert_eq!(created.status, 200, "{}", created.text);
    let totp = TOTP::from_url(created.response()["uri"].as_str().unwrap()).unwrap();
    let right = code_at(app, &totp, 0);
    let wrong = format!("{:06}", (right.parse::<u32>().unwrap() + 1) % 1_000_000);
    verify_totp(browser, session, &wrong).await.assert_error(422, "form_code_incorrect");
    let verified = verify_totp(browser, session, &right).await;
    assert_eq!(verified.response()["verified"], true, "{}", verified.text);
    // Past the step used: the next code of the same step would be a reuse.
    app.advance(30);
    (verified.body, totp)
}

#[tokio::test]
async fn a_sign_up_lands_pending_and_verifying_totp_activates_it() {
    let receiver = Receiver::start(200, &[]).await;
    let app = spawn_required(&receiver).await;
    let browser = app.client();
    let done = browser.create_sign_up(json!({ "email_address": "ana@example.com", "password": PASSWORD })).await;
    assert_eq!(done.response()["status"], "complete", "{}", done.text);
    let session = done.response()["created_session_id"].as_str().unwrap().to_owned();
    assert_eq!(done.body["client"]["last_active_session_id"], session.as_str());
    let pending = listed(&done.body, &session);
    assert_eq!((pending["status"].clone(), pending["tasks"].clone()), (json!("pending"), json!(["setup_mfa"])));
    assert_eq!(pending["totp_enabled"], false);

    assert_refused_while_pending(&browser, &session).await;
    // The user exists and the sign-up completed; the session is not told yet.
    receiver.wait_for(2).await;
    assert_eq!(created_events(&receiver).await, Vec::<Value>::new());
    // Reading the client shows it pending still, and TOTP off, with a secret created.
    let client = browser.get("/v1/client").await;
    assert_eq!(listed(&client.body, &session)["status"], "pending", "{}", client.text);
    let created = create_totp(&browser, &session).await;
    assert_eq!(listed(&created.body, &session)["totp_enabled"], false, "{}", created.text);

    let (verified, totp) = enrol(&app, &browser, &session).await;
    let active = listed(&verified, &session);
    assert_eq!((active["status"].clone(), active["tasks"].clone()), (json!("active"), json!([])));
    assert_eq!(active["totp_enabled"], true, "{verified}");
    assert_eq!(listed(&browser.get("/v1/client").await.body, &session)["totp_enabled"], true);
    let token = browser.session_token(&session).await;
    assert_eq!(token.status, 200, "{}", token.text);
    assert!(token.response()["jwt"].as_str().unwrap().starts_with("ey"));
    assert_eq!(browser.get(&format!("/v1/client/sessions/{session}/user_sessions")).await.status, 200);

    // session.created, once, for the session now active.
    let created = created_events(&receiver).await;
    assert_eq!(created.len(), 1, "{created:?}");
    assert_eq!(
        (created[0]["id"].as_str(), created[0]["status"].as_str(), created[0]["tasks"].clone()),
        (Some(session.as_str()), Some("active"), json!([]))
    );
    assert_eq!(created[0]["totp_enabled"], true, "{created:?}");

    // The factor cannot be turned off while required, with a right code or a backup code.
    let backup = verified["response"]["backup_codes"][0].as_str().unwrap().to_owned();
    disable_totp(&browser, &session, &code_at(&app, &totp, 0)).await.assert_error(403, "mfa_required");
    disable_totp(&browser, &session, &backup).await.assert_error(403, "mfa_required");
    // Verifying again changes nothing.
    verify_totp(&browser, &session, &code_at(&app, &totp, 0)).await.assert_error(409, "totp_already_enabled");
    assert_eq!(created_events(&receiver).await.len(), 1);
}

#[tokio::test]
async fn a_sign_in_without_totp_lands_pending_and_one_with_totp_asks_for_the_code() {
    let receiver = Receiver::start(200, &[]).await;
    let app = spawn_required(&receiver).await;
    sync_cersei(&app, json!({ "password": PASSWORD })).await;
    let browser = app.client();
    let signed_in = sign_in_with_password(&browser, CERSEI).await;
    let session = signed_in["created_session_id"].as_str().unwrap().to_owned();
    let client = browser.get("/v1/client").await;
    let pending = listed(&client.body, &session);
    assert_eq!((pending["status"].clone(), pending["tasks"].clone()), (json!("pending"), json!(["setup_mfa"])));
    assert_refused_while_pending(&browser, &session).await;
    assert_eq!(created_events(&receiver).await, Vec::<Value>::new());

    let (_, totp) = enrol(&app, &browser, &session).await;
    assert_eq!(browser.session_token(&session).await.status, 200);

    // Now with TOTP: the password alone is not enough, the code completes it, active at once.
    let other = app.client();
    let started = other.sign_in(json!({ "identifier": CERSEI, "password": PASSWORD })).await;
    assert_eq!(started.response()["status"], "needs_second_factor", "{}", started.text);
    assert_eq!(started.body["client"]["sessions"], json!([]));
    let id = started.response()["id"].as_str().unwrap().to_owned();
    let done = attempt_second(&other, &id, "totp", &code_at(&app, &totp, 0)).await;
    assert_eq!(done.response()["status"], "complete", "{}", done.text);
    let second = done.response()["created_session_id"].as_str().unwrap().to_owned();
    let active = listed(&done.body, &second);
    assert_eq!((active["status"].clone(), active["tasks"].clone()), (json!("active"), json!([])));
    assert_eq!(active["totp_enabled"], true);
    assert_eq!(other.session_token(&second).await.status, 200);
    let created = created_events(&receiver).await;
    let ids: Vec<Value> = created.iter().map(|d| d["id"].clone()).collect();
    assert_eq!(ids, [json!(session), json!(second)]);
    assert!(created.iter().all(|d| d["totp_enabled"] == true), "{created:?}");
}

#[tokio::test]
async fn a_pending_session_signs_out_untold_and_an_admin_reset_ends_every_session() {
    let receiver = Receiver::start(200, &[]).await;
    let app = spawn_required(&receiver).await;
    sync_cersei(&app, json!({ "password": PASSWORD })).await;
    let user_id = app.admin().get(&format!("/v1/admin/users?email={CERSEI}")).await.body["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Three browsers sign in before she has a second factor: all pending.
    let mut browsers = Vec::new();
    for _ in 0..3 {
        let browser = app.client();
        let session = sign_in_with_password(&browser, CERSEI).await["created_session_id"].as_str().unwrap().to_owned();
        browsers.push((browser, session));
    }
    // A pending session signs out: no session.ended (it was never told as created).
    let (quitter, quit) = &browsers[2];
    let out = quitter.delete(&format!("/v1/client/sessions/{quit}")).await;
    assert_eq!(
        (out.response()["status"].as_str(), out.response()["tasks"].clone()),
        (Some("revoked"), json!([])),
        "{}",
        out.text
    );
    assert_eq!(out.body["client"]["sessions"], json!([]));
    // One enrols (active); one stays pending, and cannot enrol a second TOTP.
    let (enrolled, active) = &browsers[0];
    enrol(&app, enrolled, active).await;
    let (waiting, pending) = &browsers[1];
    create_totp(waiting, pending).await.assert_error(409, "totp_already_enabled");
    // Pending still, but its user has TOTP on now: the session says so.
    let read = waiting.get("/v1/client").await;
    let still = listed(&read.body, pending);
    assert_eq!(
        (still["status"].clone(), still["totp_enabled"].clone()),
        (json!("pending"), json!(true)),
        "{}",
        read.text
    );
    waiting.session_token(pending).await.assert_error(403, "session_pending");

    let reset = app.admin().delete(&format!("/v1/admin/users/{user_id}/factors")).await;
    assert_eq!((reset.status, reset.body["totp"].clone()), (200, Value::Null), "{}", reset.text);
    enrolled.session_token(active).await.assert_error(404, "session_not_found");
    waiting.session_token(pending).await.assert_error(404, "session_not_found");
    create_totp(waiting, pending).await.assert_error(404, "session_not_found");
    for (browser, _) in &browsers {
        assert_eq!(browser.get("/v1/client").await.body["response"]["sessions"], json!([]));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let ended: Vec<Value> = receiver.of_type("session.ended").iter().map(|r| r.json()["data"].clone()).collect();
    assert_eq!(ended.len(), 1, "only the session that was told as created: {ended:?}");
    assert_eq!(
        (ended[0]["id"].as_str(), ended[0]["ended_by"].as_str()),
        (Some(active.as_str()), Some("factors_reset"))
    );
    assert_eq!(ended[0]["totp_enabled"], false, "the factor was reset first: {ended:?}");
    // Without a factor again, her next sign-in is pending.
    let again = app.client();
    let session = sign_in_with_password(&again, CERSEI).await["created_session_id"].as_str().unwrap().to_owned();
    again.session_token(&session).await.assert_error(403, "session_pending");
}
