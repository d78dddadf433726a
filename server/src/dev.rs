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
use crate::origin::PublicOrigin;
use crate::request_log::RequestCount;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use gatehouse_protocol::ErrorCode;
use gatehouse_protocol::wire::{Invitation, InvitationParams, OutboxMessage};
use serde::{Deserialize, Serialize};

/// Middleware (dev only): notes `METHOD /path` of every request.
pub async fn record(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if !path.starts_with("/v1/dev/") {
        state.requests.push(format!("{} {path}", req.method()));
    }
    next.run(req).await
}

/// `GET /v1/dev/outbox`.
pub async fn outbox(State(state): State<AppState>) -> Result<Json<Vec<OutboxMessage>>, ApiError> {
    let outbox = state.sender.outbox().ok_or(ApiError::Refused(ErrorCode::ResourceNotFound))?;
    Ok(Json(outbox.list()))
}

/// `POST /v1/dev/invitations`.
pub async fn invite(
    State(state): State<AppState>,
    own: Option<PublicOrigin>,
    Params(p): Params<InvitationParams>,
) -> Result<Json<Invitation>, ApiError> {
    let new = NewInvitation::parse(p, &state.config, own.as_ref())?;
    Ok(Json(manage::create(&state, new, own.as_ref()).await?))
}

#[derive(Debug, Serialize)]
pub struct StreamCount {
    /// How many streams are open (for a drop: were open just before).
    open: usize,
}

/// `GET /v1/dev/event_streams`.
pub async fn event_streams(State(state): State<AppState>) -> Json<StreamCount> {
    Json(StreamCount { open: state.hub.open_streams() })
}

/// `POST /v1/dev/drop_event_streams`: ends every open event stream.
pub async fn drop_event_streams(State(state): State<AppState>) -> Json<StreamCount> {
    Json(StreamCount { open: state.hub.close_all() })
}

#[derive(Debug, Default, Deserialize)]
pub struct RequestFilter {
    path_prefix: Option<String>,
}

/// `GET /v1/dev/requests?path_prefix=...`.
pub async fn requests(State(state): State<AppState>, Query(filter): Query<RequestFilter>) -> Json<RequestCount> {
    Json(state.requests.matching(filter.path_prefix.as_deref().unwrap_or("")))
}

/// `POST /v1/dev/requests/reset`: forgets every request seen so far.
pub async fn reset_requests(State(state): State<AppState>) -> Json<RequestCount> {
    state.requests.clear();
    Json(RequestCount::default())
}
