//! Bounds on what one client or address can hold: open event streams, the
//! password and code quota, and the time one request may take.

use crate::helpers::{Backend, dev, spawn_app, spawn_app_with};
use gatehouse_server::config::Config;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn a_client_may_hold_three_streams_and_the_fourth_answers_429() {
    let app = spawn_app().await;
    let browser = app.client();
    let id = browser.start_sign_up("ana@example.com").await;
    let mut open = Vec::new();
    for _ in 0..3 {
        let mut stream = browser.events(&id).await;
        assert_eq!(stream.status(), 200);
        stream.next_sign_up().await;
        open.push(stream);
    }
    let refused = browser.events(&id).await;
    assert_eq!(refused.status(), 429);
    assert!(refused.header("retry-after").is_some_and(|s| s.parse::<u64>().unwrap() > 0));
    let body: serde_json::Value = refused.response.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "rate_limited");
    assert_eq!(app.state.hub.open_streams(), 3, "the refused stream holds no place");
    // Another client is not held back by this one's streams.
    let other = app.client();
    let other_id = other.start_sign_up("bea@example.com").await;
    assert_eq!(other.events(&other_id).await.status(), 200);
}

#[tokio::test]
async fn an_address_may_hold_its_number_of_streams_across_clients() {
    let mut config = Config::default();
    config.events.max_per_client = 2;
    config.events.max_per_ip = 3;
    let app = spawn_app_with(config, dev()).await;
    let mut open = Vec::new();
    let (first, second) = (app.client(), app.client());
    let first_id = first.start_sign_up("ana@example.com").await;
    let second_id = second.start_sign_up("bea@example.com").await;
    for (browser, id) in [(&first, &first_id), (&first, &first_id), (&second, &second_id)] {
        let stream = browser.events(id).await;
        assert_eq!(stream.status(), 200);
        open.push(stream);
    }
    // The second client is under its own cap, but 127.0.0.1 is at its.
    let refused = second.events(&second_id).await;
    assert_eq!(refused.status(), 429);
    let body: serde_json::Value = refused.response.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "rate_limited");
}

#[tokio::test]
async fn the_server_holds_its_number_of_streams_across_addresses() {
    let mut config = Config::default();
    config.events.max_per_client = 1;
    config.events.max_per_ip = 1;
    config.events.max_per_node = 2;
    let app = spawn_app_with(config, dev()).await;
    let mut open = Vec::new();
    for (n, from) in ["127.0.0.2", "127.0.0.3"].into_iter().enumerate() {
        let browser = app.client_from(from);
        let id = browser.start_sign_up(&format!("user{n}@example.com")).await;
        let stream = browser.events(&id).await;
        assert_eq!(stream.status(), 200);
        open.push(stream);
    }
    // A third address, under its own cap, finds the server full.
    let browser = app.client_from("127.0.0.4");
    let id = browser.start_sign_up("user2@example.com").await;
    let refused = browser.events(&id).await;
    assert_eq!(refused.status(), 429);
    let body: serde_json::Value = refused.response.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "rate_limited");
    // Once a stream ends, its place is free again.
    drop(open);
    app.state.hub.close_all();
    let closed = async {
        while app.state.hub.open_streams() > 0 {
            tokio::task::yield_now().await;
        }
    };
    tokio::time::timeout(Duration::from_secs(5), closed).await.expect("the streams close");
    assert_eq!(browser.events(&id).await.status(), 200);
}

#[tokio::test]
async fn password_and_code_requests_have_their_own_tighter_quota() {
    let mut config = Config::default();
    config.rate_limit.sensitive_per_minute = 1;
    config.rate_limit.sensitive_burst = 3;
    let app = spawn_app_with(config, dev()).await;
    let browser = app.client();
    // 1: a sign-up with a password; 2: a prepare; 3: an attempt.
    let id = browser.start_sign_up("ana@example.com").await;
    browser.prepare(&id, "email_code").await.response();
    let code = app.last_code_to("ana@example.com").await;
    browser.attempt(&id, "email_code", &crate::helpers::wrong(&code)).await.assert_error(422, "form_code_incorrect");
    // The quota is spent: the next guess is refused before it is checked.
    let refused = browser.attempt(&id, "email_code", &code).await;
    refused.assert_error(429, "rate_limited");
    assert!(refused.header("retry-after").is_some_and(|s| s.parse::<u64>().unwrap() >= 1));
    let refused = app
        .client()
        .create_sign_up(json!({ "email_address": "bea@example.com", "password": "correct horse battery" }))
        .await;
    refused.assert_error(429, "rate_limited");
    let refused = app.client().sign_in(json!({ "identifier": "ana@example.com" })).await;
    refused.assert_error(429, "rate_limited");
    // What carries no secret and sends nothing is under the general limit only.
    browser.get_sign_up(&id).await.response();
    browser.update_sign_up(&id, json!({ "first_name": "Ana" })).await.response();
    app.client().create_sign_up(json!({ "email_address": "cid@example.com" })).await.response();
    let with_password = browser.update_sign_up(&id, json!({ "password": "another horse battery" })).await;
    with_password.assert_error(429, "rate_limited");
}

#[tokio::test]
async fn a_request_stuck_past_the_timeout_answers_503_request_timeout() {
    let mut config = Config::default();
    config.http.request_timeout = Duration::from_secs(2);
    let app = spawn_app_with(config, dev()).await;
    let browser = app.client();
    // No password: nothing slow but the stuck database, even on a busy machine.
    let id = browser.created(json!({ "email_address": "ana@example.com" })).await;
    // Another writer holds the database (SQLite: its write lock, the server's
    // busy wait is 5 s; PostgreSQL: the sign-up's row, which the update loads
    // for update).
    let mut holder = app.db().await;
    match app.backend() {
        Backend::Sqlite => {
            sqlx::query("BEGIN IMMEDIATE").execute(&mut holder).await.unwrap();
        }
        Backend::Postgres => {
            sqlx::query("BEGIN").execute(&mut holder).await.unwrap();
            sqlx::query("SELECT id FROM sign_ups WHERE id = $1 FOR UPDATE")
                .bind(&id)
                .execute(&mut holder)
                .await
                .unwrap();
        }
    }
    let stuck = browser.update_sign_up(&id, json!({ "first_name": "Ana" })).await;
    stuck.assert_error(503, "request_timeout");
    sqlx::query("ROLLBACK").execute(&mut holder).await.unwrap();
    // An event stream is timed only until it starts: it outlives the timeout.
    let mut stream = browser.events(&id).await;
    stream.next_sign_up().await;
    assert_eq!(stream.next_within(Duration::from_millis(2500)).await, None, "still open, and silent");
    browser.update_sign_up(&id, json!({ "first_name": "Bea" })).await.response();
    assert_eq!(stream.next_sign_up().await["first_name"], "Bea");
}
