//! Texts through `[sms]` to a provider played by a local HTTP server: a
//! Twilio-compatible Messages API (form fields, basic auth, the code that
//! arrives verifies the phone), a refusal (4xx) that the person is told
//! about (`phone_delivery_failed`), a 5xx retried from the queue until the
//! text goes out, the signed JSON webhook, and each text counted in
//! `gatehouse_messages_total{channel="sms"}`.

use crate::helpers::spawn_app_with;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine;
use gatehouse_server::Options;
use gatehouse_server::config::Config;
use gatehouse_server::delivery::sms::webhook;
use serde_json::json;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

const NUMBER: &str = "+14155550123";

/// One request as the provider received it.
#[derive(Debug)]
struct Received {
    path: String,
    headers: HeaderMap,
    /// The form fields (Twilio) or the raw JSON body (webhook).
    form: HashMap<String, String>,
    body: Vec<u8>,
}

#[derive(Clone)]
struct Provider {
    /// The statuses it answers, in turn; then 201.
    script: Arc<Mutex<VecDeque<u16>>>,
    received: mpsc::UnboundedSender<Received>,
}

impl Provider {
    fn next_status(&self) -> StatusCode {
        let status = self.script.lock().unwrap().pop_front().unwrap_or(201);
        StatusCode::from_u16(status).unwrap()
    }
}

