//! The HTTP handlers of sessions: tokens, sign-out, the JWKS.

use super::{keys, token};
use crate::client::{CurrentClient, envelope};
use crate::error::ApiError;
use crate::extract::SessionId;
use crate::openapi::{ClientWrite, PublicRead};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use gatehouse_protocol::wire::{Envelope, Jwks, Session, Token};
use gatehouse_protocol::{ErrorCode, wire};

/// How long verifiers may cache the JWKS. A routine rotation publishes a
/// key 10 minutes before it signs, longer than this.
const JWKS_MAX_AGE_SECONDS: u32 = 300;

fn not_found() -> ApiError {
    ApiError::Refused(ErrorCode::SessionNotFound)
}

/// `POST /v1/client/sessions/{id}/tokens`: a live session of this client
/// only (a pending one: 403 `session_pending`). Marks the session used
/// (`super::activity`).
#[utoipa::path(
    post,
    path = "/client/sessions/{id}/tokens",
    operation_id = "create_session_token",
    tag = "sessions",
    summary = "A session JWT (EdDSA) for a live session of this client",
    params(("id" = String, Path, description = "The session's id.")),
    responses((status = 200, description = "The JWT, in the envelope.", body = Envelope<Token>), ClientWrite)
)]
pub async fn token(
    State(state): State<AppState>,
    client: CurrentClient,
    SessionId(id): SessionId,
) -> Result<Json<Envelope<Token>>, ApiError> {
    let now = state.now();
    let session = super::pending::usable(state.store.session(&id, &client.id).await?, now, false)?;
    let token = token::mint(&state, &session, now).await?;
    super::activity::refreshed(&state, &client, &session.id).await?;
    envelope(&state, &client, token).await
}

/// `DELETE /v1/client/sessions/{id}`: sign out. Signing out of a session
/// already ended answers it again. The client's token is replaced as this
/// answers (`crate::client`): a copy of the old one is worth nothing.
#[utoipa::path(
    delete,
    path = "/client/sessions/{id}",
    operation_id = "revoke_session",
    tag = "sessions",
    summary = "Sign out (again: the same answer)",
    params(("id" = String, Path, description = "The session's id.")),
    responses((status = 200, description = "The revoked session, in the envelope.", body = Envelope<Session>), ClientWrite)
)]
pub async fn revoke(
    State(state): State<AppState>,
    client: CurrentClient,
    SessionId(id): SessionId,
) -> Result<Json<Envelope<Session>>, ApiError> {
    let mut tx = state.store.begin().await?;
    let mut session = tx.session(&id, &client.id).await?.ok_or_else(not_found)?;
    if session.status != "revoked" {
        tx.revoke_session(&id).await?;
        tx.rotate_client_token_later(&client.id, state.now()).await?;
        // A pending session was never announced (`super::pending`).
        let announced = session.status == "active";
        session.status = String::from("revoked");
        session.tasks.clear();
        if announced {
            let ended = crate::webhooks::ended_session(&session, "sign_out");
            tx.record_event(crate::model::WebhookEvent::SessionEnded, ended, state.now()).await?;
        }
    }
    tx.commit().await?;
    envelope(&state, &client, session).await
}

/// `GET /.well-known/jwks.json`.
#[utoipa::path(
    get,
    path = "/.well-known/jwks.json",
    operation_id = "jwks",
    tag = "sessions",
    summary = "The public keys that verify session JWTs",
    responses((status = 200, description = "The key set (`Cache-Control: public, max-age=300`).", body = Jwks), PublicRead)
)]
pub async fn jwks(State(state): State<AppState>) -> Result<Response, ApiError> {
    let all = state.store.signing_keys().await?;
    let ttl_ms = i64::try_from(state.config.session.token_ttl_seconds * 1000).unwrap_or(i64::MAX);
    let set = Jwks { keys: keys::published(&all, state.now(), ttl_ms).into_iter().map(keys::jwk).collect() };
    let mut response = Json::<wire::Jwks>(set).into_response();
    let cache = format!("public, max-age={JWKS_MAX_AGE_SECONDS}");
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_str(&cache).expect("ASCII"));
    Ok(response)
}
