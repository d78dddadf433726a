//! `[delivery] sink_dir`: off by default; when set, every message is a
//! line of its file when the request answers, outside dev mode, on either
//! backend, and every limit holds as without it.

use crate::helpers::{spawn_app_with, token_of};
use gatehouse_server::Options;
use gatehouse_server::config::Config;
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Every message the sink keeps, in the order sent: one JSON object a line.
fn lines(dir: &Path) -> Vec<Value> {
    let path = dir.join(gatehouse_server::delivery::sink::LOG);
    let mode = std::fs::metadata(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "only the server's user reads it");
    let text = String::from_utf8(std::fs::read(&path).unwrap()).unwrap();
    assert!(text.is_empty() || text.ends_with('\n'), "every line is whole: {text}");
    text.lines().map(|line| serde_json::from_str(line).expect("one JSON object a line")).collect()
}

/// The newest message the sink keeps for `to`.
fn kept(dir: &Path, to: &str) -> Value {
    lines(dir).into_iter().rev().find(|m| m["to"] == to).unwrap_or_else(|| panic!("no message to {to}"))
}

/// Outside dev mode: the default config with a sink.
async fn app_with_sink(dir: &Path) -> crate::helpers::TestApp {
    let mut config = Config::default();
    config.delivery.sink_dir = Some(dir.join("mail"));
    spawn_app_with(config, Options::default()).await
}

#[test]
fn the_sink_is_off_by_default_and_set_in_the_delivery_section() {
    assert_eq!(Config::default().delivery.sink_dir, None);
    assert_eq!(Config::from_toml("").unwrap().delivery.sink_dir, None);
    let config = Config::from_toml("[delivery]\nsink_dir = \"/tmp/gatehouse-mail\"\n").unwrap();
    assert_eq!(config.delivery.sink_dir.as_deref(), Some(Path::new("/tmp/gatehouse-mail")));
    let e = Config::from_toml("[delivery]\nsink_dir = \"\"\n").unwrap_err();
    assert!(e.0.contains("delivery.sink_dir"), "{e}");
}

#[tokio::test]
async fn a_code_in_the_sink_completes_the_sign_up_and_the_limits_still_hold() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_with_sink(dir.path()).await;
    let sdk = app.bearer_client();
    let id = sdk.start_sign_up("ana@example.com").await;
    sdk.prepare(&id, "email_code").await.response();
    let message = kept(&dir.path().join("mail"), "ana@example.com");
    assert_eq!((message["to"].as_str(), message["channel"].as_str()), (Some("ana@example.com"), Some("email")));
    let code = message["code"].as_str().expect("the message has its code").to_owned();
    assert!(message["body"].as_str().unwrap().contains(&code), "{message}");

    // The resend limit is what it is without a sink, and a refused send
    // writes nothing.
    sdk.prepare(&id, "email_code").await.assert_error(429, "verification_code_too_many_requests");
    assert_eq!(lines(&dir.path().join("mail")).len(), 1);
    let answer = sdk.attempt(&id, "email_code", &code).await;
    assert_eq!(answer.response()["status"], "complete", "{}", answer.text);
    // Dev mode stays off: no outbox.
    assert_eq!(app.client().get("/v1/dev/outbox").await.status, 404);
}

#[tokio::test]
async fn messages_to_several_addresses_are_lines_of_one_file_in_the_order_sent() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_with_sink(dir.path()).await;
    let mut sent = Vec::new();
    for name in ["cy", "di", "ed"] {
        let sdk = app.bearer_client();
        let address = format!("{name}@example.com");
        let id = sdk.start_sign_up(&address).await;
        sdk.prepare(&id, "email_code").await.response();
        sent.push(address);
    }
    let kept: Vec<Value> = lines(&dir.path().join("mail"));
    let to: Vec<&str> = kept.iter().map(|m| m["to"].as_str().unwrap()).collect();
    assert_eq!(to, sent);
    assert!(kept.iter().all(|m| m["code"].as_str().is_some_and(|c| c.len() == 6)), "{kept:?}");
}

#[tokio::test]
async fn an_email_link_in_the_sink_confirms() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_with_sink(dir.path()).await;
    let browser = app.client();
    let id = browser.start_sign_up("bo@example.com").await;
    browser.prepare_link(&id, &format!("{}/done", app.base)).await.response();
    let link = kept(&dir.path().join("mail"), "bo@example.com")["link"].as_str().expect("a link").to_owned();
    assert_eq!(browser.confirm_link(&token_of(&link)).await.status, 303);
    assert_eq!(browser.get_sign_up(&id).await.response()["status"], "complete");
}
