//! The HTTP handlers of `/v1/admin/users`.

use super::query::ListQuery;
use super::sync::Sync;
use super::view;
use crate::db::UserKey;
use crate::error::ApiError;
use crate::extract::{Params, ResourceId};
use crate::openapi::{AdminRead, AdminWrite};
use crate::state::AppState;
use axum::Json;
use axum::extract::{RawQuery, State};
use gatehouse_protocol::ErrorCode;
use gatehouse_protocol::wire::{Deleted, List, User, UserParams};

fn not_found() -> ApiError {
    ApiError::Refused(ErrorCode::ResourceNotFound)
}

/// `PUT /v1/admin/users`: create or update (200 either way).
#[utoipa::path(
    put,
    path = "/admin/users",
    operation_id = "put_user",
    tag = "admin",
    summary = "Create or update a synced user (by `external_id`, else `email`)",
    request_body(content = UserParams, description = "Every key optional; `null` is absent. An unknown key is 422 `form_param_unknown`."),
    security(("admin_key" = [])),
    responses((status = 200, description = "The user, made or updated.", body = User), AdminWrite)
)]
pub async fn put(State(state): State<AppState>, Params(p): Params<UserParams>) -> Result<Json<User>, ApiError> {
    let user = Sync::parse(p, &state).await?.apply(&state).await?;
    Ok(Json(view::user(&user)))
}

/// `GET /v1/admin/users?email=&limit=&after=`.
#[utoipa::path(
    get,
    path = "/admin/users",
    operation_id = "list_users",
    tag = "admin",
    summary = "Users, in id order",
    params(("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Items per page (default 20)."), ("after" = Option<String>, Query, description = "The `next_after` of the previous page."), ("email" = Option<String>, Query, description = "Only the user with this email.")),
    security(("admin_key" = [])),
    responses((status = 200, description = "A page of users.", body = List<User>), AdminRead)
)]
pub async fn list(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Result<Json<List<User>>, ApiError> {
    let q = ListQuery::parse(raw.as_deref(), &["email"])?;
    let users = state.store.users(q.email.as_deref(), q.after.as_deref(), q.fetch()).await?;
    Ok(Json(q.page(users, |u| &u.id, view::user)))
}

/// `GET /v1/admin/users/{id}`.
#[utoipa::path(
    get,
    path = "/admin/users/{id}",
    operation_id = "show_user",
    tag = "admin",
    summary = "One user",
    params(("id" = String, Path, description = "The user's id.")),
    security(("admin_key" = [])),
    responses((status = 200, description = "The user.", body = User), AdminRead)
)]
pub async fn show(State(state): State<AppState>, ResourceId(id): ResourceId) -> Result<Json<User>, ApiError> {
    let user = state.store.user(UserKey::Id(&id)).await?.ok_or_else(not_found)?;
    Ok(Json(view::user(&user)))
}

/// What `POST /v1/admin/users/{id}/revoke_sessions` answers.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct SessionsRevoked {
    #[schema(value_type = String)]
    pub object: &'static str,
    pub user_id: String,
    /// How many active sessions ended.
    pub revoked: u64,
}

#[utoipa::path(
    post,
    path = "/admin/users/{id}/revoke_sessions",
    operation_id = "revoke_user_sessions",
    tag = "admin",
    summary = "End every active session of a user",
    params(("id" = String, Path, description = "The user's id.")),
    security(("admin_key" = [])),
    responses((status = 200, description = "How many sessions ended.", body = SessionsRevoked), AdminWrite)
)]
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
#[utoipa::path(
    delete,
    path = "/admin/users/{id}",
    operation_id = "delete_user",
    tag = "admin",
    summary = "Delete a user, their sessions and sign-ins",
    params(("id" = String, Path, description = "The user's id.")),
    security(("admin_key" = [])),
    responses((status = 200, description = "Deleted.", body = Deleted), AdminWrite)
)]
pub async fn delete(State(state): State<AppState>, ResourceId(id): ResourceId) -> Result<Json<Deleted>, ApiError> {
    let mut tx = state.store.begin().await?;
    if !tx.delete_user(&id).await? {
        return Err(not_found());
    }
    tx.commit().await?;
    Ok(Json(Deleted { object: String::from("user"), id, deleted: true }))
}
