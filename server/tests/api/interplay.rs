//! Where the features meet: email links and event streams beside the
//! admin API, invitations, sessions and invitation-only mode. Every
//! completion takes the one path (`Operation::run`), so each must accept
//! its invitation, obey the sign-up mode, create a verified user with a
//! working session and be announced to the event streams alike.

use crate::email_link::{landing, outcome, sent};
use crate::helpers::{admin_options, dev, spawn_admin_app, spawn_admin_app_with, spawn_app, ticket_of, token_of};
use gatehouse_server::config::Config;
use serde_json::json;

const ANA: &str = "ana@example.com";

#[tokio::test]
async fn a_link_completes_a_sign_up_into_a_verified_user_with_a_working_session() {
    let app = spawn_admin_app().await;
    let browser = app.client();
    let (id, link) = sent(&app, &browser, ANA).await;
    let (status, gh_status, session) = outcome(&app.client().confirm_link(&token_of(&link)).await);
    assert_eq!((status, gh_status.as_str()), (303, "verified"));
    let session = session.expect("the sign-up completed");
    let s = browser.get_sign_up(&id).await;
    assert_eq!(s.response()["created_session_id"], session.as_str());
    let user_id = s.response()["created_user_id"].as_str().unwrap().to_owned();
    let user = app.admin().get(&format!("/v1/admin/users/{user_id}")).await;
    assert_eq!((user.body["email"].as_str(), user.body["email_verified"].clone()), (Some(ANA), json!(true)));
    // The session is the sign-up's client's, not the confirming browser's.
    assert_eq!(browser.session_token(&session).await.response()["object"], "token");
    app.client().session_token(&session).await.assert_error(404, "session_not_found");
}

#[tokio::test]
async fn a_user_synced_meanwhile_makes_the_link_fail_and_nothing_changes() {
    let app = spawn_admin_app().await;
    let browser = app.client();
    let (id, link) = sent(&app, &browser, ANA).await;
    let synced = app.admin().put("/v1/admin/users", json!({ "email": ANA })).await;
    assert_eq!(synced.status, 200, "{}", synced.text);
    let confirmer = app.client();
    assert_eq!(outcome(&confirmer.confirm_link(&token_of(&link)).await), (303, String::from("failed"), None));
    let s = browser.get_sign_up(&id).await;
    assert_eq!(s.response()["status"], "missing_requirements");
    assert_eq!(s.response()["verifications"]["email_address"]["status"], "unverified", "rolled back whole");
    let users = app.admin().get("/v1/admin/users").await;
    assert_eq!(users.body["data"].as_array().unwrap().len(), 1, "{}", users.text);
}

#[tokio::test]
async fn invitation_only_mode_stops_a_link_from_completing_an_uninvited_sign_up() {
    // A sign-up started while the instance was public, its link confirmed
    // after a restart in invitation-only mode.
    let public = spawn_app().await;
    let browser = public.client();
    let (id, link) = sent(&public, &browser, ANA).await;
    let restricted = public.restart(Config::from_toml("[sign_up]\nmode = \"restricted\"\n").unwrap(), dev()).await;
    let confirmer = restricted.client();
    assert_eq!(outcome(&confirmer.confirm_link(&token_of(&link)).await), (303, String::from("failed"), None));
    let browser = browser.at(&restricted);
    let s = browser.get_sign_up(&id).await;
    assert_eq!(s.response()["status"], "missing_requirements");
    assert_eq!(s.response()["created_user_id"], json!(null));
    // A code meets the same refusal.
    restricted.advance(30);
    browser.prepare(&id, "email_code").await.response();
    let code = restricted.last_code_to(ANA).await;
    browser.attempt(&id, "email_code", &code).await.assert_error(403, "sign_up_restricted");
}

#[tokio::test]
async fn ticket_sign_ups_are_announced_like_any_other() {
    let app = spawn_admin_app().await;
    let browser = app.client();
    let earlier = browser.start_sign_up("someone@example.com").await;
    let mut earlier_stream = browser.events(&earlier).await;
    assert_eq!(earlier_stream.next_sign_up().await["status"], "missing_requirements");

    let invitation = app.admin().post("/v1/admin/invitations", json!({ "email": ANA, "notify": false })).await;
    let ticket = ticket_of(invitation.body["url"].as_str().unwrap());
    let created = browser.create_sign_up(json!({ "strategy": "ticket", "ticket": ticket })).await;
    let id = created.response()["id"].as_str().unwrap().to_owned();
    // The ticket's create abandoned the earlier sign-up, and said so.
    assert_eq!(earlier_stream.next_sign_up().await["status"], "abandoned");
    earlier_stream.assert_ends().await;

    let mut stream = browser.events(&id).await;
    assert_eq!(stream.next_sign_up().await["missing_fields"], json!(["password"]));
    browser.update_sign_up(&id, json!({ "password": "Needle#W1nterfell" })).await.response();
    let done = stream.next_sign_up().await;
    assert_eq!(done["status"], "complete");
    assert!(done["created_session_id"].as_str().unwrap().starts_with("sess_"));
    stream.assert_ends().await;
    let accepted = app.admin().get("/v1/admin/invitations?status=accepted").await;
    assert_eq!(accepted.body["data"][0]["id"], invitation.body["id"]);
}

#[tokio::test]
async fn invitation_links_follow_the_email_link_rules_for_origins() {
    let config = Config::from_toml("public_origin = \"https://auth.example.com\"\n").unwrap();
    let app = spawn_admin_app_with(config).await;
    let admin = app.admin();
    // Without a redirect_url, the link is on the public origin, not the Host.
    let plain = admin.post("/v1/admin/invitations", json!({ "email": ANA, "notify": false })).await;
    let url = plain.body["url"].as_str().unwrap();
    assert!(url.starts_with("https://auth.example.com/?__gh_ticket="), "{url}");
    // The public origin needs no listing, as for an email link; others do.
    let own = admin
        .post(
            "/v1/admin/invitations",
            json!({ "email": "b@example.com", "redirect_url": "https://auth.example.com/join" }),
        )
        .await;
    assert_eq!(own.status, 200, "{}", own.text);
    assert!(own.body["url"].as_str().unwrap().starts_with("https://auth.example.com/join?__gh_ticket="));
    let evil = admin
        .post("/v1/admin/invitations", json!({ "email": "c@example.com", "redirect_url": "https://evil.example/join" }))
        .await;
    evil.assert_error(422, "form_param_format_invalid");
    assert_eq!(evil.param(), Some("redirect_url"));

    // Without public_origin, the origin the request reached is the own one.
    let app = crate::helpers::spawn_app_with(Config::default(), admin_options()).await;
    let own = app
        .admin()
        .post("/v1/admin/invitations", json!({ "email": ANA, "redirect_url": landing(&app), "notify": false }))
        .await;
    assert_eq!(own.status, 200, "{}", own.text);
    let dev = app
        .client()
        .post("/v1/dev/invitations", json!({ "email": "b@example.com", "redirect_url": "https://evil.example/" }))
        .await;
    dev.assert_error(422, "form_param_format_invalid");
}
