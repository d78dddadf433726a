//! Webhooks against real local receivers (axum on a free port): every
//! event of a sign-up, a sign-in and a sign-out, signed as Standard
//! Webhooks says and checked here with `ring` (another HMAC than the
//! server's) and with the two snippets of `docs/webhooks.md` (the JS one
//! run by node); retries after a 500 on the test's clock; nothing sent for
//! a change that rolled back; redelivery through the admin API; and one
//! failing endpoint that holds none of the others.

use crate::helpers::{admin_options, no_verification, ticket_of};
use crate::sign_in::{CERSEI, PASSWORD, sign_in_with_password, sync_cersei};
pub(crate) use crate::webhook_receiver::{Received, Receiver, config_with, spawn_with_hooks};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use gatehouse_server::config::Config;
use serde_json::{Value, json};
use std::time::Duration;

/// A Standard Webhooks secret: `whsec_` and 32 bytes in base64.
pub(crate) const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwMfKQ9r8GKYo=";
const OTHER_SECRET: &str = "whsec_c2Vjb25kLXNlY3JldC1vZi10aGlydHktdHdvLWJ5dGVzISE=";

/// Checks a request's signature with `ring`, independently of the server's HMAC.
fn assert_signed(received: &Received, secret: &str) {
    let key = STANDARD.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
    let id = received.header("webhook-id");
    let timestamp = received.header("webhook-timestamp");
    let signature = received.header("webhook-signature");
    let signature = STANDARD.decode(signature.strip_prefix("v1,").expect("a v1 signature")).unwrap();
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key);
    let signed = format!("{id}.{timestamp}.{}", received.body);
    ring::hmac::verify(&key, signed.as_bytes(), &signature).expect("the signature verifies");
    let mut tampered = signed.clone().into_bytes();
    tampered.push(b' ');
    assert!(ring::hmac::verify(&key, &tampered, &signature).is_err(), "a changed body does not verify");
}

/// The Rust snippet of `docs/webhooks.md`, word for word (a test below
/// checks that the doc still shows exactly this function).
// docs:rust-start
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Whether a request is a genuine Gatehouse webhook: `secret` is the
/// endpoint's `whsec_...`, the next three are the request's `webhook-id`,
/// `webhook-timestamp` and `webhook-signature` headers, `body` its raw bytes,
/// and `now` the Unix time in seconds. Refuses a timestamp more than five
/// minutes away (a replay).
pub fn verify_webhook(secret: &str, id: &str, timestamp: &str, signatures: &str, body: &[u8], now: i64) -> bool {
    let Some(key) = secret.strip_prefix("whsec_").and_then(|k| STANDARD.decode(k).ok()) else {
        return false;
    };
    let Ok(sent_at) = timestamp.parse::<i64>() else { return false };
    if (now - sent_at).abs() > 5 * 60 {
        return false;
    }
    signatures.split(' ').filter_map(|s| s.strip_prefix("v1,")).any(|signature| {
        let Ok(signature) = STANDARD.decode(signature) else { return false };
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).expect("HMAC takes any key");
        mac.update(format!("{id}.{timestamp}.").as_bytes());
        mac.update(body);
        mac.verify_slice(&signature).is_ok() // constant time
    })
}
// docs:rust-end

fn docs_webhooks() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/webhooks.md")).unwrap()
}

/// The text of the fenced block that follows `marker` in the doc.
fn block_after(doc: &str, marker: &str) -> String {
    let start = doc.find(marker).unwrap_or_else(|| panic!("{marker} in docs/webhooks.md"));
    let rest = &doc[start..];
    let open = rest.find("```").unwrap();
    let body_start = open + rest[open..].find('\n').unwrap() + 1;
    let close = body_start + rest[body_start..].find("\n```").unwrap();
    rest[body_start..close].to_owned()
}

/// Runs the JS snippet of the doc with node on a received request; answers
/// what it printed (the event type) or its error.
async fn verify_with_node(received: &Received, secret: &str, body: &str) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("verify.mjs"), block_after(&docs_webhooks(), "<!-- snippet:js -->")).unwrap();
    let driver = r#"
