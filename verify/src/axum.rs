//! The `Session` extractor for axum (feature `axum`).
//!
//! A handler that takes a [`Session`] runs only for a request with a valid
//! `Authorization: Bearer` session token; any other gets 401 with
//! `WWW-Authenticate: Bearer error="invalid_token"` and the error shape
//! `{ "errors": [{ "code", "message" }] }` (`session_token_missing`,
//! `session_token_invalid`), or 503 `jwks_unavailable` when the server's
//! keys cannot be fetched. The [`Verifier`] comes from the router's state
//! (`FromRef`), so one key cache serves every request.

use crate::{Claims, Error, Verifier};
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The signed-in user of a request.
#[derive(Clone, Debug)]
pub struct Session {
    pub user_id: String,
    pub session_id: String,
    pub claims: Claims,
}

impl<S> FromRequestParts<S> for Session
where
    Verifier: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let verifier = Verifier::from_ref(state);
        let authorization = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        let claims = verifier.verify_authorization(authorization).await.map_err(Rejection)?;
        Ok(Session { user_id: claims.sub.clone(), session_id: claims.sid.clone(), claims })
    }
}

/// Why [`Session`] was refused, as an answer.
#[derive(Debug)]
pub struct Rejection(pub Error);

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.status()).unwrap_or(StatusCode::UNAUTHORIZED);
        let body = serde_json::json!({ "errors": [{ "code": self.0.code(), "message": self.0.message() }] });
        let mut response = (status, axum::Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            let challenge = HeaderValue::from_static("Bearer error=\"invalid_token\"");
            response.headers_mut().insert(header::WWW_AUTHENTICATE, challenge);
        }
        response
    }
}
