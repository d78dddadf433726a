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
use crate::openapi::MetricsErrors;
use crate::state::AppState;
use crate::telemetry;
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::time::Duration;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes on the public listener: the probes, and `/metrics` behind
/// `key` (`None`: served elsewhere, or off; then it answers 404).
pub fn routes(metrics_key: Option<AdminKey>) -> OpenApiRouter<AppState> {
    let metrics =
        OpenApiRouter::new().routes(routes!(metrics)).route_layer(from_fn_with_state(metrics_key, auth::check));
    OpenApiRouter::new().routes(routes!(healthz)).routes(routes!(readyz)).merge(metrics)
}

/// The router of the metrics listener (`--metrics-listen`): `/metrics` alone, without a key.
pub fn metrics_only(state: AppState) -> Router {
    let (router, _) = OpenApiRouter::new().routes(routes!(metrics)).split_for_parts();
    router.with_state(state)
}

/// `GET /metrics`: the Prometheus text format.
#[utoipa::path(
    get,
    path = "/metrics",
    operation_id = "metrics",
    tag = "probes",
    summary = "The Prometheus metrics (with the admin key, or keyless on `--metrics-listen`)",
    security(("admin_key" = [])),
    responses(
        (status = 200, description = "The text exposition format.", content_type = "text/plain; version=0.0.4; charset=utf-8", body = String),
        MetricsErrors
    )
)]
async fn metrics(State(state): State<AppState>) -> Response {
    let body = telemetry::render(state.hub.open_streams(), state.sender.pending());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], body).into_response()
}

/// What `/healthz` answers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Health {
    /// Always `ok`.
    #[schema(value_type = String)]
    status: &'static str,
}

/// What `/readyz` answers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Readiness {
    /// `ready`, or `unavailable`.
    #[schema(value_type = String)]
    status: &'static str,
    /// When the database failed: `error` or `timeout`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    database: Option<&'static str>,
    /// When the mail server failed: `error` or `timeout`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    mail: Option<&'static str>,
}

/// `GET /healthz`: the process answers (liveness). It asks nothing of the
/// database, so a database outage does not get every node restarted.
#[utoipa::path(
    get,
    path = "/healthz",
    operation_id = "healthz",
    tag = "probes",
    summary = "Liveness",
    responses((status = 200, description = "The process answers.", body = Health))
)]
async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
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
#[utoipa::path(
    get,
    path = "/readyz",
    operation_id = "readyz",
    tag = "probes",
    summary = "Readiness: the database (and the mail server with `[smtp]`)",
    responses(
        (status = 200, description = "Ready.", body = Readiness),
        (status = 503, description = "Not ready: what failed.", body = Readiness)
    )
)]
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
    let ready = database.is_none() && mail.is_none();
    let body = Readiness { status: if ready { "ready" } else { "unavailable" }, database, mail };
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(body)).into_response()
}
