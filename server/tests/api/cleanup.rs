//! The cleanup task, one pass at a time on the ManualClock: for each purge,
//! the stale rows go and the live ones stay.

use crate::helpers::{TestApp, TestClient, dev, spawn_admin_app_with, spawn_app, spawn_app_with, wrong};
use crate::sign_in::{CERSEI, PASSWORD, sign_in_with_password, sync_cersei};
use gatehouse_server::cleanup;
use gatehouse_server::config::Config;
use serde_json::json;

const HOUR: u64 = 60 * 60;
const DAY: u64 = 24 * HOUR;

/// Runs one cleanup pass at the app's current time; answers what each purge deleted.
async fn pass(app: &TestApp) -> Vec<(&'static str, u64)> {
    cleanup::run_once(&app.store().await, &app.state.config, app.clock_ms()).await.expect("a pass")
}

fn deleted(report: &[(&'static str, u64)], name: &str) -> u64 {
    report.iter().find(|(n, _)| *n == name).unwrap_or_else(|| panic!("no purge {name}")).1
}

/// How many rows of `table` match `condition` (`$1` bound to `value`).
async fn count(app: &TestApp, table: &str, condition: &str, value: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table} WHERE {condition}");
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(value).fetch_one(&mut app.db().await).await.unwrap()
}

fn client_id(browser_client: &serde_json::Value) -> String {
    browser_client["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn sign_ups_abandoned_for_a_day_go_with_their_verifications_and_links() {
    let app = spawn_app().await;
    let old = app.client();
    let old_id = old.start_sign_up("ana@example.com").await;
    old.prepare_link(&old_id, &format!("{}/verify", app.base)).await.response();
    app.advance(2 * HOUR);
    let recent = app.client();
    let recent_id = recent.start_sign_up("bea@example.com").await;
    // The old one was abandoned 25 h ago; the recent one 23 h ago.
    app.advance(47 * HOUR);
    let live = app.client();
    let live_id = live.start_sign_up("cid@example.com").await;

    let report = pass(&app).await;
    assert_eq!(deleted(&report, "abandoned sign-ups"), 1);
    let gone = old.get_sign_up(&old_id).await;
    gone.assert_error(404, "sign_up_not_found");
    assert_eq!(count(&app, "verifications", "sign_up_id = $1", &old_id).await, 0);
    assert_eq!(count(&app, "email_links", "sign_up_id = $1", &old_id).await, 0);
    // Its client forgot it, and is still there (it is not yet idle 30 days).
    assert!(old.get_client().await.response()["sign_up_id"].is_null());
    assert_eq!(recent.get_sign_up(&recent_id).await.response()["status"], "abandoned");
    assert_eq!(live.get_sign_up(&live_id).await.response()["status"], "missing_requirements");
}

#[tokio::test]
async fn sign_ins_abandoned_for_a_day_go() {
    let app = spawn_admin_app_with(Config::default()).await;
    sync_cersei(&app, json!({ "password": PASSWORD })).await;
    let old = app.client();
    let old_id = old.sign_in(json!({ "identifier": CERSEI })).await.response()["id"].as_str().unwrap().to_owned();
    app.advance(48 * HOUR + 1);
    let live = app.client();
    let live_id = live.sign_in(json!({ "identifier": CERSEI })).await.response()["id"].as_str().unwrap().to_owned();

    let report = pass(&app).await;
    assert_eq!(deleted(&report, "abandoned sign-ins"), 1);
    assert_eq!(count(&app, "sign_ins", "id = $1", &old_id).await, 0);
    assert!(old.get_client().await.response()["sign_in_id"].is_null());
    assert_eq!(count(&app, "sign_ins", "id = $1", &live_id).await, 1);
}

#[tokio::test]
async fn expired_sessions_go_and_live_ones_stay() {
    let app = spawn_admin_app_with(Config::default()).await;
    sync_cersei(&app, json!({ "password": PASSWORD })).await;
    let old = app.client();
    let old_session = sign_in_with_password(&old, CERSEI).await["created_session_id"].as_str().unwrap().to_owned();
    app.advance(7 * DAY - HOUR);
    let recent = app.client();
    let recent_session =
        sign_in_with_password(&recent, CERSEI).await["created_session_id"].as_str().unwrap().to_owned();
    app.advance(HOUR + 1);

    let report = pass(&app).await;
    assert_eq!(deleted(&report, "expired sessions"), 1);
    assert_eq!(count(&app, "sessions", "id = $1", &old_session).await, 0);
    old.session_token(&old_session).await.assert_error(404, "session_not_found");
    assert_eq!(recent.get_client().await.response()["last_active_session_id"], recent_session.as_str());
    recent.session_token(&recent_session).await.response();
}

#[tokio::test]
async fn clients_idle_thirty_days_go_with_everything_of_theirs_and_live_ones_stay() {
    let mut config = Config::default();
    config.session.lifetime_seconds = 60 * DAY;
    config.attributes.email_address.verify_at_sign_up = false;
    config.attributes.phone_number.verify_at_sign_up = false;
    let app = spawn_app_with(config, dev()).await;
    // Idle: a sign-up left alone. Signed in: a sign-up that completed, with
    // a 60-day session, whose browser comes back after 29 days.
    let idle = app.client();
    idle.created(json!({ "email_address": "ana@example.com" })).await;
    let idle_id = client_id(idle.get_client().await.response());
    let signed_in = app.client();
    let done = signed_in
        .create_sign_up(json!({ "email_address": "bea@example.com", "password": "correct horse battery" }))
        .await;
    assert_eq!(done.response()["status"], "complete");
    let signed_in_id = client_id(signed_in.get_client().await.response());
    app.advance(29 * DAY);
    assert_eq!(signed_in.get_client().await.response()["sessions"].as_array().unwrap().len(), 1);
    app.advance(DAY + 1);
    // Recent: a client of today.
    let recent = app.client();
    recent.created(json!({ "email_address": "cid@example.com" })).await;
    let recent_id = client_id(recent.get_client().await.response());

    let report = pass(&app).await;
    assert_eq!(deleted(&report, "expired clients"), 1);
    assert_eq!(count(&app, "clients", "id = $1", &idle_id).await, 0);
    assert_eq!(count(&app, "sign_ups", "client_id = $1", &idle_id).await, 0);
    assert_eq!(count(&app, "clients", "id = $1", &signed_in_id).await, 1);
    assert_eq!(signed_in.get_client().await.response()["sessions"].as_array().unwrap().len(), 1);
    assert_eq!(count(&app, "clients", "id = $1", &recent_id).await, 1);

    // Thirty days without a request, and both go, with their session.
    app.advance(30 * DAY + 1);
    let report = pass(&app).await;
    assert_eq!(deleted(&report, "expired clients"), 2);
    assert_eq!(count(&app, "clients", "id = $1", &signed_in_id).await, 0);
    assert_eq!(count(&app, "sessions", "client_id = $1", &signed_in_id).await, 0);
    // The user it made stays.
    assert_eq!(count(&app, "users", "email_address = $1", "bea@example.com").await, 1);
}

#[tokio::test]
async fn resend_records_go_once_their_interval_is_over() {
    let app = spawn_app().await;
    let browser = app.client();
    let old = browser.start_sign_up("ana@example.com").await;
    browser.prepare(&old, "email_code").await.response();
    app.advance(31);
    let other = app.client();
    let recent = other.start_sign_up("bea@example.com").await;
    other.prepare(&recent, "email_code").await.response();

    let report = pass(&app).await;
    assert_eq!(deleted(&report, "stale code sends"), 1);
    assert_eq!(count(&app, "code_sends", "address LIKE '%' || $1 || '%'", "ana@example.com").await, 0);
    // The recent one still holds its address back.
    other.prepare(&recent, "email_code").await.assert_error(429, "verification_code_too_many_requests");
}

#[tokio::test]
async fn wrong_passwords_go_once_no_window_counts_them() {
    let app = spawn_admin_app_with(Config::default()).await;
    sync_cersei(&app, json!({ "password": PASSWORD })).await;
    let browser = app.client();
    let refused = browser.sign_in(json!({ "identifier": CERSEI, "password": wrong(PASSWORD) })).await;
    refused.assert_error(422, "form_password_incorrect");
    // Past the longest window (the account-wide hour), a guess from another
    // address for no account touches none of the first guess's keys.
    app.advance(60 * 60 + 1);
    let elsewhere = app.client_from("127.0.0.2");
    let refused = elsewhere.sign_in(json!({ "identifier": "nobody@example.com", "password": "whatever-123" })).await;
    refused.assert_error(422, "form_identifier_not_found");
    // The first counted per account and IP, per account, and per IP; the second per IP.
    assert_eq!(count(&app, "limit_events", "limit_key LIKE $1 || '%'", "password").await, 4);

    let report = pass(&app).await;
    assert_eq!(deleted(&report, "stale limit events"), 3);
    // The keys' lock rows: PostgreSQL's only (SQLite's one writer needs none).
    let locks = if app.backend() == gatehouse_server::db::Backend::Postgres { 3 } else { 0 };
    assert_eq!(deleted(&report, "stale limit locks"), locks);
    assert_eq!(count(&app, "limit_events", "limit_key LIKE $1 || '%'", "password").await, 1);
}

#[tokio::test]
async fn email_links_go_a_week_after_they_expired() {
    let app = spawn_app().await;
    let browser = app.client();
    let id = browser.start_sign_up("ana@example.com").await;
    browser.prepare_link(&id, &format!("{}/verify", app.base)).await.response();
    // A code completes the sign-up (the link is spent, and stays a while).
    app.advance(31);
    browser.prepare(&id, "email_code").await.response();
    let code = app.last_code_to("ana@example.com").await;
    assert_eq!(browser.attempt(&id, "email_code", &code).await.response()["status"], "complete");
    app.advance(7 * DAY);
    assert_eq!(deleted(&pass(&app).await, "expired email links"), 0, "expired 7 days less 10 minutes ago");
    assert_eq!(count(&app, "email_links", "sign_up_id = $1", &id).await, 1);

    app.advance(11 * 60);
    assert_eq!(deleted(&pass(&app).await, "expired email links"), 1);
    assert_eq!(count(&app, "email_links", "sign_up_id = $1", &id).await, 0);
    // The complete sign-up itself stays.
    assert_eq!(browser.get_sign_up(&id).await.response()["status"], "complete");
}

#[tokio::test]
async fn a_pass_deletes_in_batches_until_nothing_stale_is_left() {
    let mut config = Config::default();
    config.cleanup.batch_size = 2;
    let app = spawn_app_with(config, dev()).await;
    let now = app.clock_ms();
    let mut db = app.db().await;
    for i in 0..5 {
        sqlx::query("INSERT INTO code_sends (address, sent_at) VALUES ($1, $2)")
            .bind(format!("email:old{i}@example.com"))
            .bind(now - 60_000)
            .execute(&mut db)
            .await
            .unwrap();
    }
    sqlx::query("INSERT INTO code_sends (address, sent_at) VALUES ('email:live@example.com', $1)")
        .bind(now)
        .execute(&mut db)
        .await
        .unwrap();
    assert_eq!(deleted(&pass(&app).await, "stale code sends"), 5);
    let left: Vec<String> = sqlx::query_scalar("SELECT address FROM code_sends").fetch_all(&mut db).await.unwrap();
    assert_eq!(left, vec![String::from("email:live@example.com")]);
}

#[tokio::test]
async fn the_server_runs_the_pass_by_itself() {
    let mut config = Config::default();
    config.cleanup.interval = std::time::Duration::from_secs(1);
    let app = spawn_app_with(config, dev()).await;
    let browser = TestClient::new(&app.base, crate::helpers::Mode::Cookie);
    let id = browser.start_sign_up("ana@example.com").await;
    browser.prepare(&id, "email_code").await.response();
    app.advance(31);
    // Bounded wait for the task's pass (every second here).
    for _ in 0..50 {
        if count(&app, "code_sends", "address LIKE '%' || $1 || '%'", "ana@example.com").await == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no cleanup pass within 5 s");
}
