//! Creating, reading and updating sign-ups; completion; who may see them.

use crate::helpers::{dev, no_verification, spawn_app, spawn_app_with};
use gatehouse_server::config::Config;
use serde_json::{Value, json};

#[tokio::test]
async fn create_normalizes_fields_and_computes_the_lists() {
    let app = spawn_app().await;
    let browser = app.client();
    let answer = browser.create_sign_up(json!({ "email_address": "  Ana@Example.COM ", "first_name": " Ana " })).await;
    let s = answer.response();
    assert!(s["id"].as_str().unwrap().starts_with("su_"));
    assert_eq!(s["object"], "sign_up");
    assert_eq!(s["status"], "missing_requirements");
    assert_eq!(s["email_address"], "ana@example.com");
    assert_eq!(s["first_name"], "Ana");
    assert_eq!(s["has_password"], false);
    assert_eq!(s["required_fields"], json!(["email_address", "password"]));
    assert_eq!(s["optional_fields"], json!(["phone_number", "first_name", "last_name"]));
    assert_eq!(s["missing_fields"], json!(["password"]));
    assert_eq!(s["unverified_fields"], json!(["email_address"]));
    let v = &s["verifications"]["email_address"];
    assert_eq!(v["status"], "unverified");
    assert_eq!(v["next_action"], "needs_prepare");
    assert_eq!(v["supported_strategies"], json!(["email_code", "email_link"]));
    assert_eq!(s["verifications"]["phone_number"], Value::Null);
    assert_eq!(s["created_user_id"], Value::Null);
    let created = app.clock_ms();
    assert_eq!(s["abandon_at"], created + 24 * 3600 * 1000);
    assert_eq!(answer.body["client"]["sign_up_id"], s["id"]);
}

#[tokio::test]
async fn update_adds_fields_and_get_reads_them() {
    let app = spawn_app().await;
    let browser = app.client();
    let id = browser.create_sign_up(json!({})).await.response()["id"].as_str().unwrap().to_owned();
    let answer = browser
        .update_sign_up(
            &id,
            json!({ "password": "correct horse", "last_name": "Lopez", "unsafe_metadata": { "plan": "pro" } }),
        )
        .await;
    let s = answer.response();
    assert_eq!(s["has_password"], true);
    assert_eq!(s["last_name"], "Lopez");
    assert_eq!(s["unsafe_metadata"], json!({ "plan": "pro" }));
    assert_eq!(s["missing_fields"], json!(["email_address"]));
    // null means "not supplied": nothing changes.
    let same = browser.update_sign_up(&id, json!({ "last_name": null })).await;
    assert_eq!(same.response()["last_name"], "Lopez");

    let read = browser.get_sign_up(&id).await;
    assert_eq!(read.response()["last_name"], "Lopez");
    assert_eq!(read.body["client"]["sign_up_id"], id.as_str());
}

#[tokio::test]
async fn passwords_are_stored_as_argon2id() {
    let app = spawn_app().await;
    app.client().start_sign_up("ana@example.com").await;
    let mut db = app.db().await;
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM sign_ups").fetch_one(&mut db).await.unwrap();
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
}

#[tokio::test]
async fn invalid_fields_are_all_reported_with_their_names() {
    let app = spawn_app().await;
    let answer = app
        .client()
        .create_sign_up(json!({ "email_address": "not-an-email", "password": "short", "phone_number": "12" }))
        .await;
    answer.assert_error(422, "form_param_format_invalid");
    let errors: Vec<(&str, &str)> = answer.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["code"].as_str().unwrap(), e["meta"]["param_name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        errors,
        vec![
            ("form_param_format_invalid", "email_address"),
            ("form_param_format_invalid", "phone_number"),
            ("form_password_length_too_short", "password"),
        ]
    );
    let too_long = app.client().create_sign_up(json!({ "password": "x".repeat(257) })).await;
    too_long.assert_error(422, "form_password_length_too_long");
    let metadata = app.client().create_sign_up(json!({ "unsafe_metadata": { "blob": "x".repeat(5000) } })).await;
    metadata.assert_error(422, "form_param_format_invalid");
    assert_eq!(metadata.param(), Some("unsafe_metadata"));
}

#[tokio::test]
async fn a_disabled_attribute_is_an_unknown_param() {
    let app = spawn_app().await;
    let answer = app.client().create_sign_up(json!({ "username": "ana", "email_address": "ana@example.com" })).await;
    answer.assert_error(422, "form_param_unknown");
    assert_eq!(answer.param(), Some("username"));
}

#[tokio::test]
async fn enabled_attributes_from_the_config_are_accepted() {
    let config = Config::from_toml(
        "[attributes.username]\nenabled = true\nrequired = true\n[attributes.legal_accepted]\nenabled = true\nrequired = true\n",
    )
    .unwrap();
    let app = spawn_app_with(config, dev()).await;
    let browser = app.client();
    let s = browser.create_sign_up(json!({ "username": "Ana.Lopez", "legal_accepted": false })).await;
    let s = s.response();
    assert_eq!(s["username"], "ana.lopez");
    assert_eq!(s["required_fields"], json!(["email_address", "username", "password", "legal_accepted"]));
    // legal_accepted = false is not an acceptance.
    assert_eq!(s["missing_fields"], json!(["email_address", "password", "legal_accepted"]));
    let short = browser.create_sign_up(json!({ "username": "ab" })).await;
    short.assert_error(422, "form_param_format_invalid");
    assert_eq!(short.param(), Some("username"));
}

