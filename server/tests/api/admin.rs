//! The admin API: the key, user sync (`PUT /v1/admin/users`), lists,
//! reads and deletes.

use crate::helpers::{SECRET_KEY, admin_options, spawn_admin_app, spawn_app};
use gatehouse_server::config::{Config, Secret};
use gatehouse_server::{Options, build_app};
use serde_json::{Value, json};

const CERSEI: &str = "cersei-lannister@example.com";

#[tokio::test]
async fn without_a_secret_key_the_admin_api_is_off() {
    let app = spawn_app().await;
    for path in ["/v1/admin/users", "/v1/admin/invitations", "/v1/admin/users/user_x"] {
        app.admin().get(path).await.assert_error(404, "resource_not_found");
    }
    app.admin().put("/v1/admin/users", json!({ "email": CERSEI })).await.assert_error(404, "resource_not_found");
}

#[tokio::test]
async fn a_missing_or_wrong_key_is_401() {
    let app = spawn_admin_app().await;
    let no_key = app.client();
    let answer = no_key.get("/v1/admin/users").await;
    answer.assert_error(401, "authorization_invalid");
    assert_eq!(answer.header("www-authenticate").as_deref(), Some("Bearer"));
    let wrong = app.admin_with_key(&SECRET_KEY.replace('0', "1"));
    wrong.put("/v1/admin/users", json!({ "email": CERSEI })).await.assert_error(401, "authorization_invalid");
    app.admin_with_key(&SECRET_KEY[..40]).get("/v1/admin/users").await.assert_error(401, "authorization_invalid");
    // Nothing was written.
    assert_eq!(app.admin().get("/v1/admin/users").await.body["data"], json!([]));
    // A browser's client token is not an admin key either.
    let browser = app.bearer_client();
    browser.get_client().await.response();
    browser.get("/v1/admin/users").await.assert_error(401, "authorization_invalid");
}

#[tokio::test]
async fn a_short_secret_key_stops_the_server_from_starting() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("g.db").display());
    let options = Options { secret_key: Some(Secret::new(String::from("too-short"))), ..Options::default() };
    let clock = std::sync::Arc::new(gatehouse_server::clock::ManualClock::new(0));
    let Err(e) = build_app(Config::default(), &url, options, clock).await else { panic!("a short key was accepted") };
    assert!(format!("{e:#}").contains("at least 32 characters"), "{e:#}");
    assert!(!format!("{e:#}").contains("too-short"));
    assert!(!format!("{:?}", admin_options()).contains(SECRET_KEY), "the key is not printed");
}

