//! "Was this you?": a signed-in user's list of sessions on every browser
//! (where each signed in from, when it was last used, which is this one),
//! and ending another of them; never a session of someone else's.

use crate::helpers::{TestApp, TestClient, no_verification};
use crate::sign_in::{CERSEI, PASSWORD, sign_in_with_password, sync_cersei};
use crate::webhooks::{Receiver, SECRET, config_with, spawn_with_hooks};
use serde_json::{Value, json};

const JAIME: &str = "jaime-lannister@example.com";
const CHROME: &str =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
const FIREFOX: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0";

/// A browser leaving from `local` that sends `user_agent`.
fn browser(app: &TestApp, local: &str, user_agent: &str) -> TestClient {
    let browser = app.client_from(local);
    browser.extra.lock().unwrap().push(("user-agent".into(), user_agent.into()));
    browser
}

/// Signs `browser` in as `who`; answers the new session's id.
async fn signed_in(browser: &TestClient, who: &str) -> String {
    sign_in_with_password(browser, who).await["created_session_id"].as_str().unwrap().to_owned()
}

async fn list(browser: &TestClient, session: &str) -> Vec<Value> {
    let answer = browser.get(&format!("/v1/client/sessions/{session}/user_sessions")).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.response()["object"], "list");
    answer.response()["data"].as_array().unwrap().clone()
}

async fn revoke(browser: &TestClient, session: &str, other: &str) -> crate::helpers::Answer {
    browser.post(&format!("/v1/client/sessions/{session}/user_sessions/{other}/revoke"), json!({})).await
}

/// An app with webhooks to a real local receiver; Cersei and Jaime, with
/// the same password.
async fn app_with_two_users() -> (TestApp, Receiver) {
    let receiver = Receiver::start(200, &[]).await;
    let app = spawn_with_hooks(config_with(no_verification(), &[("app", &receiver, SECRET, None)])).await;
    sync_cersei(&app, json!({ "password": PASSWORD })).await;
    let jaime = json!({ "username": "jaime.lannister", "email": JAIME, "email_verified": true, "password": PASSWORD });
    assert_eq!(app.admin().put("/v1/admin/users", jaime).await.status, 200);
    (app, receiver)
}

#[tokio::test]
async fn the_list_shows_each_session_of_the_user_with_its_browser_ip_and_last_use() {
    let (app, _receiver) = app_with_two_users().await;
    let laptop = browser(&app, "127.0.0.1", CHROME);
    let at_laptop = signed_in(&laptop, CERSEI).await;
    let signed_in_at = app.clock_ms();
    app.advance(10);
    let desktop = browser(&app, "127.0.0.2", FIREFOX);
    let at_desktop = signed_in(&desktop, CERSEI).await;
    // Jaime's session is his, not in her list.
    let jaimes = browser(&app, "127.0.0.4", CHROME);
    signed_in(&jaimes, JAIME).await;

    let sessions = list(&laptop, &at_laptop).await;
    let ids: Vec<&str> = sessions.iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [at_desktop.as_str(), at_laptop.as_str()], "hers only, the most recently active first");
    let (desktop_row, laptop_row) = (&sessions[0], &sessions[1]);
    assert_eq!(laptop_row["object"], "user_session");
    assert_eq!(laptop_row["browser"], "Chrome 120 on Linux");
    assert_eq!(laptop_row["ip_address"], "127.0.0.1");
    assert_eq!(laptop_row["current"], true);
    assert_eq!(laptop_row["status"], "active");
    assert_eq!(
        (laptop_row["created_at"].as_i64(), laptop_row["last_active_at"].as_i64()),
        (Some(signed_in_at), Some(signed_in_at))
    );
    assert_eq!(desktop_row["browser"], "Firefox 121 on Windows 10");
    assert_eq!(desktop_row["ip_address"], "127.0.0.2");
    assert_eq!(desktop_row["current"], false);
    // The other browser's list marks its own session.
    let theirs = list(&desktop, &at_desktop).await;
    assert_eq!(
        theirs.iter().filter(|s| s["current"] == true).map(|s| s["id"].clone()).collect::<Vec<_>>(),
        [json!(at_desktop)]
    );

    // A token refresh moves the last use and the IP, at most once a minute.
    app.advance(120);
    let moved = browser(&app, "127.0.0.3", FIREFOX);
    *moved.token_slot() = laptop.token();
    assert_eq!(moved.session_token(&at_laptop).await.status, 200);
    let refreshed_at = app.clock_ms();
    app.advance(30);
    assert_eq!(laptop.session_token(&at_laptop).await.status, 200);
    let sessions = list(&desktop, &at_desktop).await;
    let laptop_row = sessions.iter().find(|s| s["id"] == at_laptop.as_str()).unwrap();
    assert_eq!(sessions[0]["id"], at_laptop.as_str(), "now the most recently active");
    assert_eq!(laptop_row["last_active_at"].as_i64(), Some(refreshed_at), "not written again within a minute");
    assert_eq!(laptop_row["ip_address"], "127.0.0.3");
    assert_eq!(laptop_row["browser"], "Chrome 120 on Linux", "the browser it signed in with");
    app.advance(60);
    assert_eq!(laptop.session_token(&at_laptop).await.status, 200);
    let sessions = list(&desktop, &at_desktop).await;
    assert_eq!(sessions[0]["last_active_at"].as_i64(), Some(app.clock_ms()));
    assert_eq!(sessions[0]["ip_address"], "127.0.0.1");
}

