//! The OpenAPI document (`GET /openapi.json`, `server/src/openapi.rs`).
//!
//! - `docs/openapi.json` is what the server serves; when a route or a wire
//!   type changes, rewrite it with
//!   `GATEHOUSE_UPDATE_OPENAPI=1 cargo test -p gatehouse-server --test api openapi`.
//! - The document is the same whatever the options (admin key, dev mode).
//! - The error schema is one component whose `code` lists every code.
//! - Every route is mounted through utoipa-axum's `routes!` (which adds the
//!   handler's `#[utoipa::path]`), never a plain `.route(`, so a new route
//!   is in the document or does not compile; and every documented
//!   operation reaches a route of its own (the request metrics name it).
//!
//! Schemathesis runs the document against a real server:
//! `scripts/test-api-fuzz.sh` (`make test-api-fuzz`, `make fuzz-api`).

use crate::helpers::{SECRET_KEY, admin_options, spawn_app, spawn_app_with};
use crate::imports::{code_of, server_sources};
use gatehouse_protocol::ErrorCode;
use gatehouse_server::Options;
use gatehouse_server::config::Config;
use serde_json::Value;
use std::path::PathBuf;

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/openapi.json")
}

async fn served(base: &str) -> String {
    let answer = reqwest::get(format!("{base}/openapi.json")).await.unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers()["content-type"], "application/json");
    answer.text().await.unwrap()
}

#[tokio::test]
async fn the_committed_copy_is_what_the_server_serves() {
    let app = spawn_app().await;
    let served = served(&app.base).await;
    let path = committed_path();
    if std::env::var("GATEHOUSE_UPDATE_OPENAPI").as_deref() == Ok("1") {
        std::fs::write(&path, &served).unwrap();
        eprintln!("wrote {}", path.display());
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == served,
        "docs/openapi.json is stale: run GATEHOUSE_UPDATE_OPENAPI=1 cargo test -p gatehouse-server --test api openapi"
    );
}

#[tokio::test]
async fn the_document_is_the_same_whatever_the_options() {
    let dev = spawn_app().await;
    let production = spawn_app_with(Config::default(), Options { dev: false, ..admin_options() }).await;
    let doc: Value = serde_json::from_str(&served(&dev.base).await).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/v1/admin/users"]["put"].is_object() && doc["paths"]["/v1/dev/outbox"]["get"].is_object());
    assert_eq!(served(&dev.base).await, served(&production.base).await);
}

#[tokio::test]
async fn the_error_body_is_one_component_listing_every_code() {
    let app = spawn_app().await;
    let doc: Value = serde_json::from_str(&served(&app.base).await).unwrap();
    let schemas = &doc["components"]["schemas"];
    let codes: Vec<&str> =
        schemas["ErrorCode"]["enum"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    let all: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(codes, all);
    assert_eq!(schemas["ErrorItem"]["properties"]["code"]["$ref"], "#/components/schemas/ErrorCode");
    assert_eq!(schemas["ErrorBody"]["required"], serde_json::json!(["errors", "trace_id"]));
    let param_name = &schemas["ErrorMeta"]["properties"]["param_name"];
    assert!(param_name.to_string().contains("string"), "{param_name}");
    // Every error answer of every operation is a response component (one
    // per status) whose body is that schema.
    let responses = &doc["components"]["responses"];
    let mut errors = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for (status, response) in operation["responses"].as_object().unwrap() {
                let Some(name) = response["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/responses/"))
                else {
                    continue;
                };
                assert_eq!(name, format!("Error{status}"), "{method} {path}");
                let schema = &responses[name]["content"]["application/json"]["schema"]["$ref"];
                assert_eq!(schema, "#/components/schemas/ErrorBody", "{method} {path} {status}");
                errors += 1;
            }
        }
    }
    assert!(errors > 100, "{errors}");
    // Each names the codes of its status.
    let not_found = responses["Error404"]["description"].as_str().unwrap();
    assert!(not_found.contains("`sign_up_not_found`") && not_found.contains("`resource_not_found`"), "{not_found}");
}

#[tokio::test]
async fn operation_ids_are_unique() {
    let app = spawn_app().await;
    let doc: Value = serde_json::from_str(&served(&app.base).await).unwrap();
    let mut ids = Vec::new();
    for item in doc["paths"].as_object().unwrap().values() {
        for operation in item.as_object().unwrap().values() {
            ids.push(operation["operationId"].as_str().expect("every operation has an id").to_owned());
        }
    }
    let count = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), count, "{ids:?}");
}

#[test]
fn every_route_is_mounted_through_routes() {
    let mut checked = 0;
    for (module, text) in server_sources() {
        let code = code_of(&text);
        for plain in [".route(", ".route_service(", "axum::routing::"] {
            assert!(
                !code.contains(plain),
                "src/{}: `{plain}` mounts a route the OpenAPI document does not know; use utoipa-axum's routes! \
                 with a #[utoipa::path] on the handler",
                module.join("/")
            );
        }
        checked += code.matches("routes!(").count();
    }
    assert!(checked > 20, "{checked}");
}

/// Each documented operation, sent once (ids and params made up), is
/// counted under its own route template by the request metrics: it
/// reached the route the document names, not the fallback.
#[tokio::test]
async fn every_documented_operation_reaches_its_route() {
    let app = spawn_app_with(Config::default(), admin_options()).await;
    let doc: Value = serde_json::from_str(&served(&app.base).await).unwrap();
    let http = reqwest::Client::new();
    let mut sent = Vec::new();
    for (template, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if template.ends_with("/events") {
                continue; // an event stream: its route is checked in sse tests
            }
            let path = template.replace("{id}", "x");
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let answer = http
                .request(method.clone(), format!("{}{path}", app.base))
                .bearer_auth(SECRET_KEY)
                .header("content-type", "application/json")
                .send()
                .await
                .unwrap();
            assert!(answer.status().as_u16() < 500, "{method} {path}: {}", answer.status());
            sent.push((method.to_string(), template.clone()));
        }
    }
    let metrics = http.get(format!("{}/metrics", app.base)).bearer_auth(SECRET_KEY).send().await.unwrap();
    let metrics = metrics.text().await.unwrap();
    for (method, template) in sent {
        let label = format!("method=\"{method}\",route=\"{template}\"");
        assert!(metrics.contains(&label), "{method} {template} was not routed as documented");
    }
}
