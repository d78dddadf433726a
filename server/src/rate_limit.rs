//! The per-IP rate limit on every `/v1` request (governor, GCRA).
//!
//! Over the limit answers 429 `rate_limited` with `Retry-After`. The key is
//! the client's IP, from `[rate_limit] client_ip` (`crate::peer_ip`).

use crate::config::RateLimit;
use crate::error::ApiError;
use crate::peer_ip;
use axum::extract::{Request, State};
use axum_client_ip::ClientIpSource;
use axum::middleware::Next;
use axum::response::Response;
use gatehouse_protocol::ErrorCode;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Weak};
use std::time::Duration;

/// The limiter, shared by all requests, and where it reads the IP.
#[derive(Clone)]
pub struct Limiter {
    keys: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    client_ip: ClientIpSource,
}

impl Limiter {
    pub fn new(settings: RateLimit) -> Limiter {
        let per_second = NonZeroU32::new(settings.per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(settings.burst).unwrap_or(NonZeroU32::MIN);
        let keys = Arc::new(RateLimiter::keyed(Quota::per_second(per_second).allow_burst(burst)));
        Limiter { keys, client_ip: settings.client_ip }
    }

    /// Forgets idle addresses once a minute, while the limiter is in use.
    pub fn spawn_cleanup(&self) {
        let weak: Weak<DefaultKeyedRateLimiter<IpAddr>> = Arc::downgrade(&self.keys);
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

/// Middleware: counts the request against its client's IP.
pub async fn check(State(limiter): State<Limiter>, req: Request, next: Next) -> Result<Response, ApiError> {
    let (mut parts, body) = req.into_parts();
    if let Some(ip) = peer_ip::client_ip(&mut parts, &limiter.client_ip).await
        && let Err(not_until) = limiter.keys.check_key(&ip)
    {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        return Err(ApiError::RetryAfter { code: ErrorCode::RateLimited, seconds });
    }
    Ok(next.run(Request::from_parts(parts, body)).await)
}
