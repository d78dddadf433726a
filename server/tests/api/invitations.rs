//! Invitations: created, emailed with a ticket link, listed, revoked and
//! refreshed; sign-ups with a ticket; invitation-only mode; the dev helper.

use crate::helpers::{
    TestApp, TestClient, no_verification, spawn_admin_app, spawn_admin_app_with, spawn_app, ticket_of,
};
use gatehouse_server::config::Config;
use serde_json::{Value, json};

const DAY_MS: i64 = 24 * 3600 * 1000;
const ARYA: &str = "arya@example.com";

/// Invites `email`; answers the invitation (with its `url`).
async fn invite(app: &TestApp, body: Value) -> Value {
    let answer = app.admin().post("/v1/admin/invitations", body).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.body
}

/// Starts a sign-up with the ticket.
async fn redeem(browser: &TestClient, ticket: &str) -> crate::helpers::Answer {
    browser.create_sign_up(json!({ "strategy": "ticket", "ticket": ticket })).await
}

#[tokio::test]
async fn an_invitation_is_pending_and_emails_a_ticket_link() {
    let app = spawn_admin_app().await;
    let invitation = invite(&app, json!({ "email": " Arya@Example.com ", "metadata": { "role": "member" } })).await;
    assert!(invitation["id"].as_str().unwrap().starts_with("inv_"));
    assert_eq!(invitation["object"], "invitation");
    assert_eq!(invitation["email"], ARYA);
    assert_eq!(invitation["status"], "pending");
    assert_eq!(invitation["metadata"], json!({ "role": "member" }));
    assert_eq!(invitation["redirect_url"], Value::Null);
    assert_eq!(invitation["expires_at"], app.clock_ms() + 7 * DAY_MS);
    let url = invitation["url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/?__gh_ticket=", app.base)), "the server's own page: {url}");
    let ticket = ticket_of(url);
    assert_eq!(ticket.len(), 52, "256 bits");

    let message = app.last_message_to(ARYA).await;
    assert_eq!(message["link"], url);
    assert!(message["body"].as_str().unwrap().contains(url));
    assert!(message["body"].as_str().unwrap().contains("7 days"));
    let mut db = app.db().await;
    let stored: String = sqlx::query_scalar("SELECT ticket_hash FROM invitations").fetch_one(&mut db).await.unwrap();
    assert_eq!(stored.len(), 64);
    assert!(!stored.contains(&ticket), "only the hash is kept");
    // Reading it again never shows the link.
    let read = app.admin().get(&format!("/v1/admin/invitations/{}", invitation["id"].as_str().unwrap())).await;
    assert_eq!(read.status, 200, "{}", read.text);
    let mut without_url = invitation.clone();
    without_url.as_object_mut().unwrap().remove("url");
    assert_eq!(read.body, without_url, "the same invitation, without its link");
    assert_eq!(read.body.get("url"), None);
}

#[tokio::test]
async fn redirect_urls_must_be_allowed_and_carry_the_ticket() {
    let config = Config::from_toml("allowed_redirect_origins = [\"https://app.example.com\"]\n").unwrap();
    let app = spawn_admin_app_with(config).await;
    let invitation = invite(
        &app,
        json!({ "email": ARYA, "redirect_url": "https://app.example.com/join?plan=pro", "expires_in_days": 30 }),
    )
    .await;
    let url = invitation["url"].as_str().unwrap();
    assert!(url.starts_with("https://app.example.com/join?plan=pro&__gh_ticket="), "{url}");
    assert_eq!(invitation["redirect_url"], "https://app.example.com/join?plan=pro");
    assert_eq!(invitation["expires_at"], app.clock_ms() + 30 * DAY_MS);
    let admin = app.admin();
    for (body, param) in [
        (json!({ "email": "b@example.com", "redirect_url": "https://evil.example/join" }), "redirect_url"),
        (json!({ "email": "b@example.com", "redirect_url": "/join" }), "redirect_url"),
        (json!({ "email": "b@example.com", "expires_in_days": 0 }), "expires_in_days"),
        (json!({ "email": "b@example.com", "expires_in_days": 31 }), "expires_in_days"),
        (json!({ "email": "b@example.com", "expires_in_days": -1 }), "expires_in_days"),
        (json!({ "email": "b@example" }), "email"),
        (json!({ "email": "b@example.com", "metadata": { "x": "y".repeat(5000) } }), "metadata"),
    ] {
        let answer = admin.post("/v1/admin/invitations", body.clone()).await;
        answer.assert_error(422, "form_param_format_invalid");
        assert_eq!(answer.param(), Some(param), "{body}");
    }
    admin.post("/v1/admin/invitations", json!({})).await.assert_error(422, "form_param_missing");
    assert!(Config::from_toml("allowed_redirect_origins = [\"https://app.example.com/\"]\n").is_err());
}

