//! Bodies the API cannot take: each answers 4xx in the error shape.

use crate::helpers::spawn_app;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn malformed_json_is_request_body_invalid() {
    let app = spawn_app().await;
    let browser = app.client();
    for body in ["{\"email_address\": ", "not json", "[1, 2]", "\"a string\"", "42"] {
        let answer = browser.send(Method::POST, "/v1/client/sign_ups", Some(body.to_owned())).await;
        answer.assert_error(400, "request_body_invalid");
        assert_eq!(answer.param(), None);
    }
}

#[tokio::test]
async fn an_empty_body_is_an_empty_object() {
    let app = spawn_app().await;
    let answer = app.client().send(Method::POST, "/v1/client/sign_ups", None).await;
    assert_eq!(answer.response()["status"], "missing_requirements");
}

#[tokio::test]
async fn a_wrong_type_names_its_param() {
    let app = spawn_app().await;
    let browser = app.client();
    let answer = browser.create_sign_up(json!({ "email_address": 42 })).await;
    answer.assert_error(422, "form_param_format_invalid");
    assert_eq!(answer.param(), Some("email_address"));
    let answer = browser.create_sign_up(json!({ "legal_accepted": "yes", "unsafe_metadata": [1] })).await;
    let params: Vec<&str> =
        answer.body["errors"].as_array().unwrap().iter().map(|e| e["meta"]["param_name"].as_str().unwrap()).collect();
    assert_eq!(params, vec!["legal_accepted", "unsafe_metadata"]);
    let id = browser.start_sign_up("ana@example.com").await;
    let answer = browser
        .post(
            &format!("/v1/client/sign_ups/{id}/attempt_verification"),
            json!({ "strategy": "email_code", "code": 123456 }),
        )
        .await;
    answer.assert_error(422, "form_param_format_invalid");
    assert_eq!(answer.param(), Some("code"));
}

#[tokio::test]
async fn an_unknown_key_is_form_param_unknown() {
    let app = spawn_app().await;
    let browser = app.client();
    let answer = browser.create_sign_up(json!({ "email_address": "ana@example.com", "nickname": "ana" })).await;
    answer.assert_error(422, "form_param_unknown");
    assert_eq!(answer.param(), Some("nickname"));
    let id = browser.start_sign_up("ana@example.com").await;
    let answer = browser
        .post(&format!("/v1/client/sign_ups/{id}/prepare_verification"), json!({ "strategy": "email_code", "to": "x" }))
        .await;
    answer.assert_error(422, "form_param_unknown");
    assert_eq!(answer.param(), Some("to"));
    let answer = browser.update_sign_up(&id, json!({ "ticket": "abc" })).await;
    answer.assert_error(422, "form_param_unknown");
    assert_eq!(answer.param(), Some("ticket"));
}

#[tokio::test]
async fn an_unknown_sign_up_id_is_not_found() {
    let app = spawn_app().await;
    let browser = app.client();
    browser.get_sign_up("su_doesnotexist").await.assert_error(404, "sign_up_not_found");
    browser
        .update_sign_up("su_doesnotexist", json!({ "first_name": "Ana" }))
        .await
        .assert_error(404, "sign_up_not_found");
    browser.prepare("su_doesnotexist", "email_code").await.assert_error(404, "sign_up_not_found");
    // Not even text: still the same answer, in the same shape.
    browser.get_sign_up("su_%FF%FE").await.assert_error(404, "sign_up_not_found");
}

#[tokio::test]
async fn an_oversized_body_is_413_in_the_error_shape() {
    let app = spawn_app().await;
    let browser = app.client();
    let big = json!({ "first_name": "x".repeat(70 * 1024) }).to_string();
    // With a Content-Length, refused before any handler runs.
    let answer = browser.send(Method::POST, "/v1/client/sign_ups", Some(big.clone())).await;
    answer.assert_error(413, "request_body_too_large");

    // Streamed without a length (chunked), refused while reading.
    let (status, body) = post_chunked(app.addr, "/v1/client/sign_ups", big.as_bytes()).await;
    assert_eq!(status, 413);
    assert!(body.contains("\"request_body_too_large\""), "{body}");

    // Just under the limit is fine (and then refused for the name's length).
    let fits = json!({ "first_name": "x".repeat(60 * 1024) });
    browser.create_sign_up(fits).await.assert_error(422, "form_param_format_invalid");
}

/// Sends a chunked POST over a raw socket; answers the status and the body text.
async fn post_chunked(addr: std::net::SocketAddr, path: &str, body: &[u8]) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    let mut request = head.into_bytes();
    for chunk in body.chunks(8 * 1024) {
        request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        request.extend_from_slice(chunk);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    // The server may answer and close before it has read everything.
    let _ = stream.write_all(&request).await;
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, text)
}
