//! The HTTP handlers of `/v1/admin/users`.

use super::query::ListQuery;
use super::sync::Sync;
use super::view;
use crate::db::UserKey;
use crate::error::ApiError;
use crate::extract::{Params, ResourceId};
use crate::state::AppState;
use axum::Json;
use axum::extract::{RawQuery, State};
use gatehouse_protocol::ErrorCode;
use gatehouse_protocol::wire::{Deleted, List, User, UserParams};

fn not_found() -> ApiError {
    ApiError::Refused(ErrorCode::ResourceNotFound)
}

/// `PUT /v1/admin/users`: create or update (200 either way).
pub async fn put(State(state): State<AppState>, Params(p): Params<UserParams>) -> Result<Json<User>, ApiError> {
    let user = Sync::parse(p, &state).await?.apply(&state).await?;
    Ok(Json(view::user(&user)))
}

/// `GET /v1/admin/users?email=&limit=&after=`.
pub async fn list(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Result<Json<List<User>>, ApiError> {
    let q = ListQuery::parse(raw.as_deref(), &["email"])?;
    let users = state.store.users(q.email.as_deref(), q.after.as_deref(), q.fetch()).await?;
    Ok(Json(q.page(users, |u| &u.id, view::user)))
}

/// `GET /v1/admin/users/{id}`.
pub async fn show(State(state): State<AppState>, ResourceId(id): ResourceId) -> Result<Json<User>, ApiError> {
    let user = state.store.user(UserKey::Id(&id)).await?.ok_or_else(not_found)?;
    Ok(Json(view::user(&user)))
}

/// What `POST /v1/admin/users/{id}/revoke_sessions` answers.
#[derive(Debug, serde::Serialize)]
pub struct SessionsRevoked {
    pub object: &'static str,
    pub user_id: String,
    /// How many active sessions ended.
    pub revoked: u64,
}

/// `POST /v1/admin/users/{id}/revoke_sessions`: ends every active session
/// of the user (their tokens stop minting JWTs at once; JWTs already
/// issued live out their short TTL).
pub async fn revoke_sessions(
    State(state): State<AppState>,
    ResourceId(id): ResourceId,
) -> Result<Json<SessionsRevoked>, ApiError> {
    let mut tx = state.store.begin().await?;
    if tx.user(UserKey::Id(&id)).await?.is_none() {
        return Err(not_found());
    }
    let revoked = tx.revoke_user_sessions(&id).await?;
    for session in &revoked {
        let ended = crate::webhooks::ended_session(session, "admin");
        tx.record_event(crate::model::WebhookEvent::SessionEnded, ended, state.now()).await?;
    }
    tx.commit().await?;
    Ok(Json(SessionsRevoked { object: "sessions_revoked", user_id: id, revoked: revoked.len() as u64 }))
}

/// `DELETE /v1/admin/users/{id}`: the user, their sessions and sign-ins.
pub async fn delete(State(state): State<AppState>, ResourceId(id): ResourceId) -> Result<Json<Deleted>, ApiError> {
    let mut tx = state.store.begin().await?;
    if !tx.delete_user(&id).await? {
        return Err(not_found());
    }
    tx.commit().await?;
    Ok(Json(Deleted { object: String::from("user"), id, deleted: true }))
}