import { readFileSync } from "node:fs";
import { verifyWebhook } from "./verify.mjs";
const input = JSON.parse(readFileSync(0, "utf8"));
try {
  const event = verifyWebhook(input.secret, input.headers, input.body);
  console.log(event.type);
} catch (error) {
  console.log("refused: " + error.message);
  process.exit(3);
}
"#;
    std::fs::write(dir.path().join("run.mjs"), driver).unwrap();
    let headers: serde_json::Map<String, Value> = ["webhook-id", "webhook-timestamp", "webhook-signature"]
        .iter()
        .map(|h| (String::from(*h), Value::from(received.header(h))))
        .collect();
    let input = json!({ "secret": secret, "headers": headers, "body": body }).to_string();
    let mut child = tokio::process::Command::new("node")
        .arg("run.mjs")
        .current_dir(dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("node is installed (scripts/setup.sh)");
    use tokio::io::AsyncWriteExt;
    child.stdin.take().unwrap().write_all(input.as_bytes()).await.unwrap();
    let out = child.wait_with_output().await.unwrap();
    let text =
        format!("{}{}", String::from_utf8_lossy(&out.stdout).trim(), String::from_utf8_lossy(&out.stderr).trim());
    (out.status.success(), text)
}

#[tokio::test]
async fn sign_up_sign_in_and_sign_out_are_told_signed_and_shaped() {
    let receiver = Receiver::start(200, &[]).await;
    let app = spawn_with_hooks(config_with(no_verification(), &[("app", &receiver, SECRET, None)])).await;
    let browser = app.client();
    let done = browser.create_sign_up(json!({ "email_address": "ana@example.com", "password": PASSWORD })).await;
    let sign_up = done.response().clone();
    assert_eq!(sign_up["status"], "complete", "{sign_up}");
    let got = receiver.wait_for(3).await;
    let types: Vec<String> = got.iter().map(Received::event_type).collect();
    assert_eq!(types.len(), 3, "{types:?}");
    for expected in ["user.created", "session.created", "sign_up.completed"] {
        assert!(types.contains(&String::from(expected)), "{types:?}");
    }
    let now = app.clock_ms() / 1000;
    for received in &got {
        assert_signed(received, SECRET);
        assert!(received.header("webhook-id").starts_with("msg_"));
        assert!((received.header("webhook-timestamp").parse::<i64>().unwrap() - now).abs() <= 1);
        assert_eq!(received.header("content-type"), "application/json");
        let body = received.json();
        let timestamp = body["timestamp"].as_str().unwrap();
        assert!(timestamp.ends_with('Z') && timestamp.contains('T'), "RFC 3339: {timestamp}");
        let id = received.header("webhook-id");
        let ts = received.header("webhook-timestamp");
        let sig = received.header("webhook-signature");
        assert!(verify_webhook(SECRET, &id, &ts, &sig, received.body.as_bytes(), now), "the doc's Rust snippet");
        assert!(!verify_webhook(OTHER_SECRET, &id, &ts, &sig, received.body.as_bytes(), now), "another secret");
        assert!(!verify_webhook(SECRET, &id, &ts, &sig, received.body.as_bytes(), now + 600), "a replay");
    }
    let user_id = sign_up["created_user_id"].as_str().unwrap();
    let session_id = sign_up["created_session_id"].as_str().unwrap();
    let user = receiver.of_type("user.created")[0].json();
    assert_eq!(
        (user["data"]["object"].as_str(), user["data"]["id"].as_str(), user["data"]["email"].as_str()),
        (Some("user"), Some(user_id), Some("ana@example.com"))
    );
    assert_eq!(user["data"].get("password_hash"), None, "no hash leaves");
    let session = receiver.of_type("session.created")[0].json();
    assert_eq!(
        (session["data"]["id"].as_str(), session["data"]["user_id"].as_str(), session["data"]["status"].as_str()),
        (Some(session_id), Some(user_id), Some("active"))
    );
    let completed = receiver.of_type("sign_up.completed")[0].json();
    assert_eq!(completed["data"]["id"], sign_up["id"]);
    assert_eq!(completed["data"]["created_user_id"], user_id);
    assert_eq!(completed["data"]["created_session_id"], session_id);

    // The JS snippet of the doc, run by node, accepts the real delivery and refuses a changed body.
    let first = &got[0];
    let (ok, out) = verify_with_node(first, SECRET, &first.body).await;
    assert!(ok, "{out}");
    assert_eq!(out, first.event_type());
    let (ok, out) = verify_with_node(first, SECRET, &first.body.replace('}', " }")).await;
    assert!(!ok && out.starts_with("refused"), "{out}");

    // The admin API's sync makes a user; a sign-in a session; a sign-out ends it.
    sync_cersei(&app, json!({ "password": PASSWORD })).await;
    let signed_in = sign_in_with_password(&app.client(), CERSEI).await;
    let cersei_session = signed_in["created_session_id"].as_str().unwrap().to_owned();
    receiver.wait_for(5).await;
    assert_eq!(receiver.of_type("user.created")[1].json()["data"]["email"], CERSEI);
    assert_eq!(receiver.of_type("session.created")[1].json()["data"]["id"], cersei_session.as_str());
    let out = browser.delete(&format!("/v1/client/sessions/{session_id}")).await;
    assert_eq!(out.response()["status"], "revoked");
    receiver.wait_for(6).await;
    let ended = receiver.of_type("session.ended")[0].json();
    assert_eq!(
        (ended["data"]["id"].as_str(), ended["data"]["status"].as_str(), ended["data"]["ended_by"].as_str()),
        (Some(session_id), Some("revoked"), Some("sign_out"))
    );
    // Signing out again changes nothing: no second event.
    browser.delete(&format!("/v1/client/sessions/{session_id}")).await;
    let cersei = app.admin().get(&format!("/v1/admin/users?email={CERSEI}")).await.body["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let revoked = app.admin().post(&format!("/v1/admin/users/{cersei}/revoke_sessions"), json!({})).await;
    assert_eq!(revoked.body["revoked"], 1, "{}", revoked.text);
    receiver.wait_for(7).await;
    let ended: Vec<Value> = receiver.of_type("session.ended").iter().map(Received::json).collect();
    assert_eq!(ended.len(), 2, "{ended:?}");
    assert_eq!(
        (ended[1]["data"]["id"].as_str(), ended[1]["data"]["ended_by"].as_str()),
        (Some(cersei_session.as_str()), Some("admin"))
    );
}

#[tokio::test]
async fn the_rust_snippet_of_the_doc_is_the_tested_one() {
    let source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api/webhooks.rs")).unwrap();
    let start = source.find("// docs:rust-start\n").unwrap() + "// docs:rust-start\n".len();
    let end = source.find("// docs:rust-end").unwrap();
    let tested = source[start..end].trim();
    let documented = block_after(&docs_webhooks(), "<!-- snippet:rust -->");
    let documented = documented.replace("use base64::Engine;\nuse base64::engine::general_purpose::STANDARD;\n", "");
    assert_eq!(documented.trim(), tested, "docs/webhooks.md shows the function this file tests");
}

#[tokio::test]
async fn a_500_is_retried_with_backoff_until_it_is_delivered() {
    let receiver = Receiver::start(200, &[500, 503]).await;
    let app =
        spawn_with_hooks(config_with(no_verification(), &[("app", &receiver, SECRET, Some(&["user.created"]))])).await;
    sync_cersei(&app, json!({})).await;
    let first = receiver.wait_for(1).await;
    let admin = app.admin();
    let listed = admin.get("/v1/admin/webhook_deliveries?event=user.created").await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    let delivery = listed.body["data"][0].clone();
    let id = delivery["id"].as_str().unwrap().to_owned();
    assert_eq!(id, first[0].header("webhook-id"));
    // Not again before its time: the first retry waits 1 s on the server's clock.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(receiver.got().len(), 1, "no retry before its time");
    let pending = admin.get(&format!("/v1/admin/webhook_deliveries/{id}")).await.body;
    assert_eq!(
        (pending["status"].as_str(), pending["attempts"].as_i64(), pending["last_status"].as_i64()),
        (Some("pending"), Some(1), Some(500))
    );
    assert_eq!(pending["next_attempt_at"], app.clock_ms() + 1000);
    app.advance(1);
    receiver.wait_for(2).await;
    // The second wait is twice the first, counted from when the server took
    // the 503 in (which may be a moment after the receiver answered).
    let mut second = pending;
    for _ in 0..250 {
        second = admin.get(&format!("/v1/admin/webhook_deliveries/{id}")).await.body;
        if second["attempts"].as_i64() == Some(2) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!((second["attempts"].as_i64(), second["last_status"].as_i64()), (Some(2), Some(503)));
    assert_eq!(second["next_attempt_at"], app.clock_ms() + 2000);
    app.advance(1);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(receiver.got().len(), 2, "the second retry waits 2 s");
    app.advance(1);
    let got = receiver.wait_for(3).await;
    assert!(got.iter().all(|r| r.header("webhook-id") == id), "every try is the same message");
    assert!(got.iter().all(|r| r.body == got[0].body));
    for r in &got {
        assert_signed(r, SECRET);
    }
    for _ in 0..100 {
        if admin.get(&format!("/v1/admin/webhook_deliveries/{id}")).await.body["status"] == "delivered" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let done = admin.get(&format!("/v1/admin/webhook_deliveries/{id}")).await.body;
    assert_eq!(
        (done["status"].as_str(), done["attempts"].as_i64(), done["last_status"].as_i64()),
        (Some("delivered"), Some(3), Some(200))
    );
    assert_eq!(done["payload"]["type"], "user.created");
    // Counted by result.
    let metrics = reqwest::Client::new()
        .get(format!("{}/metrics", app.base))
        .bearer_auth(crate::helpers::SECRET_KEY)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for result in ["delivered", "retrying"] {
        assert!(metrics.contains(&format!("gatehouse_webhook_deliveries_total{{result=\"{result}\"}}")), "{metrics}");
    }
}

#[tokio::test]
async fn a_change_that_rolled_back_sends_nothing() {
    let receiver = Receiver::start(200, &[]).await;
    let app = spawn_with_hooks(config_with(Config::default(), &[("app", &receiver, SECRET, None)])).await;
    let invitation = app.admin().post("/v1/admin/invitations", json!({ "email": "arya@example.com" })).await.body;
    let ticket = ticket_of(invitation["url"].as_str().unwrap());
    let browser = app.client();
    let sign_up = browser.create_sign_up(json!({ "strategy": "ticket", "ticket": ticket })).await;
    let id = sign_up.response()["id"].as_str().unwrap().to_owned();
    // Meanwhile the operator's sync takes the invited address.
    app.admin().put("/v1/admin/users", json!({ "email": "arya@example.com" })).await;
    // Completing would accept the invitation (an event written in the
    // transaction), then fails on the taken address: all of it rolls back.
    let refused = browser.update_sign_up(&id, json!({ "password": PASSWORD })).await;
    refused.assert_error(422, "form_identifier_exists");
    let stored = app.admin().get(&format!("/v1/admin/invitations/{}", invitation["id"].as_str().unwrap())).await;
    assert_eq!(stored.body["status"], "pending", "the acceptance rolled back");
    let got = receiver.wait_for(1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let types: Vec<String> = receiver.got().iter().map(Received::event_type).collect();
    assert_eq!(types, ["user.created"], "only the sync's user: {types:?}");
    assert_eq!(got[0].json()["data"]["email"], "arya@example.com");
    let all = app.admin().get("/v1/admin/webhook_deliveries").await.body;
    assert_eq!(all["data"].as_array().unwrap().len(), 1, "{all}");

    // Once the address is free again the same ticket completes, and every event goes out.
    let user = app.admin().get("/v1/admin/users?email=arya@example.com").await.body["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.admin().delete(&format!("/v1/admin/users/{user}")).await;
    let done = browser.update_sign_up(&id, json!({ "password": PASSWORD })).await;
    assert_eq!(done.response()["status"], "complete");
    receiver.wait_for(5).await;
    let accepted = receiver.of_type("invitation.accepted");
    assert_eq!(accepted.len(), 1);
    let accepted = accepted[0].json();
    assert_eq!(accepted["data"]["id"], invitation["id"]);
    assert_eq!(accepted["data"]["status"], "accepted");
    assert_eq!(accepted["data"]["accepted_user_id"], done.response()["created_user_id"]);
}

#[tokio::test]
async fn a_delivery_can_be_listed_and_redelivered() {
    let receiver = Receiver::start(200, &[]).await;
    let app = spawn_with_hooks(config_with(no_verification(), &[("app", &receiver, SECRET, None)])).await;
    sync_cersei(&app, json!({})).await;
    app.admin().put("/v1/admin/users", json!({ "email": "jaime@example.com" })).await;
    receiver.wait_for(2).await;
    let admin = app.admin();
    let page = admin.get("/v1/admin/webhook_deliveries?limit=1").await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert_eq!((page.body["object"].as_str(), page.body["has_more"].as_bool()), (Some("list"), Some(true)));
    let first = page.body["data"][0].clone();
    assert_eq!(first["object"], "webhook_delivery");
    assert_eq!(first["endpoint"], "app");
    let next = admin
        .get(&format!("/v1/admin/webhook_deliveries?limit=1&after={}", page.body["next_after"].as_str().unwrap()))
        .await;
    assert_eq!(next.body["has_more"], false);
    assert_ne!(next.body["data"][0]["id"], first["id"]);
    // Wait until both are recorded delivered, then filter on it.
    for _ in 0..100 {
        if admin.get("/v1/admin/webhook_deliveries?status=delivered").await.body["data"].as_array().unwrap().len() == 2
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        admin.get("/v1/admin/webhook_deliveries?status=delivered").await.body["data"].as_array().unwrap().len(),
        2
    );
    assert_eq!(admin.get("/v1/admin/webhook_deliveries?status=failed").await.body["data"], json!([]));
    assert_eq!(admin.get("/v1/admin/webhook_deliveries?event=session.created").await.body["data"], json!([]));
    let bad = admin.get("/v1/admin/webhook_deliveries?status=lost").await;
    bad.assert_error(422, "form_param_format_invalid");
    assert_eq!(bad.param(), Some("status"));
    let bad = admin.get("/v1/admin/webhook_deliveries?event=user.deleted").await;
    bad.assert_error(422, "form_param_format_invalid");
    assert_eq!(bad.param(), Some("event"));
    admin.get("/v1/admin/webhook_deliveries?email=a@b.co").await.assert_error(422, "form_param_unknown");
    app.client().get("/v1/admin/webhook_deliveries").await.assert_error(401, "authorization_invalid");

    let id = first["id"].as_str().unwrap();
    let again = admin.post(&format!("/v1/admin/webhook_deliveries/{id}/redeliver"), json!({})).await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!((again.body["status"].as_str(), again.body["attempts"].as_i64()), (Some("pending"), Some(0)));
    let got = receiver.wait_for(3).await;
    let redelivered = &got[2];
    assert_eq!(redelivered.header("webhook-id"), id, "the same message id");
    assert_signed(redelivered, SECRET);
    admin
        .post("/v1/admin/webhook_deliveries/msg_nope/redeliver", json!({}))
        .await
        .assert_error(404, "resource_not_found");
    admin.get("/v1/admin/webhook_deliveries/msg_nope").await.assert_error(404, "resource_not_found");
}

#[tokio::test]
async fn a_failing_endpoint_holds_none_of_the_others_and_fails_after_a_day() {
    let broken = Receiver::start(500, &[]).await;
    let healthy = Receiver::start(200, &[]).await;
    let users_only = Receiver::start(200, &[]).await;
    let config = config_with(
        no_verification(),
        &[
            ("broken", &broken, SECRET, None),
            ("healthy", &healthy, OTHER_SECRET, None),
            ("users_only", &users_only, SECRET, Some(&["user.created"])),
        ],
    );
    let app = spawn_with_hooks(config).await;
    let done = app.client().create_sign_up(json!({ "email_address": "bran@example.com", "password": PASSWORD })).await;
    assert_eq!(done.response()["status"], "complete");
    for received in healthy.wait_for(3).await {
        assert_signed(&received, OTHER_SECRET);
    }
    let only = users_only.wait_for(1).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(users_only.got().len(), 1, "the filter: user.created only");
    assert_eq!(only[0].event_type(), "user.created");
    broken.wait_for(3).await;
    // The broken one keeps trying, for a day, then gives up.
    for _ in 0..30 {
        app.advance(3600);
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    let admin = app.admin();
    let mut failed = Vec::new();
    for _ in 0..200 {
        failed = admin.get("/v1/admin/webhook_deliveries?status=failed").await.body["data"].as_array().unwrap().clone();
        if failed.len() == 3 {
            break;
        }
        app.advance(3600);
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    assert_eq!(failed.len(), 3, "{failed:?}");
    assert!(failed.iter().all(|d| d["endpoint"] == "broken" && d["last_status"] == 500), "{failed:?}");
    assert!(broken.got().len() > 3, "it was retried");
    let delivered = admin.get("/v1/admin/webhook_deliveries?status=delivered").await.body;
    assert_eq!(delivered["data"].as_array().unwrap().len(), 4, "healthy's three and users_only's one");
}

#[test]
fn the_config_is_checked_and_its_secrets_masked() {
    let doc = docs_webhooks();
    let example = doc.split("```toml").nth(1).and_then(|b| b.split("```").next()).unwrap();
    let config = Config::from_toml(example).unwrap_or_else(|e| panic!("docs/webhooks.md's example: {e}"));
    let billing = &config.webhooks.endpoints["billing"];
    assert_eq!(billing.events.as_deref(), Some(&[String::from("user.created")][..]));
    let shown = gatehouse_server::config::shown(&config).unwrap();
    assert!(shown.contains("[webhooks.endpoints.billing]") && shown.contains("secret = \"***\""), "{shown}");
    assert!(!shown.contains("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), "{shown}");

    let refused = |toml: &str, says: &str| {
        let error = Config::from_toml(toml).unwrap_err().0;
        assert!(error.contains(says), "{toml}: {error}");
    };
    let endpoint = |rest: &str| format!("[webhooks.endpoints.a]\nurl = \"https://h.example/x\"\n{rest}\n");
    refused(&endpoint("secret = \"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\""), "whsec_");
    refused(&endpoint("secret = \"whsec_not base64!\""), "base64");
    refused(&endpoint("secret = \"whsec_c2hvcnQ=\""), "24 to 64 bytes");
    refused(&endpoint(&format!("secret = \"{SECRET}\"\nevents = [\"user.deleted\"]")), "unknown event");
    refused(&endpoint(&format!("secret = \"{SECRET}\"\nevents = []")), "at least one event");
    refused(&endpoint(&format!("secret = \"{SECRET}\"\nverify = true")), "verify");
    refused(&format!("[webhooks.endpoints.a]\nurl = \"ftp://h.example\"\nsecret = \"{SECRET}\"\n"), "url");
    refused(&format!("[webhooks.endpoints.Bad-Name]\nurl = \"https://h.example\"\nsecret = \"{SECRET}\"\n"), "name");
    refused("[webhooks]\nfirst_retry_ms = 5\n", "webhooks.first_retry_ms must be between 100 and 3600000");
    refused("[webhooks]\nretry_for_seconds = 999999999\n", "webhooks.retry_for_seconds");

    // From the environment, the secret from a file.
    let dir = tempfile::tempdir().unwrap();
    let secret_file = dir.path().join("secret");
    std::fs::write(&secret_file, format!("{OTHER_SECRET}\n")).unwrap();
    let env = gatehouse_server::config::env::EnvLayer::from_vars([
        (String::from("GATEHOUSE_WEBHOOKS__ENDPOINTS__CRM__URL"), String::from("https://crm.example.com/hook")),
        (String::from("GATEHOUSE_WEBHOOKS__ENDPOINTS__CRM__SECRET_FILE"), secret_file.display().to_string()),
        (String::from("GATEHOUSE_WEBHOOKS__RETRY_FOR_SECONDS"), String::from("3600")),
    ])
    .unwrap();
    let config = Config::layered(None, env).unwrap();
    let crm = &config.webhooks.endpoints["crm"];
    assert_eq!((crm.url.as_str(), crm.secret.expose()), ("https://crm.example.com/hook", OTHER_SECRET));
    assert_eq!(config.webhooks.retry_for_seconds, 3600);
}

#[tokio::test]
async fn two_nodes_over_one_database_send_each_event_once() {
    let receiver = Receiver::start(200, &[]).await;
    let config = config_with(no_verification(), &[("app", &receiver, SECRET, Some(&["user.created"]))]);
    let first = spawn_with_hooks(config.clone()).await;
    let second = first.restart(config, admin_options()).await;
    for n in 0..20 {
        let node = if n % 2 == 0 { &first } else { &second };
        let answer = node.admin().put("/v1/admin/users", json!({ "email": format!("user{n}@example.com") })).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
    }
    receiver.wait_for(20).await;
    // Both workers keep polling: give a double send the time to show.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let got = receiver.got();
    let mut ids: Vec<String> = got.iter().map(|r| r.header("webhook-id")).collect();
    ids.sort();
    ids.dedup();
    assert_eq!((got.len(), ids.len()), (20, 20), "each delivery claimed by one node, sent once");
}
