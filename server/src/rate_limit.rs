//! The per-IP rate limit on every `/v1` request (governor, GCRA).
//!
//! Over the limit answers 429 `rate_limited` with `Retry-After`. The key is
//! the TCP peer address: behind a proxy every request shares the proxy's
//! address, so put the limit in the proxy there, or raise this one.

use crate::config::RateLimit;
use crate::error::ApiError;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use gatehouse_protocol::ErrorCode;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Arc, Weak};
use std::time::Duration;

/// The limiter, shared by all requests.
#[derive(Clone)]
pub struct Limiter(Arc<DefaultKeyedRateLimiter<IpAddr>>);

impl Limiter {
    pub fn new(settings: RateLimit) -> Limiter {
        let per_second = NonZeroU32::new(settings.per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(settings.burst).unwrap_or(NonZeroU32::MIN);
        Limiter(Arc::new(RateLimiter::keyed(Quota::per_second(per_second).allow_burst(burst))))
    }

    /// Forgets idle addresses once a minute, while the limiter is in use.
    pub fn spawn_cleanup(&self) {
        let weak: Weak<DefaultKeyedRateLimiter<IpAddr>> = Arc::downgrade(&self.0);
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

/// Middleware: counts the request against its peer address.
pub async fn check(State(limiter): State<Limiter>, req: Request, next: Next) -> Result<Response, ApiError> {
    if let Some(ConnectInfo(peer)) = req.extensions().get::<ConnectInfo<SocketAddr>>()
        && let Err(not_until) = limiter.0.check_key(&peer.ip())
    {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        return Err(ApiError::RetryAfter { code: ErrorCode::RateLimited, seconds });
    }
    Ok(next.run(req).await)
}
