//! Metrics, JSON logs and readiness, on real servers: `/metrics` scraped
//! after a real sign-up (the counters moved, the labels are route
//! templates, the key is needed on the public listener), and a real
//! server process with `--log-format json` and `--metrics-listen`, whose
//! stdout is parsed line by line.

use crate::backend::{Backend, TEST_MASTER_KEY, TestDatabase};
use crate::helpers::{SECRET_KEY, TestApp, spawn_admin_app, spawn_app};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};

/// The samples of a Prometheus text scrape: `name{labels}` to value.
fn samples(text: &str) -> HashMap<String, f64> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            Some((series.to_owned(), value.parse().ok()?))
        })
        .collect()
}

/// The sum of every sample of `name` whose labels include all of `labels`
/// (`route="/healthz"`); 0 when there is none.
fn total(samples: &HashMap<String, f64>, name: &str, labels: &[&str]) -> f64 {
    samples
        .iter()
        .filter(|(series, _)| {
            let (series_name, series_labels) = series.split_once('{').unwrap_or((series.as_str(), ""));
            series_name == name && labels.iter().all(|l| series_labels.contains(l))
        })
        .map(|(_, v)| v)
        .sum()
}

async fn scrape(url: &str, key: Option<&str>) -> (u16, String) {
    let mut request = reqwest::Client::new().get(url);
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    let answer = request.send().await.unwrap();
    (answer.status().as_u16(), answer.text().await.unwrap())
}

/// A dev-mode sign-up with an emailed code, from create to complete.
async fn complete_a_sign_up(app: &TestApp, email: &str) {
    let client = app.client();
    let id = client.start_sign_up(email).await;
    assert!(client.prepare(&id, "email_code").await.response()["id"].is_string());
    let code = app.last_code_to(email).await;
    let done = client.attempt(&id, "email_code", &code).await;
    assert_eq!(done.response()["status"], "complete", "{:?}", done.response());
}

#[tokio::test]
async fn metrics_count_a_real_sign_up_by_route_template() {
    let app = spawn_admin_app().await;
    let url = format!("{}/metrics", app.base);
    let (status, before) = scrape(&url, Some(SECRET_KEY)).await;
    assert_eq!(status, 200);
    let before = samples(&before);

    complete_a_sign_up(&app, "metrics@example.com").await;
    // A raw id in the path must not become a label.
    app.client().get("/v1/client/sign_ups/su_raw_path_never_a_label").await.assert_error(404, "sign_up_not_found");
    app.client().get("/no/such/path/at/all").await;

    let (status, text) = scrape(&url, Some(SECRET_KEY)).await;
    assert_eq!(status, 200);
    let after = samples(&text);
    let moved = |name: &str, labels: &[&str]| total(&after, name, labels) - total(&before, name, labels);
    assert!(moved("gatehouse_sign_ups_started_total", &[]) >= 1.0, "{text}");
    assert!(moved("gatehouse_sign_ups_completed_total", &[]) >= 1.0, "{text}");
    assert!(
        moved("gatehouse_messages_total", &["channel=\"email\"", "kind=\"code\"", "result=\"kept\""]) >= 1.0,
        "{text}"
    );
    let create = ["method=\"POST\"", "route=\"/v1/client/sign_ups\"", "status=\"200\""];
    assert!(moved("gatehouse_http_requests_total", &create) >= 1.0, "{text}");
    let show = ["route=\"/v1/client/sign_ups/{id}\"", "status=\"404\""];
    assert!(moved("gatehouse_http_requests_total", &show) >= 1.0, "{text}");
    assert!(moved("gatehouse_http_requests_total", &["route=\"unmatched\""]) >= 1.0, "{text}");
    assert!(!text.contains("su_raw_path_never_a_label") && !text.contains("/no/such/path"), "{text}");
    let histogram = ["route=\"/v1/client/sign_ups/{id}/attempt_verification\""];
    assert!(moved("gatehouse_http_request_duration_seconds_count", &histogram) >= 1.0, "{text}");
    assert!(total(&after, "gatehouse_http_request_duration_seconds_bucket", &["le=\"+Inf\""]) >= 1.0, "{text}");
    // The password was hashed once at create: its wait was measured.
    assert!(moved("gatehouse_password_hash_wait_seconds_count", &[]) >= 1.0, "{text}");
    assert!(text.contains("gatehouse_event_streams_open ") && text.contains("gatehouse_mail_queue_depth "), "{text}");
}

#[tokio::test]
async fn metrics_need_the_admin_key_on_the_public_listener_and_are_off_without_one() {
    let app = spawn_admin_app().await;
    let url = format!("{}/metrics", app.base);
    assert_eq!(scrape(&url, None).await.0, 401);
    assert_eq!(scrape(&url, Some("wrong-key-wrong-key-wrong-key-wrong-key")).await.0, 401);
    assert_eq!(scrape(&url, Some(SECRET_KEY)).await.0, 200);
    let without_key = spawn_app().await;
    assert_eq!(scrape(&format!("{}/metrics", without_key.base), Some(SECRET_KEY)).await.0, 404);
}

