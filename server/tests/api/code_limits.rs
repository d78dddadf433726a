//! The limits that keep codes from being guessed across re-sends and keep
//! the server from being used to flood inboxes: wrong codes per address and
//! purpose (10 an hour), messages per address (5 an hour, codes and links
//! together) and for the whole instance. Counted in the database, timed by
//! the manual clock.

use crate::email_link::landing;
use crate::helpers::{TestApp, TestClient, dev, spawn_admin_app, spawn_app, spawn_app_with, wrong};
use crate::sign_in::{CERSEI, sync_cersei};
use gatehouse_server::config::Config;
use serde_json::json;

/// A browser with an email-code sign-in for Cersei started; answers its id.
async fn code_sign_in(app: &TestApp) -> (TestClient, String) {
    let browser = app.client();
    let created = browser.sign_in(json!({ "identifier": CERSEI, "strategy": "email_code" })).await;
    let id = created.response()["id"].as_str().unwrap().to_owned();
    (browser, id)
}

async fn attempt_code(browser: &TestClient, id: &str, code: &str) -> crate::helpers::Answer {
    browser.attempt_first_factor(id, json!({ "strategy": "email_code", "code": code })).await
}

#[tokio::test]
async fn the_eleventh_wrong_code_across_re_sent_codes_is_refused_even_when_right() {
    let app = spawn_admin_app().await;
    sync_cersei(&app, json!({})).await;
    let (attacker, id) = code_sign_in(&app).await;
    let start = app.clock_ms();
    // Three codes, each re-sent once the resend interval allows, none tried
    // up to its own limit of 5: 4 + 4 + 2 wrong codes.
    for (round, guesses) in [4, 4, 2].into_iter().enumerate() {
        if round > 0 {
            app.advance(30);
        }
        attacker.prepare_first_factor(&id, "email_code").await.response();
        let code = app.last_code_to(CERSEI).await;
        for _ in 0..guesses {
            attempt_code(&attacker, &id, &wrong(&code)).await.assert_error(422, "form_code_incorrect");
        }
    }
    let live = app.last_code_to(CERSEI).await;
    // The 11th guess answers 429, the right code included.
    for guess in [wrong(&live), live.clone()] {
        let refused = attempt_code(&attacker, &id, &guess).await;
        refused.assert_error(429, "rate_limited");
        let expected = (start + 3_600_000 - app.clock_ms()) / 1000;
        assert_eq!(refused.header("retry-after"), Some(expected.to_string()));
    }
    // No new code goes to the address either.
    app.advance(30);
    let sent = app.outbox().await.len();
    attacker.prepare_first_factor(&id, "email_code").await.assert_error(429, "verification_code_too_many_requests");
    assert_eq!(app.outbox().await.len(), sent, "nothing was sent");
    // A new sign-in for the address starts no new count.
    let (owner, fresh) = code_sign_in(&app).await;
    owner.prepare_first_factor(&fresh, "email_code").await.assert_error(429, "verification_code_too_many_requests");

    // Once the first wrong code has left the hour, codes work again.
    app.advance(3600);
    owner.prepare_first_factor(&fresh, "email_code").await.response();
    let code = app.last_code_to(CERSEI).await;
    assert_eq!(attempt_code(&owner, &fresh, &code).await.response()["status"], "complete");
}

#[tokio::test]
async fn a_wrong_code_is_counted_in_the_commit_that_counts_the_attempt() {
    let app = spawn_app().await;
    let browser = app.client();
    let id = browser.start_sign_up("ana@example.com").await;
    browser.prepare(&id, "email_code").await.response();
    let code = app.last_code_to("ana@example.com").await;
    browser.attempt(&id, "email_code", &wrong(&code)).await.assert_error(422, "form_code_incorrect");
    let mut db = app.db().await;
    let attempts: i64 = sqlx::query_scalar("SELECT attempts FROM verifications").fetch_one(&mut db).await.unwrap();
    let key = "code_failure:sign_up:ana@example.com";
    let counted: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM limit_events WHERE limit_key = $1")
        .bind(key)
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!((attempts, counted), (1, 1));
    // The right code is not a failure.
    browser.attempt(&id, "email_code", &code).await.response();
    let counted: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM limit_events WHERE limit_key LIKE 'code_failure:%'")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(counted, 1);
}

