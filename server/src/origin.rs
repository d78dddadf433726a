//! Origins: the server's own public origin, the CSRF check, and the JSON
//! rule for cookie-carrying writes.
//!
//! [`PublicOrigin`] is where people reach the server. It is fixed when the
//! app is built (`crate::build_app`): `public_origin` from the config (or
//! `--public-origin`), else, in dev mode only, `http://` + the listen
//! address. It is never read from a request: no `Host` or `X-Forwarded-*`
//! header decides a link or a redirect, so a request sent with
//! `Host: evil.example` still gets links on the real origin. Email links
//! and invitation links without a `redirect_url` point there, and
//! [`redirect_url`] (the one rule for an email link's and an invitation's)
//! lets a redirect go there or to one of `allowed_redirect_origins`.
//!
//! [`check`] runs on every request:
//! - POST, PATCH, PUT and DELETE that carry an `Origin` header must come
//!   from the public origin exactly (scheme, host and port) or one of
//!   `allowed_origins`; anything else answers 403 `origin_not_allowed`.
//!   Requests without `Origin` (curl, server to server) pass: browsers
//!   always send it on these methods, so a forged cross-site request
//!   cannot omit it.
//! - The same methods, when they carry a `Cookie`, must say
//!   `Content-Type: application/json` (else 415
//!   `request_content_type_invalid`): a cross-site page can only send a
//!   JSON content type after a CORS preflight, which only
//!   `allowed_origins` pass. The exceptions are `POST /v1/verify` and
//!   `POST /v1/verify/cancel`, the two HTML forms of the email link's
//!   confirm page ("Confirm" and "I didn't start this", urlencoded by
//!   nature), `POST /v1/verify/handover` ("Continue in the app" on a
//!   bearer-mode reset link's page, which changes nothing), and `POST /v1/verify/not_me` and
//!   `POST /v1/verify/not_me/password`, the forms of the "new sign-in"
//!   email's pages ("This wasn't me" and the new password): they change
//!   nothing without the link's secret token, the page is served
//!   from the public origin (a same-origin form post, so the Origin check
//!   above holds it), and the SameSite=Lax cookie is not sent on a
//!   cross-site POST.