#[tokio::test]
async fn existing_users_and_live_invitations_are_not_invited_twice() {
    let app = spawn_admin_app().await;
    app.admin().put("/v1/admin/users", json!({ "email": "cersei@example.com" })).await;
    let taken = app.admin().post("/v1/admin/invitations", json!({ "email": "cersei@example.com" })).await;
    taken.assert_error(422, "form_identifier_exists");
    assert_eq!(taken.param(), Some("email"));
    invite(&app, json!({ "email": ARYA, "expires_in_days": 1 })).await;
    app.admin()
        .post("/v1/admin/invitations", json!({ "email": ARYA }))
        .await
        .assert_error(422, "form_identifier_exists");
    // Once the first has expired, a new one may be made.
    app.advance(24 * 3600);
    invite(&app, json!({ "email": ARYA })).await;
}

#[tokio::test]
async fn notify_false_sends_nothing_and_the_caller_delivers_the_url() {
    let app = spawn_admin_app().await;
    let invitation = invite(&app, json!({ "email": ARYA, "notify": false })).await;
    assert!(app.outbox().await.is_empty());
    let browser = app.client();
    let s = redeem(&browser, &ticket_of(invitation["url"].as_str().unwrap())).await;
    assert_eq!(s.response()["email_address"], ARYA);
}

#[tokio::test]
async fn a_ticket_sign_up_fills_the_verified_email_and_accepts_the_invitation() {
    let app = spawn_admin_app().await;
    let invitation = invite(&app, json!({ "email": ARYA, "metadata": { "team": "north" } })).await;
    let ticket = ticket_of(invitation["url"].as_str().unwrap());
    let browser = app.client();
    let created = redeem(&browser, &ticket).await;
    let s = created.response();
    assert_eq!(s["email_address"], ARYA);
    assert_eq!(s["status"], "missing_requirements");
    assert_eq!(s["missing_fields"], json!(["password"]));
    assert_eq!(s["unverified_fields"], json!([]));
    let v = &s["verifications"]["email_address"];
    assert_eq!((v["status"].as_str(), v["strategy"].as_str()), (Some("verified"), Some("ticket")));
    assert_eq!(v["verified_at_client"], created.body["client"]["id"]);
    let id = s["id"].as_str().unwrap().to_owned();
    // The invited address cannot be swapped for another.
    browser
        .update_sign_up(&id, json!({ "email_address": "bran@example.com" }))
        .await
        .assert_error(422, "form_param_unknown");
    let same = browser.update_sign_up(&id, json!({ "email_address": ARYA })).await;
    assert_eq!(
        (same.response()["email_address"].as_str(), same.response()["status"].as_str()),
        (Some(ARYA), Some("missing_requirements"))
    );

    let done = browser.update_sign_up(&id, json!({ "password": "Needle#W1nterfell" })).await;
    let s = done.response();
    assert_eq!(s["status"], "complete");
    let user_id = s["created_user_id"].as_str().unwrap();
    let listed = app.admin().get("/v1/admin/invitations?status=accepted").await;
    assert_eq!(listed.body["data"][0]["id"], invitation["id"]);
    let user = app.admin().get(&format!("/v1/admin/users/{user_id}")).await;
    assert_eq!(
        (user.body["email_verified"].clone(), user.body["metadata"].clone()),
        (json!(true), json!({ "team": "north" }))
    );
    // A used ticket is dead.
    redeem(&app.client(), &ticket).await.assert_error(422, "ticket_invalid");
    let revoke = app
        .admin()
        .post(&format!("/v1/admin/invitations/{}/revoke", invitation["id"].as_str().unwrap()), json!({}))
        .await;
    revoke.assert_error(422, "ticket_invalid");
}

