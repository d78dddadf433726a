//! The limits on wrong passwords: 10 per 15 minutes per account and IP,
//! 100 an hour per account, 50 per 15 minutes per IP across accounts; then
//! 429 `rate_limited` with `Retry-After`. Counted in the database, timed by
//! the manual clock; the client IP comes from `X-Real-IP` where a test
//! needs several.

use crate::helpers::{TestApp, TestClient, spawn_admin_app, spawn_admin_app_with};
use crate::sign_in::{CERSEI, PASSWORD, sync_cersei};
use gatehouse_server::config::Config;
use serde_json::json;

/// An admin app that takes the client IP from `X-Real-IP`, with these
/// extra settings.
async fn app_keyed_by_real_ip(extra: &str) -> TestApp {
    let config = Config::from_toml(&format!("[rate_limit]\nclient_ip = \"XRealIp\"\n{extra}")).unwrap();
    spawn_admin_app_with(config).await
}

/// A browser whose requests come from `ip` (as the proxy says).
fn browser_at(app: &TestApp, ip: &str) -> TestClient {
    let browser = app.client();
    browser.extra.lock().unwrap().push((String::from("x-real-ip"), String::from(ip)));
    browser
}

/// A bcrypt digest of `PASSWORD` that is cheap to check: tests that make
/// a hundred guesses spend milliseconds on each, not argon2's tens.
fn cheap_digest() -> String {
    bcrypt::hash(PASSWORD, 4).unwrap()
}

fn right_password() -> serde_json::Value {
    json!({ "identifier": CERSEI, "password": PASSWORD })
}

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
    // Even the right password, from another browser at the same IP, waits.
    let owner = app.client();
    owner
        .sign_in(json!({ "identifier": "cersei.lannister", "password": PASSWORD }))
        .await
        .assert_error(429, "rate_limited");
    // Once the oldest failure has left the window, one more try is allowed.
    app.advance(839);
    assert_eq!(
        owner.sign_in(json!({ "identifier": CERSEI, "password": PASSWORD })).await.header("retry-after").as_deref(),
        Some("1")
    );
    app.advance(1);
    assert_eq!(
        owner.sign_in(json!({ "identifier": CERSEI, "password": PASSWORD })).await.response()["status"],
        "complete"
    );
    // The other nine still count: the next wrong one locks it again.
    attacker.sign_in(wrong_password()).await.assert_error(422, "form_password_incorrect");
    attacker.sign_in(wrong_password()).await.assert_error(429, "rate_limited");
    let mut db = app.db().await;
    let counted: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM limit_events WHERE limit_key LIKE 'password:%:127.0.0.1'")
            .fetch_one(&mut db)
            .await
            .unwrap();
    // Eleven wrong passwords: the first left the window and was dropped; the right one was never counted.
    assert_eq!(counted, 10);
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

async fn futures_join<F: std::future::Future<Output = u16> + Send + 'static>(
    futures: impl Iterator<Item = F>,
) -> Vec<u16> {
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for handle in handles {
        out.push(handle.await.unwrap());
    }
    out
}

#[tokio::test]
async fn the_limit_and_window_are_configurable() {
    let config =
        Config::from_toml("[sign_in]\nmax_failed_passwords = 3\nfailed_password_window_seconds = 60\n").unwrap();
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
    let s = Config::default().sign_in;
    assert_eq!(
        (
            s.max_failed_passwords_per_account,
            s.account_window_seconds,
            s.max_failed_passwords_per_ip,
            s.ip_window_seconds
        ),
        (100, 3600, 50, 900)
    );
    let toml = "[sign_in]\nmax_failed_passwords_per_account = 7\naccount_window_seconds = 70\n\
                max_failed_passwords_per_ip = 8\nip_window_seconds = 80\n";
    let s = Config::from_toml(toml).unwrap().sign_in;
    let numbers = (
        s.max_failed_passwords_per_account,
        s.account_window_seconds,
        s.max_failed_passwords_per_ip,
        s.ip_window_seconds,
    );
    assert_eq!(numbers, (7, 70, 8, 80));
    let keys = ["max_failed_passwords_per_account", "account_window_seconds", "max_failed_passwords_per_ip"];
    for key in keys.into_iter().chain(["ip_window_seconds"]) {
        let error = Config::from_toml(&format!("[sign_in]\n{key} = 0\n")).unwrap_err();
        assert!(error.to_string().contains(key), "{error}");
    }
}

#[tokio::test]
async fn an_attacker_locks_only_their_own_ip_out_of_the_account() {
    let app = app_keyed_by_real_ip("").await;
    sync_cersei(&app, json!({ "password": PASSWORD })).await;
    let attacker = browser_at(&app, "203.0.113.66");
    for _ in 0..10 {
        attacker.sign_in(wrong_password()).await.assert_error(422, "form_password_incorrect");
    }
    attacker.sign_in(wrong_password()).await.assert_error(429, "rate_limited");
    attacker.sign_in(right_password()).await.assert_error(429, "rate_limited");
    // The owner, from their own IP, signs in as ever.
    let owner = browser_at(&app, "198.51.100.7");
    assert_eq!(owner.sign_in(right_password()).await.response()["status"], "complete");
    // And from an IPv6 address too.
    let owner_v6 = browser_at(&app, "2001:db8::7");
    assert_eq!(owner_v6.sign_in(right_password()).await.response()["status"], "complete");
}

