//! The `--dev` helpers (the routes do not exist otherwise, so they answer
//! 404): `GET /v1/dev/outbox`, the messages the server sent, and
//! `POST /v1/dev/invitations`, an invitation without the admin key (the
//! demo's "invite" button; same body and answer as the admin endpoint).

use crate::error::ApiError;
use crate::invitations::{NewInvitation, manage};
use crate::origin::own_origin;
use crate::extract::Params;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use gatehouse_protocol::ErrorCode;
use gatehouse_protocol::wire::{Invitation, InvitationParams, OutboxMessage};

pub async fn outbox(State(state): State<AppState>) -> Result<Json<Vec<OutboxMessage>>, ApiError> {
    let outbox = state.sender.outbox().ok_or(ApiError::Refused(ErrorCode::ResourceNotFound))?;
    Ok(Json(outbox.list()))
}

pub async fn invite(State(state): State<AppState>, headers: HeaderMap, Params(p): Params<InvitationParams>) -> Result<Json<Invitation>, ApiError> {
    let new = NewInvitation::parse(p, &state.config)?;
    Ok(Json(manage::create(&state, new, own_origin(&headers).as_deref()).await?))
}