#[tokio::test]
async fn bad_tickets_are_invalid_and_old_ones_expired() {
    let app = spawn_admin_app().await;
    let browser = app.client();
    for (body, code, param) in [
        (json!({ "strategy": "ticket", "ticket": "nope" }), "ticket_invalid", "ticket"),
        (json!({ "strategy": "ticket", "ticket": "a".repeat(52) }), "ticket_invalid", "ticket"),
        (json!({ "strategy": "ticket" }), "form_param_missing", "ticket"),
        (json!({ "strategy": "magic", "ticket": "a".repeat(52) }), "verification_strategy_invalid", "strategy"),
    ] {
        let answer = browser.create_sign_up(body.clone()).await;
        answer.assert_error(422, code);
        assert_eq!(answer.param(), Some(param), "{body}");
    }
    let invitation = invite(&app, json!({ "email": ARYA, "expires_in_days": 1 })).await;
    let ticket = ticket_of(invitation["url"].as_str().unwrap());
    let other = browser
        .create_sign_up(json!({ "strategy": "ticket", "ticket": ticket, "email_address": "bran@example.com" }))
        .await;
    other.assert_error(422, "form_param_unknown");
    app.advance(24 * 3600);
    redeem(&browser, &ticket).await.assert_error(422, "ticket_expired");
    let expired = app.admin().get("/v1/admin/invitations?status=expired").await;
    assert_eq!(expired.body["data"][0]["status"], "expired");
    assert_eq!(app.admin().get("/v1/admin/invitations?status=pending").await.body["data"], json!([]));
}

#[tokio::test]
async fn revoke_and_refresh_kill_the_old_ticket() {
    let app = spawn_admin_app().await;
    let admin = app.admin();
    let invitation = invite(&app, json!({ "email": ARYA })).await;
    let id = invitation["id"].as_str().unwrap().to_owned();
    let old = ticket_of(invitation["url"].as_str().unwrap());
    app.advance(3600);
    let refreshed = admin.post(&format!("/v1/admin/invitations/{id}/refresh"), json!({ "expires_in_days": 2 })).await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.text);
    assert_eq!(refreshed.body["expires_at"], app.clock_ms() + 2 * DAY_MS);
    assert_eq!(refreshed.body["status"], "pending");
    let new = ticket_of(refreshed.body["url"].as_str().unwrap());
    assert_ne!(new, old);
    assert_eq!(app.last_message_to(ARYA).await["link"], refreshed.body["url"], "the new link is emailed");
    let browser = app.client();
    redeem(&browser, &old).await.assert_error(422, "ticket_invalid");
    let started = redeem(&browser, &new).await.response()["id"].as_str().unwrap().to_owned();

    let revoked = admin.post(&format!("/v1/admin/invitations/{id}/revoke"), json!({})).await;
    assert_eq!(revoked.body["status"], "revoked");
    assert_eq!(admin.post(&format!("/v1/admin/invitations/{id}/revoke"), json!({})).await.body["status"], "revoked");
    redeem(&app.client(), &new).await.assert_error(422, "ticket_invalid");
    // A sign-up started before the revocation cannot complete with it.
    browser
        .update_sign_up(&started, json!({ "password": "Needle#W1nterfell" }))
        .await
        .assert_error(422, "ticket_invalid");
    assert_eq!(browser.get_sign_up(&started).await.response()["status"], "missing_requirements");
    admin.post(&format!("/v1/admin/invitations/{id}/refresh"), json!({})).await.assert_error(422, "ticket_invalid");
    admin.post("/v1/admin/invitations/inv_nope/revoke", json!({})).await.assert_error(404, "resource_not_found");
    admin.post("/v1/admin/invitations/inv_nope/refresh", json!({})).await.assert_error(404, "resource_not_found");
}

