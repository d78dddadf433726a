//! Phone numbers are off until an SMS sender is configured: outside dev
//! mode without `[sms]` (see `sms.rs`) `phone_code` is not offered and
//! asking for one is refused, never a silent 200; the dev outbox counts as
//! a sender.

use crate::helpers::{spawn_app, spawn_app_with};
use gatehouse_server::Options;
use gatehouse_server::config::Config;
use serde_json::json;

#[tokio::test]
async fn without_an_sms_sender_phone_codes_are_neither_offered_nor_sent() {
    let prod = spawn_app_with(Config::default(), Options::default()).await;
    let browser = prod.client();
    let env = browser.get("/v1/environment").await.body;
    let phone = &env["sign_up"]["attributes"]["phone_number"];
    assert_eq!(phone["enabled"], false, "{env}");
    assert_eq!(phone["verification_strategies"], json!([]));

    let body = json!({ "email_address": "cersei@example.com", "phone_number": "+14155550123" });
    let with_phone = browser.create_sign_up(body).await;
    with_phone.assert_error(422, "form_param_unknown");
    assert_eq!(with_phone.param(), Some("phone_number"));

    let sign_up = browser.create_sign_up(json!({ "email_address": "cersei@example.com" })).await;
    let id = sign_up.response()["id"].as_str().unwrap().to_owned();
    let prepare = browser.prepare(&id, "phone_code").await;
    prepare.assert_error(422, "verification_strategy_invalid");
    assert_eq!(prepare.param(), Some("strategy"));
}

#[tokio::test]
async fn a_required_phone_number_without_an_sms_sender_stops_the_start() {
    let config = Config::from_toml("[attributes.phone_number]\nrequired = true\n").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("g.db").display());
    let clock = std::sync::Arc::new(gatehouse_server::clock::ManualClock::starting_now());
    let refused = gatehouse_server::build_app(config, &url, Options::default(), clock).await.err().expect("refused");
    assert!(refused.to_string().contains("attributes.phone_number"), "{refused:#}");
}

#[tokio::test]
async fn in_dev_mode_the_outbox_sends_phone_codes() {
    let app = spawn_app().await;
    let browser = app.client();
    let env = browser.get("/v1/environment").await.body;
    assert_eq!(env["sign_up"]["attributes"]["phone_number"]["verification_strategies"], json!(["phone_code"]));
    let body = json!({ "email_address": "cersei@example.com", "phone_number": "+14155550123" });
    let sign_up = browser.create_sign_up(body).await;
    let id = sign_up.response()["id"].as_str().unwrap().to_owned();
    browser.prepare(&id, "phone_code").await.response();
    assert_eq!(app.last_code_to("+14155550123").await.len(), 6);
}
