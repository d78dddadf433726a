//! Sessions: tokens (EdDSA JWTs verified here with `ring` over the JWKS,
//! see `jwt`), sign-out, keys that survive a restart, and key rotation.

use crate::helpers::{TestApp, TestClient, admin_options, spawn_admin_app, spawn_admin_app_with};
use crate::jwt;
use crate::sign_in::{CERSEI, PASSWORD, sign_in_with_password, sync_cersei};
use gatehouse_server::config::Config;
use gatehouse_server::session::keys;
use serde_json::{Value, json};

/// An app with Cersei signed in on a browser; answers the browser and
/// the complete sign-in.
async fn signed_in(app: &TestApp) -> (TestClient, Value) {
    sync_cersei(app, json!({ "password": PASSWORD })).await;
    let browser = app.client();
    let sign_in = sign_in_with_password(&browser, CERSEI).await;
    (browser, sign_in)
}

fn session_of(sign_in: &Value) -> String {
    sign_in["created_session_id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_token_is_an_eddsa_jwt_with_the_session_claims() {
    let app = spawn_admin_app().await;
    let (browser, sign_in) = signed_in(&app).await;
    let session = session_of(&sign_in);
    let answer = browser.session_token(&session).await;
    let token = answer.response();
    assert_eq!(token["object"], "token");
    assert_eq!(
        answer.body["client"]["last_active_session_id"],
        session.as_str(),
        "the envelope, as every client answer"
    );
    let now_s = app.clock_ms() / 1000;
    assert_eq!(token["issued_at"], now_s * 1000);
    assert_eq!(token["expire_at"], (now_s + 60) * 1000);

    let jwks = app.jwks().await;
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 1);
    let (header, claims) = jwt::verify(token["jwt"].as_str().unwrap(), &jwks);
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(header["typ"], "JWT");
    assert_eq!(header["kid"], jwks["keys"][0]["kid"]);
    assert_eq!(claims["sub"], sign_in["user_id"]);
    assert_eq!(claims["sid"], session.as_str());
    assert_eq!(claims["iss"], "gatehouse");
    assert_eq!(claims["iat"], now_s);
    assert_eq!(claims["exp"], now_s + 60, "60 s by default");
    assert_eq!(claims["nbf"], now_s, "not valid before it was issued");
    let keys: Vec<&str> = claims.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 7, "no `aud` unless configured: {claims}");
    // Each token is its own.
    let again = browser.session_token(&session).await;
    let (_, other) = jwt::verify(again.response()["jwt"].as_str().unwrap(), &jwks);
    assert_ne!(other["jti"], claims["jti"]);
    // A token with another token's signature does not verify.
    let (jwt, other_jwt) = (token["jwt"].as_str().unwrap(), again.response()["jwt"].as_str().unwrap());
    let forged = [&jwt[..jwt.rfind('.').unwrap()], &other_jwt[other_jwt.rfind('.').unwrap()..]].concat();
    assert!(jwt::check(&forged, &jwks).is_err());
}

#[tokio::test]
async fn the_jwks_is_cacheable_and_shows_only_public_keys() {
    let app = spawn_admin_app().await;
    let answer = app.client().get("/.well-known/jwks.json").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("cache-control").as_deref(), Some("public, max-age=300"));
    let key = &answer.body["keys"][0];
    let fields: Vec<&str> = key.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(fields, ["alg", "crv", "kid", "kty", "use", "x"], "no `d`: {key}");
    assert_eq!(key["kid"].as_str().unwrap().len(), 43, "a SHA-256 thumbprint, base64url");
}

#[tokio::test]
async fn the_token_ttl_and_issuer_are_configurable() {
    let config =
        Config::from_toml("[session]\ntoken_ttl_seconds = 300\nissuer = \"https://auth.example.com\"\n").unwrap();
    let app = spawn_admin_app_with(config).await;
    let (browser, sign_in) = signed_in(&app).await;
    let token = browser.session_token(&session_of(&sign_in)).await;
    let (_, claims) = jwt::verify(token.response()["jwt"].as_str().unwrap(), &app.jwks().await);
    assert_eq!(claims["iss"], "https://auth.example.com");
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 300);
    assert!(Config::from_toml("[session]\ntoken_ttl_seconds = 0\n").is_err());
    assert!(Config::from_toml("[session]\nissuer = \"\"\n").is_err());
}

