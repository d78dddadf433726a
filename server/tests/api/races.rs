//! Races that SQLite's single writer settles by itself and that PostgreSQL
//! (READ COMMITTED) settles only through the named operations of `db::Tx`:
//! `claim_code_send`, `spend_email_link`, the sign-up loaded for update.
//! `make test` runs them on both backends.

use crate::email_link::{outcome, sent};
use crate::helpers::{Answer, spawn_app, token_of};
use std::future::Future;

/// Runs the requests at once; answers them in order.
async fn all_at_once<F: Future<Output = Answer> + Send + 'static>(requests: impl Iterator<Item = F>) -> Vec<Answer> {
    let handles: Vec<_> = requests.map(tokio::spawn).collect();
    let mut answers = Vec::new();
    for handle in handles {
        answers.push(handle.await.unwrap());
    }
    answers
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
