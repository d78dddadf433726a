//! `GET /v1/client/sign_ups/{id}/events`: the current state at once, every
//! change from any request, keep-alive comments, the end.

use crate::helpers::{Mode, Sse, TestApp, TestClient, dev, spawn_app, spawn_app_with, token_of};
use gatehouse_server::clock::ManualClock;
use gatehouse_server::config::Config;
use gatehouse_server::events::Notify as _;
use gatehouse_server::{Options, build_app};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// Dev mode with a short keep-alive, so the tests see it.
async fn app_with_keep_alive(ms: u64) -> TestApp {
    let mut config = Config::default();
    config.events.keep_alive = Duration::from_millis(ms);
    spawn_app_with(config, dev()).await
}

#[tokio::test]
async fn the_first_event_is_the_current_state() {
    let app = spawn_app().await;
    let browser = app.client();
    let id = browser.start_sign_up("ana@example.com").await;
    let mut stream = browser.events(&id).await;
    assert_eq!(stream.status(), 200);
    assert_eq!(stream.header("content-type").as_deref(), Some("text/event-stream"));
    assert_eq!(stream.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(stream.header("x-accel-buffering").as_deref(), Some("no"));
    assert!(stream.header("gatehouse-client").is_none(), "cookie mode: the token is in no header");
    let first = stream.next_sign_up().await;
    assert_eq!(first, browser.get_sign_up(&id).await.response().clone(), "the whole SignUp, as GET shows it");
    assert_eq!(first["object"], "sign_up");
    // Nothing more until something changes (the keep-alive is 15 s): the
    // next item is the change, not a second copy of the first state.
    browser.update_sign_up(&id, json!({ "first_name": "Ana" })).await.response();
    let next = stream.next().await;
    assert!(matches!(&next, Sse::Event(_, s) if s["response"]["first_name"] == "Ana"), "{next:?}");
}

#[tokio::test]
async fn a_change_from_another_request_wakes_every_stream() {
    let app = spawn_app().await;
    let browser = app.bearer_client();
    let id = browser.start_sign_up("ana@example.com").await;
    let (mut first, mut second) = (browser.events(&id).await, browser.events(&id).await);
    first.next_sign_up().await;
    second.next_sign_up().await;

    browser.update_sign_up(&id, json!({ "first_name": "Ana" })).await.response();
    assert_eq!(first.next_sign_up().await["first_name"], "Ana");
    assert_eq!(second.next_sign_up().await["first_name"], "Ana");
    // A write that changes nothing sends nothing.
    browser.update_sign_up(&id, json!({ "first_name": "Ana" })).await.response();

    browser.prepare_link(&id, &format!("{}/verify", app.base)).await.response();
    // The next item is this change: the write before it sent nothing.
    let next = first.next().await;
    let Sse::Event(_, waiting) = next else { panic!("expected an event, got {next:?}") };
    let waiting = &waiting["response"];
    let v = &waiting["verifications"]["email_address"];
    assert_eq!((v["strategy"].as_str(), v["next_action"].as_str()), (Some("email_link"), Some("")));
    assert_eq!(&second.next_sign_up().await, waiting);
}

#[tokio::test]
async fn confirming_the_link_in_another_browser_arrives_and_ends_the_stream() {
    let app = spawn_app().await;
    let waiting = app.client();
    let id = waiting.start_sign_up("ana@example.com").await;
    waiting.prepare_link(&id, &format!("{}/verify", app.base)).await.response();
    let link = app.last_link_to("ana@example.com").await;
    let mut stream = waiting.events(&id).await;
    assert_eq!(stream.next_sign_up().await["verifications"]["email_address"]["status"], "unverified");

    let other_browser = app.client();
    let confirmed = other_browser.confirm_link(&token_of(&link)).await;
    assert_eq!(confirmed.status, 303);
    let last = stream.next_sign_up().await;
    assert_eq!(last["status"], "complete");
    assert_eq!(last["verifications"]["email_address"]["status"], "verified");
    assert!(last["created_session_id"].as_str().unwrap().starts_with("sess_"));
    stream.assert_ends().await;
    // A stream opened on a complete sign-up sends it, then ends.
    let mut again = waiting.events(&id).await;
    assert_eq!(again.next_sign_up().await, last);
    again.assert_ends().await;
}

#[tokio::test]
async fn each_event_carries_what_get_answers_the_sign_up_and_its_client() {
    for browser in [spawn_app().await.client(), spawn_app().await.bearer_client()] {
        let id = browser.start_sign_up("ana@example.com").await;
        let mut stream = browser.events(&id).await;
        let first = stream.next_event().await;
        let get = browser.get_sign_up(&id).await;
        assert_eq!(first["response"], *get.response());
        assert_eq!(first["client"], get.body["client"]);
        assert_eq!(first["client"]["sign_up_id"], id.as_str());
        assert!(first.get("client_token").is_none(), "nothing was replaced: {first}");
    }
}

/// The sign-up of `waiting` complete through its link, confirmed in
/// another browser while `waiting` listens: the stream's last event.
async fn completed_elsewhere(app: &TestApp, waiting: &TestClient) -> (String, serde_json::Value) {
    let id = waiting.start_sign_up("ana@example.com").await;
    waiting.prepare_link(&id, &format!("{}/verify", app.base)).await.response();
    let link = app.last_link_to("ana@example.com").await;
    let mut stream = waiting.events(&id).await;
    stream.next_sign_up().await;
    assert_eq!(app.client().confirm_link(&token_of(&link)).await.status, 303);
    let last = stream.next_event().await;
    assert_eq!(last["response"]["status"], "complete");
    stream.assert_ends().await;
    (id, last)
}

#[tokio::test]
async fn bearer_the_completing_event_replaces_the_token_and_carries_the_new_one_and_the_session() {
    let app = spawn_app().await;
    let waiting = app.bearer_client();
    let (id, last) = completed_elsewhere(&app, &waiting).await;
    let old = waiting.token().unwrap();
    let session = last["response"]["created_session_id"].as_str().unwrap();
    assert_eq!(last["client"]["last_active_session_id"], session);
    assert_eq!(last["client"]["sessions"][0]["id"], session);
    let new = last["client_token"].as_str().expect("the new token").to_owned();
    assert_ne!(new, old);
    // The old token finds nothing now, as after any replacement ...
    waiting.get_sign_up(&id).await.assert_error(409, "client_token_replaced");
    // ... and the new one is the client, with the session, as the event said.
    let renewed = app.bearer_client();
    *renewed.token_slot() = Some(new);
    let get = renewed.get_sign_up(&id).await;
    assert_eq!(get.body["client"], last["client"]);
    assert!(get.header("gatehouse-client").is_none(), "replaced once, by the stream");
}

#[tokio::test]
async fn cookie_the_completing_event_leaves_the_client_out_and_the_next_request_replaces_the_token() {
    let app = spawn_app().await;
    let waiting = app.client();
    let (id, last) = completed_elsewhere(&app, &waiting).await;
    let old = waiting.token().unwrap();
    assert!(last.get("client").is_none() && last.get("client_token").is_none(), "{last}");
    // The reload gets the new cookie, and the client with the session.
    let get = waiting.get_sign_up(&id).await;
    assert!(get.header("set-cookie").is_some());
    assert_ne!(waiting.token().unwrap(), old);
    assert_eq!(get.body["client"]["last_active_session_id"], last["response"]["created_session_id"]);
}

#[tokio::test]
async fn a_code_attempt_and_a_new_create_arrive_too() {
    let app = spawn_app().await;
    let browser = app.client();
    let id = browser.start_sign_up("ana@example.com").await;
    let mut stream = browser.events(&id).await;
    stream.next_sign_up().await;
    browser.prepare(&id, "email_code").await.response();
    assert_eq!(stream.next_sign_up().await["verifications"]["email_address"]["next_action"], "needs_attempt");
    browser.attempt(&id, "email_code", "000000").await;
    let code = app.last_code_to("ana@example.com").await;
    if code != "000000" {
        assert_eq!(stream.next_sign_up().await["verifications"]["email_address"]["attempts"], 1);
    }
    // A new sign-up on the same client abandons this one: the stream says so and ends.
    browser.create_sign_up(json!({})).await.response();
    assert_eq!(stream.next_sign_up().await["status"], "abandoned");
    stream.assert_ends().await;
}

#[tokio::test]
async fn keep_alive_comments_come_while_nothing_changes() {
    let app = app_with_keep_alive(100).await;
    let browser = app.client();
    let id = browser.start_sign_up("ana@example.com").await;
    let mut stream = browser.events(&id).await;
    stream.next_sign_up().await;
    for _ in 0..2 {
        assert_eq!(stream.next().await, Sse::Comment(String::from("keep-alive")));
    }
}

#[tokio::test]
async fn expiry_by_time_alone_arrives() {
    let app = app_with_keep_alive(100).await;
    let browser = app.client();
    let id = browser.start_sign_up("ana@example.com").await;
    browser.prepare_link(&id, &format!("{}/verify", app.base)).await.response();
    let mut stream = browser.events(&id).await;
    stream.next_sign_up().await;
    // No request: only the server's clock moves.
    app.advance(600);
    let expired = stream.next_sign_up().await;
    assert_eq!(expired["verifications"]["email_address"]["status"], "expired");
    assert_eq!(expired["verifications"]["email_address"]["next_action"], "needs_prepare");
    app.advance(24 * 3600);
    assert_eq!(stream.next_sign_up().await["status"], "abandoned");
    stream.assert_ends().await;
}

#[tokio::test]
async fn only_the_owner_may_listen() {
    let app = spawn_app().await;
    let id = app.client().start_sign_up("ana@example.com").await;
    let stranger = app.client().events(&id).await;
    assert_eq!(stranger.status(), 404);
    let body: serde_json::Value = stranger.response.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "sign_up_not_found");
    assert_eq!(app.client().events("su_nope").await.status(), 404);
}

