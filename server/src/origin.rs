//! Origins: the CSRF check, and the server's own public origin.
//!
//! POST, PATCH, PUT and DELETE that carry an `Origin` header must come from
//! the server's own origin (`http://` or `https://` + `Host`) or one of
//! `allowed_origins`; anything else answers 403 `origin_not_allowed`.
//! Requests without `Origin` (curl, server to server) pass: browsers always
//! send it on these methods, so a forged cross-site request cannot omit it.
//!
//! [`PublicOrigin`] is where people reach the server: the configured
//! `public_origin`, else the request's own (`X-Forwarded-Proto` from the
//! proxy in front, and `Host`). Email links and invitation links without a
//! `redirect_url` point there, and [`redirect_url`] (the one rule for an
//! email link's and an invitation's) lets a redirect go there or to one of
//! `allowed_redirect_origins`.

use crate::config::Config;
use crate::error::{ApiError, Problem};
use crate::state::AppState;
use axum::extract::{OptionalFromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use gatehouse_protocol::{ErrorCode, validate};
use std::convert::Infallible;
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

/// Whether the proxy in front says the request came over https
/// (`X-Forwarded-Proto: https`; of a list, the first, the client's hop).
pub fn forwarded_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// The server's origin as people reach it, normalized (`scheme://host[:port]`,
/// lower case, no default port).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicOrigin(pub String);

impl PublicOrigin {
    /// `public_origin` from the config, else `http(s)://` + `Host`; `None`
    /// when the Host header is missing or is not a host.
    pub fn of(headers: &HeaderMap, config: &Config) -> Option<PublicOrigin> {
        let origin = match &config.public_origin {
            Some(origin) => origin.clone(),
            None => {
                let host = headers.get(header::HOST)?.to_str().ok()?;
                let scheme = if forwarded_https(headers) { "https" } else { "http" };
                [scheme, "://", host].concat()
            }
        };
        normalize(&origin).map(PublicOrigin)
    }

    /// Whether a redirect may go to `origin` (normalized): this one, or
    /// one of `allowed_redirect_origins`.
    pub fn may_redirect_to(&self, origin: &str, config: &Config) -> bool {
        origin == self.0 || listed_redirect_origin(origin, config)
    }
}

/// Whether `origin` (normalized) is one of `allowed_redirect_origins`.
fn listed_redirect_origin(origin: &str, config: &Config) -> bool {
    config.allowed_redirect_origins.iter().any(|o| normalize(o).as_deref() == Some(origin))
}

/// A `redirect_url` param, normalized ([`validate::redirect_url`]), on an
/// origin a redirect may go to: the server's own (`own`, when known) or one
/// of `allowed_redirect_origins`. The server is no open redirect. Email
/// links and invitations both check theirs here.
pub fn redirect_url(input: &str, own: Option<&PublicOrigin>, config: &Config) -> Result<String, Problem> {
    let url = validate::redirect_url(input)?;
    let origin = validate::url_origin(&url);
    let allowed = match own {
        Some(own) => own.may_redirect_to(origin, config),
        None => listed_redirect_origin(origin, config),
    };
    if !allowed {
        return Err(Problem {
            message: Some("This redirect URL is not on an allowed origin."),
            ..Problem::param(ErrorCode::FormParamFormatInvalid, "redirect_url")
        });
    }
    Ok(url)
}

/// `scheme://host[:port]` as the protocol's URL check normalizes it; `None`
/// when it is not an origin (a path, user info or odd characters).
fn normalize(origin: &str) -> Option<String> {
    let url = validate::redirect_url(origin).ok()?;
    let normalized = validate::url_origin(&url);
    // Anything after the host would have been kept after the origin.
    (url.len() == normalized.len() + 1).then(|| String::from(normalized))
}

/// `Option<PublicOrigin>` in a handler: `None` without a usable Host.
impl OptionalFromRequestParts<AppState> for PublicOrigin {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Self>, Infallible> {
        Ok(PublicOrigin::of(&parts.headers, &state.config))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (header::HeaderName::from_static(k), HeaderValue::from_static(v))).collect()
    }

    #[test]
    fn the_public_origin_comes_from_the_config_or_the_request() {
        let mut config = Config::default();
        let of = |h: &[(&'static str, &'static str)], c: &Config| PublicOrigin::of(&headers(h), c).map(|o| o.0);
        assert_eq!(of(&[("host", "127.0.0.1:8080")], &config).as_deref(), Some("http://127.0.0.1:8080"));
        let proxied = [("host", "Auth.Example.com"), ("x-forwarded-proto", "HTTPS, http")];
        assert_eq!(of(&proxied, &config).as_deref(), Some("https://auth.example.com"));
        assert_eq!(of(&[("host", "a.com:443"), ("x-forwarded-proto", "https")], &config).as_deref(), Some("https://a.com"));
        for bad in ["evil.com/path", "a.com@evil.com", "", "a b"] {
            let h = [("host", bad)];
            assert_eq!(of(&h, &config), None, "{bad}");
        }
        assert_eq!(of(&[], &config), None);
        config.public_origin = Some(String::from("https://auth.example.com"));
        assert_eq!(of(&[("host", "evil.com")], &config).as_deref(), Some("https://auth.example.com"));
    }

    #[test]
    fn the_own_origin_comes_from_host_and_the_proxy() {
        // Without `public_origin`: what invitation links point to.
        let config = Config::default();
        let own_origin = |h: &HeaderMap| PublicOrigin::of(h, &config).map(|o| o.0);
        let mut h = HeaderMap::new();
        assert_eq!(own_origin(&h), None);
        h.insert(header::HOST, HeaderValue::from_static("auth.example.com"));
        assert_eq!(own_origin(&h).as_deref(), Some("http://auth.example.com"));
        h.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert_eq!(own_origin(&h).as_deref(), Some("https://auth.example.com"));
        h.insert(header::HOST, HeaderValue::from_static("evil.example/path?"));
        assert_eq!(own_origin(&h), None);
    }

    #[test]
    fn redirects_go_to_the_own_origin_or_allowed_ones() {
        let config = Config { allowed_redirect_origins: vec![String::from("https://App.example.com:443")], ..Config::default() };
        let own = PublicOrigin(String::from("http://127.0.0.1:8080"));
        assert!(own.may_redirect_to("http://127.0.0.1:8080", &config));
        assert!(own.may_redirect_to("https://app.example.com", &config));
        assert!(!own.may_redirect_to("https://127.0.0.1:8080", &config));
        assert!(!own.may_redirect_to("https://evil.example", &config));
        let url = |input, own| redirect_url(input, own, &config).map_err(|p| p.code);
        assert_eq!(url("HTTPS://app.example.com/x", None).as_deref(), Ok("https://app.example.com/x"));
        assert_eq!(url("http://127.0.0.1:8080/x", Some(&own)).as_deref(), Ok("http://127.0.0.1:8080/x"));
        for (bad, own) in [("http://127.0.0.1:8080/x", None), ("https://evil.example/", Some(&own)), ("/join", Some(&own))] {
            assert_eq!(url(bad, own), Err(ErrorCode::FormParamFormatInvalid), "{bad}");
        }
    }

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
}
