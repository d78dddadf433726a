//! Compression and caching: static files go out gzip or brotli as the
//! request accepts; the API's JSON answers and event streams never do (a
//! compressed answer that holds a secret beside what the caller sent leaks
//! the secret by its length: BREACH; and compression would hold events
//! back); static files are revalidated, never kept blindly.

use crate::helpers::{spawn_app, spawn_app_with};
use gatehouse_server::Options;
use gatehouse_server::config::Config;
use reqwest::Method;
use serde_json::json;
use std::io::Read;

/// The body of `response`, decoded as its `Content-Encoding` says.
async fn decoded(response: reqwest::Response) -> (Option<String>, Vec<u8>) {
    let encoding = response.headers().get("content-encoding").map(|v| v.to_str().unwrap().to_owned());
    let raw = response.bytes().await.unwrap();
    let mut body = Vec::new();
    match encoding.as_deref() {
        None => body.extend_from_slice(&raw),
        Some("gzip") => drop(flate2::read::GzDecoder::new(&raw[..]).read_to_end(&mut body).unwrap()),
        Some("br") => drop(brotli::Decompressor::new(&raw[..], 4096).read_to_end(&mut body).unwrap()),
        Some(other) => panic!("unexpected content-encoding {other}"),
    }
    (encoding, body)
}

fn served_app_dirs() -> (tempfile::TempDir, Options, Vec<u8>, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let (www, pkg) = (dir.path().join("www"), dir.path().join("pkg"));
    std::fs::create_dir_all(&www).unwrap();
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(www.join("index.html"), "<!doctype html><title>Gatehouse demo</title>").unwrap();
    let js = "export function one() { return 1; }\n".repeat(40).into_bytes();
    let wasm = [&b"\0asm\x01\0\0\0"[..], &[0u8; 2048]].concat();
    std::fs::write(pkg.join("gatehouse.js"), &js).unwrap();
    std::fs::write(pkg.join("gatehouse_bg.wasm"), &wasm).unwrap();
    let options = Options { dev: true, www: Some(www), pkg: Some(pkg), ..Options::default() };
    (dir, options, js, wasm)
}

#[tokio::test]
async fn static_files_go_out_compressed_as_the_request_accepts() {
    let (_dir, options, js, wasm) = served_app_dirs();
    let app = spawn_app_with(Config::default(), options).await;
    let http = reqwest::Client::new();
    for (path, file) in [("/pkg/gatehouse.js", &js), ("/pkg/gatehouse_bg.wasm", &wasm)] {
        for (accept, expected) in
            [("br", Some("br")), ("gzip", Some("gzip")), ("gzip, deflate, br", Some("br")), ("identity", None)]
        {
            let response =
                http.get(format!("{}{path}", app.base)).header("accept-encoding", accept).send().await.unwrap();
            assert_eq!(response.status(), 200);
            // One `Vary` line per layer (CORS adds its own).
            let vary: Vec<String> =
                response.headers().get_all("vary").iter().map(|v| v.to_str().unwrap().to_ascii_lowercase()).collect();
            assert!(vary.iter().any(|v| v.contains("accept-encoding")), "{path} {accept}: {vary:?}");
            let length = response.content_length();
            let (encoding, body) = decoded(response).await;
            assert_eq!(encoding.as_deref(), expected, "{path} with accept-encoding {accept}");
            assert_eq!(&body, file, "{path} with accept-encoding {accept}");
            if expected.is_none() {
                assert_eq!(length, Some(file.len() as u64));
            }
        }
        // Without Accept-Encoding: as it is on disk.
        let (encoding, body) = decoded(http.get(format!("{}{path}", app.base)).send().await.unwrap()).await;
        assert_eq!((encoding, &body), (None, file));
    }
}