#[tokio::test]
async fn put_creates_then_updates_by_email_and_never_shows_the_password() {
    let app = spawn_admin_app().await;
    let admin = app.admin();
    let body = json!({
        "username": "cersei.lannister", "email": CERSEI, "password": "C3rs3i#L4nnist3r", "email_verified": true,
    });
    let created = admin.put("/v1/admin/users", body.clone()).await;
    assert_eq!(created.status, 200, "{}", created.text);
    let user = &created.body;
    assert!(user["id"].as_str().unwrap().starts_with("user_"));
    assert_eq!(user["object"], "user");
    assert_eq!(user["email"], CERSEI);
    assert_eq!(user["username"], "cersei.lannister");
    assert_eq!(user["email_verified"], true);
    assert_eq!(user["has_password"], true);
    for key in ["first_name", "last_name", "external_id"] {
        assert_eq!(user[key], Value::Null, "{key}");
    }
    assert_eq!(user["metadata"], json!({}));
    assert_eq!(user["created_at"], app.clock_ms());
    assert_eq!(user["updated_at"], app.clock_ms());
    assert!(
        !created.text.contains("C3rs3i") && !created.text.contains("argon2") && !created.text.contains("password_hash")
    );

    app.advance(5);
    let again = admin
        .put("/v1/admin/users", json!({ "email": "Cersei-Lannister@Example.com", "first_name": "Cersei", "metadata": { "house": "Lannister" } }))
        .await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.body["id"], user["id"], "the same user, not a second one");
    assert_eq!(again.body["first_name"], "Cersei");
    assert_eq!(again.body["username"], "cersei.lannister", "absent keys keep their value");
    assert_eq!(again.body["has_password"], true);
    assert_eq!(again.body["email_verified"], true);
    assert_eq!(again.body["metadata"], json!({ "house": "Lannister" }));
    assert_eq!(again.body["created_at"], user["created_at"]);
    assert_eq!(again.body["updated_at"], app.clock_ms());
    let list = admin.get("/v1/admin/users").await;
    assert_eq!(list.body["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn put_finds_by_external_id_when_the_email_is_new() {
    let app = spawn_admin_app().await;
    let admin = app.admin();
    let first = admin
        .put("/v1/admin/users", json!({ "email": "old@example.com", "external_id": "crm-42", "email_verified": true }))
        .await;
    assert_eq!((first.status, first.body["email"].as_str()), (200, Some("old@example.com")), "{}", first.text);
    assert!(first.body["id"].as_str().is_some_and(|id| id.starts_with("user_")), "{}", first.text);
    let moved = admin.put("/v1/admin/users", json!({ "email": "new@example.com", "external_id": "crm-42" })).await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    assert_eq!(moved.body["id"], first.body["id"]);
    assert_eq!(moved.body["external_id"], "crm-42");
    assert_eq!(moved.body["email"], "new@example.com");
    assert_eq!(moved.body["email_verified"], false, "a new address is not verified until said so");
    // Only an external id: found by it.
    let by_id = admin.put("/v1/admin/users", json!({ "external_id": "crm-42", "last_name": "Lannister" })).await;
    assert_eq!(by_id.status, 200, "{}", by_id.text);
    assert_eq!(by_id.body["email"], "new@example.com", "{}", by_id.text);
    // One user, moved: no second one was made.
    assert_eq!(admin.get("/v1/admin/users").await.body["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        (by_id.body["id"].clone(), by_id.body["last_name"].clone()),
        (first.body["id"].clone(), json!("Lannister"))
    );
}

#[tokio::test]
async fn bad_params_are_422_with_their_names() {
    let app = spawn_admin_app().await;
    let admin = app.admin();
    let answer = admin
        .put(
            "/v1/admin/users",
            json!({ "email": "not-an-email", "username": "a b", "password_digest": "$2b$06$short" }),
        )
        .await;
    answer.assert_error(422, "form_param_format_invalid");
    let named: Vec<(&str, &str)> = answer.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["code"].as_str().unwrap(), e["meta"]["param_name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        named,
        [
            ("form_param_format_invalid", "email"),
            ("form_param_format_invalid", "username"),
            ("form_param_format_invalid", "password_digest"),
        ]
    );
    let digests = [
        "plain text",
        "$2x$06$k2WcyM0iw0Jy3aYfFBi2MuNwunZtO0S9uTV1QEyqKtmM3t/4JwYcC",
        "$2b$06$k2WcyM0iw0Jy3aYfFBi2MuNwunZtO0S9uTV1QEyqKtmM3t/4Jw",
        "$argon2id$v=19$m=19456,t=2,p=1$onlysalt",
        "$md5$whatever",
    ];
    for digest in digests {
        let answer = admin.put("/v1/admin/users", json!({ "email": CERSEI, "password_digest": digest })).await;
        answer.assert_error(422, "form_param_format_invalid");
        assert_eq!(answer.param(), Some("password_digest"), "{digest}");
    }
    let both = admin
        .put("/v1/admin/users", json!({ "email": CERSEI, "password": "C3rs3i#L4nnist3r", "password_digest": "$2b$x" }))
        .await;
    assert_eq!(both.param(), Some("password_digest"));
    let short = admin.put("/v1/admin/users", json!({ "email": CERSEI, "password": "short" })).await;
    short.assert_error(422, "form_password_length_too_short");
    let nothing = admin.put("/v1/admin/users", json!({ "username": "cersei" })).await;
    nothing.assert_error(422, "form_param_missing");
    assert_eq!(nothing.param(), Some("email"));
    let unknown = admin.put("/v1/admin/users", json!({ "email": CERSEI, "role": "queen" })).await;
    unknown.assert_error(422, "form_param_unknown");
    admin
        .put("/v1/admin/users", json!({ "email": CERSEI, "email_verified": "yes" }))
        .await
        .assert_error(422, "form_param_format_invalid");
    admin
        .send(reqwest::Method::PUT, "/v1/admin/users", Some(String::from("[1]")))
        .await
        .assert_error(400, "request_body_invalid");
    // Nothing half-written.
    assert_eq!(admin.get("/v1/admin/users").await.body["data"], json!([]));
}

#[tokio::test]
async fn identifiers_of_another_user_are_refused() {
    let app = spawn_admin_app().await;
    let admin = app.admin();
    admin.put("/v1/admin/users", json!({ "email": "a@example.com", "username": "jaime", "external_id": "x-1" })).await;
    admin.put("/v1/admin/users", json!({ "email": "b@example.com", "external_id": "x-2" })).await;
    for (body, param) in [
        (json!({ "email": "b@example.com", "username": "jaime" }), "username"),
        (json!({ "email": "b@example.com", "external_id": "x-1" }), "external_id"),
        (json!({ "email": "a@example.com", "external_id": "x-3" }), ""),
        (json!({ "email": "c@example.com", "external_id": "x-3" }), ""),
    ] {
        let answer = admin.put("/v1/admin/users", body.clone()).await;
        if param.is_empty() {
            assert_eq!(answer.status, 200, "{body}: {}", answer.text);
        } else {
            answer.assert_error(422, "form_identifier_exists");
            assert_eq!(answer.param(), Some(param), "{body}");
        }
    }
    // (An email never conflicts: a known one finds its user first.)
    // A sign-up cannot take a synced user's email.
    let browser = app.client();
    browser
        .create_sign_up(json!({ "email_address": "b@example.com" }))
        .await
        .assert_error(422, "form_identifier_exists");
}

#[tokio::test]
async fn users_are_listed_by_page_and_email_read_and_deleted() {
    let app = spawn_admin_app().await;
    let admin = app.admin();
    let mut ids = Vec::new();
    for i in 0..5 {
        let user = admin.put("/v1/admin/users", json!({ "email": format!("u{i}@example.com") })).await;
        ids.push(user.body["id"].as_str().unwrap().to_owned());
    }
    ids.sort();
    let first = admin.get("/v1/admin/users?limit=2").await;
    assert_eq!(first.body["object"], "list");
    assert_eq!(first.body["has_more"], true);
    let page: Vec<&str> = first.body["data"].as_array().unwrap().iter().map(|u| u["id"].as_str().unwrap()).collect();
    assert_eq!(page, ids[..2]);
    assert_eq!(first.body["next_after"], ids[1].as_str());
    let rest = admin.get(&format!("/v1/admin/users?limit=10&after={}", ids[1])).await;
    assert_eq!(rest.body["data"].as_array().unwrap().len(), 3);
    assert_eq!((rest.body["has_more"].clone(), rest.body["next_after"].clone()), (json!(false), Value::Null));
    let one = admin.get("/v1/admin/users?email=U3%40Example.com").await;
    assert_eq!(one.body["data"][0]["email"], "u3@example.com");
    assert_eq!(one.body["data"].as_array().unwrap().len(), 1);
    admin.get("/v1/admin/users?limit=101").await.assert_error(422, "form_param_format_invalid");
    admin.get("/v1/admin/users?status=pending").await.assert_error(422, "form_param_unknown");
    admin.get("/v1/admin/users?email=nope").await.assert_error(422, "form_param_format_invalid");

    let read = admin.get(&format!("/v1/admin/users/{}", ids[0])).await;
    assert_eq!(read.body["id"], ids[0].as_str());
    let deleted = admin.delete(&format!("/v1/admin/users/{}", ids[0])).await;
    assert_eq!(deleted.body, json!({ "object": "user", "id": ids[0], "deleted": true }));
    admin.get(&format!("/v1/admin/users/{}", ids[0])).await.assert_error(404, "resource_not_found");
    admin.delete(&format!("/v1/admin/users/{}", ids[0])).await.assert_error(404, "resource_not_found");
}

#[tokio::test]
async fn deleting_a_user_ends_their_sessions() {
    let app = spawn_admin_app().await;
    let admin = app.admin();
    let user = admin.put("/v1/admin/users", json!({ "email": CERSEI, "password": "C3rs3i#L4nnist3r" })).await;
    let browser = app.client();
    let signed_in = browser.sign_in(json!({ "identifier": CERSEI, "password": "C3rs3i#L4nnist3r" })).await;
    let session = signed_in.response()["created_session_id"].as_str().unwrap().to_owned();
    browser.session_token(&session).await.response();
    admin.delete(&format!("/v1/admin/users/{}", user.body["id"].as_str().unwrap())).await;
    browser.session_token(&session).await.assert_error(404, "session_not_found");
    assert_eq!(browser.get_client().await.response()["sessions"], json!([]));
    browser
        .sign_in(json!({ "identifier": CERSEI, "password": "C3rs3i#L4nnist3r" }))
        .await
        .assert_error(422, "form_identifier_not_found");
}

#[tokio::test]
async fn admin_calls_from_a_server_carry_no_origin_and_pass_the_csrf_rule() {
    let app = spawn_admin_app().await;
    let admin = app.admin();
    assert_eq!(admin.put("/v1/admin/users", json!({ "email": CERSEI })).await.status, 200);
    // A page on another origin cannot use a leaked key from a browser.
    admin.extra.lock().unwrap().push(("origin".into(), "http://evil.example".into()));
    admin.put("/v1/admin/users", json!({ "email": CERSEI })).await.assert_error(403, "origin_not_allowed");
}
