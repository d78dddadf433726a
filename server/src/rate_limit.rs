//! The per-IP rate limits (governor, GCRA): one on every `/v1` request, and
//! a tighter one on the password and code endpoints.
//!
//! Over a limit answers 429 `rate_limited` with `Retry-After`. The key is
//! the client's IP, from `[rate_limit] client_ip` (`crate::peer_ip`), an
//! IPv6 address by its /64 ([`rate_key`]).
//!
//! [`check`] puts the key in the request's extensions ([`RateKey`]), for
//! what counts per IP further in (the event streams' cap, the sensitive
//! quota). [`check_sensitive`] guards sign-up prepare and attempt and every
//! sign-in step that sends a code or checks a secret; [`check_if_password`]
//! guards sign-up create and update when the body carries a password.
//!
//! A deployment behind a proxy that forgot `client_ip` would count every
//! request against the proxy: the first request that carries
//! `X-Forwarded-For` while the limit keys on the peer logs a warning.

use crate::config::RateLimit;
use crate::error::ApiError;
use crate::extract::BODY_LIMIT_BYTES;
use crate::peer_ip::{self, rate_key};
use crate::telemetry::{self, Limit};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use axum_client_ip::ClientIpSource;
use gatehouse_protocol::ErrorCode;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, NotUntil, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

/// The [`rate_key`] of the request, in its extensions once [`check`] ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateKey(pub IpAddr);

type Keyed = DefaultKeyedRateLimiter<IpAddr>;

/// The limiters, shared by all requests, and where they read the IP.
#[derive(Clone)]
pub struct Limiter {
    every: Arc<Keyed>,
    sensitive: Arc<Keyed>,
    client_ip: ClientIpSource,
    /// The `X-Forwarded-For` warning was logged.
    warned: Arc<AtomicBool>,
}

impl Limiter {
    pub fn new(settings: RateLimit) -> Limiter {
        let at_least_one = |n: u32| NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
        let every = Quota::per_second(at_least_one(settings.per_second)).allow_burst(at_least_one(settings.burst));
        let sensitive = Quota::per_minute(at_least_one(settings.sensitive_per_minute))
            .allow_burst(at_least_one(settings.sensitive_burst));
        Limiter {
            every: Arc::new(RateLimiter::keyed(every)),
            sensitive: Arc::new(RateLimiter::keyed(sensitive)),
            client_ip: settings.client_ip,
            warned: Arc::default(),
        }
    }

    /// Warns once when a proxy seems to be in front but the limit keys on the peer.
    fn warn_if_proxied(&self, headers: &HeaderMap) {
        if forwarded_but_ignored(&self.client_ip, headers) && !self.warned.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                "requests carry X-Forwarded-For but [rate_limit] client_ip = \"ConnectInfo\": every request \
                 counts against the proxy's address; set client_ip to the header your proxy writes"
            );
        }
    }

    /// Forgets idle addresses once a minute, while the limiter is in use.
    pub fn spawn_cleanup(&self) {
        for keys in [&self.every, &self.sensitive] {
            let weak: Weak<Keyed> = Arc::downgrade(keys);
            tokio::spawn(async move {
                let mut every = tokio::time::interval(Duration::from_secs(60));
                loop {
                    every.tick().await;
                    let Some(limiter) = weak.upgrade() else { break };
                    limiter.retain_recent();
                }
            });
        }
    }
}

/// Whether the request names a forwarded-for address that the limit does not read.
fn forwarded_but_ignored(source: &ClientIpSource, headers: &HeaderMap) -> bool {
    matches!(source, ClientIpSource::ConnectInfo) && headers.contains_key("x-forwarded-for")
}

/// The 429 for a refused key.
fn refused(not_until: &NotUntil<<DefaultClock as Clock>::Instant>, limit: Limit) -> ApiError {
    telemetry::limited(limit);
    let wait = not_until.wait_time_from(DefaultClock::default().now());
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    ApiError::RetryAfter { code: ErrorCode::RateLimited, seconds }
}

/// Middleware: counts the request against its client's IP (its [`rate_key`]).
pub async fn check(State(limiter): State<Limiter>, req: Request, next: Next) -> Result<Response, ApiError> {
    let (mut parts, body) = req.into_parts();
    limiter.warn_if_proxied(&parts.headers);
    if let Some(ip) = peer_ip::client_ip(&mut parts, &limiter.client_ip).await {
        let key = rate_key(ip);
        parts.extensions.insert(RateKey(key));
        limiter.every.check_key(&key).map_err(|not_until| refused(&not_until, Limit::Ip))?;
    }
    Ok(next.run(Request::from_parts(parts, body)).await)
}

