//! The signed-in user's sessions ("was this you?"):
//! `GET /v1/client/sessions/{id}/user_sessions` lists the user's active
//! sessions on every client, with where each signed in from and when it
//! was last used; `POST .../user_sessions/{other_id}/revoke` ends one.
//!
//! `{id}` is a live session of this client: it names the user, so a client
//! reaches only its own user's sessions, and `{other_id}` must be one of
//! them (another user's answers 404 `session_not_found`, as an unknown id
//! does). Ending one records `session.ended` with `ended_by:
//! "user_revoked"`.

use crate::client::{CurrentClient, envelope};
use crate::db::SessionActivity;
use crate::error::ApiError;
use crate::extract::{SessionId, SessionPair};
use crate::model::WebhookEvent;
use crate::openapi::{ClientRead, ClientWrite};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use gatehouse_protocol::ErrorCode;
use gatehouse_protocol::wire::{self, Envelope, UserSession, UserSessions};

fn not_found() -> ApiError {
    ApiError::Refused(ErrorCode::SessionNotFound)
}

/// The live session `id` of this client: whose sessions these are (a
/// pending one: 403 `session_pending`).
async fn asking(state: &AppState, client: &CurrentClient, id: &str) -> Result<wire::Session, ApiError> {
    super::pending::usable(state.store.session(id, &client.id).await?, state.now(), false)
}

/// A session on the wire, `current` when it is the one asking.
fn view(found: SessionActivity, current: &str) -> UserSession {
    UserSession {
        object: String::from("user_session"),
        current: found.session.id == current,
        id: found.session.id,
        status: found.session.status,
        browser: crate::device::describe(found.user_agent.as_deref()),
        ip_address: found.ip_address,
        created_at: found.session.created_at,
        last_active_at: found.last_active_at,
        expire_at: found.session.expire_at,
    }
}

/// `GET /v1/client/sessions/{id}/user_sessions`.
#[utoipa::path(
    get,
    path = "/client/sessions/{id}/user_sessions",
    operation_id = "list_user_sessions",
    tag = "sessions",
    summary = "The signed-in user's active sessions, on every client",
    params(("id" = String, Path, description = "A live session of this client: the user whose sessions these are.")),
    responses((status = 200, description = "The sessions, the most recently active first, in the envelope.", body = Envelope<UserSessions>), ClientRead)
)]
pub async fn list(
    State(state): State<AppState>,
    client: CurrentClient,
    SessionId(id): SessionId,
) -> Result<Json<Envelope<UserSessions>>, ApiError> {
    let session = asking(&state, &client, &id).await?;
    let found = state.store.user_sessions(&session.user_id, state.now()).await?;
    let data = found.into_iter().map(|f| view(f, &session.id)).collect();
    envelope(&state, &client, UserSessions { object: String::from("list"), data }).await
}

/// `POST /v1/client/sessions/{id}/user_sessions/{other_id}/revoke`.
#[utoipa::path(
    post,
    path = "/client/sessions/{id}/user_sessions/{other_id}/revoke",
    operation_id = "revoke_user_session",
    tag = "sessions",
    summary = "End another session of the signed-in user (again: the same answer)",
    params(
        ("id" = String, Path, description = "A live session of this client: the user whose session this is."),
        ("other_id" = String, Path, description = "The session to end: one of that user's."),
    ),
    responses((status = 200, description = "The ended session, in the envelope.", body = Envelope<wire::Session>), ClientWrite)
)]
pub async fn revoke(
    State(state): State<AppState>,
    client: CurrentClient,
    SessionPair(id, other_id): SessionPair,
) -> Result<Json<Envelope<wire::Session>>, ApiError> {
    let session = asking(&state, &client, &id).await?;
    let mut tx = state.store.begin().await?;
    let mut other = tx.user_session(&other_id, &session.user_id).await?.ok_or_else(not_found)?;
    if other.status != "revoked" {
        tx.revoke_session(&other.id).await?;
        if other.id == session.id {
            tx.rotate_client_token_later(&client.id, state.now()).await?;
        }
        // A pending session was never announced (`super::pending`).
        let announced = other.status == "active";
        other.status = String::from("revoked");
        other.tasks.clear();
        if announced {
            let ended = crate::webhooks::ended_session(&other, "user_revoked");
            tx.record_event(WebhookEvent::SessionEnded, ended, state.now()).await?;
        }
    }
    tx.commit().await?;
    envelope(&state, &client, other).await
}