/// The package build's siblings (`gatehouse.js.br`, `.gz`, compressed at
/// the highest levels) go out byte for byte as they are, not compressed
/// again at the request; a file without one is compressed at the request.
#[tokio::test]
async fn precompressed_siblings_go_out_as_they_are() {
    let (dir, options, js, wasm) = served_app_dirs();
    let pkg = dir.path().join("pkg");
    let mut brotli_js = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut brotli_js, 4096, 11, 22);
        std::io::Write::write_all(&mut writer, &js).unwrap();
    }
    let mut gzip_js = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut gzip_js, &js).unwrap();
    let gzip_js = gzip_js.finish().unwrap();
    std::fs::write(pkg.join("gatehouse.js.br"), &brotli_js).unwrap();
    std::fs::write(pkg.join("gatehouse.js.gz"), &gzip_js).unwrap();
    let app = spawn_app_with(Config::default(), options).await;
    let http = reqwest::Client::new();
    let get = |accept: &'static str| {
        http.get(format!("{}/pkg/gatehouse.js", app.base)).header("accept-encoding", accept).send()
    };
    for (accept, encoding, sibling) in
        [("br", "br", &brotli_js), ("gzip, deflate, br", "br", &brotli_js), ("gzip", "gzip", &gzip_js)]
    {
        let response = get(accept).await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-encoding"], encoding, "{accept}");
        assert!(response.headers()["content-type"].to_str().unwrap().contains("javascript"), "{accept}");
        assert_eq!(response.headers()["cache-control"], "no-cache");
        assert_eq!(&response.bytes().await.unwrap()[..], &sibling[..], "{accept}: the sibling's own bytes");
    }
    let (encoding, body) = decoded(get("identity").await.unwrap()).await;
    assert_eq!((encoding, body), (None, js));
    // The wasm has no sibling here: compressed at the request, as before.
    let response =
        http.get(format!("{}/pkg/gatehouse_bg.wasm", app.base)).header("accept-encoding", "br").send().await.unwrap();
    let (encoding, body) = decoded(response).await;
    assert_eq!((encoding.as_deref(), body), (Some("br"), wasm));
}

#[tokio::test]
async fn static_files_are_revalidated_each_time() {
    let (_dir, options, js, _) = served_app_dirs();
    let app = spawn_app_with(Config::default(), options).await;
    let http = reqwest::Client::new();
    for path in ["/", "/pkg/gatehouse.js", "/pkg/gatehouse_bg.wasm"] {
        let first = http.get(format!("{}{path}", app.base)).send().await.unwrap();
        assert_eq!(first.status(), 200);
        assert_eq!(first.headers()["cache-control"], "no-cache", "{path}");
        let modified = first.headers()["last-modified"].clone();
        let again = http.get(format!("{}{path}", app.base)).header("if-modified-since", modified).send().await.unwrap();
        assert_eq!(again.status(), 304, "{path}");
        assert!(again.bytes().await.unwrap().is_empty());
    }
    let old = "Tue, 01 Jan 2002 00:00:00 GMT";
    let changed =
        http.get(format!("{}/pkg/gatehouse.js", app.base)).header("if-modified-since", old).send().await.unwrap();
    assert_eq!(changed.status(), 200);
    assert_eq!(changed.bytes().await.unwrap(), js);
}

#[tokio::test]
async fn json_answers_and_event_streams_are_never_compressed() {
    let app = spawn_app().await;
    let client = app.client();
    client.extra.lock().unwrap().push(("accept-encoding".into(), "gzip, br".into()));
    // The attacker's guess beside the answer's secrets: asked for
    // compressed, the answer still comes plain, so its length tells nothing.
    let body = Some(("application/json", json!({ "email_address": "ana@example.com" }).to_string()));
    let response = client.request(Method::POST, "/v1/client/sign_ups", body).send().await.unwrap();
    assert_eq!(response.status(), 200);
    client.keep_token(response.headers());
    let (encoding, body) = decoded(response).await;
    assert_eq!(encoding, None);
    let envelope: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let id = envelope["response"]["id"].as_str().unwrap().to_owned();
    assert_eq!(envelope["response"]["email_address"], "ana@example.com");
    let response = client.request(Method::GET, &format!("/v1/client/sign_ups/{id}"), None).send().await.unwrap();
    let (encoding, body) = decoded(response).await;
    assert_eq!(encoding, None);
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&body).unwrap()["response"]["id"], id.as_str());
    let jwks = client.request(Method::GET, "/.well-known/jwks.json", None).send().await.unwrap();
    assert_eq!(jwks.headers().get("content-encoding"), None);

    let mut events = client.events(&id).await;
    assert_eq!(events.status(), 200);
    assert_eq!(events.header("content-type").as_deref(), Some("text/event-stream"));
    assert_eq!(events.header("content-encoding"), None);
    assert_eq!(events.next_sign_up().await["id"], id.as_str());
    // A change comes through at once, not held back in a compressor.
    client.update_sign_up(&id, json!({ "first_name": "Ana" })).await;
    assert_eq!(events.next_sign_up().await["first_name"], "Ana");
}
