//! The HTTP handlers of `/v1/admin/invitations`.

use super::query::ListQuery;
use crate::db::InvitationKey;
use crate::error::ApiError;
use crate::extract::{Params, ResourceId};
use crate::invitations::{NewInvitation, manage, view};
use crate::origin::PublicOrigin;
use crate::state::AppState;
use axum::Json;
use axum::extract::{RawQuery, State};
use gatehouse_protocol::wire::{Invitation, InvitationParams, List, RefreshParams};

type Answer = Result<Json<Invitation>, ApiError>;

/// `POST /v1/admin/invitations`.
pub async fn create(
    State(state): State<AppState>,
    own: Option<PublicOrigin>,
    Params(p): Params<InvitationParams>,
) -> Answer {
    let new = NewInvitation::parse(p, &state.config, own.as_ref())?;
    Ok(Json(manage::create(&state, new, own.as_ref()).await?))
}

/// `GET /v1/admin/invitations?status=&email=&limit=&after=`.
pub async fn list(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Result<Json<List<Invitation>>, ApiError> {
    let q = ListQuery::parse(raw.as_deref(), &["email", "status"])?;
    let now = state.now();
    let found = state.store.invitations(q.status, q.email.as_deref(), q.after.as_deref(), q.fetch(), now).await?;
    Ok(Json(q.page(found, |i| &i.id, |i| view::invitation(i, now, None))))
}

/// `GET /v1/admin/invitations/{id}`.
pub async fn show(State(state): State<AppState>, ResourceId(id): ResourceId) -> Answer {
    let invitation = manage::found(state.store.invitation(InvitationKey::Id(&id)).await?)?;
    Ok(Json(view::invitation(&invitation, state.now(), None)))
}

/// `POST /v1/admin/invitations/{id}/revoke`.
pub async fn revoke(State(state): State<AppState>, ResourceId(id): ResourceId) -> Answer {
    Ok(Json(manage::revoke(&state, &id).await?))
}

/// `POST /v1/admin/invitations/{id}/refresh`.
pub async fn refresh(
    State(state): State<AppState>,
    ResourceId(id): ResourceId,
    own: Option<PublicOrigin>,
    Params(p): Params<RefreshParams>,
) -> Answer {
    Ok(Json(manage::refresh(&state, &id, p, own.as_ref()).await?))
}