#[tokio::test]
async fn a_refresh_also_stops_sign_ups_started_with_the_old_ticket() {
    let app = spawn_admin_app_with(no_verification()).await;
    let invitation = invite(&app, json!({ "email": ARYA })).await;
    let browser = app.client();
    let started = redeem(&browser, &ticket_of(invitation["url"].as_str().unwrap())).await.response()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.admin()
        .post(
            &format!("/v1/admin/invitations/{}/refresh", invitation["id"].as_str().unwrap()),
            json!({ "notify": false }),
        )
        .await;
    browser
        .update_sign_up(&started, json!({ "password": "Needle#W1nterfell" }))
        .await
        .assert_error(422, "ticket_invalid");
}

#[tokio::test]
async fn invitations_are_listed_by_status_email_and_page() {
    let app = spawn_admin_app().await;
    let admin = app.admin();
    let mut ids = Vec::new();
    for name in ["a", "b", "c", "d"] {
        ids.push(
            invite(&app, json!({ "email": format!("{name}@example.com") })).await["id"].as_str().unwrap().to_owned(),
        );
    }
    admin.post(&format!("/v1/admin/invitations/{}/revoke", ids[0]), json!({})).await;
    ids.sort();
    let page = admin.get("/v1/admin/invitations?limit=3").await;
    assert_eq!((page.body["data"].as_array().unwrap().len(), page.body["has_more"].clone()), (3, json!(true)));
    let rest = admin.get(&format!("/v1/admin/invitations?after={}", page.body["next_after"].as_str().unwrap())).await;
    assert_eq!(rest.body["data"][0]["id"], ids[3].as_str());
    assert_eq!(admin.get("/v1/admin/invitations?status=pending").await.body["data"].as_array().unwrap().len(), 3);
    assert_eq!(admin.get("/v1/admin/invitations?status=revoked").await.body["data"][0]["email"], "a@example.com");
    assert_eq!(
        admin.get("/v1/admin/invitations?email=c%40example.com").await.body["data"][0]["email"],
        "c@example.com"
    );
    admin.get("/v1/admin/invitations?status=gone").await.assert_error(422, "form_param_format_invalid");
    assert!(page.body["data"].as_array().unwrap().iter().all(|i| i.get("url").is_none()));
}

#[tokio::test]
async fn restricted_mode_takes_only_sign_ups_with_a_valid_ticket() {
    let config = Config::from_toml("[sign_up]\nmode = \"restricted\"\n").unwrap();
    let app = spawn_admin_app_with(config).await;
    let browser = app.client();
    assert_eq!(browser.get("/v1/environment").await.body["sign_up"]["mode"], "restricted");
    browser
        .create_sign_up(json!({ "email_address": ARYA, "password": "Needle#W1nterfell" }))
        .await
        .assert_error(403, "sign_up_restricted");
    browser.create_sign_up(json!({})).await.assert_error(403, "sign_up_restricted");
    redeem(&browser, "nope").await.assert_error(422, "ticket_invalid");
    let invitation = invite(&app, json!({ "email": ARYA })).await;
    let ticket = ticket_of(invitation["url"].as_str().unwrap());
    let created = browser
        .create_sign_up(json!({ "strategy": "ticket", "ticket": ticket, "password": "Needle#W1nterfell" }))
        .await;
    let s = created.response();
    assert_eq!(s["status"], "complete", "the ticket verified the email; the password was the last requirement");
    assert!(s["created_session_id"].as_str().is_some());
}

#[tokio::test]
async fn the_dev_helper_invites_without_the_admin_key_in_dev_mode_only() {
    let app = spawn_app().await;
    let browser = app.client();
    let answer = browser.post("/v1/dev/invitations", json!({ "email": ARYA })).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.body["status"], "pending");
    let link = app.last_message_to(ARYA).await["link"].as_str().unwrap().to_owned();
    assert_eq!(answer.body["url"], link.as_str());
    assert_eq!(redeem(&browser, &ticket_of(&link)).await.response()["email_address"], ARYA);

    let prod = crate::helpers::spawn_app_with(Config::default(), gatehouse_server::Options::default()).await;
    prod.client().post("/v1/dev/invitations", json!({ "email": ARYA })).await.assert_error(404, "resource_not_found");
}
