//! `GET /v1/dev/outbox`: the messages the server sent (`--dev` only; the
//! route does not exist otherwise, so it answers 404).

use crate::error::ApiError;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use gatehouse_protocol::ErrorCode;
use gatehouse_protocol::wire::OutboxMessage;

pub async fn outbox(State(state): State<AppState>) -> Result<Json<Vec<OutboxMessage>>, ApiError> {
    let outbox = state.sender.outbox().ok_or(ApiError::Refused(ErrorCode::ResourceNotFound))?;
    Ok(Json(outbox.list()))
}
