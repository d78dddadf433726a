//! The dev tools the browser tests use: dropping event streams and
//! counting requests.

use crate::helpers::{Mode, TestClient, spawn_app, spawn_app_with};
use gatehouse_server::Options;
use gatehouse_server::config::Config;
use serde_json::json;

#[tokio::test]
async fn drop_event_streams_ends_every_stream_and_a_reconnect_starts_from_now() {
    let app = spawn_app().await;
    let browser = app.client();
    let id = browser.start_sign_up("ana@example.com").await;
    let dev = TestClient::new(&app.base, Mode::Cookie);
    assert_eq!(dev.get("/v1/dev/event_streams").await.body, json!({ "open": 0 }));
    let (mut a, mut b) = (browser.events(&id).await, browser.events(&id).await);
    a.next_sign_up().await;
    b.next_sign_up().await;
    assert_eq!(dev.get("/v1/dev/event_streams").await.body, json!({ "open": 2 }));

    assert_eq!(dev.post("/v1/dev/drop_event_streams", json!({})).await.body, json!({ "open": 2 }));
    a.assert_ends().await;
    b.assert_ends().await;
    assert_eq!(dev.get("/v1/dev/event_streams").await.body, json!({ "open": 0 }));

    // A change made while no stream was open is in the first event of the next one.
    browser.update_sign_up(&id, json!({ "first_name": "Ana" })).await.response();
    let mut again = browser.events(&id).await;
    assert_eq!(again.next_sign_up().await["first_name"], "Ana");
    browser.update_sign_up(&id, json!({ "last_name": "Lopez" })).await.response();
    assert_eq!(again.next_sign_up().await["last_name"], "Lopez");
}

#[tokio::test]
async fn the_request_counter_counts_by_path_prefix() {
    let app = spawn_app().await;
    let dev = TestClient::new(&app.base, Mode::Cookie);
    let count = |prefix: &'static str| {
        let dev = &dev;
        async move { dev.get(&format!("/v1/dev/requests?path_prefix={prefix}")).await.body }
    };
    let browser = app.client();
    let id = browser.start_sign_up("ana@example.com").await;
    browser.get_sign_up(&id).await.response();
    browser.get("/v1/environment").await;
    let mut stream = browser.events(&id).await;
    stream.next_sign_up().await;

    let sign_ups = count("/v1/client/sign_ups/").await;
    assert_eq!(sign_ups["count"], 2);
    assert_eq!(
        sign_ups["recent"],
        json!([format!("GET /v1/client/sign_ups/{id}"), format!("GET /v1/client/sign_ups/{id}/events")])
    );
    assert_eq!(count("/v1/").await["count"], 4, "the dev tools do not count themselves");
    assert_eq!(dev.get("/v1/dev/requests").await.body["count"], 4);

    assert_eq!(dev.post("/v1/dev/requests/reset", json!({})).await.body["count"], 0);
    assert_eq!(count("/").await["count"], 0);
    browser.get("/healthz").await;
    browser.get("/nowhere").await;
    assert_eq!(count("/").await["recent"], json!(["GET /healthz", "GET /nowhere"]));
}

#[tokio::test]
async fn without_dev_mode_the_tools_do_not_exist() {
    let app = spawn_app_with(Config::default(), Options::default()).await;
    let client = app.client();
    for path in ["/v1/dev/requests", "/v1/dev/event_streams"] {
        client.get(path).await.assert_error(404, "resource_not_found");
    }
    for path in ["/v1/dev/requests/reset", "/v1/dev/drop_event_streams"] {
        client.post(path, json!({})).await.assert_error(404, "resource_not_found");
    }
}
