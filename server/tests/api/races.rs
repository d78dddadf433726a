//! Races that SQLite's single writer settles by itself and that PostgreSQL
//! (READ COMMITTED) settles only through the named operations of `db::Tx`:
//! `claim_code_send`, `spend_email_link`, the sign-up loaded for update.
//! `make test` runs them on both backends.

use crate::email_link::{outcome, sent};
use crate::helpers::{Answer, Backend, TestApp, spawn_app, token_of, wrong};
use std::future::Future;
use std::time::Duration;

/// Runs the requests at once; answers them in order.
pub async fn all_at_once<F: Future<Output = Answer> + Send + 'static>(
    requests: impl Iterator<Item = F>,
) -> Vec<Answer> {
    let handles: Vec<_> = requests.map(tokio::spawn).collect();
    let mut answers = Vec::new();
    for handle in handles {
        answers.push(handle.await.unwrap());
    }
    answers
}

/// Waits until `n` of the app's PostgreSQL sessions wait on a lock.
pub async fn lock_waiters(app: &TestApp, n: i64) {
    let mut watcher = app.db().await;
    let mut waiting = 0;
    for _ in 0..500 {
        waiting = sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(&mut watcher)
        .await
        .unwrap();
        if waiting == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{waiting} sessions wait on a lock, not {n}");
}

/// Whether the app runs on PostgreSQL; if not, says the test is skipped.
pub fn on_postgres(app: &TestApp, test: &str) -> bool {
    let postgres = app.backend() == Backend::Postgres;
    if !postgres {
        eprintln!("{test}: PostgreSQL only, skipped on SQLite");
    }
    postgres
}

#[tokio::test]
async fn racing_sends_to_one_address_send_one_code() {
    let app = spawn_app().await;
    // Eight browsers, each with its own sign-up for one address, ask for a code at once.
    let mut browsers = Vec::new();
    for _ in 0..8 {
        let browser = app.client();
        let id = browser.start_sign_up("ana@example.com").await;
        browsers.push((browser, id));
    }
    let answers =
        all_at_once(browsers.into_iter().map(|(browser, id)| async move { browser.prepare(&id, "email_code").await }))
            .await;
    let (sent, refused): (Vec<_>, Vec<_>) = answers.into_iter().partition(|a| a.status == 200);
    assert_eq!(sent.len(), 1, "exactly one send is claimed");
    for answer in &refused {
        answer.assert_error(429, "verification_code_too_many_requests");
    }
    let messages = app.outbox().await.iter().filter(|m| m["to"] == "ana@example.com").count();
    assert_eq!(messages, 1, "one code went out");
}

/// Two sends to one address whose transactions overlap for sure, as two
/// nodes' would: another transaction holds the address's wrong-code limit
/// row, which a send takes after its claim, so both sends are inside their
/// transactions before either commits. PostgreSQL only: SQLite's single
/// writer never lets two write transactions overlap.
#[tokio::test]
async fn overlapping_sends_to_one_address_still_send_one_code() {
    let app = spawn_app().await;
    if !on_postgres(&app, "overlapping_sends_to_one_address_still_send_one_code") {
        return;
    }
    let mut browsers = Vec::new();
    for _ in 0..2 {
        let browser = app.client();
        let id = browser.start_sign_up("ana@example.com").await;
        browsers.push((browser, id));
    }
    let mut holder = app.db().await;
    sqlx::query("BEGIN").execute(&mut holder).await.unwrap();
    sqlx::query(
        "INSERT INTO limit_locks (limit_key, touched_at) VALUES ('code_failure:sign_up:ana@example.com', 0) \
         ON CONFLICT (limit_key) DO UPDATE SET touched_at = excluded.touched_at",
    )
    .execute(&mut holder)
    .await
    .unwrap();
    let requests: Vec<_> = browsers
        .into_iter()
        .map(|(browser, id)| tokio::spawn(async move { browser.prepare(&id, "email_code").await }))
        .collect();
    // The signal: both sends wait on a lock (the first on the held row, the second on the first).
    lock_waiters(&app, 2).await;
    sqlx::query("ROLLBACK").execute(&mut holder).await.unwrap();
    let mut answers = Vec::new();
    for request in requests {
        answers.push(request.await.unwrap());
    }
    let (sent, refused): (Vec<_>, Vec<_>) = answers.into_iter().partition(|a| a.status == 200);
    assert_eq!((sent.len(), refused.len()), (1, 1), "exactly one send is claimed");
    refused[0].assert_error(429, "verification_code_too_many_requests");
    let messages = app.outbox().await.iter().filter(|m| m["to"] == "ana@example.com").count();
    assert_eq!(messages, 1, "one code went out");
}

#[tokio::test]
async fn a_link_confirmed_twice_at_once_verifies_once() {
    let app = spawn_app().await;
    let waiting = app.client();
    let (id, link) = sent(&app, &waiting, "ana@example.com").await;
    let token = token_of(&link);
    // Two devices press Confirm at the same moment.
    let answers = all_at_once((0..2).map(|_| {
        let (phone, token) = (app.client(), token.clone());
        async move { phone.confirm_link(&token).await }
    }))
    .await;
    let mut statuses: Vec<String> = answers.iter().map(|a| outcome(a).1).collect();
    statuses.sort();
    assert_eq!(statuses, ["failed", "verified"], "one confirmation spends the link; the other is refused");
    let answer = waiting.get_sign_up(&id).await;
    assert_eq!(answer.response()["status"], "complete");
    assert_eq!(answer.body["client"]["sessions"].as_array().map(Vec::len), Some(1), "one session");
}

/// Wrong codes for one sign-up whose transactions overlap for sure, as on
/// two nodes: another transaction holds the sign-up's row, so all of them
/// are waiting before any is judged. Each loads the sign-up for update, so
/// they take turns and the attempt cap holds. PostgreSQL only.
#[tokio::test]
async fn overlapping_wrong_codes_are_judged_at_most_the_cap() {
    let app = spawn_app().await;
    if !on_postgres(&app, "overlapping_wrong_codes_are_judged_at_most_the_cap") {
        return;
    }
    let browser = std::sync::Arc::new(app.client());
    let id = browser.start_sign_up("ana@example.com").await;
    browser.prepare(&id, "email_code").await.response();
    let guess = wrong(&app.last_code_to("ana@example.com").await);
    let mut holder = app.db().await;
    sqlx::query("BEGIN").execute(&mut holder).await.unwrap();
    sqlx::query("SELECT id FROM sign_ups WHERE id = $1 FOR UPDATE").bind(&id).execute(&mut holder).await.unwrap();
    let requests: Vec<_> = (0..8)
        .map(|_| {
            let (browser, id, guess) = (browser.clone(), id.clone(), guess.clone());
            tokio::spawn(async move { browser.attempt(&id, "email_code", &guess).await })
        })
        .collect();
    lock_waiters(&app, 8).await;
    sqlx::query("ROLLBACK").execute(&mut holder).await.unwrap();
    let mut codes = Vec::new();
    for request in requests {
        let answer = request.await.unwrap();
        assert_eq!(answer.status, 422, "{}", answer.text);
        codes.push(answer.body["errors"][0]["code"].as_str().unwrap().to_owned());
    }
    let judged = codes.iter().filter(|c| *c == "form_code_incorrect").count();
    let refused = codes.iter().filter(|c| *c == "verification_failed").count();
    assert_eq!((judged, refused), (5, 3), "{codes:?}");
    let v = browser.get_sign_up(&id).await.response()["verifications"]["email_address"].clone();
    assert_eq!((v["attempts"].as_u64(), v["status"].as_str()), (Some(5), Some("failed")));
}

/// `[database] statement_timeout_ms` reaches PostgreSQL: a statement stuck
/// behind another transaction's lock is cancelled, and the request answers
/// 500 instead of holding a connection until the request timeout.
#[tokio::test]
async fn a_statement_stuck_past_the_statement_timeout_is_cancelled() {
    let config = gatehouse_server::config::Config::from_toml("[database]\nstatement_timeout_ms = 500\n").unwrap();
    assert_eq!(config.database.statement_timeout_ms, 500);
    let app = crate::helpers::spawn_app_with(config, crate::helpers::dev()).await;
    if !on_postgres(&app, "a_statement_stuck_past_the_statement_timeout_is_cancelled") {
        return;
    }
    let browser = app.client();
    let id = browser.created(serde_json::json!({ "email_address": "ana@example.com" })).await;
    let mut holder = app.db().await;
    sqlx::query("BEGIN").execute(&mut holder).await.unwrap();
    sqlx::query("SELECT id FROM sign_ups WHERE id = $1 FOR UPDATE").bind(&id).execute(&mut holder).await.unwrap();
    let stuck = browser.update_sign_up(&id, serde_json::json!({ "first_name": "Ana" })).await;
    stuck.assert_error(500, "internal_error");
    sqlx::query("ROLLBACK").execute(&mut holder).await.unwrap();
    browser.update_sign_up(&id, serde_json::json!({ "first_name": "Bea" })).await.response();
}
