//! What operators and their load balancers ask of a node: liveness
//! (`GET /healthz`), readiness (`GET /readyz`) and the Prometheus metrics
//! (`GET /metrics`, see `crate::telemetry`).
//!
//! `/metrics` tells how much traffic the node serves and how often each
//! limit is hit, so it is never open on the public listener: there it
//! exists only with the admin key (`Authorization: Bearer`), and not at
//! all when `--metrics-listen` gives it a listener of its own (which
//! needs no key: bind it where only the scraper reaches).
//!
//! `/readyz` has no SMS entry: the `webhook` provider is the operator's own
//! endpoint with no health route we could rely on, and the only check a
//! Twilio-compatible API offers is an authenticated account fetch, which
//! would spend the operator's API quota on every probe interval and tell
//! nothing about whether a text would be accepted. A refused text answers
//! `phone_delivery_failed` and a failing provider shows in
//! `gatehouse_messages_total{channel="sms"}`, so there is no fake check here.

use crate::admin::auth::{self, AdminKey};
use crate::state::AppState;
use crate::telemetry;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use std::time::Duration;

/// The routes on the public listener: the probes, and `/metrics` behind
/// `key` when there is one (`None`: served elsewhere, or off).
pub fn routes(metrics_key: Option<AdminKey>) -> Router<AppState> {
    let router = Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz));
    match metrics_key {
        Some(key) => router
            .merge(Router::new().route("/metrics", get(metrics)).route_layer(from_fn_with_state(key, auth::check))),
        None => router,
    }
}

/// The router of the metrics listener (`--metrics-listen`): `/metrics` alone, without a key.
pub fn metrics_only(state: AppState) -> Router {
    Router::new().route("/metrics", get(metrics)).with_state(state)
}

/// `GET /metrics`: the Prometheus text format.
async fn metrics(State(state): State<AppState>) -> Response {
    let body = telemetry::render(state.hub.open_streams(), state.sender.pending());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], body).into_response()
}

/// `GET /healthz`: the process answers (liveness). It asks nothing of the
/// database, so a database outage does not get every node restarted.
async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

/// How long `GET /readyz` waits for the database.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// `GET /readyz`: this node can serve (readiness). 200 `{"status":"ready"}`
/// when the database answers a query within [`READY_TIMEOUT`] and, with
/// `[smtp]`, the mail server answers (checked at most every
/// `delivery::READINESS_TTL`); otherwise 503
/// `{"status":"unavailable","database":"...","mail":"..."}` naming what
/// failed (`error` or `timeout`, without addresses: details go to the
/// log), so a load balancer sends requests to the other nodes.
async fn readyz(State(state): State<AppState>) -> Response {
    let database = match tokio::time::timeout(READY_TIMEOUT, state.store.ping()).await {
        Ok(Ok(())) => None,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: the database does not answer");
            Some("error")
        }
        Err(_) => {
            tracing::warn!(timeout_ms = READY_TIMEOUT.as_millis() as u64, "readiness: the database is too slow");
            Some("timeout")
        }
    };
    let mail = match state.sender.mail_ready().await {
        None | Some(Ok(())) => None,
        Some(Err(e)) => {
            tracing::warn!(error = %e, "readiness: the mail server does not answer");
            Some(if e == "timeout" { "timeout" } else { "error" })
        }
    };
    if database.is_none() && mail.is_none() {
        return Json(serde_json::json!({ "status": "ready" })).into_response();
    }
    let mut body = serde_json::json!({ "status": "unavailable" });
    for (name, problem) in [("database", database), ("mail", mail)] {
        if let Some(problem) = problem {
            body[name] = serde_json::Value::from(problem);
        }
    }
    (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
}