#[tokio::test]
async fn shutting_down_ends_open_streams() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("gatehouse.db").display());
    let options = Options { public_origin: Some(String::from("https://auth.example.com")), ..Options::default() };
    let app = build_app(Config::default(), &url, options, Arc::new(ManualClock::starting_now())).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.serve(listener, async {
        let _ = stopped.await;
    }));
    let browser = TestClient::new(&base, Mode::Cookie);
    let id = browser.start_sign_up("ana@example.com").await;
    let mut stream = browser.events(&id).await;
    stream.next_sign_up().await;
    stop.send(()).unwrap();
    stream.assert_ends().await;
    let served = tokio::time::timeout(Duration::from_secs(5), server).await.expect("the server stops");
    served.unwrap().unwrap();
}

#[tokio::test]
async fn a_keep_alive_or_a_timer_reads_nothing_only_a_change_notice_does() {
    let app = app_with_keep_alive(100).await;
    let browser = app.client();
    let id = browser.start_sign_up("ana@example.com").await;
    let mut stream = browser.events(&id).await;
    stream.next_sign_up().await;
    // The sign-up vanishes under the stream: a read would find nothing and end it.
    let mut db = app.db().await;
    for sql in [
        "UPDATE clients SET sign_up_id = NULL WHERE sign_up_id = $1",
        "DELETE FROM verifications WHERE sign_up_id = $1",
        "DELETE FROM sign_ups WHERE id = $1",
    ] {
        sqlx::query(sql).bind(&id).execute(&mut db).await.unwrap();
    }
    for _ in 0..3 {
        assert_eq!(stream.next().await, Sse::Comment(String::from("keep-alive")));
    }
    // A notice reads it: now the stream learns it is gone, and ends.
    app.state.hub.changed(&id);
    stream.assert_ends().await;
}

