//! The instance's message budget (`[verification] max_messages_per_hour`),
//! counted per minute (`limits::budget`): it refuses past its limit with
//! 429 and `Retry-After`, a check reads minutes rather than events, and
//! parallel sends overshoot it by at most the sends in flight (none on
//! SQLite).

use crate::helpers::*;
use futures_util::future::join_all;
use gatehouse_server::config::Config;
use gatehouse_server::db::Backend;

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 60 * MINUTE_MS;

/// Inserts `rows` buckets of `outbound`, each `events` events, the newest
/// starting at `newest_start` and each one a minute before the last, the
/// last event of each a second into its minute.
async fn seed_buckets(app: &TestApp, newest_start: i64, rows: i64, events: i64) {
    let mut db = app.db().await;
    sqlx::query(
        "INSERT INTO limit_buckets (limit_key, bucket_start, shard, events, last_at) \
         WITH RECURSIVE n(i) AS (SELECT CAST(0 AS BIGINT) UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $2) \
         SELECT 'outbound', $1 - i * 60000, 0, $3, $1 - i * 60000 + 1000 FROM n",
    )
    .bind(newest_start)
    .bind(rows)
    .bind(events)
    .execute(&mut db)
    .await
    .unwrap();
}

#[tokio::test]
async fn a_send_reads_the_hours_minutes_not_its_events() {
    let config = Config::from_toml("[verification]\nmax_messages_per_hour = 200001\n").unwrap();
    let app = spawn_app_with(config, dev()).await;
    let now = app.clock_ms();
    let this_minute = now - now.rem_euclid(MINUTE_MS);
    // 200,000 messages in the last 50 minutes, and 200,000 minutes of
    // older ones that no window sees any more.
    seed_buckets(&app, this_minute - MINUTE_MS, 50, 4_000).await;
    seed_buckets(&app, this_minute - 2 * HOUR_MS, 200_000, 1).await;

    let browser = app.client();
    let id = browser.start_sign_up("ana@example.com").await;
    browser.prepare(&id, "email_code").await.response();
    assert_eq!(app.outbox().await.len(), 1);
    // That was the last one the hour allows, until its oldest minute leaves.
    let other = app.client();
    let id = other.start_sign_up("bea@example.com").await;
    let refused = other.prepare(&id, "email_code").await;
    refused.assert_error(429, "rate_limited");
    let oldest_last_at = this_minute - 50 * MINUTE_MS + 1_000;
    let wait_ms = oldest_last_at + HOUR_MS - now;
    assert_eq!(refused.header("retry-after"), Some(((wait_ms + 999) / 1000).to_string()));
    assert_eq!(app.outbox().await.len(), 1);
    app.advance(u64::try_from((wait_ms + 999) / 1000).unwrap());
    other.prepare(&id, "email_code").await.response();
    assert_eq!(app.outbox().await.len(), 2);
}

#[tokio::test]
async fn parallel_sends_overshoot_the_budget_by_at_most_those_in_flight() {
    const MAX: usize = 5;
    const SENDS: usize = 24;
    let config = Config::from_toml(&format!("[verification]\nmax_messages_per_hour = {MAX}\n")).unwrap();
    let app = spawn_app_with(config.clone(), dev()).await;
    let mut prepared = Vec::new();
    for n in 0..SENDS {
        let browser = app.client();
        let id = browser.start_sign_up(&format!("user{n}@example.com")).await;
        prepared.push((browser, id));
    }
    let answers = join_all(prepared.iter().map(|(browser, id)| browser.prepare(id, "email_code"))).await;
    let mut sent = 0;
    for answer in &answers {
        if answer.status == 200 {
            sent += 1;
        } else {
            answer.assert_error(429, "rate_limited");
            assert!(answer.header("retry-after").is_some());
        }
    }
    assert_eq!(app.outbox().await.len(), sent);
    // SQLite runs one write transaction at a time: exact. PostgreSQL may
    // let through one more per transaction in flight (the pool's size).
    let in_flight =
        if app.backend() == Backend::Sqlite { 0 } else { usize::try_from(config.database.max_connections).unwrap() };
    assert!((MAX..=MAX + in_flight).contains(&sent), "{sent} sent for a budget of {MAX}");
}