use crate::config::Config;
use crate::error::{ApiError, Problem};
use axum::extract::{FromRef, FromRequestParts, OptionalFromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use gatehouse_protocol::{ErrorCode, validate};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

/// The paths of the form posts exempt from the JSON rule: the confirm
/// page's buttons (Confirm, or "Continue in the app" for a bearer-mode
/// reset link, and "I didn't start this"), and the "new sign-in" email's
/// two forms.
const FORM_PATHS: [&str; 5] =
    ["/v1/verify", "/v1/verify/cancel", "/v1/verify/handover", "/v1/verify/not_me", "/v1/verify/not_me/password"];

/// The origins a state-changing request may come from: the public origin
/// and `allowed_origins`, each normalized.
#[derive(Clone, Debug, Default)]
pub struct AllowedOrigins {
    own: String,
    listed: Arc<Vec<String>>,
}

impl AllowedOrigins {
    pub fn new(own: &PublicOrigin, config: &Config) -> AllowedOrigins {
        let listed = config.allowed_origins.iter().map(|o| normalize(o).unwrap_or_else(|| o.clone())).collect();
        AllowedOrigins { own: own.0.clone(), listed: Arc::new(listed) }
    }

    /// The `allowed_origins`, for CORS.
    pub fn listed(&self) -> &[String] {
        &self.listed
    }

    /// Whether a request may come from `origin` (an `Origin` header): the
    /// same scheme, host and port as the public origin, or a listed one.
    pub fn permits(&self, origin: &str) -> bool {
        let Some(origin) = normalize(origin) else { return false };
        origin == self.own || self.listed.contains(&origin)
    }
}

/// Middleware: refuses state-changing requests from foreign origins, and
/// cookie-carrying ones that a browser would not have preflighted.
pub async fn check(State(allowed): State<AllowedOrigins>, req: Request, next: Next) -> Result<Response, ApiError> {
    let changes_state = matches!(*req.method(), Method::POST | Method::PATCH | Method::PUT | Method::DELETE);
    if changes_state {
        if let Some(origin) = req.headers().get(header::ORIGIN)
            && !allowed.permits(origin.to_str().unwrap_or(""))
        {
            return Err(ApiError::Refused(ErrorCode::OriginNotAllowed));
        }
        let form_post = *req.method() == Method::POST && FORM_PATHS.contains(&req.uri().path());
        if req.headers().contains_key(header::COOKIE) && !form_post && !says_json(req.headers()) {
            return Err(ApiError::Refused(ErrorCode::RequestContentTypeInvalid));
        }
    }
    Ok(next.run(req).await)
}

/// Whether `Content-Type` is `application/json` (parameters allowed).
fn says_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

/// The server's origin as people reach it, normalized (`scheme://host[:port]`,
/// lower case, no default port). Fixed at start; see the module doc.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicOrigin(pub String);

impl PublicOrigin {
    /// The public origin for these settings: `configured` (the config's
    /// `public_origin`, or the command line's), else in dev mode
    /// `http://` + `listen`. Outside dev mode there is no default.
    pub fn resolve(configured: Option<&str>, dev: bool, listen: Option<SocketAddr>) -> anyhow::Result<PublicOrigin> {
        if let Some(origin) = configured {
            return normalize(origin)
                .map(PublicOrigin)
                .ok_or_else(|| anyhow::anyhow!("public_origin: {origin:?} is not an origin (scheme://host[:port])"));
        }
        match (dev, listen) {
            (true, Some(addr)) => {
                Ok(PublicOrigin(normalize(&format!("http://{addr}")).unwrap_or(format!("http://{addr}"))))
            }
            (true, None) => anyhow::bail!("dev mode needs the listen address or a public origin"),
            (false, _) => anyhow::bail!(
                "no public origin: set `public_origin` in the config (or GATEHOUSE_PUBLIC_ORIGIN / --public-origin), \
                 e.g. public_origin = \"https://auth.example.com\"; emailed links point there"
            ),
        }
    }

    /// The public origin of a built app (`crate::build_app` always sets it).
    pub fn of(config: &Config) -> PublicOrigin {
        PublicOrigin(config.public_origin.clone().unwrap_or_default())
    }

    /// Whether people reach the server over https: the client cookie is
    /// then `Secure` and `__Host-` prefixed.
    pub fn is_https(&self) -> bool {
        self.0.starts_with("https://")
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
/// origin a redirect may go to: the server's own (`own`) or one of
/// `allowed_redirect_origins`. The server is no open redirect. Email links
/// and invitations both check theirs here.
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
pub fn normalize(origin: &str) -> Option<String> {
    let url = validate::redirect_url(origin).ok()?;
    let normalized = validate::url_origin(&url);
    // Anything after the host would have been kept after the origin.
    (url.len() == normalized.len() + 1).then(|| String::from(normalized))
}

/// `PublicOrigin` in a handler: the app's, whatever the request says. It
/// needs only the settings of the state, taken through [`FromRef`].
impl<S> FromRequestParts<S> for PublicOrigin
where
    Arc<Config>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Infallible;

    async fn from_request_parts(_: &mut Parts, state: &S) -> Result<Self, Infallible> {
        Ok(PublicOrigin::of(&Arc::<Config>::from_ref(state)))
    }
}

/// `Option<PublicOrigin>` in a handler: always `Some` (kept for handlers
/// written when the origin could be unknown).
impl<S> OptionalFromRequestParts<S> for PublicOrigin
where
    Arc<Config>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Infallible;

    async fn from_request_parts(_: &mut Parts, state: &S) -> Result<Option<Self>, Infallible> {
        Ok(Some(PublicOrigin::of(&Arc::<Config>::from_ref(state))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_origin_comes_from_the_config_or_the_dev_listen_address() {
        let addr: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let resolve =
            |c: Option<&str>, dev| PublicOrigin::resolve(c, dev, Some(addr)).map(|o| o.0).map_err(|e| e.to_string());
        assert_eq!(resolve(Some("https://Auth.Example.com:443"), false).as_deref(), Ok("https://auth.example.com"));
        assert_eq!(resolve(Some("https://auth.example.com"), true).as_deref(), Ok("https://auth.example.com"));
        assert_eq!(resolve(None, true).as_deref(), Ok("http://127.0.0.1:8080"));
        let refused = resolve(None, false).unwrap_err();
        assert!(refused.contains("public_origin") && refused.contains("GATEHOUSE_PUBLIC_ORIGIN"), "{refused}");
        assert!(resolve(Some("https://a.com/path"), false).is_err());
        assert!(PublicOrigin(String::from("https://a.com")).is_https());
        assert!(!PublicOrigin(String::from("http://a.com")).is_https());
    }

    #[test]
    fn redirects_go_to_the_own_origin_or_allowed_ones() {
        let config =
            Config { allowed_redirect_origins: vec![String::from("https://App.example.com:443")], ..Config::default() };
        let own = PublicOrigin(String::from("http://127.0.0.1:8080"));
        assert!(own.may_redirect_to("http://127.0.0.1:8080", &config));
        assert!(own.may_redirect_to("https://app.example.com", &config));
        assert!(!own.may_redirect_to("https://127.0.0.1:8080", &config));
        assert!(!own.may_redirect_to("https://evil.example", &config));
        let url = |input, own| redirect_url(input, own, &config).map_err(|p| p.code);
        assert_eq!(url("HTTPS://app.example.com/x", None).as_deref(), Ok("https://app.example.com/x"));
        assert_eq!(url("http://127.0.0.1:8080/x", Some(&own)).as_deref(), Ok("http://127.0.0.1:8080/x"));
        for (bad, own) in
            [("http://127.0.0.1:8080/x", None), ("https://evil.example/", Some(&own)), ("/join", Some(&own))]
        {
            assert_eq!(url(bad, own), Err(ErrorCode::FormParamFormatInvalid), "{bad}");
        }
    }

    #[test]
    fn the_own_origin_must_match_scheme_host_and_port() {
        let config = Config { allowed_origins: vec![String::from("http://127.0.0.1:8000")], ..Config::default() };
        let allowed = AllowedOrigins::new(&PublicOrigin(String::from("https://auth.example.com")), &config);
        assert!(allowed.permits("https://auth.example.com"));
        assert!(allowed.permits("https://AUTH.example.com:443"));
        assert!(!allowed.permits("http://auth.example.com"), "the scheme counts");
        assert!(!allowed.permits("https://auth.example.com:8443"));
        assert!(allowed.permits("http://127.0.0.1:8000"));
        assert!(!allowed.permits("http://evil.example"));
        assert!(!allowed.permits("null"));
        assert!(!allowed.permits("https://auth.example.com.evil.example"));
    }

    #[test]
    fn only_application_json_counts_as_json() {
        let with = |v: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(header::CONTENT_TYPE, header::HeaderValue::from_static(v));
            says_json(&h)
        };
        assert!(with("application/json"));
        assert!(with("Application/JSON; charset=utf-8"));
        assert!(!with("text/plain"));
        assert!(!with("application/x-www-form-urlencoded"));
        assert!(!with("multipart/form-data; boundary=x"));
        assert!(!says_json(&HeaderMap::new()));
    }
}