#[tokio::test]
async fn a_user_ends_another_session_of_theirs_and_it_is_told_by_webhook() {
    let (app, receiver) = app_with_two_users().await;
    let laptop = browser(&app, "127.0.0.1", CHROME);
    let at_laptop = signed_in(&laptop, CERSEI).await;
    let stolen = browser(&app, "127.0.0.2", FIREFOX);
    let at_stolen = signed_in(&stolen, CERSEI).await;
    assert_eq!(stolen.session_token(&at_stolen).await.status, 200);

    let answer = revoke(&laptop, &at_laptop, &at_stolen).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(
        (answer.response()["id"].as_str(), answer.response()["status"].as_str()),
        (Some(at_stolen.as_str()), Some("revoked"))
    );
    // The other browser can no longer get a token; this one still can.
    stolen.session_token(&at_stolen).await.assert_error(404, "session_not_found");
    assert_eq!(laptop.session_token(&at_laptop).await.status, 200);
    let ids: Vec<Value> = list(&laptop, &at_laptop).await.iter().map(|s| s["id"].clone()).collect();
    assert_eq!(ids, [json!(at_laptop)]);
    // Again: the same answer, and no second event.
    let again = revoke(&laptop, &at_laptop, &at_stolen).await;
    assert_eq!((again.status, again.response()["status"].as_str()), (200, Some("revoked")));

    // 2 session.created (and no session.ended yet for them), then the one session.ended.
    receiver.wait_for(3).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let ended: Vec<Value> = receiver.of_type("session.ended").iter().map(|r| r.json()).collect();
    assert_eq!(ended.len(), 1, "{ended:?}");
    assert_eq!(
        (ended[0]["data"]["id"].as_str(), ended[0]["data"]["status"].as_str(), ended[0]["data"]["ended_by"].as_str()),
        (Some(at_stolen.as_str()), Some("revoked"), Some("user_revoked"))
    );
}

#[tokio::test]
async fn no_one_lists_or_ends_the_sessions_of_someone_else() {
    let (app, receiver) = app_with_two_users().await;
    let hers = browser(&app, "127.0.0.1", CHROME);
    let at_hers = signed_in(&hers, CERSEI).await;
    let his = browser(&app, "127.0.0.2", FIREFOX);
    let at_his = signed_in(&his, JAIME).await;

    // Her session through his browser: not his client's session.
    his.get(&format!("/v1/client/sessions/{at_hers}/user_sessions")).await.assert_error(404, "session_not_found");
    revoke(&his, &at_hers, &at_hers).await.assert_error(404, "session_not_found");
    // His own session, naming hers to end: not one of his user's.
    revoke(&his, &at_his, &at_hers).await.assert_error(404, "session_not_found");
    // An id that is no session at all, and a browser signed in as no one.
    revoke(&his, &at_his, "sess_unknown").await.assert_error(404, "session_not_found");
    let stranger = app.client();
    stranger.get(&format!("/v1/client/sessions/{at_hers}/user_sessions")).await.assert_error(404, "session_not_found");
    revoke(&stranger, &at_hers, &at_hers).await.assert_error(404, "session_not_found");
    // Her session lives on, and no session ended.
    assert_eq!(hers.session_token(&at_hers).await.status, 200);
    assert_eq!(list(&hers, &at_hers).await.len(), 1);
    receiver.wait_for(2).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(receiver.of_type("session.ended").is_empty());

    // After signing out, her old session asks for nothing.
    assert_eq!(hers.delete(&format!("/v1/client/sessions/{at_hers}")).await.status, 200);
    hers.get(&format!("/v1/client/sessions/{at_hers}/user_sessions")).await.assert_error(404, "session_not_found");
    revoke(&hers, &at_hers, &at_his).await.assert_error(404, "session_not_found");
    assert_eq!(his.session_token(&at_his).await.status, 200);
}
