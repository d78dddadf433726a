//! The dev tools under `/v1/dev/` (`--dev` only; the routes do not exist
//! otherwise, so they answer 404), for the demo and the browser tests:
//!
//! - `GET /v1/dev/outbox`: the messages the server sent;
//! - `POST /v1/dev/invitations`: an invitation without the admin key (the
//!   demo's "invite" button; same body and answer as the admin endpoint);
//! - `GET /v1/dev/event_streams`, `POST /v1/dev/drop_event_streams`: how
//!   many event streams are open, and ending them all (a dropped stream);
//! - `GET /v1/dev/requests?path_prefix=...`, `POST /v1/dev/requests/reset`:
//!   how many requests reached the server, so a test can prove that none
//!   did. [`record`] counts every request but those to `/v1/dev/` itself.

use crate::error::ApiError;
use crate::extract::Params;
use crate::invitations::{NewInvitation, manage};
use crate::openapi::{DevRead, DevWrite};
use crate::origin::PublicOrigin;
use crate::request_log::RequestCount;
use crate::state::AppState;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, Request, State};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use gatehouse_protocol::ErrorCode;
use gatehouse_protocol::wire::{Invitation, InvitationParams, OutboxMessage};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The dev routes (paths relative to `/v1`); without `--dev` (`on`
/// false) every one answers 404, as if it did not exist.
pub fn routes(on: bool) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(outbox))
        .routes(routes!(invite))
        .routes(routes!(event_streams))
        .routes(routes!(drop_event_streams))
        .routes(routes!(requests))
        .routes(routes!(reset_requests))
        .route_layer(from_fn_with_state(on, only_in_dev))
}

/// Middleware: the dev routes exist only in dev mode.
async fn only_in_dev(State(on): State<bool>, req: Request, next: Next) -> Response {
    if on { next.run(req).await } else { ApiError::Refused(ErrorCode::ResourceNotFound).into_response() }
}

/// Middleware (dev only): notes `METHOD /path` of every request.
pub async fn record(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if !path.starts_with("/v1/dev/") {
        state.requests.push(format!("{} {path}", req.method()));
    }
    next.run(req).await
}

/// `GET /v1/dev/outbox`.
#[utoipa::path(
    get,
    path = "/dev/outbox",
    operation_id = "dev_outbox",
    tag = "dev",
    summary = "The messages the server sent (dev outbox)",
    responses((status = 200, description = "Every message, oldest first.", body = Vec<OutboxMessage>), DevRead)
)]
pub async fn outbox(State(state): State<AppState>) -> Result<Json<Vec<OutboxMessage>>, ApiError> {
    let outbox = state.sender.outbox().ok_or(ApiError::Refused(ErrorCode::ResourceNotFound))?;
    Ok(Json(outbox.list()))
}

/// `POST /v1/dev/invitations`.
#[utoipa::path(
    post,
    path = "/dev/invitations",
    operation_id = "dev_create_invitation",
    tag = "dev",
    summary = "An invitation without the admin key (the demo)",
    request_body(content = InvitationParams, description = "As `POST /v1/admin/invitations`."),
    responses((status = 200, description = "The invitation, with its `url`.", body = Invitation), DevWrite)
)]
pub async fn invite(
    State(state): State<AppState>,
    own: Option<PublicOrigin>,
    Params(p): Params<InvitationParams>,
) -> Result<Json<Invitation>, ApiError> {
    let new = NewInvitation::parse(p, &state.config, own.as_ref())?;
    Ok(Json(manage::create(&state, new, own.as_ref()).await?))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StreamCount {
    /// How many streams are open (for a drop: were open just before).
    open: usize,
}

/// `GET /v1/dev/event_streams`.
#[utoipa::path(
    get,
    path = "/dev/event_streams",
    operation_id = "dev_event_streams",
    tag = "dev",
    summary = "How many event streams are open",
    responses((status = 200, description = "The count.", body = StreamCount), DevRead)
)]
pub async fn event_streams(State(state): State<AppState>) -> Json<StreamCount> {
    Json(StreamCount { open: state.hub.open_streams() })
}

/// `POST /v1/dev/drop_event_streams`: ends every open event stream.
#[utoipa::path(
    post,
    path = "/dev/drop_event_streams",
    operation_id = "dev_drop_event_streams",
    tag = "dev",
    summary = "End every open event stream",
    responses((status = 200, description = "How many were open.", body = StreamCount), DevWrite)
)]
pub async fn drop_event_streams(State(state): State<AppState>) -> Json<StreamCount> {
    Json(StreamCount { open: state.hub.close_all() })
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestFilter {
    /// Count only requests whose path starts with this.
    path_prefix: Option<String>,
}

/// `GET /v1/dev/requests?path_prefix=...`.
#[utoipa::path(
    get,
    path = "/dev/requests",
    operation_id = "dev_requests",
    tag = "dev",
    summary = "How many requests reached the server",
    params(RequestFilter),
    responses((status = 200, description = "The count and the latest ones.", body = RequestCount), DevRead)
)]
pub async fn requests(
    State(state): State<AppState>,
    query: Result<Query<RequestFilter>, QueryRejection>,
) -> Result<Json<RequestCount>, ApiError> {
    let Query(filter) = query.map_err(|_| ApiError::param(ErrorCode::FormParamFormatInvalid, "path_prefix"))?;
    Ok(Json(state.requests.matching(filter.path_prefix.as_deref().unwrap_or(""))))
}

/// `POST /v1/dev/requests/reset`: forgets every request seen so far.
#[utoipa::path(
    post,
    path = "/dev/requests/reset",
    operation_id = "dev_reset_requests",
    tag = "dev",
    summary = "Forget every request seen so far",
    responses((status = 200, description = "Zero.", body = RequestCount), DevWrite)
)]
pub async fn reset_requests(State(state): State<AppState>) -> Json<RequestCount> {
    state.requests.clear();
    Json(RequestCount::default())
}