#[tokio::test]
async fn the_account_wide_ceiling_stops_a_guesser_with_many_ips() {
    let app = app_keyed_by_real_ip("").await;
    sync_cersei(&app, json!({ "password_digest": cheap_digest() })).await;
    let start = app.clock_ms();
    // Ten IPs, ten wrong passwords each: the account's 100 an hour.
    for n in 0..10 {
        let attacker = browser_at(&app, &format!("203.0.113.{n}"));
        for _ in 0..10 {
            attacker.sign_in(wrong_password()).await.assert_error(422, "form_password_incorrect");
        }
        app.advance(60);
    }
    let fresh_ip = browser_at(&app, "203.0.113.200");
    let refused = fresh_ip.sign_in(wrong_password()).await;
    refused.assert_error(429, "rate_limited");
    // The first ten leave the hour first (they were all at `start`).
    let expected = (start + 3_600_000 - app.clock_ms()) / 1000;
    assert_eq!(refused.header("retry-after"), Some(expected.to_string()));
    // The ceiling holds for every IP, the owner's too, until the hour moves on.
    let owner = browser_at(&app, "198.51.100.7");
    owner.sign_in(right_password()).await.assert_error(429, "rate_limited");
    app.advance(u64::try_from(expected).unwrap());
    assert_eq!(owner.sign_in(right_password()).await.response()["status"], "complete");
}

#[tokio::test]
async fn the_email_code_still_works_while_passwords_are_locked() {
    let app = spawn_admin_app().await;
    sync_cersei(&app, json!({ "password": PASSWORD })).await;
    let browser = app.client();
    for _ in 0..10 {
        browser.sign_in(wrong_password()).await.assert_error(422, "form_password_incorrect");
    }
    browser.sign_in(right_password()).await.assert_error(429, "rate_limited");
    // Same browser, same IP: the code sent to the account's email signs in.
    let created = browser.sign_in(json!({ "identifier": CERSEI, "strategy": "email_code" })).await;
    let id = created.response()["id"].as_str().unwrap().to_owned();
    browser.prepare_first_factor(&id, "email_code").await.response();
    let code = app.last_code_to(CERSEI).await;
    let done = browser.attempt_first_factor(&id, json!({ "strategy": "email_code", "code": code })).await;
    assert_eq!(done.response()["status"], "complete");
    // A password on the same sign-in is still refused.
    let again = browser.sign_in(json!({ "identifier": CERSEI })).await;
    let id = again.response()["id"].as_str().unwrap().to_owned();
    let locked = browser.attempt_first_factor(&id, json!({ "strategy": "password", "password": PASSWORD })).await;
    locked.assert_error(429, "rate_limited");
}

#[tokio::test]
async fn spraying_51_accounts_from_one_ip_is_stopped() {
    let app = app_keyed_by_real_ip("").await;
    let digest = cheap_digest();
    let accounts: Vec<String> = (0..51).map(|n| format!("user{n}@example.com")).collect();
    for email in &accounts {
        let put = app.admin().put("/v1/admin/users", json!({ "email": email, "password_digest": digest })).await;
        assert_eq!(put.status, 200, "{}", put.text);
    }
    let sprayer = browser_at(&app, "203.0.113.66");
    for email in &accounts[..50] {
        let answer = sprayer.sign_in(json!({ "identifier": email, "password": "Summer2026!" })).await;
        answer.assert_error(422, "form_password_incorrect");
    }
    let refused = sprayer.sign_in(json!({ "identifier": accounts[50], "password": "Summer2026!" })).await;
    refused.assert_error(429, "rate_limited");
    assert_eq!(refused.header("retry-after").as_deref(), Some("900"));
    // Even the right password for an untouched account waits, from that IP...
    sprayer
        .sign_in(json!({ "identifier": accounts[50], "password": PASSWORD }))
        .await
        .assert_error(429, "rate_limited");
    // ...and only from that IP.
    let owner = browser_at(&app, "198.51.100.7");
    assert_eq!(
        owner.sign_in(json!({ "identifier": accounts[50], "password": PASSWORD })).await.response()["status"],
        "complete"
    );
}

#[tokio::test]
async fn identifiers_without_an_account_count_against_the_ip() {
    let app = app_keyed_by_real_ip("[sign_in]\nmax_failed_passwords_per_ip = 3\n").await;
    sync_cersei(&app, json!({ "password": PASSWORD })).await;
    let sprayer = browser_at(&app, "203.0.113.66");
    for n in 0..3 {
        let answer =
            sprayer.sign_in(json!({ "identifier": format!("nobody{n}@example.com"), "password": "Summer2026!" })).await;
        answer.assert_error(422, "form_identifier_not_found");
    }
    let refused = sprayer.sign_in(json!({ "identifier": "nobody9@example.com", "password": "Summer2026!" })).await;
    refused.assert_error(429, "rate_limited");
    sprayer.sign_in(right_password()).await.assert_error(429, "rate_limited");
    // An identifier alone (no password) is no guess: it is not limited here.
    assert_eq!(sprayer.sign_in(json!({ "identifier": CERSEI })).await.response()["status"], "needs_first_factor");
    app.advance(900);
    assert_eq!(sprayer.sign_in(right_password()).await.response()["status"], "complete");
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
    let passwordless =
        browser.sign_in(json!({ "identifier": "no-password@example.com", "password": "Jaime#1234" })).await;
    passwordless.assert_error(422, "verification_strategy_invalid");
    assert_eq!(dummy_checks(), before + 2, "an account without a password runs the dummy check too");
    // Without a password nothing is hashed at all.
    browser.sign_in(json!({ "identifier": "nobody@example.com" })).await.assert_error(422, "form_identifier_not_found");
    assert_eq!(dummy_checks(), before + 2);
}
