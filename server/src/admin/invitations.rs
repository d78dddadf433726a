//! The HTTP handlers of `/v1/admin/invitations`.

use super::query::ListQuery;
use crate::db::InvitationKey;
use crate::error::ApiError;
use crate::extract::{Params, ResourceId};
use crate::invitations::{NewInvitation, manage, view};
use crate::openapi::{AdminRead, AdminWrite};
use crate::origin::PublicOrigin;
use crate::state::AppState;
use axum::Json;
use axum::extract::{RawQuery, State};
use gatehouse_protocol::InvitationStatus;
use gatehouse_protocol::wire::{Invitation, InvitationParams, List, RefreshParams};

type Answer = Result<Json<Invitation>, ApiError>;

/// `POST /v1/admin/invitations`.
#[utoipa::path(
    post,
    path = "/admin/invitations",
    operation_id = "create_invitation",
    tag = "admin",
    summary = "Invite someone to sign up (emailed unless `notify` is false)",
    request_body(content = InvitationParams, description = "Every key optional; `null` is absent. An unknown key is 422 `form_param_unknown`."),
    security(("admin_key" = [])),
    responses((status = 200, description = "The invitation, with its `url` (only here and at refresh).", body = Invitation), AdminWrite)
)]
pub async fn create(
    State(state): State<AppState>,
    own: Option<PublicOrigin>,
    Params(p): Params<InvitationParams>,
) -> Answer {
    let new = NewInvitation::parse(p, &state.config, own.as_ref())?;
    Ok(Json(manage::create(&state, new, own.as_ref()).await?))
}

/// `GET /v1/admin/invitations?status=&email=&limit=&after=`.
#[utoipa::path(
    get,
    path = "/admin/invitations",
    operation_id = "list_invitations",
    tag = "admin",
    summary = "Invitations, in id order",
    params(("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Items per page (default 20)."), ("after" = Option<String>, Query, description = "The `next_after` of the previous page."), ("email" = Option<String>, Query, description = "Only invitations to this email."), ("status" = Option<InvitationStatus>, Query, description = "Only invitations in this state.")),
    security(("admin_key" = [])),
    responses((status = 200, description = "A page of invitations.", body = List<Invitation>), AdminRead)
)]
pub async fn list(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Result<Json<List<Invitation>>, ApiError> {
    let q = ListQuery::parse(raw.as_deref(), &["email", "status"])?;
    let now = state.now();
    let found = state.store.invitations(q.status, q.email.as_deref(), q.after.as_deref(), q.fetch(), now).await?;
    Ok(Json(q.page(found, |i| &i.id, |i| view::invitation(i, now, None))))
}

/// `GET /v1/admin/invitations/{id}`.
#[utoipa::path(
    get,
    path = "/admin/invitations/{id}",
    operation_id = "show_invitation",
    tag = "admin",
    summary = "One invitation",
    params(("id" = String, Path, description = "The invitation's id.")),
    security(("admin_key" = [])),
    responses((status = 200, description = "The invitation.", body = Invitation), AdminRead)
)]
pub async fn show(State(state): State<AppState>, ResourceId(id): ResourceId) -> Answer {
    let invitation = manage::found(state.store.invitation(InvitationKey::Id(&id)).await?)?;
    Ok(Json(view::invitation(&invitation, state.now(), None)))
}

/// `POST /v1/admin/invitations/{id}/revoke`.
#[utoipa::path(
    post,
    path = "/admin/invitations/{id}/revoke",
    operation_id = "revoke_invitation",
    tag = "admin",
    summary = "Revoke a pending invitation",
    params(("id" = String, Path, description = "The invitation's id.")),
    security(("admin_key" = [])),
    responses((status = 200, description = "The invitation, revoked.", body = Invitation), AdminWrite)
)]
pub async fn revoke(State(state): State<AppState>, ResourceId(id): ResourceId) -> Answer {
    Ok(Json(manage::revoke(&state, &id).await?))
}

/// `POST /v1/admin/invitations/{id}/refresh`.
#[utoipa::path(
    post,
    path = "/admin/invitations/{id}/refresh",
    operation_id = "refresh_invitation",
    tag = "admin",
    summary = "A new ticket and expiry for an invitation",
    params(("id" = String, Path, description = "The invitation's id.")),
    request_body(content = RefreshParams, description = "Every key optional; `null` is absent. An unknown key is 422 `form_param_unknown`."),
    security(("admin_key" = [])),
    responses((status = 200, description = "The invitation, with its new `url`.", body = Invitation), AdminWrite)
)]
pub async fn refresh(
    State(state): State<AppState>,
    ResourceId(id): ResourceId,
    own: Option<PublicOrigin>,
    Params(p): Params<RefreshParams>,
) -> Answer {
    Ok(Json(manage::refresh(&state, &id, p, own.as_ref()).await?))
}
