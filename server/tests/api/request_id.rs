//! `x-request-id`: every answer has one, the same as its error body's
//! `trace_id`; an incoming one is kept only when short and plain.

use crate::helpers::spawn_app;
use reqwest::header::HeaderMap;

/// A UUID v4 in its usual text form.
fn is_uuid_v4(id: &str) -> bool {
    let groups: Vec<&str> = id.split('-').collect();
    let lengths: Vec<usize> = groups.iter().map(|g| g.len()).collect();
    lengths == [8, 4, 4, 4, 12] && id.chars().all(|c| c == '-' || c.is_ascii_hexdigit()) && groups[2].starts_with('4')
}

fn request_id(headers: &HeaderMap) -> String {
    let all: Vec<_> = headers.get_all("x-request-id").iter().collect();
    assert_eq!(all.len(), 1, "one x-request-id: {headers:?}");
    all[0].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn every_answer_has_a_fresh_request_id_and_an_error_body_repeats_it() {
    let app = spawn_app().await;
    let http = reqwest::Client::new();
    let mut seen = Vec::new();
    for path in ["/healthz", "/v1/environment", "/.well-known/jwks.json", "/v1/client", "/nowhere", "/v1/nowhere"] {
        let answer = http.get(format!("{}{path}", app.base)).send().await.unwrap();
        let id = request_id(answer.headers());
        assert!(is_uuid_v4(&id), "{path}: {id}");
        let body: serde_json::Value = answer.json().await.unwrap_or_default();
        if let Some(trace_id) = body.get("trace_id") {
            assert_eq!(trace_id.as_str(), Some(id.as_str()), "{path}: the body's trace_id is the header's id");
        }
        seen.push(id);
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 6, "each request its own id");
    // A CORS preflight and a refused write (the Origin check) too.
    let preflight = http
        .request(reqwest::Method::OPTIONS, format!("{}/v1/client/sign_ups", app.base))
        .header("origin", "https://elsewhere.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(is_uuid_v4(&request_id(preflight.headers())));
    let refused = http
        .post(format!("{}/v1/client/sign_ups", app.base))
        .header("origin", "https://elsewhere.example")
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let id = request_id(refused.headers());
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(
        (body["errors"][0]["code"].as_str(), body["trace_id"].as_str()),
        (Some("origin_not_allowed"), Some(id.as_str()))
    );
}

#[tokio::test]
async fn an_incoming_plain_id_is_kept_through_to_the_error_body() {
    let app = spawn_app().await;
    let http = reqwest::Client::new();
    for sent in ["0f6f5c1e-8d7a-4a51-9e33-0c1f4b2a9d10", "lb.req_42-A", &"x".repeat(64)] {
        let answer = http.get(format!("{}/v1/nowhere", app.base)).header("x-request-id", sent).send().await.unwrap();
        assert_eq!(request_id(answer.headers()), sent);
        let body: serde_json::Value = answer.json().await.unwrap();
        assert_eq!(body["trace_id"].as_str(), Some(sent));
    }
}

/// An attacker's header must not reach the logs or the body as it was sent:
/// too long, any character outside `A-Z a-z 0-9 - _ .` (quotes, spaces,
/// `=`, escapes, non-ASCII), or sent twice, and the request gets a fresh id.
#[tokio::test]
async fn an_incoming_id_that_is_long_odd_or_doubled_is_replaced() {
    let app = spawn_app().await;
    let http = reqwest::Client::new();
    let long = "x".repeat(65);
    let odd: [&[u8]; 7] = [
        long.as_bytes(),
        b"",
        b"a b",
        b"id\" injected=\"1",
        b"level=error msg=forged",
        b"%0a-forged",
        "\u{fc}ber".as_bytes(),
    ];
    for sent in odd {
        let value = reqwest::header::HeaderValue::from_bytes(sent).unwrap();
        let answer = http.get(format!("{}/v1/nowhere", app.base)).header("x-request-id", value).send().await.unwrap();
        let id = request_id(answer.headers());
        assert!(is_uuid_v4(&id), "{:?} replaced by a fresh id, not {id}", String::from_utf8_lossy(sent));
        let body: serde_json::Value = answer.json().await.unwrap();
        assert_eq!(body["trace_id"].as_str(), Some(id.as_str()));
    }
    let doubled = http
        .get(format!("{}/v1/nowhere", app.base))
        .header("x-request-id", "first")
        .header("x-request-id", "second")
        .send()
        .await
        .unwrap();
    assert!(is_uuid_v4(&request_id(doubled.headers())));
}
