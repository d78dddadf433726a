//! A session JWT: EdDSA over Ed25519 (jsonwebtoken), `kid` in the header,
//! claims `sub`, `sid`, `iat`, `nbf` (= `iat`), `exp`, `iss`, `jti`, and
//! `aud` when `[session] audience` is set.

use super::keys;
use crate::error::ApiError;
use crate::ids;
use crate::state::AppState;
use anyhow::Context;
use gatehouse_protocol::{ErrorCode, wire};
use jsonwebtoken::{Algorithm, Header};
use serde::Serialize;

/// The claims of a session JWT (times in seconds, as JWT wants them).
#[derive(Debug, Serialize)]
struct Claims<'a> {
    /// The user.
    sub: &'a str,
    /// The session.
    sid: &'a str,
    iat: i64,
    /// Not before: the moment it was issued.
    nbf: i64,
    exp: i64,
    iss: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    aud: Option<&'a str>,
    jti: String,
}

/// A fresh token for a live session. It expires after the configured TTL,
/// or with the session if that comes first.
pub async fn mint(state: &AppState, session: &wire::Session, now: i64) -> Result<wire::Token, ApiError> {
    let keys = state.store.signing_keys().await?;
    let key = keys::signer(&keys, now).context("no signing key is active")?;
    let ttl = i64::try_from(state.config.session.token_ttl_seconds).unwrap_or(i64::MAX);
    let iat = now.div_euclid(1000);
    let exp = iat.saturating_add(ttl).min(session.expire_at.div_euclid(1000));
    if exp <= iat {
        return Err(ApiError::Refused(ErrorCode::SessionNotFound));
    }
    let claims = Claims {
        sub: &session.user_id,
        sid: &session.id,
        iat,
        nbf: iat,
        exp,
        iss: &state.config.session.issuer,
        aud: state.config.session.audience.as_deref(),
        jti: ids::new_id("jwt"),
    };
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(key.kid.clone());
    let jwt = jsonwebtoken::encode(&header, &claims, &keys::encoding_key(key)?).context("signing a session token")?;
    Ok(wire::Token { object: String::from("token"), jwt, issued_at: iat * 1000, expire_at: exp * 1000 })
}
