//! Two nodes of one deployment over one PostgreSQL database (and one
//! clock): the guarantees a single node gives hold when a client's
//! requests are spread across both. PostgreSQL only: SQLite is one file
//! on one host, so it has no second node.

use crate::email_link::{outcome, sent};
use crate::helpers::{Answer, TestApp, spawn_app, token_of, wrong};
use crate::races::{all_at_once, lock_waiters, on_postgres};
use std::sync::Arc;

/// How many users and sessions the shared database holds.
async fn users_and_sessions(app: &TestApp) -> (i64, i64) {
    let mut db = app.db().await;
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&mut db).await.unwrap();
    let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions").fetch_one(&mut db).await.unwrap();
    (users, sessions)
}

/// The first error's code of a refusal.
fn first_code(answer: &Answer) -> String {
    answer.body["errors"][0]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no code: {} {}", answer.status, answer.text))
        .to_owned()
}

/// Fifty wrong guesses at once, alternating between the nodes: the
/// sign-up's row taken for update serialises them across both, so exactly
/// `code_max_attempts` (5) are judged and the code then fails for the
/// rest. Five recorded failures stay under the address's limit (10 an
/// hour), so none is rate limited.
#[tokio::test]
async fn wrong_codes_spread_across_two_nodes_are_judged_at_most_the_cap() {
    let node_a = spawn_app().await;
    if !on_postgres(&node_a, "wrong_codes_spread_across_two_nodes_are_judged_at_most_the_cap") {
        return;
    }
    let node_b = node_a.another_node().await;
    let on_a = Arc::new(node_a.client());
    let id = on_a.start_sign_up("ana@example.com").await;
    on_a.prepare(&id, "email_code").await.response();
    let guess = wrong(&node_a.last_code_to("ana@example.com").await);
    let on_b = Arc::new(on_a.at(&node_b));
    let answers = all_at_once((0..50).map(|i| {
        let browser = if i % 2 == 0 { on_a.clone() } else { on_b.clone() };
        let (id, guess) = (id.clone(), guess.clone());
        async move { browser.attempt(&id, "email_code", &guess).await }
    }))
    .await;
    let mut judged = 0;
    let mut failed = 0;
    for answer in &answers {
        assert_eq!(answer.status, 422, "{}", answer.text);
        match first_code(answer).as_str() {
            "form_code_incorrect" => judged += 1,
            "verification_failed" => {
                assert_eq!(answer.param(), Some("code"), "{}", answer.text);
                failed += 1;
            }
            other => panic!("unexpected refusal {other}: {}", answer.text),
        }
    }
    assert_eq!((judged, failed), (5, 45), "five judged, then the code is failed for the rest");
    let v = on_b.get_sign_up(&id).await.response()["verifications"]["email_address"].clone();
    assert_eq!((v["attempts"].as_u64(), v["status"].as_str()), (Some(5), Some("failed")));
    assert_eq!(users_and_sessions(&node_a).await, (0, 0), "nobody signed up");
}

/// The right code sent to both nodes at once, both requests waiting on
/// the sign-up's row before either is judged: one completes the sign-up,
/// the other finds it complete (409
/// `sign_up_not_modifiable`), and one user with one session is created.
#[tokio::test]
async fn the_right_code_on_two_nodes_at_once_creates_one_user() {
    let node_a = spawn_app().await;
    if !on_postgres(&node_a, "the_right_code_on_two_nodes_at_once_creates_one_user") {
        return;
    }
    let node_b = node_a.another_node().await;
    let on_a = Arc::new(node_a.client());
    let id = on_a.start_sign_up("ana@example.com").await;
    on_a.prepare(&id, "email_code").await.response();
    let code = node_a.last_code_to("ana@example.com").await;
    let on_b = Arc::new(on_a.at(&node_b));
    let mut holder = node_a.db().await;
    sqlx::query("BEGIN").execute(&mut holder).await.unwrap();
    sqlx::query("SELECT id FROM sign_ups WHERE id = $1 FOR UPDATE").bind(&id).execute(&mut holder).await.unwrap();
    let requests: Vec<_> = [on_a.clone(), on_b.clone()]
        .into_iter()
        .map(|browser| {
            let (id, code) = (id.clone(), code.clone());
            tokio::spawn(async move { browser.attempt(&id, "email_code", &code).await })
        })
        .collect();
    // The signal: both nodes' requests wait on the held row.
    lock_waiters(&node_a, 2).await;
    sqlx::query("ROLLBACK").execute(&mut holder).await.unwrap();
    let mut answers = Vec::new();
    for request in requests {
        answers.push(request.await.unwrap());
    }
    let (completed, refused): (Vec<_>, Vec<_>) = answers.into_iter().partition(|a| a.status == 200);
    assert_eq!((completed.len(), refused.len()), (1, 1), "exactly one request completes");
    assert_eq!(completed[0].response()["status"], "complete", "{}", completed[0].text);
    refused[0].assert_error(409, "sign_up_not_modifiable");
    assert_eq!(users_and_sessions(&node_a).await, (1, 1), "one user, one session");
}

/// A link spent through node A is refused through node B, with the same
/// `failed` outcome a single node gives, and creates nothing more.
#[tokio::test]
async fn a_link_spent_on_one_node_is_refused_on_the_other() {
    let node_a = spawn_app().await;
    if !on_postgres(&node_a, "a_link_spent_on_one_node_is_refused_on_the_other") {
        return;
    }
    let node_b = node_a.another_node().await;
    let browser = node_a.client();
    let (id, link) = sent(&node_a, &browser, "ana@example.com").await;
    let token = token_of(&link);
    assert_eq!(outcome(&browser.confirm_link(&token).await).1, "verified");
    let phone = node_b.client();
    assert_eq!(outcome(&phone.confirm_link(&token).await), (303, String::from("failed"), None));
    assert_eq!(outcome(&phone.open_link(&link).await), (303, String::from("failed"), None));
    assert_eq!(browser.get_sign_up(&id).await.response()["status"], "complete");
    assert_eq!(users_and_sessions(&node_a).await, (1, 1), "one user, one session");
}
