//! Password hashing is bounded: a gate lets at most `max_concurrent`
//! hashes run at once, a request that waits too long for a slot answers
//! 503 `server_busy`, requests that cannot succeed answer before any hash,
//! imported digests have cost bounds, and a burst of 300 password sign-ups
//! against the real binary stays within memory.

use crate::helpers::{Mode, TestClient, dev, spawn_admin_app};
use gatehouse_server::clock::ManualClock;
use gatehouse_server::config::Config;
use gatehouse_server::password::Hasher;
use gatehouse_server::{Options, build_app};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

const PASSWORD: &str = "C3rs3i#L4nnist3r";

/// A dev app with two hashing slots and a 100 ms wait, and its gate, so a
/// test can hold every slot itself.
async fn app_with_gate() -> (String, Hasher, tempfile::TempDir) {
    let mut config = Config::default();
    config.password_hashing.max_concurrent = 2;
    config.password_hashing.max_wait_ms = 100;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("g.db").display());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let options = Options { listen: Some(listener.local_addr().unwrap()), ..dev() };
    let app = build_app(config, &url, options, Arc::new(ManualClock::starting_now())).await.unwrap();
    let hasher = app.state().hasher.clone();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(app.serve(listener, std::future::pending()));
    (base, hasher, dir)
}

#[tokio::test]
async fn a_request_that_finds_every_hashing_slot_busy_answers_503_server_busy() {
    let (base, hasher, _dir) = app_with_gate().await;
    let held = [hasher.slot().await.unwrap(), hasher.slot().await.unwrap()];
    let browser = TestClient::new(&base, Mode::Cookie);
    let body = json!({ "email_address": "cersei@example.com", "password": PASSWORD });
    let busy = browser.create_sign_up(body.clone()).await;
    busy.assert_error(503, "server_busy");
    assert_eq!(busy.header("retry-after").as_deref(), Some("1"));
    // Sign-ins go through the same gate.
    let sign_in = browser.sign_in(json!({ "identifier": "nobody@example.com", "password": PASSWORD })).await;
    sign_in.assert_error(503, "server_busy");
    drop(held);
    let answer = browser.create_sign_up(body).await;
    assert!(answer.response()["id"].as_str().is_some());
}

#[tokio::test]
async fn requests_naming_an_unknown_or_closed_sign_up_answer_before_any_hashing() {
    let (base, hasher, _dir) = app_with_gate().await;
    let browser = TestClient::new(&base, Mode::Cookie);
    let first = browser.create_sign_up(json!({ "email_address": "cersei@example.com" })).await;
    let abandoned = first.response()["id"].as_str().unwrap().to_owned();
    // A new sign-up abandons the first.
    browser.create_sign_up(json!({ "email_address": "jaime@example.com" })).await.response();
    // Every slot is held: a request that hashed first would answer 503.
    let _held = [hasher.slot().await.unwrap(), hasher.slot().await.unwrap()];
    let password = json!({ "password": PASSWORD });
    browser
        .update_sign_up("su_unknown0000000000000000000", password.clone())
        .await
        .assert_error(404, "sign_up_not_found");
    browser.update_sign_up(&abandoned, password.clone()).await.assert_error(409, "sign_up_not_modifiable");
    let stranger = TestClient::new(&base, Mode::Cookie);
    stranger.update_sign_up(&abandoned, password).await.assert_error(404, "sign_up_not_found");
    let attempt = json!({ "strategy": "password", "password": PASSWORD });
    browser.attempt_first_factor("sin_unknown000000000000000000", attempt).await.assert_error(404, "sign_in_not_found");
}

#[tokio::test]
async fn imported_digests_beyond_the_cost_bounds_are_refused() {
    let app = spawn_admin_app().await;
    let admin = app.admin();
    let tail = "$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
    let bcrypt_15 = "$2b$15$k2WcyM0iw0Jy3aYfFBi2MuNwunZtO0S9uTV1QEyqKtmM3t/4JwYcC";
    for digest in [
        String::from(bcrypt_15),
        format!("$argon2id$v=19$m=262145,t=2,p=1{tail}"),
        format!("$argon2id$v=19$m=19456,t=11,p=1{tail}"),
        format!("$argon2id$v=19$m=19456,t=2,p=5{tail}"),
    ] {
        let body = json!({ "email": "cersei@example.com", "password_digest": digest });
        let answer = admin.put("/v1/admin/users", body).await;
        answer.assert_error(422, "form_param_format_invalid");
        assert_eq!(answer.param(), Some("password_digest"), "{digest}");
    }
    let at_the_bound = format!("$argon2id$v=19$m=262144,t=10,p=4{tail}");
    let body = json!({ "email": "cersei@example.com", "password_digest": at_the_bound });
    let answer = admin.put("/v1/admin/users", body).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
}

/// The peak resident memory of a process, in KiB (`VmHWM`).
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).expect("VmHWM in /proc/PID/status");
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::test]
async fn three_hundred_concurrent_password_sign_ups_stay_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("load.db").display());
    let (mut child, addr) =
        crate::cli::start_binary(&["--dev", "--listen", "127.0.0.1:0", "--database-url", &db], &[]).await;
    let pid = child.id().unwrap();
    let before = peak_rss_kib(pid);

    let http = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let url = format!("http://{addr}/v1/client/sign_ups");
    let requests = (0..300).map(|i| {
        let (http, url) = (http.clone(), url.clone());
        tokio::spawn(async move {
            let body = json!({ "email_address": format!("load{i}@example.com"), "password": PASSWORD });
            let answer = http.post(url).json(&body).timeout(Duration::from_secs(120)).send().await.unwrap();
            let status = answer.status().as_u16();
            let json: serde_json::Value = answer.json().await.unwrap_or_default();
            (status, json["errors"][0]["code"].as_str().map(str::to_owned))
        })
    });
    let answers = futures_util::future::join_all(requests).await;
    let mut counts = std::collections::BTreeMap::new();
    for answer in answers {
        let (status, code) = answer.unwrap();
        match (status, code.as_deref()) {
            (200, None) | (429, Some("rate_limited")) | (503, Some("server_busy")) => {}
            other => panic!("unexpected answer {other:?}"),
        }
        *counts.entry(status).or_insert(0) += 1;
    }
    assert!(counts.get(&200).is_some_and(|n| *n > 0), "some sign-ups went through: {counts:?}");
    let peak_mib = peak_rss_kib(pid) / 1024;
    eprintln!("300 password sign-ups: answers {counts:?}, peak RSS {peak_mib} MiB");
    assert!(peak_mib < 300, "peak RSS {peak_mib} MiB (was {} MiB at start); answers {counts:?}", before / 1024);
    child.kill().await.unwrap();
}