#[tokio::test]
async fn a_stream_ends_cleanly_after_its_lifetime_and_a_new_one_opens() {
    let app = app_with_keep_alive(100).await;
    let browser = app.client();
    let id = browser.start_sign_up("ana@example.com").await;
    let mut stream = browser.events(&id).await;
    let first = stream.next_sign_up().await;
    assert_eq!(stream.next().await, Sse::Comment(String::from("keep-alive")));
    app.advance(29 * 60);
    assert_eq!(stream.next().await, Sse::Comment(String::from("keep-alive")), "alive at 29 minutes");
    app.advance(60);
    stream.assert_ends().await;
    assert_eq!(app.state.hub.open_streams(), 0);
    // The SDK reopens it, and starts again from the current state.
    let mut again = browser.events(&id).await;
    assert_eq!(again.next_sign_up().await, first);
}

/// A sign-up of `waiting` with its link sent, and `waiting`'s stream on it,
/// past its first event: answers the sign-up id, the link and the stream.
async fn waiting_on_link(app: &TestApp, waiting: &TestClient) -> (String, String, crate::helpers::EventStream) {
    let id = waiting.start_sign_up("ana@example.com").await;
    waiting.prepare_link(&id, &format!("{}/verify", app.base)).await.response();
    let link = app.last_link_to("ana@example.com").await;
    let mut stream = waiting.events(&id).await;
    assert_eq!(stream.next_sign_up().await["verifications"]["email_address"]["status"], "unverified");
    (id, link, stream)
}