#[tokio::test]
async fn a_429_is_counted_by_its_limit() {
    let app = spawn_app().await;
    let url = format!("{}/metrics", app.base);
    let before = samples(&gatehouse_server::telemetry::render(0, 0));
    let client = app.client();
    let id = client.start_sign_up("limited@example.com").await;
    assert!(client.prepare(&id, "email_code").await.response()["id"].is_string());
    // A second code within the resend interval: 429.
    client.prepare(&id, "email_code").await.assert_error(429, "verification_code_too_many_requests");
    let after = samples(&gatehouse_server::telemetry::render(0, 0));
    let limit = ["limit=\"code_sends\""];
    assert!(
        total(&after, "gatehouse_rate_limited_total", &limit) > total(&before, "gatehouse_rate_limited_total", &limit)
    );
    // This app has no admin key: no /metrics on its listener.
    assert_eq!(scrape(&url, None).await.0, 404);
}

/// Starts the real binary in dev mode over a fresh test database (SQLite
/// or PostgreSQL, as the run's backend), with JSON logs and a metrics
/// listener; answers it, its two addresses, and its stdout lines as they come.
async fn start_json_server(
    database: &TestDatabase,
) -> (tokio::process::Child, String, String, tokio::sync::mpsc::UnboundedReceiver<String>) {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_gatehouse-server"));
    for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("GATEHOUSE_")) {
        command.env_remove(name);
    }
    command
        .args(["--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--dev", "--database-url", &database.url])
        .env("GATEHOUSE_LOG_FORMAT", "json")
        .env("RUST_LOG", "info");
    if database.backend == Backend::Postgres {
        command.env("GATEHOUSE_MASTER_KEY", TEST_MASTER_KEY);
    }
    let mut child =
        command.stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true).spawn().expect("the binary starts");
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let (lines, mut receiver) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok(Some(line)) = stdout.next_line().await {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let (mut main, mut metrics) = (None, None);
    let found = tokio::time::timeout(Duration::from_secs(30), async {
        while main.is_none() || metrics.is_none() {
            let line = receiver.recv().await.expect("the server logs until it listens");
            let entry: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
            let message = entry["message"].as_str().unwrap_or_default();
            if let Some(addr) = message.strip_prefix("listening on http://") {
                main = Some(addr.to_owned());
            }
            if let Some(addr) = message.strip_prefix("metrics on http://") {
                metrics = Some(addr.trim_end_matches("/metrics").to_owned());
            }
        }
    })
    .await;
    assert!(found.is_ok(), "the server listens within 30 s");
    (child, main.unwrap(), metrics.unwrap(), receiver)
}

#[tokio::test]
async fn a_real_server_logs_json_lines_with_the_request_ids_and_serves_metrics_apart() {
    let database = TestDatabase::create().await;
    let (mut child, main, metrics, mut lines) = start_json_server(&database).await;
    let http = reqwest::Client::new();
    let base = format!("http://{main}");

    // A sign-up through the real process, start to finish.
    let created: Value = http
        .post(format!("{base}/v1/client/sign_ups"))
        .header("x-request-id", "req-obs-create-1")
        .json(&json!({ "email_address": "json@example.com", "password": "correct horse battery" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["response"]["id"].as_str().expect("a sign-up id").to_owned();
    assert!(!id.is_empty());
    let missing = http.get(format!("{base}/v1/client/sign_ups/su_nope")).send().await.unwrap();
    let missing: Value = missing.json().await.unwrap();
    let trace_id =
        missing["trace_id"].as_str().unwrap_or_else(|| panic!("an error carries its trace id: {missing}")).to_owned();

    // Metrics: on their own listener, without a key; not on the main one.
    let (status, text) = scrape(&format!("http://{metrics}/metrics"), None).await;
    assert_eq!(status, 200);
    let scraped = samples(&text);
    assert!(total(&scraped, "gatehouse_sign_ups_started_total", &[]) >= 1.0, "{text}");
    let create = ["route=\"/v1/client/sign_ups\"", "status=\"200\""];
    assert!(total(&scraped, "gatehouse_http_requests_total", &create) >= 1.0, "{text}");
    assert_eq!(scrape(&format!("{base}/metrics"), None).await.0, 404, "metrics are apart");

    // Every line is one JSON object; the requests' lines carry their ids.
    let (mut saw_request_id, mut saw_trace_id) = (false, false);
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        while !(saw_request_id && saw_trace_id) {
            let line = lines.recv().await.expect("the server keeps logging");
            let entry: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
            assert!(entry["timestamp"].is_string() && entry["level"].is_string(), "{line}");
            // The caller's x-request-id is the request's id (`trace_id`).
            saw_request_id |= entry["span"]["trace_id"] == "req-obs-create-1";
            saw_trace_id |= entry["span"]["trace_id"] == trace_id.as_str();
        }
    })
    .await;
    assert!(
        read.is_ok(),
        "log lines with the request id and the trace id (request id {saw_request_id}, trace id {saw_trace_id})"
    );
    child.kill().await.unwrap();
}
