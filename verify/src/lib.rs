//! `gatehouse-verify`: who is signed in, for a Rust backend.
//!
//! A page gets a short-lived session JWT from the Gatehouse SDK
//! (`await gh.session.getToken()`) and sends it as `Authorization: Bearer
//! <jwt>`. A [`Verifier`] checks it with `jsonwebtoken` against the keys the
//! Gatehouse server publishes at `/.well-known/jwks.json`: signature (EdDSA
//! only, so `none` and HS256-with-the-public-key are refused), `exp` and
//! `nbf` with a small clock leeway, `iss`, and `aud` when given. The key
//! set is cached ([`keys`]) and fetched again when a token names a key it
//! has not seen (after a key rotation), at most once per cooldown, so a
//! flood of made-up `kid`s cannot hammer the server.
//!
//! With the `axum` feature, [`axum::Session`] is an extractor that answers
//! 401 (`session_token_missing`, `session_token_invalid`) without a valid
//! token, and 503 `jwks_unavailable` when the keys cannot be fetched: an
//! outage is not a sign-out. The codes and the error shape are those of
//! the Node package `gatehouse-node`.
//!
//! ```no_run
//! # async fn run(jwt: &str) -> Result<(), gatehouse_verify::Error> {
//! use gatehouse_verify::{Options, Verifier};
//!
//! let verifier = Verifier::new(Options::new("https://auth.example.com", "gatehouse"));
//! let claims = verifier.verify(jwt).await?;
//! println!("user {} in session {}", claims.sub, claims.sid);
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]

#[cfg(feature = "axum")]
pub mod axum;
mod error;
mod fetch;
pub mod keys;

pub use error::Error;

use jsonwebtoken::{Algorithm, Validation};
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;

/// The longest token looked at; anything longer is refused unread.
const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// Where the keys are and what a token must say.
#[derive(Clone, Debug)]
pub struct Options {
    jwks_url: String,
    issuer: String,
    audience: Option<String>,
    leeway: Duration,
    keys: keys::CacheOptions,
}

impl Options {
    /// The server at `frontend_api` (its origin, e.g.
    /// `https://auth.example.com`), whose `[session] issuer` is `issuer`
    /// (`"gatehouse"` unless configured).
    pub fn new(frontend_api: &str, issuer: &str) -> Self {
        let jwks_url = String::from(frontend_api.trim_end_matches('/')) + "/.well-known/jwks.json";
        Options::with_jwks_url(&jwks_url, issuer)
    }

    /// The key set at `jwks_url` itself.
    pub fn with_jwks_url(jwks_url: &str, issuer: &str) -> Self {
        Options {
            jwks_url: String::from(jwks_url),
            issuer: String::from(issuer),
            audience: None,
            leeway: Duration::from_secs(5),
            keys: keys::CacheOptions::default(),
        }
    }

    /// The server's `[session] audience`, when it sets one. Without it, a
    /// token that names an audience is refused.
    pub fn audience(mut self, audience: &str) -> Self {
        self.audience = Some(String::from(audience));
        self
    }

    /// Clock skew allowed on `exp` and `nbf` (default 5 s).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// How the key set is cached and refetched (see [`keys::CacheOptions`]).
    pub fn key_cache(mut self, keys: keys::CacheOptions) -> Self {
        self.keys = keys;
        self
    }
}

/// The claims of a Gatehouse session token.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// The session id.
    pub sid: String,
    pub iss: String,
    /// Issued at, in seconds since the epoch.
    pub iat: i64,
    /// Expires at, in seconds since the epoch.
    pub exp: i64,
    #[serde(default)]
    pub nbf: Option<i64>,
    /// The token's own id.
    #[serde(default)]
    pub jti: Option<String>,
}

/// Checks session tokens against one Gatehouse server's keys. Cheap to
/// clone: clones share the key cache.
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

struct Inner {
    validation: Validation,
    keys: keys::KeyCache,
}

impl Verifier {
    pub fn new(options: Options) -> Self {
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.leeway = options.leeway.as_secs();
        validation.validate_nbf = true;
        validation.set_issuer(&[&options.issuer]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        if let Some(audience) = &options.audience {
            validation.set_audience(&[audience]);
            // Without this, a token with no `aud` at all would pass.
            validation.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
        }
        let keys = keys::KeyCache::new(options.jwks_url, options.keys);
        Verifier { inner: Arc::new(Inner { validation, keys }) }
    }

    /// Verifies a session JWT and answers its claims.
    pub async fn verify(&self, token: &str) -> Result<Claims, Error> {
        if token.is_empty() {
            return Err(Error::Missing);
        }
        if token.len() > MAX_TOKEN_BYTES {
            return Err(Error::Invalid(String::from("the token is too long")));
        }
        let header = jsonwebtoken::decode_header(token).map_err(|e| Error::Invalid(e.to_string()))?;
        // Judged before any key is looked up, so no forged header costs a fetch.
        if header.alg != Algorithm::EdDSA {
            return Err(Error::Invalid(String::from("the token is not signed with EdDSA")));
        }
        let kid = header.kid.ok_or_else(|| Error::Invalid(String::from("the token names no key")))?;
        let key = self.inner.keys.key(&kid).await?;
        jsonwebtoken::decode::<Claims>(token, &key, &self.inner.validation)
            .map(|data| data.claims)
            .map_err(|e| Error::Invalid(e.to_string()))
    }

    /// Verifies the token of an `Authorization` header's value
    /// (`Bearer <jwt>`, the scheme in any case); no header, or another
    /// scheme, is [`Error::Missing`].
    pub async fn verify_authorization(&self, authorization: Option<&str>) -> Result<Claims, Error> {
        let token = authorization.and_then(bearer_token).ok_or(Error::Missing)?;
        self.verify(token).await
    }
}

/// The token of `Bearer <token>`.
fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, rest) = header.trim().split_once(char::is_whitespace)?;
    let token = rest.trim();
    let single = !token.is_empty() && !token.contains(char::is_whitespace);
    (scheme.eq_ignore_ascii_case("bearer") && single).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_single_bearer_token_is_read() {
        assert_eq!(bearer_token("Bearer abc.def.ghi"), Some("abc.def.ghi"));
        assert_eq!(bearer_token("bearer   abc "), Some("abc"));
        for header in ["", "Bearer", "Bearer ", "Basic abc", "Bearer a b", "abc"] {
            assert_eq!(bearer_token(header), None, "{header:?}");
        }
    }

    #[test]
    fn the_jwks_url_is_under_the_frontend_api() {
        assert_eq!(
            Options::new("https://auth.example.com/", "gh").jwks_url,
            "https://auth.example.com/.well-known/jwks.json"
        );
    }
}