#[tokio::test]
async fn parallel_wrong_codes_cannot_exceed_the_limit() {
    // One code that takes many tries, so only the per-address limit stops them.
    let config = Config::from_toml("[verification]\ncode_max_attempts = 20\n").unwrap();
    let app = spawn_app_with(config, dev()).await;
    let browser = app.client();
    let id = browser.start_sign_up("ana@example.com").await;
    browser.prepare(&id, "email_code").await.response();
    let guess = wrong(&app.last_code_to("ana@example.com").await);
    let browser = std::sync::Arc::new(browser);
    let handles: Vec<_> = (0..16)
        .map(|_| {
            let (browser, id, guess) = (browser.clone(), id.clone(), guess.clone());
            tokio::spawn(async move { browser.attempt(&id, "email_code", &guess).await.status })
        })
        .collect();
    let mut statuses = Vec::new();
    for handle in handles {
        statuses.push(handle.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 422).count(), 10, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 6, "{statuses:?}");
}

#[tokio::test]
async fn sign_up_codes_are_limited_per_address_across_sign_ups() {
    let app = spawn_app().await;
    // Two browsers, each with its own sign-up for one address: the count is the address's.
    for _ in 0..2 {
        let browser = app.client();
        let id = browser.start_sign_up("ana@example.com").await;
        browser.prepare(&id, "email_code").await.response();
        let code = app.last_code_to("ana@example.com").await;
        for _ in 0..4 {
            browser.attempt(&id, "email_code", &wrong(&code)).await.assert_error(422, "form_code_incorrect");
        }
        app.advance(30);
    }
    let browser = app.client();
    let id = browser.start_sign_up("ana@example.com").await;
    browser.prepare(&id, "email_code").await.response();
    let code = app.last_code_to("ana@example.com").await;
    for _ in 0..2 {
        browser.attempt(&id, "email_code", &wrong(&code)).await.assert_error(422, "form_code_incorrect");
    }
    let refused = browser.attempt(&id, "email_code", &code).await;
    refused.assert_error(429, "rate_limited");
    assert!(refused.header("retry-after").is_some());
    // Another address is untouched.
    let other = app.client();
    let other_id = other.start_sign_up("bran@example.com").await;
    other.prepare(&other_id, "email_code").await.response();
    let code = app.last_code_to("bran@example.com").await;
    assert_eq!(other.attempt(&other_id, "email_code", &code).await.response()["status"], "complete");
}

#[tokio::test]
async fn five_messages_an_hour_per_address_codes_and_links_together() {
    let app = spawn_app().await;
    let browser = app.client();
    let id = browser.start_sign_up("ana@example.com").await;
    let start = app.clock_ms();
    for i in 0..5 {
        if i > 0 {
            app.advance(30);
        }
        let sent = match i % 2 {
            0 => browser.prepare(&id, "email_code").await,
            _ => browser.prepare_link(&id, &landing(&app)).await,
        };
        sent.response();
    }
    assert_eq!(app.outbox().await.len(), 5);
    app.advance(30);
    for refused in [browser.prepare(&id, "email_code").await, browser.prepare_link(&id, &landing(&app)).await] {
        refused.assert_error(429, "verification_code_too_many_requests");
        let expected = (start + 3_600_000 - app.clock_ms()) / 1000;
        assert_eq!(refused.header("retry-after"), Some(expected.to_string()));
    }
    // Another sign-up for the address gets nothing either.
    let other = app.client();
    let other_id = other.start_sign_up("ana@example.com").await;
    other.prepare(&other_id, "email_code").await.assert_error(429, "verification_code_too_many_requests");
    assert_eq!(app.outbox().await.len(), 5, "nothing more was sent");
    // The first message leaves the hour: one more may go.
    app.advance(3600 - 150);
    browser.prepare_link(&id, &landing(&app)).await.response();
    assert_eq!(app.outbox().await.len(), 6);
}

#[tokio::test]
async fn the_instance_message_budget_answers_429_once_spent() {
    let config = Config::from_toml("[verification]\nmax_messages_per_hour = 3\n").unwrap();
    let app = spawn_app_with(config, dev()).await;
    for name in ["ana", "bran", "cat"] {
        let browser = app.client();
        let id = browser.start_sign_up(&format!("{name}@example.com")).await;
        browser.prepare(&id, "email_code").await.response();
    }
    let browser = app.client();
    let id = browser.start_sign_up("dany@example.com").await;
    let refused = browser.prepare(&id, "email_code").await;
    refused.assert_error(429, "rate_limited");
    assert_eq!(refused.header("retry-after").as_deref(), Some("3600"));
    assert_eq!(app.outbox().await.len(), 3);
    app.advance(3600);
    browser.prepare(&id, "email_code").await.response();
    assert_eq!(app.last_message_to("dany@example.com").await["channel"], "email");
}

