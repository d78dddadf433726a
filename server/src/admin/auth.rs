//! The admin API's key check: `Authorization: Bearer <secret key>`.
//!
//! The key is kept only as its SHA-256, and a presented key is compared by
//! its SHA-256 in constant time, so neither its length nor any prefix of
//! it leaks through timing. A missing or wrong key answers 401
//! `authorization_invalid` (with `WWW-Authenticate: Bearer`). Without a
//! key (no `--secret-key`) the routes behind it answer 404
//! `resource_not_found`, as if they did not exist: they are mounted
//! anyway, so the OpenAPI document is the same on every instance.

use crate::client::bearer_token;
use crate::config::Secret;
use crate::error::ApiError;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use gatehouse_protocol::ErrorCode;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// The shortest secret key accepted (characters).
pub const MIN_KEY_LEN: usize = 32;

/// The admin key, as its digest.
#[derive(Clone)]
pub struct AdminKey(Arc<[u8; 32]>);

impl AdminKey {
    pub fn new(secret: &Secret) -> AdminKey {
        AdminKey(Arc::new(Sha256::digest(secret.expose().as_bytes()).into()))
    }

    /// Whether `presented` is the key.
    pub fn permits(&self, presented: &str) -> bool {
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        bool::from(digest.ct_eq(&*self.0))
    }
}

/// Middleware: lets only requests with the key through (none without one).
pub async fn check(State(key): State<Option<AdminKey>>, req: Request, next: Next) -> Response {
    let Some(key) = key else {
        return ApiError::Refused(ErrorCode::ResourceNotFound).into_response();
    };
    if bearer_token(req.headers()).is_some_and(|token| key.permits(token)) {
        return next.run(req).await;
    }
    let mut response = ApiError::Refused(ErrorCode::AuthorizationInvalid).into_response();
    response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_key_itself_is_permitted() {
        let key = AdminKey::new(&Secret::new("k".repeat(40)));
        assert!(key.permits(&"k".repeat(40)));
        assert!(!key.permits(&"k".repeat(39)));
        assert!(!key.permits(""));
    }
}
