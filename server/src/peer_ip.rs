//! The client's IP, as every per-IP limit keys it: the rate limit on
//! `/v1` (`crate::rate_limit`) and the sign-in limits on wrong passwords
//! (`crate::lockout`).
//!
//! It comes from `[rate_limit] client_ip` (axum-client-ip): the TCP peer by
//! default, or the header the proxy in front sets; a request without that
//! header counts against its peer. [`client_ip`] is the one place that
//! decides, and [`PeerIp`] the extractor over it.

use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum_client_ip::{ClientIp, ClientIpSource};
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

/// The request's IP from `source`, else its peer's (`None` only when the
/// server runs without connect info, as no server here does).
pub async fn client_ip(parts: &mut Parts, source: &ClientIpSource) -> Option<IpAddr> {
    parts.extensions.insert(source.clone());
    match ClientIp::from_request_parts(parts, &()).await {
        Ok(ClientIp(ip)) => Some(ip),
        Err(_) => parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(peer)| peer.ip()),
    }
}

/// The client's IP ([`client_ip`] with the configured source), for a handler.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerIp(pub Option<IpAddr>);

impl PeerIp {
    /// The IP as a limit key names it (`unknown` without one).
    pub fn key(&self) -> String {
        self.0.map_or_else(|| String::from("unknown"), |ip| ip.to_string())
    }
}

impl FromRequestParts<AppState> for PeerIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        Ok(PeerIp(client_ip(parts, &state.config.rate_limit.client_ip).await))
    }
}