#[tokio::test]
async fn the_limits_hold_across_a_restart() {
    let app = spawn_app().await;
    let browser = app.client();
    let id = browser.start_sign_up("ana@example.com").await;
    // Two codes, each tried to its own limit of 5: 10 wrong codes.
    for round in 0..2 {
        if round > 0 {
            app.advance(30);
        }
        browser.prepare(&id, "email_code").await.response();
        let code = app.last_code_to("ana@example.com").await;
        for _ in 0..5 {
            browser.attempt(&id, "email_code", &wrong(&code)).await.assert_error(422, "form_code_incorrect");
        }
    }
    app.advance(30);
    let restarted = app.restart(Config::default(), dev()).await;
    let browser = browser.at(&restarted);
    // Not the resend interval (it has passed) but the hour of wrong codes.
    let refused = browser.prepare(&id, "email_code").await;
    refused.assert_error(429, "verification_code_too_many_requests");
    assert_eq!(refused.header("retry-after").as_deref(), Some("3540"));
    // Without the limit, the failed code would answer 422 `verification_failed`.
    browser.attempt(&id, "email_code", "123456").await.assert_error(429, "rate_limited");
}

#[test]
fn the_limits_are_settings_with_bounds() {
    let numbers = |v: gatehouse_server::config::VerificationSettings| {
        [
            v.max_failed_attempts_per_address.into(),
            v.failed_attempt_window_seconds,
            v.max_sends_per_address.into(),
            v.send_window_seconds,
            v.max_messages_per_hour.into(),
        ]
    };
    assert_eq!(numbers(Config::default().verification), [10, 3600, 5, 3600, 1000]);
    let toml = "[verification]\nmax_failed_attempts_per_address = 3\nfailed_attempt_window_seconds = 60\n\
                max_sends_per_address = 2\nsend_window_seconds = 120\nmax_messages_per_hour = 50\n";
    assert_eq!(numbers(Config::from_toml(toml).unwrap().verification), [3, 60, 2, 120, 50]);
    let keys = ["max_failed_attempts_per_address", "failed_attempt_window_seconds", "max_sends_per_address"];
    for key in keys.into_iter().chain(["send_window_seconds", "max_messages_per_hour"]) {
        let error = Config::from_toml(&format!("[verification]\n{key} = 0\n")).unwrap_err();
        assert!(error.to_string().contains(key), "{error}");
    }
}

#[tokio::test]
async fn wrong_sign_up_codes_do_not_block_the_owners_sign_in_codes() {
    let app = spawn_admin_app().await;
    // Someone guesses sign-up codes for Ana's address to their limit.
    let guesser = app.client();
    let id = guesser.start_sign_up("ana@example.com").await;
    for round in 0..2 {
        if round > 0 {
            app.advance(30);
        }
        guesser.prepare(&id, "email_code").await.response();
        let code = app.last_code_to("ana@example.com").await;
        for _ in 0..5 {
            guesser.attempt(&id, "email_code", &wrong(&code)).await.assert_error(422, "form_code_incorrect");
        }
    }
    app.advance(30);
    guesser.prepare(&id, "email_code").await.assert_error(429, "verification_code_too_many_requests");
    // Ana has an account (synced by the operator): the count is per
    // purpose, so her sign-in codes still come and work.
    let put = app.admin().put("/v1/admin/users", json!({ "email": "ana@example.com", "email_verified": true })).await;
    assert_eq!(put.status, 200, "{}", put.text);
    let owner = app.client();
    let created = owner.sign_in(json!({ "identifier": "ana@example.com", "strategy": "email_code" })).await;
    let sign_in = created.response()["id"].as_str().unwrap().to_owned();
    owner.prepare_first_factor(&sign_in, "email_code").await.response();
    let code = app.last_code_to("ana@example.com").await;
    assert_eq!(attempt_code(&owner, &sign_in, &code).await.response()["status"], "complete");
}