/// Route middleware: counts the request against the sensitive quota too.
pub async fn check_sensitive(State(limiter): State<Limiter>, req: Request, next: Next) -> Result<Response, ApiError> {
    count_sensitive(&limiter, &req)?;
    Ok(next.run(req).await)
}

/// Route middleware: like [`check_sensitive`], for a request whose JSON
/// body has a `password` (sign-up create and update; a password is hashed
/// at once). The body is read here, within the body limit, and handed on.
pub async fn check_if_password(State(limiter): State<Limiter>, req: Request, next: Next) -> Result<Response, ApiError> {
    let (parts, body) = req.into_parts();
    // Past the limit (a chunked body), or cut off: the same 413 the extractor gives.
    let bytes = axum::body::to_bytes(body, BODY_LIMIT_BYTES)
        .await
        .map_err(|_| ApiError::Refused(ErrorCode::RequestBodyTooLarge))?;
    let req = Request::from_parts(parts, Body::from(bytes.clone()));
    if carries_password(&bytes) {
        count_sensitive(&limiter, &req)?;
    }
    Ok(next.run(req).await)
}

fn count_sensitive(limiter: &Limiter, req: &Request) -> Result<(), ApiError> {
    match req.extensions().get::<RateKey>() {
        Some(RateKey(key)) => {
            limiter.sensitive.check_key(key).map_err(|not_until| refused(&not_until, Limit::Sensitive))
        }
        None => Ok(()),
    }
}

/// Whether a JSON object body names a `password` (whatever its value).
fn carries_password(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(body).is_ok_and(|o| o.contains_key("password"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(ip: &str) -> String {
        rate_key(ip.parse().unwrap()).to_string()
    }

    #[test]
    fn ipv6_addresses_count_by_their_64() {
        assert_eq!(key("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::");
        assert_eq!(key("2001:db8:1:2:ffff:ffff:ffff:ffff"), "2001:db8:1:2::");
        assert_ne!(key("2001:db8:1:3::1"), key("2001:db8:1:2::1"));
        assert_eq!(key("::1"), "::");
    }

    #[test]
    fn ipv4_addresses_count_alone_even_when_mapped_into_ipv6() {
        assert_eq!(key("192.0.2.7"), "192.0.2.7");
        assert_ne!(key("192.0.2.7"), key("192.0.2.8"));
        // Not all of IPv4 in one /64.
        assert_eq!(key("::ffff:192.0.2.7"), "192.0.2.7");
        assert_ne!(key("::ffff:192.0.2.7"), key("::ffff:192.0.2.8"));
    }

    #[test]
    fn a_password_is_seen_in_a_json_object_body_only() {
        assert!(carries_password(br#"{"email_address":"a@b.c","password":"x"}"#));
        assert!(carries_password(br#"{"pass\u0077ord":null}"#));
        assert!(!carries_password(br#"{"email_address":"a@b.c"}"#));
        assert!(!carries_password(br#"["password"]"#));
        assert!(!carries_password(b"password"));
        assert!(!carries_password(b""));
    }

    #[test]
    fn forwarded_headers_are_flagged_only_when_the_limit_keys_on_the_peer() {
        let mut headers = HeaderMap::new();
        assert!(!forwarded_but_ignored(&ClientIpSource::ConnectInfo, &headers));
        headers.insert("x-forwarded-for", "203.0.113.9".parse().unwrap());
        assert!(forwarded_but_ignored(&ClientIpSource::ConnectInfo, &headers));
        assert!(!forwarded_but_ignored(&ClientIpSource::RightmostXForwardedFor, &headers));
    }

    #[test]
    fn the_sensitive_quota_is_its_own() {
        let settings =
            RateLimit { sensitive_per_minute: 1, sensitive_burst: 2, ..crate::config::Config::default().rate_limit };
        let limiter = Limiter::new(settings);
        let ip: IpAddr = "2001:db8::1".parse().unwrap();
        let other_host_same_64 = rate_key("2001:db8::2".parse().unwrap());
        assert!(limiter.sensitive.check_key(&rate_key(ip)).is_ok());
        assert!(limiter.sensitive.check_key(&other_host_same_64).is_ok());
        let refused =
            limiter.sensitive.check_key(&rate_key(ip)).map_err(|n| super::refused(&n, Limit::Sensitive)).unwrap_err();
        assert!(matches!(refused, ApiError::RetryAfter { code: ErrorCode::RateLimited, seconds } if seconds >= 29));
        // The general limit still has room for the same key.
        assert!(limiter.every.check_key(&rate_key(ip)).is_ok());
    }
}