#[tokio::test]
async fn a_token_never_outlives_its_session() {
    let config = Config::from_toml("[session]\nlifetime_seconds = 90\n").unwrap();
    let app = spawn_admin_app_with(config).await;
    let signed_in_at = app.clock_ms();
    let (browser, sign_in) = signed_in(&app).await;
    let session = session_of(&sign_in);
    assert_eq!(browser.get_client().await.response()["sessions"][0]["expire_at"], signed_in_at + 90_000);
    app.advance(60);
    let token = browser.session_token(&session).await;
    assert_eq!(token.response()["expire_at"], (signed_in_at + 90_000) / 1000 * 1000, "30 s left, not 60");
    app.advance(30);
    browser.session_token(&session).await.assert_error(404, "session_not_found");
    assert_eq!(browser.get_client().await.response()["sessions"], json!([]));
}

#[tokio::test]
async fn sessions_of_sign_ups_get_tokens_and_other_clients_get_404() {
    let app = spawn_admin_app().await;
    let browser = app.client();
    let id = browser.start_sign_up("ana@example.com").await;
    browser.prepare(&id, "email_code").await.response();
    let code = app.last_code_to("ana@example.com").await;
    let sign_up = browser.attempt(&id, "email_code", &code).await.response().clone();
    let session = sign_up["created_session_id"].as_str().unwrap();
    let token = browser.session_token(session).await;
    let (_, claims) = jwt::verify(token.response()["jwt"].as_str().unwrap(), &app.jwks().await);
    assert_eq!(claims["sub"], sign_up["created_user_id"]);
    let stranger = app.client();
    stranger.session_token(session).await.assert_error(404, "session_not_found");
    stranger.delete(&format!("/v1/client/sessions/{session}")).await.assert_error(404, "session_not_found");
    stranger.session_token("sess_nope").await.assert_error(404, "session_not_found");
}

#[tokio::test]
async fn signing_out_revokes_the_session() {
    let app = spawn_admin_app().await;
    let (browser, sign_in) = signed_in(&app).await;
    let session = session_of(&sign_in);
    let out = browser.delete(&format!("/v1/client/sessions/{session}")).await;
    let s = out.response();
    assert_eq!(
        (s["object"].as_str(), s["id"].as_str(), s["status"].as_str()),
        (Some("session"), Some(session.as_str()), Some("revoked"))
    );
    assert_eq!(out.body["client"]["sessions"], json!([]));
    assert_eq!(out.body["client"]["last_active_session_id"], Value::Null);
    browser.session_token(&session).await.assert_error(404, "session_not_found");
    // Signing out again answers the same.
    assert_eq!(browser.delete(&format!("/v1/client/sessions/{session}")).await.response()["status"], "revoked");
    // A new sign-in gets a new session.
    let again = sign_in_with_password(&browser, CERSEI).await;
    assert_ne!(session_of(&again), session);
    browser.session_token(&session_of(&again)).await.response();
}

#[tokio::test]
async fn keys_survive_a_restart_so_tokens_still_verify() {
    let app = spawn_admin_app().await;
    let (browser, sign_in) = signed_in(&app).await;
    let token = browser.session_token(&session_of(&sign_in)).await.response()["jwt"].as_str().unwrap().to_owned();
    let before = app.jwks().await;

    let restarted = app.restart(Config::default(), admin_options()).await;
    let after = restarted.jwks().await;
    assert_eq!(after, before, "the same keys");
    jwt::verify(&token, &after);
    // The restarted server signs with the same key, for the same session.
    let moved = TestClient::new(&restarted.base, crate::helpers::Mode::Cookie);
    *moved.extra.lock().unwrap() = vec![("cookie".into(), format!("__gh_client={}", browser.token().unwrap()))];
    let fresh = moved.session_token(&session_of(&sign_in)).await;
    let (header, _) = jwt::verify(fresh.response()["jwt"].as_str().unwrap(), &before);
    assert_eq!(header["kid"], before["keys"][0]["kid"]);
}

