//! The per-account limit on wrong passwords: 10 per 15 minutes by
//! default, then 429 `rate_limited` with `Retry-After`; counted in the
//! database, timed by the manual clock.

use crate::helpers::{spawn_admin_app, spawn_admin_app_with};
use crate::sign_in::{CERSEI, PASSWORD, sync_cersei};
use gatehouse_server::config::Config;
use serde_json::json;

fn wrong_password() -> serde_json::Value {
    json!({ "identifier": CERSEI, "password": "Jaime#1234" })
}

#[tokio::test]
async fn ten_wrong_passwords_lock_the_account_for_the_rest_of_the_window() {
    let app = spawn_admin_app().await;
    sync_cersei(&app, json!({ "password": PASSWORD })).await;
    let attacker = app.client();
    let start = app.clock_ms();
    for i in 0..10 {
        attacker.sign_in(wrong_password()).await.assert_error(422, "form_password_incorrect");
        // Spread over the window: the first failure leaves it first.
        if i == 0 {
            app.advance(60);
        }
    }
    let locked = attacker.sign_in(wrong_password()).await;
    locked.assert_error(429, "rate_limited");
    // The first failure (at `start`) leaves the 15-minute window first.
    let expected = (start + 900_000 - app.clock_ms()) / 1000;
    assert_eq!(locked.header("retry-after"), Some(expected.to_string()));
    assert_eq!(expected, 840);
    // Even the right password, from another browser, waits: the limit is the account's.
    let owner = app.client();
    owner.sign_in(json!({ "identifier": "cersei.lannister", "password": PASSWORD })).await.assert_error(429, "rate_limited");
    // Once the oldest failure has left the window, one more try is allowed.
    app.advance(839);
    assert_eq!(owner.sign_in(json!({ "identifier": CERSEI, "password": PASSWORD })).await.header("retry-after").as_deref(), Some("1"));
    app.advance(1);
    assert_eq!(owner.sign_in(json!({ "identifier": CERSEI, "password": PASSWORD })).await.response()["status"], "complete");
    // The other nine still count: the next wrong one locks it again.
    attacker.sign_in(wrong_password()).await.assert_error(422, "form_password_incorrect");
    attacker.sign_in(wrong_password()).await.assert_error(429, "rate_limited");
    let mut db = app.db().await;
    let counted: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM password_failures").fetch_one(&mut db).await.unwrap();
    assert_eq!(counted, 11, "eleven wrong passwords; the right one is not counted");
}

#[tokio::test]
async fn attempts_on_an_open_sign_in_count_too_and_other_accounts_are_untouched() {
    let app = spawn_admin_app().await;
    sync_cersei(&app, json!({ "password": PASSWORD })).await;
    app.admin().put("/v1/admin/users", json!({ "email": "jaime@example.com", "password": PASSWORD })).await;
    let browser = app.client();
    let id = browser.sign_in(json!({ "identifier": CERSEI })).await.response()["id"].as_str().unwrap().to_owned();
    let attempt = json!({ "strategy": "password", "password": "wrong-password" });
    for _ in 0..10 {
        browser.attempt_first_factor(&id, attempt.clone()).await.assert_error(422, "form_password_incorrect");
    }
    let locked = browser.attempt_first_factor(&id, json!({ "strategy": "password", "password": PASSWORD })).await;
    locked.assert_error(429, "rate_limited");
    assert_eq!(locked.header("retry-after").as_deref(), Some("900"));
    let jaime = browser.sign_in(json!({ "identifier": "jaime@example.com", "password": PASSWORD })).await;
    assert_eq!(jaime.response()["status"], "complete");
}

#[tokio::test]
async fn parallel_guesses_cannot_exceed_the_limit() {
    let app = spawn_admin_app().await;
    sync_cersei(&app, json!({ "password": PASSWORD })).await;
    let guesses = (0..16).map(|_| {
        let client = app.client();
        async move { client.sign_in(wrong_password()).await.status }
    });
    let statuses = futures_join(guesses).await;
    assert_eq!(statuses.iter().filter(|s| **s == 422).count(), 10, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 6, "{statuses:?}");
}

async fn futures_join<F: std::future::Future<Output = u16> + Send + 'static>(futures: impl Iterator<Item = F>) -> Vec<u16> {
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for handle in handles {
        out.push(handle.await.unwrap());
    }
    out
}

#[tokio::test]
async fn the_limit_and_window_are_configurable() {
    let config = Config::from_toml("[sign_in]\nmax_failed_passwords = 3\nfailed_password_window_seconds = 60\n").unwrap();
    assert_eq!((config.sign_in.max_failed_passwords, config.sign_in.failed_password_window_seconds), (3, 60));
    let app = spawn_admin_app_with(config).await;
    sync_cersei(&app, json!({ "password": PASSWORD })).await;
    let browser = app.client();
    for _ in 0..3 {
        browser.sign_in(wrong_password()).await.assert_error(422, "form_password_incorrect");
    }
    let locked = browser.sign_in(wrong_password()).await;
    assert_eq!(locked.header("retry-after").as_deref(), Some("60"));
    app.advance(60);
    browser.sign_in(json!({ "identifier": CERSEI, "password": PASSWORD })).await.response();
    assert!(Config::from_toml("[sign_in]\nmax_failed_passwords = 0\n").is_err());
    assert!(Config::from_toml("[sign_in]\nlockout = 1\n").is_err());
}

/// An unknown identifier, or an account without a password, pays for one
/// argon2id check against a dummy hash, as a wrong password for a real
/// account pays for its own: the mechanism, counted, rather than a timing
/// compared on a shared machine.
#[tokio::test]
async fn an_unknown_identifier_pays_for_a_dummy_check_and_a_known_one_for_its_own() {
    use gatehouse_server::password::dummy_checks_on_this_thread as dummy_checks;
    let app = spawn_admin_app().await;
    sync_cersei(&app, json!({ "password": PASSWORD })).await;
    let passwordless = app.admin().put("/v1/admin/users", json!({ "email": "no-password@example.com" })).await;
    assert_eq!(passwordless.body["email"], "no-password@example.com", "{}", passwordless.text);
    let browser = app.client();
    let before = dummy_checks();
    let unknown = browser.sign_in(json!({ "identifier": "nobody@example.com", "password": "Jaime#1234" })).await;
    unknown.assert_error(422, "form_identifier_not_found");
    assert_eq!(dummy_checks(), before + 1, "the unknown identifier ran the dummy check");
    browser.sign_in(wrong_password()).await.assert_error(422, "form_password_incorrect");
    assert_eq!(dummy_checks(), before + 1, "a known account is checked against its own hash");
    let passwordless = browser.sign_in(json!({ "identifier": "no-password@example.com", "password": "Jaime#1234" })).await;
    passwordless.assert_error(422, "verification_strategy_invalid");
    assert_eq!(dummy_checks(), before + 2, "an account without a password runs the dummy check too");
    // Without a password nothing is hashed at all.
    browser.sign_in(json!({ "identifier": "nobody@example.com" })).await.assert_error(422, "form_identifier_not_found");
    assert_eq!(dummy_checks(), before + 2);
}
