//! Sign-in: flow 1 of issue 4 (sync a user, then sign in) with a password,
//! a bcrypt `$2b$06$` digest and an argon2id digest; identifiers; email
//! codes; errors. The per-account password limit is in `lockout`.

use crate::helpers::{TestApp, TestClient, spawn_admin_app, wrong};
use argon2::password_hash::PasswordHasher;
use gatehouse_server::db::UserKey;
use serde_json::{Value, json};

pub const CERSEI: &str = "cersei-lannister@example.com";
pub const PASSWORD: &str = "C3rs3i#L4nnist3r";

/// `PUT /v1/admin/users` for Cersei with these extra params; answers her.
pub async fn sync_cersei(app: &TestApp, extra: Value) -> Value {
    let mut body = json!({ "username": "cersei.lannister", "email": CERSEI, "email_verified": true });
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let answer = app.admin().put("/v1/admin/users", body).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.body
}

/// Signs in with the password; asserts that it completed with a session
/// (the client's active one) and answers the sign-in.
pub async fn sign_in_with_password(browser: &TestClient, identifier: &str) -> Value {
    let answer = browser.sign_in(json!({ "identifier": identifier, "password": PASSWORD })).await;
    let sign_in = answer.response().clone();
    assert_eq!(sign_in["status"], "complete", "{}", answer.text);
    let session = sign_in["created_session_id"].as_str().unwrap_or_else(|| panic!("no session: {}", answer.text));
    assert!(session.starts_with("sess_"), "{session}");
    assert_eq!(answer.body["client"]["last_active_session_id"], session, "{}", answer.text);
    let factor = &sign_in["first_factor_verification"];
    assert_eq!(
        (factor["status"].as_str(), factor["strategy"].as_str()),
        (Some("verified"), Some("password")),
        "{}",
        answer.text
    );
    sign_in
}

async fn stored_hash(app: &TestApp) -> String {
    let user = app.store().await.user(UserKey::Email(CERSEI)).await.unwrap().unwrap();
    user.password_hash.unwrap()
}

/// Flow 1, step by step, with `credential` as the password part of the sync.
async fn flow_1(credential: Value) -> (TestApp, Value) {
    let app = spawn_admin_app().await;
    let browser = app.client();
    let credentials = json!({ "identifier": CERSEI, "password": PASSWORD });
    // 1. Unknown user.
    let unknown = browser.sign_in(credentials.clone()).await;
    unknown.assert_error(422, "form_identifier_not_found");
    assert_eq!(unknown.param(), Some("identifier"));
    assert_eq!(browser.get_client().await.response()["sign_in_id"], Value::Null);
    // 2. Sync.
    let user = sync_cersei(&app, credential).await;
    assert!(!user.to_string().contains(PASSWORD) && !user.to_string().contains("$2b$"));
    // 3. The same sign-in succeeds.
    let answer = browser.sign_in(credentials).await;
    let s = answer.response();
    assert_eq!(s["object"], "sign_in");
    assert!(s["id"].as_str().unwrap().starts_with("sin_"));
    assert_eq!(s["status"], "complete");
    assert_eq!(s["identifier"], CERSEI);
    assert_eq!(s["user_id"], user["id"]);
    let session = s["created_session_id"].as_str().expect("a session");
    assert!(session.starts_with("sess_"));
    let v = &s["first_factor_verification"];
    assert_eq!(
        (v["status"].as_str(), v["strategy"].as_str(), v["next_action"].as_str()),
        (Some("verified"), Some("password"), Some(""))
    );
    let client = &answer.body["client"];
    assert_eq!(client["sign_in_id"], s["id"]);
    assert_eq!(client["last_active_session_id"], session);
    assert_eq!(client["sessions"][0]["user_id"], user["id"]);
    (app, user)
}