#[tokio::test]
async fn cookie_a_link_confirmed_in_the_same_browser_replaces_the_token_on_its_303_and_the_event_carries_the_session() {
    let app = spawn_app().await;
    let waiting = app.client();
    let (id, link, mut stream) = waiting_on_link(&app, &waiting).await;
    let wait = waiting.wait_cookie().expect("a cookie-mode stream sets its __gh_wait cookie");
    assert!(wait.starts_with("__gh_wait="), "{wait}");
    let old = waiting.token().unwrap();

    // The same browser confirms: its client cookie and the stream's cookie go along.
    let confirmed = waiting.confirm_link(&token_of(&link)).await;
    assert_eq!(confirmed.status, 303);
    let set = confirmed.header("set-cookie").expect("the 303 sets the replaced client cookie");
    assert!(set.starts_with("__gh_client=") && set.contains("HttpOnly"), "{set}");
    let new = waiting.token().unwrap();
    assert_ne!(new, old, "replaced in the confirmation's own transaction");

    // The stream, named by the browser's __gh_wait cookie, shows the client and its session.
    let last = stream.next_event().await;
    let session = last["response"]["created_session_id"].as_str().expect("a session").to_owned();
    assert_eq!(last["response"]["status"], "complete");
    assert_eq!(last["client"]["last_active_session_id"], session.as_str());
    assert_eq!(last["client"]["sessions"][0]["id"], session.as_str());
    assert!(last.get("client_token").is_none(), "cookie mode: no token in a body");
    stream.assert_ends().await;

    // The old token sees nothing now (the replacement's minute of 409, then unknown) ...
    let holder_of_old = app.client();
    *holder_of_old.token_slot() = Some(old.clone());
    holder_of_old.get_sign_up(&id).await.assert_error(409, "client_token_replaced");
    holder_of_old.get("/v1/client").await.assert_error(409, "client_token_replaced");
    app.advance(61);
    let unknown = holder_of_old.get("/v1/client").await;
    assert_eq!(unknown.response()["sessions"], json!([]), "after the minute the old token is unknown: an empty client");
    // ... and the new cookie is the client with the session, replaced once only.
    let get = waiting.get_sign_up(&id).await;
    assert_eq!(get.body["client"], last["client"]);
    assert!(get.header("set-cookie").is_none(), "nothing left due: no second replacement");
}

#[tokio::test]
async fn cookie_a_stream_on_the_same_old_token_elsewhere_sees_nothing_of_the_new_session() {
    // Fixation: someone else holds the same client token (a planted
    // cookie) and listens on the sign-up too, from its own browser.
    let app = spawn_app().await;
    let waiting = app.client();
    let (id, link, mut stream) = waiting_on_link(&app, &waiting).await;
    let planted = waiting.at(&app);
    let mut theirs = planted.events(&id).await;
    theirs.next_sign_up().await;
    assert_ne!(planted.wait_cookie(), waiting.wait_cookie(), "each stream has its own cookie");

    assert_eq!(waiting.confirm_link(&token_of(&link)).await.status, 303);
    let last = stream.next_event().await;
    assert_eq!(last["response"]["status"], "complete");
    assert!(last["client"]["last_active_session_id"].is_string(), "{last}");
    // Their stream's token is the old one, and the browser that confirmed did not name it.
    let seen = theirs.next_event().await;
    assert_eq!(seen["response"]["status"], "complete");
    assert!(seen.get("client").is_none() && seen.get("client_token").is_none(), "{seen}");
    theirs.assert_ends().await;
    planted.get_sign_up(&id).await.assert_error(409, "client_token_replaced");
}

#[tokio::test]
async fn cookie_a_link_confirmed_in_another_browser_still_leaves_the_replacement_to_the_waiting_client() {
    let app = spawn_app().await;
    let waiting = app.client();
    let (id, link, mut stream) = waiting_on_link(&app, &waiting).await;
    let old = waiting.token().unwrap();
    // Another browser with a client of its own, and a stream cookie of its own.
    let laptop = app.client();
    let other = laptop.start_sign_up("bea@example.com").await;
    let mut its_stream = laptop.events(&other).await;
    its_stream.next_sign_up().await;
    let laptop_token = laptop.token();

    let confirmed = laptop.confirm_link(&token_of(&link)).await;
    assert_eq!(confirmed.status, 303);
    assert!(confirmed.header("set-cookie").is_none(), "the confirming browser is not the sign-up's: no cookie");
    assert_eq!(laptop.token(), laptop_token);
    let last = stream.next_event().await;
    assert_eq!(last["response"]["status"], "complete");
    assert!(last.get("client").is_none(), "the replacement is still due: {last}");
    // The waiting client's next request replaces it.
    let get = waiting.get_sign_up(&id).await;
    assert!(get.header("set-cookie").is_some());
    assert_ne!(waiting.token().unwrap(), old);
    assert_eq!(get.body["client"]["last_active_session_id"], last["response"]["created_session_id"]);
}
