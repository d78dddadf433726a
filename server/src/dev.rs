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
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use gatehouse_protocol::ErrorCode;
use gatehouse_protocol::wire::{Invitation, InvitationParams, OutboxMessage};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::sync::Mutex;

/// The requests the server saw, newest last.
#[derive(Debug, Default)]
pub struct RequestLog {
    seen: Mutex<VecDeque<String>>,
}

impl RequestLog {
    /// How many it keeps; older ones are forgotten.
    pub const CAPACITY: usize = 10_000;
    /// How many of the latest matching requests an answer lists.
    const LISTED: usize = 20;

    fn push(&self, request: String) {
        let mut seen = self.seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if seen.len() == Self::CAPACITY {
            seen.pop_front();
        }
        seen.push_back(request);
    }

    /// The count of requests whose path starts with `prefix`, and the latest of them.
    fn matching(&self, prefix: &str) -> RequestCount {
        let seen = self.seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let matching: Vec<&String> =
            seen.iter().filter(|r| r.split_once(' ').is_some_and(|(_, path)| path.starts_with(prefix))).collect();
        let recent = matching.iter().rev().take(Self::LISTED).rev().map(|r| (*r).clone()).collect();
        RequestCount { count: matching.len(), recent }
    }

    fn clear(&self) {
        self.seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clear();
    }
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

#[derive(Debug, Serialize)]
pub struct RequestCount {
    count: usize,
    /// The latest matching requests, `METHOD /path`, oldest first.
    recent: Vec<String>,
}

/// `GET /v1/dev/requests?path_prefix=...`.
pub async fn requests(State(state): State<AppState>, Query(filter): Query<RequestFilter>) -> Json<RequestCount> {
    Json(state.requests.matching(filter.path_prefix.as_deref().unwrap_or("")))
}

/// `POST /v1/dev/requests/reset`: forgets every request seen so far.
pub async fn reset_requests(State(state): State<AppState>) -> Json<RequestCount> {
    state.requests.clear();
    Json(RequestCount { count: 0, recent: Vec::new() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_path_prefix_and_forgets_the_oldest() {
        let log = RequestLog::default();
        for i in 0..RequestLog::CAPACITY + 5 {
            log.push(format!("GET /v1/client/sign_ups/su_{i}"));
        }
        log.push(String::from("POST /v1/client/sign_ups"));
        log.push(String::from("GET /v1/environment"));
        assert_eq!(log.matching("").count, RequestLog::CAPACITY);
        let sign_ups = log.matching("/v1/client/sign_ups/");
        assert_eq!(sign_ups.count, RequestLog::CAPACITY - 2);
        assert_eq!(sign_ups.recent.len(), 20);
        assert_eq!(
            sign_ups.recent.last().map(String::as_str),
            Some(format!("GET /v1/client/sign_ups/su_{}", RequestLog::CAPACITY + 4).as_str())
        );
        assert_eq!(log.matching("/v1/environment").recent, vec![String::from("GET /v1/environment")]);
        log.clear();
        assert_eq!(log.matching("").count, 0);
    }
}