async fn twilio_messages(
    State(provider): State<Provider>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> (StatusCode, &'static str) {
    let status = provider.next_status();
    let path = format!("/2010-04-01/Accounts/{sid}/Messages.json");
    let _ = provider.received.send(Received { path, headers, form, body: Vec::new() });
    (status, r#"{"sid":"SM1","status":"queued"}"#)
}

async fn webhook_endpoint(State(provider): State<Provider>, headers: HeaderMap, body: axum::body::Bytes) -> StatusCode {
    let status = provider.next_status();
    let received = Received { path: String::from("/hook"), headers, form: HashMap::new(), body: body.to_vec() };
    let _ = provider.received.send(received);
    status
}

/// A provider on 127.0.0.1:0 answering `script` in turn; its base URL and
/// what it receives.
async fn provider(script: &[u16]) -> (String, mpsc::UnboundedReceiver<Received>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let state = Provider { script: Arc::new(Mutex::new(script.iter().copied().collect())), received: tx };
    let router = Router::new()
        .route("/2010-04-01/Accounts/{sid}/Messages.json", post(twilio_messages))
        .route("/hook", post(webhook_endpoint))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (base, rx)
}

fn twilio_config(base: &str) -> Config {
    let mut config = Config::from_toml(&format!(
        "[sms]\nprovider = \"twilio\"\nbase_url = \"{base}\"\naccount_sid = \"AC123\"\nauth_token = \"tok-secret\"\n\
         from = \"+15555550100\"\n"
    ))
    .unwrap();
    config.delivery.retry_backoff = Duration::from_millis(10);
    config
}

async fn next(inbox: &mut mpsc::UnboundedReceiver<Received>) -> Received {
    tokio::time::timeout(Duration::from_secs(10), inbox.recv()).await.expect("a request in time").unwrap()
}

/// The six digits in a text's body.
fn code_in(body: &str) -> String {
    body.split(|c: char| !c.is_ascii_digit()).find(|w| w.len() == 6).expect("a 6-digit code").to_owned()
}

#[tokio::test]
async fn a_code_goes_out_through_a_twilio_compatible_api_and_verifies_the_phone() {
    let (base, mut inbox) = provider(&[]).await;
    let app = spawn_app_with(twilio_config(&base), Options::default()).await;
    let browser = app.client();
    let env = browser.get("/v1/environment").await.body;
    assert_eq!(env["sign_up"]["attributes"]["phone_number"]["verification_strategies"], json!(["phone_code"]));

    let body = json!({ "email_address": "sansa@example.com", "phone_number": NUMBER });
    let id = browser.create_sign_up(body).await.response()["id"].as_str().unwrap().to_owned();
    browser.prepare(&id, "phone_code").await.response();

    let text = next(&mut inbox).await;
    assert_eq!(text.path, "/2010-04-01/Accounts/AC123/Messages.json");
    assert_eq!(text.form["To"], NUMBER);
    assert_eq!(text.form["From"], "+15555550100");
    let expected = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("AC123:tok-secret"));
    assert_eq!(text.headers["authorization"], expected.as_str());
    let code = code_in(&text.form["Body"]);

    let attempt = browser.attempt(&id, "phone_code", &code).await;
    assert_eq!(attempt.response()["verifications"]["phone_number"]["status"], "verified", "{:?}", attempt.body);
}

#[tokio::test]
async fn a_refused_text_is_reported_to_the_person_and_can_be_asked_again() {
    let (base, mut inbox) = provider(&[400]).await;
    let app = spawn_app_with(twilio_config(&base), Options::default()).await;
    let browser = app.client();
    let body = json!({ "email_address": "arya@example.com", "phone_number": NUMBER });
    let id = browser.create_sign_up(body).await.response()["id"].as_str().unwrap().to_owned();

    let refused = browser.prepare(&id, "phone_code").await;
    refused.assert_error(422, "phone_delivery_failed");
    assert_eq!(refused.param(), Some("phone_number"));
    next(&mut inbox).await;
    app.state.sender.idle().await;
    assert!(inbox.try_recv().is_err(), "a refusal is never retried");

    // The resend record was taken back: asking again goes out at once.
    browser.prepare(&id, "phone_code").await.response();
    let text = next(&mut inbox).await;
    let attempt = browser.attempt(&id, "phone_code", &code_in(&text.form["Body"])).await;
    assert_eq!(attempt.response()["verifications"]["phone_number"]["status"], "verified");
}

#[tokio::test]
async fn a_provider_failure_is_retried_from_the_queue_until_the_text_goes_out() {
    let (base, mut inbox) = provider(&[503, 500]).await;
    let app = spawn_app_with(twilio_config(&base), Options::default()).await;
    let browser = app.client();
    let body = json!({ "email_address": "bran@example.com", "phone_number": NUMBER });
    let id = browser.create_sign_up(body).await.response()["id"].as_str().unwrap().to_owned();

    // The first try fails (503): the request still answers 200, the queue goes on.
    browser.prepare(&id, "phone_code").await.response();
    let tries = [next(&mut inbox).await, next(&mut inbox).await, next(&mut inbox).await];
    app.state.sender.idle().await;
    assert!(inbox.try_recv().is_err(), "three tries: 503, 500, then sent");
    let bodies: Vec<&str> = tries.iter().map(|t| t.form["Body"].as_str()).collect();
    assert!(bodies.iter().all(|b| *b == bodies[0]), "the same text each time");
    let attempt = browser.attempt(&id, "phone_code", &code_in(bodies[2])).await;
    assert_eq!(attempt.response()["verifications"]["phone_number"]["status"], "verified");
}

#[tokio::test]
async fn the_webhook_is_signed_over_the_timestamp_and_body() {
    let (base, mut inbox) = provider(&[]).await;
    let secret = "whsec-0123456789abcdef";
    let config = Config::from_toml(&format!(
        "[sms]\nprovider = \"webhook\"\nwebhook_url = \"{base}/hook\"\nsigning_secret = \"{secret}\"\n"
    ))
    .unwrap();
    let app = spawn_app_with(config, Options::default()).await;
    let browser = app.client();
    let body = json!({ "email_address": "rickon@example.com", "phone_number": NUMBER });
    let id = browser.create_sign_up(body).await.response()["id"].as_str().unwrap().to_owned();
    browser.prepare(&id, "phone_code").await.response();

    let hook = next(&mut inbox).await;
    let timestamp: u64 = hook.headers[webhook::TIMESTAMP_HEADER].to_str().unwrap().parse().unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    assert!(now.abs_diff(timestamp) < 60, "a current timestamp");
    // The receiver's check, written out: HMAC-SHA256 over "{timestamp}.{body}".
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    let signed = [timestamp.to_string().as_bytes(), b".", &hook.body].concat();
    let given = hook.headers[webhook::SIGNATURE_HEADER].to_str().unwrap();
    let given = hex_decode(given.strip_prefix("v1=").expect("v1="));
    assert!(ring::hmac::verify(&key, &signed, &given).is_ok(), "the signature verifies");
    let tampered = [timestamp.to_string().as_bytes(), b".", &hook.body, b" "].concat();
    assert!(ring::hmac::verify(&key, &tampered, &given).is_err(), "a changed body does not");

    let payload: serde_json::Value = serde_json::from_slice(&hook.body).unwrap();
    assert_eq!(payload["to"], NUMBER);
    let code = code_in(payload["body"].as_str().unwrap());
    let attempt = browser.attempt(&id, "phone_code", &code).await;
    assert_eq!(attempt.response()["verifications"]["phone_number"]["status"], "verified");
}

#[tokio::test]
async fn dev_mode_refuses_an_sms_provider() {
    let (base, _inbox) = provider(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("g.db").display());
    let clock = Arc::new(gatehouse_server::clock::ManualClock::starting_now());
    let options = Options { dev: true, public_origin: Some(String::from("http://127.0.0.1:1")), ..Options::default() };
    let refused = gatehouse_server::build_app(twilio_config(&base), &url, options, clock).await.err().expect("refused");
    assert!(refused.to_string().contains("[sms]"), "{refused:#}");
}

fn hex_decode(hex: &str) -> Vec<u8> {
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect()
}

/// `gatehouse_messages_total{channel="sms",result}` from `/metrics`.
async fn sms_sent(app: &crate::helpers::TestApp, result: &str) -> f64 {
    let text = reqwest::Client::new()
        .get(format!("{}/metrics", app.base))
        .bearer_auth(crate::helpers::SECRET_KEY)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let labels = [String::from("channel=\"sms\""), String::from("kind=\"code\""), format!("result=\"{result}\"")];
    text.lines()
        .filter(|line| {
            line.starts_with("gatehouse_messages_total{") && labels.iter().all(|l| line.contains(l.as_str()))
        })
        .filter_map(|line| line.rsplit_once(' ')?.1.parse::<f64>().ok())
        .sum()
}

#[tokio::test]
async fn texts_are_counted_in_the_metrics_inline_and_from_the_queue() {
    // A refusal at the first try, then a failure for now retried from the queue.
    let (base, mut inbox) = provider(&[400, 503]).await;
    let options = Options {
        secret_key: Some(gatehouse_server::config::Secret::new(String::from(crate::helpers::SECRET_KEY))),
        ..Options::default()
    };
    let app = spawn_app_with(twilio_config(&base), options).await;
    let (failed, delivered) = (sms_sent(&app, "failed").await, sms_sent(&app, "delivered").await);
    let browser = app.client();
    let body = json!({ "email_address": "rickon@example.com", "phone_number": NUMBER });
    let id = browser.create_sign_up(body).await.response()["id"].as_str().unwrap().to_owned();

    browser.prepare(&id, "phone_code").await.assert_error(422, "phone_delivery_failed");
    next(&mut inbox).await;
    assert!(sms_sent(&app, "failed").await > failed, "the inline refusal is counted");

    browser.prepare(&id, "phone_code").await.response();
    next(&mut inbox).await;
    next(&mut inbox).await;
    app.state.sender.idle().await;
    assert!(sms_sent(&app, "delivered").await > delivered, "the queue's delivery is counted");
}
