//! Change notices: the transaction that saves a sign-up announces it when
//! it commits, and only then; on PostgreSQL the notice reaches the streams
//! of every node (`pg_notify`, each node's `LISTEN` task), and a node whose
//! `LISTEN` connection drops wakes its streams once it is back.

use crate::email_link::{outcome, sent};
use crate::helpers::{TestApp, TestClient, spawn_app, token_of};
use crate::races::on_postgres;
use gatehouse_server::events::{Opener, Subscription, Wake};
use std::time::Duration;
use tokio::time::timeout;

/// How long a notice may take to arrive (it comes at once; this is a bound).
const WAIT: Duration = Duration::from_secs(10);

/// A subscription to the app's hub, as a stream would hold.
fn subscribe(app: &TestApp, sign_up_id: &str, who: &str) -> Subscription {
    app.state.hub.subscribe(sign_up_id, Opener { client_id: String::from(who), ip: None }).unwrap()
}

/// Whether the subscription has a wake waiting right now.
async fn woken(subscription: &mut Subscription) -> bool {
    timeout(Duration::ZERO, subscription.next()).await.is_ok()
}

async fn client_id(browser: &TestClient) -> String {
    browser.get_client().await.response()["id"].as_str().unwrap().to_owned()
}

/// Saves the sign-up unchanged in a transaction, and commits it or not.
async fn save(app: &TestApp, id: &str, client_id: &str, commit: bool) {
    let mut tx = app.state.store.begin().await.unwrap();
    let sign_up = tx.sign_up(id, client_id).await.unwrap().expect("the sign-up");
    tx.save_sign_up(&sign_up, false).await.unwrap();
    if commit {
        tx.commit().await.unwrap();
    }
}

#[tokio::test]
async fn a_rolled_back_transaction_announces_nothing_and_a_committed_one_does() {
    let app = spawn_app().await;
    let (ana, bea) = (app.client(), app.client());
    let ana_id = ana.start_sign_up("ana@example.com").await;
    let bea_id = bea.start_sign_up("bea@example.com").await;
    let (ana_client, bea_client) = (client_id(&ana).await, client_id(&bea).await);
    let mut committed = subscribe(&app, &bea_id, "watcher_1");
    // Every notice of the set-up has arrived once this one has (on
    // PostgreSQL they come in commit order).
    save(&app, &bea_id, &bea_client, true).await;
    assert_eq!(timeout(WAIT, committed.next()).await.expect("the committed save is announced"), Wake::Changed);
    let mut rolled_back = subscribe(&app, &ana_id, "watcher_2");

    save(&app, &ana_id, &ana_client, false).await;
    save(&app, &bea_id, &bea_client, true).await;
    assert_eq!(timeout(WAIT, committed.next()).await.expect("the committed save is announced"), Wake::Changed);
    assert!(!woken(&mut rolled_back).await, "a rolled-back save announced its sign-up");
}

#[tokio::test]
async fn a_stream_on_one_node_sees_a_link_confirmed_through_another() {
    let node_a = spawn_app().await;
    if !on_postgres(&node_a, "a_stream_on_one_node_sees_a_link_confirmed_through_another") {
        return;
    }
    let node_b = node_a.another_node().await;
    let browser = node_a.client();
    let (id, link) = sent(&node_a, &browser, "ana@example.com").await;
    let mut stream = browser.events(&id).await;
    assert_eq!(stream.next_sign_up().await["verifications"]["email_address"]["status"], "unverified");
    // The phone's request lands on node B.
    assert_eq!(outcome(&node_b.client().confirm_link(&token_of(&link)).await).1, "verified");
    let seen = stream.next_sign_up().await;
    assert_eq!(seen["verifications"]["email_address"]["status"], "verified", "{seen}");
    assert_eq!(seen["status"], "complete", "{seen}");
}

#[tokio::test]
async fn a_dropped_listen_connection_reconnects_and_wakes_every_stream() {
    let app = spawn_app().await;
    if !on_postgres(&app, "a_dropped_listen_connection_reconnects_and_wakes_every_stream") {
        return;
    }
    let browser = app.client();
    let (id, link) = sent(&app, &browser, "ana@example.com").await;
    let mut stream = browser.events(&id).await;
    stream.next_sign_up().await;
    // No notice is ever sent for this one: only the reconnect can wake it.
    let mut quiet = subscribe(&app, "su_no_notices", "watcher");
    let mut db = app.db().await;
    let killed: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND query LIKE 'LISTEN%') AS killed",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!(killed, 1, "the node's one LISTEN connection");
    assert_eq!(timeout(WAIT, quiet.next()).await.expect("a wake after the reconnect"), Wake::Changed);
    // Listening again: a change made now reaches the stream.
    assert_eq!(outcome(&app.client().confirm_link(&token_of(&link)).await).1, "verified");
    assert_eq!(stream.next_sign_up().await["verifications"]["email_address"]["status"], "verified");
}