#[tokio::test]
async fn a_rotation_publishes_the_new_key_first_and_keeps_the_old_one_until_its_tokens_expire() {
    let app = spawn_admin_app().await;
    let (browser, sign_in) = signed_in(&app).await;
    let session = session_of(&sign_in);
    let old_kid = app.jwks().await["keys"][0]["kid"].clone();
    let new = keys::rotate(&app.store().await, app.clock_ms(), 600_000, false).await.unwrap();

    let jwks = app.jwks().await;
    let kids: Vec<&Value> = jwks["keys"].as_array().unwrap().iter().map(|k| &k["kid"]).collect();
    assert_eq!(kids, [&old_kid, &json!(new.kid)], "published before it signs");
    let (header, _) = jwt::verify(browser.session_token(&session).await.response()["jwt"].as_str().unwrap(), &jwks);
    assert_eq!(header["kid"], old_kid);

    app.advance(599);
    let last_old = browser.session_token(&session).await.response()["jwt"].as_str().unwrap().to_owned();
    app.advance(1);
    let token = browser.session_token(&session).await;
    let (header, _) = jwt::verify(token.response()["jwt"].as_str().unwrap(), &app.jwks().await);
    assert_eq!(header["kid"], new.kid.as_str(), "the new key signs once active");
    // The old key stays listed while tokens it signed may live (60 s + 60 s skew).
    app.advance(119);
    jwt::verify(&last_old, &app.jwks().await);
    app.advance(1);
    let jwks = app.jwks().await;
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 1);
    assert!(jwt::check(&last_old, &jwks).is_err(), "gone once its last token expired");
    // The old key's private half is erased at the next start or rotation.
    let restarted = app.restart(Config::default(), admin_options()).await;
    let stored = restarted.store().await.signing_keys().await.unwrap();
    let old = stored.iter().find(|k| json!(k.kid) == old_kid).unwrap();
    assert!(old.private_key.is_none());
}

#[tokio::test]
async fn a_compromised_key_is_replaced_and_withdrawn_at_once() {
    let app = spawn_admin_app().await;
    let (browser, sign_in) = signed_in(&app).await;
    let session = session_of(&sign_in);
    let before = browser.session_token(&session).await.response()["jwt"].as_str().unwrap().to_owned();
    let new = keys::rotate(&app.store().await, app.clock_ms(), 600_000, true).await.unwrap();
    let jwks = app.jwks().await;
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 1);
    assert_eq!(jwks["keys"][0]["kid"], new.kid.as_str());
    assert!(jwt::check(&before, &jwks).is_err(), "tokens of the old key stop verifying");
    let (header, _) = jwt::verify(browser.session_token(&session).await.response()["jwt"].as_str().unwrap(), &jwks);
    assert_eq!(header["kid"], new.kid.as_str());
}

#[tokio::test]
async fn a_configured_audience_is_the_aud_claim() {
    let config = Config::from_toml("[session]\naudience = \"https://app.example.com\"\n").unwrap();
    let app = crate::helpers::spawn_admin_app_with(config).await;
    let (browser, sign_in) = signed_in(&app).await;
    let token = browser.session_token(&session_of(&sign_in)).await;
    let (_, claims) = jwt::verify(token.response()["jwt"].as_str().unwrap(), &app.jwks().await);
    assert_eq!(claims["aud"], "https://app.example.com");
    assert_eq!(claims["nbf"], claims["iat"]);
}

#[tokio::test]
async fn the_admin_api_revokes_all_of_a_users_sessions() {
    let app = spawn_admin_app().await;
    let (laptop, first) = signed_in(&app).await;
    let phone = app.client();
    let second = sign_in_with_password(&phone, CERSEI).await;
    let user = first["user_id"].as_str().unwrap();
    let answer = app.admin().post(&format!("/v1/admin/users/{user}/revoke_sessions"), json!({})).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.body, json!({ "object": "sessions_revoked", "user_id": user, "revoked": 2 }));
    laptop.session_token(&session_of(&first)).await.assert_error(404, "session_not_found");
    phone.session_token(&session_of(&second)).await.assert_error(404, "session_not_found");
    assert_eq!(laptop.get_client().await.response()["sessions"], json!([]));
    // An unknown user, and no key.
    let unknown = app.admin().post("/v1/admin/users/user_nope/revoke_sessions", json!({})).await;
    unknown.assert_error(404, "resource_not_found");
    let anyone = app.client().post(&format!("/v1/admin/users/{user}/revoke_sessions"), json!({})).await;
    anyone.assert_error(401, "authorization_invalid");
}

#[tokio::test]
async fn an_admin_password_change_ends_the_users_sessions() {
    let app = spawn_admin_app().await;
    let (browser, sign_in) = signed_in(&app).await;
    let session = session_of(&sign_in);
    // A sync that does not change the password leaves them.
    sync_cersei(&app, json!({ "first_name": "Cersei" })).await;
    browser.session_token(&session).await.response();
    sync_cersei(&app, json!({ "password": "an0ther-Secret!" })).await;
    browser.session_token(&session).await.assert_error(404, "session_not_found");
}
