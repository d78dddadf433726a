//! `GET /v1/admin/users/{id}/factors` (the user's second factors) and
//! `DELETE /v1/admin/users/{id}/factors` (reset them: TOTP off, backup
//! codes dropped, for a user who lost their authenticator app; where
//! `[mfa] required`, their sessions end too: `session.ended` with
//! `ended_by: "factors_reset"`, and their next sign-in is pending).

use crate::db::UserKey;
use crate::error::ApiError;
use crate::extract::ResourceId;
use crate::openapi::{AdminRead, AdminWrite};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use gatehouse_protocol::ErrorCode;
use serde::Serialize;

/// A user's second factors.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Factors {
    /// `factors`.
    #[schema(value_type = String)]
    pub object: &'static str,
    pub user_id: String,
    /// The user's TOTP, if they made one (`verified`: on), else `null`.
    pub totp: Option<TotpFactor>,
    /// How many backup codes are left unspent.
    pub backup_codes_left: u64,
}

/// A user's TOTP, without its secret.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TotpFactor {
    pub verified: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The factors of user `id` (404 `resource_not_found` for no such user),
/// read in a transaction (the secret is opened at the storage boundary).
async fn read(state: &AppState, id: String, reset: bool) -> Result<Factors, ApiError> {
    let mut tx = state.store.begin().await?;
    if tx.user(UserKey::Id(&id)).await?.is_none() {
        return Err(ApiError::Refused(ErrorCode::ResourceNotFound));
    }
    if reset {
        tx.delete_totp(&id).await?;
        // Where a second factor is required, the user's sessions rested on
        // the factor just dropped: they end, and the next sign-in is pending.
        if state.config.mfa.required {
            for session in tx.revoke_user_sessions(&id).await? {
                let ended = crate::webhooks::ended_session(&session, "factors_reset");
                tx.record_event(crate::model::WebhookEvent::SessionEnded, ended, state.now()).await?;
            }
        }
    }
    let totp = tx.totp(&id).await?;
    let left = tx.unspent_backup_codes(&id).await?.len() as u64;
    tx.commit().await?;
    let totp = totp.map(|t| TotpFactor { verified: t.verified, created_at: t.created_at, updated_at: t.updated_at });
    Ok(Factors { object: "factors", user_id: id, totp, backup_codes_left: left })
}

#[utoipa::path(
    get,
    path = "/admin/users/{id}/factors",
    operation_id = "list_user_factors",
    tag = "admin",
    summary = "A user's second factors (TOTP, backup codes left)",
    params(("id" = String, Path, description = "The user's id.")),
    security(("admin_key" = [])),
    responses((status = 200, description = "The user's factors.", body = Factors), AdminRead)
)]
pub async fn list(State(state): State<AppState>, ResourceId(id): ResourceId) -> Result<Json<Factors>, ApiError> {
    Ok(Json(read(&state, id, false).await?))
}

#[utoipa::path(
    delete,
    path = "/admin/users/{id}/factors",
    operation_id = "reset_user_factors",
    tag = "admin",
    summary = "Reset a user's second factors: TOTP off, backup codes dropped",
    params(("id" = String, Path, description = "The user's id.")),
    security(("admin_key" = [])),
    responses((status = 200, description = "The user's factors, now none.", body = Factors), AdminWrite)
)]
pub async fn reset(State(state): State<AppState>, ResourceId(id): ResourceId) -> Result<Json<Factors>, ApiError> {
    Ok(Json(read(&state, id, true).await?))
}