#[tokio::test]
async fn flow_1_with_a_password() {
    let (app, _) = flow_1(json!({ "password": PASSWORD })).await;
    assert!(stored_hash(&app).await.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    // A second PUT with the same email updated the user rather than duplicating it.
    sync_cersei(&app, json!({ "first_name": "Cersei" })).await;
    assert_eq!(app.admin().get("/v1/admin/users").await.body["data"].as_array().unwrap().len(), 1);
    sign_in_with_password(&app.client(), "cersei.lannister").await;
}

#[tokio::test]
async fn flow_1_with_a_bcrypt_digest_then_the_hash_is_upgraded() {
    let digest = bcrypt::hash(PASSWORD, 6).unwrap();
    assert!(digest.starts_with("$2b$06$"), "{digest}");
    let (app, _) = flow_1(json!({ "password_digest": digest })).await;
    let upgraded = stored_hash(&app).await;
    assert!(upgraded.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{upgraded}");
    // The upgraded hash verifies the same password, once more through HTTP.
    sign_in_with_password(&app.client(), CERSEI).await;
    assert_eq!(stored_hash(&app).await, upgraded, "no second upgrade");
}

#[tokio::test]
async fn flow_1_with_2a_and_2y_digests() {
    for version in ["$2a$", "$2y$"] {
        let digest = bcrypt::hash(PASSWORD, 4).unwrap().replacen("$2b$", version, 1);
        let app = spawn_admin_app().await;
        sync_cersei(&app, json!({ "password_digest": digest })).await;
        assert_eq!(stored_hash(&app).await, digest);
        sign_in_with_password(&app.client(), CERSEI).await;
        assert!(stored_hash(&app).await.starts_with("$argon2id$v=19$m=19456"));
    }
}

#[tokio::test]
async fn flow_1_with_an_argon2id_digest_of_other_parameters() {
    let params = argon2::Params::new(4096, 3, 1, None).unwrap();
    let hasher = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let digest = hasher.hash_password(PASSWORD.as_bytes()).unwrap().to_string();
    assert!(digest.starts_with("$argon2id$v=19$m=4096,t=3,p=1$"), "{digest}");
    let (app, _) = flow_1(json!({ "password_digest": digest.clone() })).await;
    let upgraded = stored_hash(&app).await;
    assert_ne!(upgraded, digest);
    assert!(upgraded.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{upgraded}");
}

#[tokio::test]
async fn a_wrong_password_is_422_and_creates_nothing() {
    let app = spawn_admin_app().await;
    sync_cersei(&app, json!({ "password": PASSWORD })).await;
    let browser = app.client();
    let answer = browser.sign_in(json!({ "identifier": CERSEI, "password": "c3rs3i#L4nnist3r" })).await;
    answer.assert_error(422, "form_password_incorrect");
    assert_eq!(answer.param(), Some("password"));
    let client = browser.get_client().await;
    assert_eq!(
        (client.response()["sign_in_id"].clone(), client.response()["sessions"].clone()),
        (Value::Null, json!([]))
    );
}

#[tokio::test]
async fn identifier_first_then_a_password_attempt() {
    let app = spawn_admin_app().await;
    sync_cersei(&app, json!({ "password": PASSWORD })).await;
    let browser = app.client();
    let created = browser.sign_in(json!({ "identifier": " Cersei.Lannister " })).await;
    let s = created.response();
    assert_eq!(s["status"], "needs_first_factor");
    assert_eq!(s["identifier"], "cersei.lannister");
    assert_eq!(
        s["supported_first_factors"],
        json!([
            { "strategy": "password" },
            { "strategy": "email_code", "safe_identifier": "c***@example.com" },
            { "strategy": "reset_password_email_code", "safe_identifier": "c***@example.com" },
            { "strategy": "reset_password_email_link", "safe_identifier": "c***@example.com" },
        ])
    );
    assert_eq!(s["first_factor_verification"], Value::Null);
    assert_eq!(s["user_id"], Value::Null, "no user id before the proof");
    assert_eq!(s["created_session_id"], Value::Null);
    assert_eq!(s["abandon_at"], app.clock_ms() + 24 * 3600 * 1000);
    let id = s["id"].as_str().unwrap().to_owned();
    assert_eq!(browser.get(&format!("/v1/client/sign_ins/{id}")).await.response()["status"], "needs_first_factor");

    let bad = browser.attempt_first_factor(&id, json!({ "strategy": "password", "password": "nope-nope" })).await;
    bad.assert_error(422, "form_password_incorrect");
    let done = browser.attempt_first_factor(&id, json!({ "strategy": "password", "password": PASSWORD })).await;
    assert_eq!(done.response()["status"], "complete");
    assert!(done.response()["created_session_id"].as_str().is_some());
    // Its factor is proven: nothing more to do on it.
    let again = browser.attempt_first_factor(&id, json!({ "strategy": "password", "password": PASSWORD })).await;
    again.assert_error(422, "verification_already_verified");
    browser.prepare_first_factor(&id, "email_code").await.assert_error(422, "verification_already_verified");
}

#[tokio::test]
async fn an_email_code_signs_in_and_proves_the_email() {
    let app = spawn_admin_app().await;
    let user = sync_cersei(&app, json!({ "email_verified": false })).await;
    let browser = app.client();
    let created = browser.sign_in(json!({ "identifier": CERSEI, "strategy": "email_code" })).await;
    let s = created.response();
    assert_eq!(s["status"], "needs_first_factor");
    assert_eq!(
        s["supported_first_factors"],
        json!([
            { "strategy": "email_code", "safe_identifier": CERSEI },
            { "strategy": "reset_password_email_code", "safe_identifier": CERSEI },
            { "strategy": "reset_password_email_link", "safe_identifier": CERSEI },
        ])
    );
    let v = &s["first_factor_verification"];
    assert_eq!(
        (v["status"].as_str(), v["strategy"].as_str(), v["next_action"].as_str()),
        (Some("unverified"), Some("email_code"), Some("needs_prepare"))
    );
    let id = s["id"].as_str().unwrap().to_owned();
    browser
        .attempt_first_factor(&id, json!({ "strategy": "email_code", "code": "123456" }))
        .await
        .assert_error(422, "verification_not_sent");

    let prepared = browser.prepare_first_factor(&id, "email_code").await;
    let v = &prepared.response()["first_factor_verification"];
    assert_eq!(v["next_action"], "needs_attempt");
    assert_eq!(v["expire_at"], app.clock_ms() + 600_000);
    let message = app.last_message_to(CERSEI).await;
    assert!(message["body"].as_str().unwrap().contains("try to sign in"));
    let code = message["code"].as_str().unwrap().to_owned();
    // The resend limit is the sign-up codes' one: per address.
    browser.prepare_first_factor(&id, "email_code").await.assert_error(429, "verification_code_too_many_requests");

    let wrong_code = browser.attempt_first_factor(&id, json!({ "strategy": "email_code", "code": wrong(&code) })).await;
    wrong_code.assert_error(422, "form_code_incorrect");
    assert_eq!(
        browser.get(&format!("/v1/client/sign_ins/{id}")).await.response()["first_factor_verification"]["attempts"],
        1
    );
    let done = browser.attempt_first_factor(&id, json!({ "strategy": "email_code", "code": code })).await;
    let s = done.response();
    assert_eq!(s["status"], "complete");
    assert_eq!(s["user_id"], user["id"]);
    assert_eq!(s["first_factor_verification"]["verified_at_client"], done.body["client"]["id"]);
    let read = app.admin().get(&format!("/v1/admin/users/{}", user["id"].as_str().unwrap())).await;
    assert_eq!(read.body["email_verified"], true);
}

#[tokio::test]
async fn sign_in_codes_expire_and_fail_like_sign_up_codes() {
    let app = spawn_admin_app().await;
    sync_cersei(&app, json!({})).await;
    let browser = app.client();
    let id = browser.sign_in(json!({ "identifier": CERSEI })).await.response()["id"].as_str().unwrap().to_owned();
    browser.prepare_first_factor(&id, "email_code").await.response();
    let code = app.last_code_to(CERSEI).await;
    app.advance(600);
    browser
        .attempt_first_factor(&id, json!({ "strategy": "email_code", "code": code }))
        .await
        .assert_error(422, "verification_expired");
    browser.prepare_first_factor(&id, "email_code").await.response();
    let code = app.last_code_to(CERSEI).await;
    for _ in 0..5 {
        browser
            .attempt_first_factor(&id, json!({ "strategy": "email_code", "code": wrong(&code) }))
            .await
            .assert_error(422, "form_code_incorrect");
    }
    browser
        .attempt_first_factor(&id, json!({ "strategy": "email_code", "code": code }))
        .await
        .assert_error(422, "verification_failed");
}

#[tokio::test]
async fn a_user_from_a_sign_up_signs_in_too() {
    let app = spawn_admin_app().await;
    let browser = app.client();
    let id = browser.start_sign_up("ana@example.com").await;
    browser.prepare(&id, "email_code").await.response();
    let code = app.last_code_to("ana@example.com").await;
    browser.attempt(&id, "email_code", &code).await.response();
    let other = app.client();
    let answer = other.sign_in(json!({ "identifier": "Ana@Example.com", "password": "correct horse battery" })).await;
    assert_eq!(answer.response()["status"], "complete");
    let users = app.admin().get("/v1/admin/users").await;
    assert_eq!(users.body["data"][0]["email_verified"], true, "verified at sign-up");
}

#[tokio::test]
async fn factors_the_account_lacks_are_refused() {
    let app = spawn_admin_app().await;
    sync_cersei(&app, json!({})).await;
    let browser = app.client();
    let answer = browser.sign_in(json!({ "identifier": CERSEI, "password": PASSWORD })).await;
    answer.assert_error(422, "verification_strategy_invalid");
    assert_eq!(answer.param(), Some("strategy"));
    let id = browser.sign_in(json!({ "identifier": CERSEI })).await.response()["id"].as_str().unwrap().to_owned();
    let attempt = browser.attempt_first_factor(&id, json!({ "strategy": "password", "password": PASSWORD })).await;
    attempt.assert_error(422, "verification_strategy_invalid");
    browser.prepare_first_factor(&id, "password").await.assert_error(422, "verification_strategy_invalid");
}

#[tokio::test]
async fn bad_bodies_are_refused_with_their_params() {
    let app = spawn_admin_app().await;
    sync_cersei(&app, json!({ "password": PASSWORD })).await;
    let browser = app.client();
    let cases = [
        (json!({}), "form_param_missing", "identifier"),
        (json!({ "identifier": "  " }), "form_param_missing", "identifier"),
        (json!({ "identifier": "not valid!" }), "form_param_format_invalid", "identifier"),
        (json!({ "identifier": CERSEI, "strategy": "sms" }), "verification_strategy_invalid", "strategy"),
        (json!({ "identifier": CERSEI, "strategy": "password" }), "form_param_missing", "password"),
        (
            json!({ "identifier": CERSEI, "strategy": "email_code", "password": PASSWORD }),
            "form_param_unknown",
            "password",
        ),
        (json!({ "identifier": CERSEI, "code": "123456" }), "form_param_unknown", "code"),
        (json!({ "identifier": 5 }), "form_param_format_invalid", "identifier"),
        (json!({ "identifier": "nobody@example.com" }), "form_identifier_not_found", "identifier"),
    ];
    for (body, code, param) in cases {
        let answer = browser.sign_in(body.clone()).await;
        answer.assert_error(422, code);
        assert_eq!(answer.param(), Some(param), "{body}");
    }
    let id = browser.sign_in(json!({ "identifier": CERSEI })).await.response()["id"].as_str().unwrap().to_owned();
    for (body, code, param) in [
        (json!({}), "form_param_missing", "strategy"),
        (json!({ "strategy": "email_code" }), "form_param_missing", "code"),
        (json!({ "strategy": "email_code", "code": "12" }), "form_param_format_invalid", "code"),
        (json!({ "strategy": "password" }), "form_param_missing", "password"),
        (json!({ "strategy": "password", "password": PASSWORD, "code": "123456" }), "form_param_unknown", "code"),
    ] {
        let answer = browser.attempt_first_factor(&id, body.clone()).await;
        answer.assert_error(422, code);
        assert_eq!(answer.param(), Some(param), "{body}");
    }
    browser.prepare_first_factor(&id, "sms").await.assert_error(422, "verification_strategy_invalid");
}

#[tokio::test]
async fn a_sign_in_belongs_to_its_client_and_lives_a_day() {
    let app = spawn_admin_app().await;
    sync_cersei(&app, json!({ "password": PASSWORD })).await;
    let owner = app.client();
    let id = owner.sign_in(json!({ "identifier": CERSEI })).await.response()["id"].as_str().unwrap().to_owned();
    let stranger = app.client();
    stranger.get(&format!("/v1/client/sign_ins/{id}")).await.assert_error(404, "sign_in_not_found");
    stranger.prepare_first_factor(&id, "email_code").await.assert_error(404, "sign_in_not_found");
    let attempt = stranger.attempt_first_factor(&id, json!({ "strategy": "password", "password": PASSWORD })).await;
    attempt.assert_error(404, "sign_in_not_found");
    stranger.get("/v1/client/sign_ins/%FF").await.assert_error(404, "sign_in_not_found");
    assert!(app.outbox().await.is_empty());
    app.advance(24 * 3600);
    owner.get(&format!("/v1/client/sign_ins/{id}")).await.assert_error(404, "sign_in_not_found");
}
