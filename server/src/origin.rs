//! The CSRF check: a state-changing request from a foreign page is refused.
//!
//! POST, PATCH, PUT and DELETE that carry an `Origin` header must come from
//! the server's own origin (`http://` or `https://` + `Host`) or one of
//! `allowed_origins`; anything else answers 403 `origin_not_allowed`.
//! Requests without `Origin` (curl, server to server) pass: browsers always
//! send it on these methods, so a forged cross-site request cannot omit it.

use crate::error::ApiError;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use gatehouse_protocol::ErrorCode;
use std::sync::Arc;

/// The origins allowed besides the server's own.
#[derive(Clone, Debug, Default)]
pub struct AllowedOrigins(pub Arc<Vec<String>>);

impl AllowedOrigins {
    /// Whether a request with these headers may come from `origin`.
    pub fn permits(&self, origin: &str, headers: &HeaderMap) -> bool {
        let own = headers.get(header::HOST).and_then(|h| h.to_str().ok()).is_some_and(|host| {
            let rest = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://"));
            rest.is_some_and(|r| r.eq_ignore_ascii_case(host))
        });
        own || self.0.iter().any(|allowed| allowed == origin)
    }
}

/// The origin a request reached the server at: `http(s)://` + `Host`
/// (https when the proxy in front says so in `X-Forwarded-Proto`). Used
/// for links back to the server; a Host with anything but the characters
/// of a host and port gives `None`.
pub fn own_origin(headers: &HeaderMap) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let ok = !host.is_empty() && host.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b));
    let scheme = if crate::client::forwarded_https(headers) { "https" } else { "http" };
    ok.then(|| format!("{scheme}://{host}"))
}

/// Middleware: refuses state-changing requests from foreign origins.
pub async fn check(State(allowed): State<AllowedOrigins>, req: Request, next: Next) -> Result<Response, ApiError> {
    let changes_state = matches!(*req.method(), Method::POST | Method::PATCH | Method::PUT | Method::DELETE);
    if changes_state && let Some(origin) = req.headers().get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        if !allowed.permits(origin, req.headers()) {
            return Err(ApiError::Refused(ErrorCode::OriginNotAllowed));
        }
    }
    Ok(next.run(req).await)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn own_and_listed_origins_pass() {
        let allowed = AllowedOrigins(Arc::new(vec![String::from("http://127.0.0.1:8000")]));
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(allowed.permits("http://127.0.0.1:8080", &h));
        assert!(allowed.permits("https://127.0.0.1:8080", &h));
        assert!(allowed.permits("http://127.0.0.1:8000", &h));
        assert!(!allowed.permits("http://evil.example", &h));
        assert!(!allowed.permits("null", &h));
        assert!(!allowed.permits("http://127.0.0.1:8080.evil.example", &h));
    }

    #[test]
    fn the_own_origin_comes_from_host_and_the_proxy() {
        let mut h = HeaderMap::new();
        assert_eq!(own_origin(&h), None);
        h.insert(header::HOST, HeaderValue::from_static("auth.example.com"));
        assert_eq!(own_origin(&h).as_deref(), Some("http://auth.example.com"));
        h.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert_eq!(own_origin(&h).as_deref(), Some("https://auth.example.com"));
        h.insert(header::HOST, HeaderValue::from_static("evil.example/path?"));
        assert_eq!(own_origin(&h), None);
    }
}