#[tokio::test]
async fn completion_creates_the_user_and_session_in_the_same_request() {
    let app = spawn_app_with(no_verification(), dev()).await;
    let browser = app.client();
    let id = browser.create_sign_up(json!({ "email_address": "ana@example.com" })).await.response()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let answer = browser.update_sign_up(&id, json!({ "password": "correct horse" })).await;
    let s = answer.response();
    assert_eq!(s["status"], "complete");
    assert_eq!(s["missing_fields"], json!([]));
    let user_id = s["created_user_id"].as_str().expect("a user id");
    let session_id = s["created_session_id"].as_str().expect("a session id");
    assert!(user_id.starts_with("user_") && session_id.starts_with("sess_"));

    let client = &answer.body["client"];
    assert_eq!(client["last_active_session_id"], session_id);
    let session = &client["sessions"][0];
    assert_eq!((session["id"].as_str(), session["user_id"].as_str()), (Some(session_id), Some(user_id)));
    assert_eq!(session["status"], "active");
    assert_eq!(session["object"], "session");
    assert!(session["expire_at"].as_i64().unwrap() > session["created_at"].as_i64().unwrap());
    assert_eq!(browser.get_client().await.response()["sessions"][0]["id"], session_id);

    let mut db = app.db().await;
    let (email, hash): (String, String) =
        sqlx::query_as("SELECT email_address, password_hash FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(&mut db)
            .await
            .unwrap();
    assert_eq!(email, "ana@example.com");
    assert!(hash.starts_with("$argon2id$"));
}

#[tokio::test]
async fn a_complete_or_abandoned_sign_up_cannot_change() {
    let app = spawn_app_with(no_verification(), dev()).await;
    let browser = app.client();
    let done = browser.start_sign_up("ana@example.com").await;
    assert_eq!(browser.get_sign_up(&done).await.response()["status"], "complete");
    browser.update_sign_up(&done, json!({ "first_name": "Ana" })).await.assert_error(409, "sign_up_not_modifiable");
    browser.prepare(&done, "email_code").await.assert_error(409, "sign_up_not_modifiable");
    browser.attempt(&done, "email_code", "123456").await.assert_error(409, "sign_up_not_modifiable");

    // A new create abandons the client's open sign-up.
    let open =
        browser.create_sign_up(json!({ "first_name": "Bea" })).await.response()["id"].as_str().unwrap().to_owned();
    let newer =
        browser.create_sign_up(json!({ "first_name": "Bea" })).await.response()["id"].as_str().unwrap().to_owned();
    assert_eq!(browser.get_sign_up(&open).await.response()["status"], "abandoned");
    browser.update_sign_up(&open, json!({ "last_name": "X" })).await.assert_error(409, "sign_up_not_modifiable");
    assert_eq!(browser.get_client().await.response()["sign_up_id"], newer.as_str());
}

#[tokio::test]
async fn a_sign_up_left_open_a_day_is_abandoned() {
    let app = spawn_app().await;
    let browser = app.client();
    let id = browser.start_sign_up("ana@example.com").await;
    app.advance(24 * 3600);
    assert_eq!(browser.get_sign_up(&id).await.response()["status"], "abandoned");
    browser.update_sign_up(&id, json!({ "first_name": "Ana" })).await.assert_error(409, "sign_up_not_modifiable");
}

#[tokio::test]
async fn another_client_cannot_see_a_sign_up() {
    let app = spawn_app().await;
    let owner = app.client();
    let id = owner.start_sign_up("ana@example.com").await;
    let stranger = app.client();
    stranger.get_sign_up(&id).await.assert_error(404, "sign_up_not_found");
    stranger.update_sign_up(&id, json!({ "first_name": "Eve" })).await.assert_error(404, "sign_up_not_found");
    stranger.prepare(&id, "email_code").await.assert_error(404, "sign_up_not_found");
    stranger.attempt(&id, "email_code", "123456").await.assert_error(404, "sign_up_not_found");
    let bearer = app.bearer_client();
    bearer.get_sign_up(&id).await.assert_error(404, "sign_up_not_found");
    // Nothing leaked into the owner's sign-up.
    assert_eq!(owner.get_sign_up(&id).await.response()["first_name"], Value::Null);
    assert!(app.outbox().await.is_empty());
}

#[tokio::test]
async fn an_identifier_a_user_has_is_refused() {
    let app = spawn_app_with(no_verification(), dev()).await;
    app.client().start_sign_up("ana@example.com").await;
    let second = app.client();
    let answer =
        second.create_sign_up(json!({ "email_address": "ANA@example.com", "password": "correct horse" })).await;
    answer.assert_error(422, "form_identifier_exists");
    assert_eq!(answer.param(), Some("email_address"));
    // Through an update too.
    let id = second.create_sign_up(json!({})).await.response()["id"].as_str().unwrap().to_owned();
    let answer = second.update_sign_up(&id, json!({ "email_address": "ana@example.com" })).await;
    answer.assert_error(422, "form_identifier_exists");
}

#[tokio::test]
async fn restricted_mode_and_tickets() {
    let app = spawn_app().await;
    let answer = app.client().create_sign_up(json!({ "strategy": "ticket", "ticket": "abc" })).await;
    answer.assert_error(422, "ticket_invalid");
    assert_eq!(answer.param(), Some("ticket"));

    let restricted = Config::from_toml("[sign_up]\nmode = \"restricted\"\n").unwrap();
    let app = spawn_app_with(restricted, dev()).await;
    let answer = app.client().create_sign_up(json!({ "email_address": "ana@example.com" })).await;
    answer.assert_error(403, "sign_up_restricted");
    assert_eq!(app.client().get("/v1/environment").await.body["sign_up"]["mode"], "restricted");
}
