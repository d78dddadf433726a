//! The client's IP, as every per-IP limit keys it: the rate limit on
//! `/v1` (`crate::rate_limit`) and the sign-in limits on wrong passwords
//! (`crate::sign_in::lockout`).
//!
//! It comes from `[rate_limit] client_ip` (axum-client-ip): the TCP peer by
//! default, or the header the proxy in front sets; a request without that
//! header counts against its peer. [`client_ip`] is the one place that
//! decides, [`rate_key`] how a limit keys it (IPv6 by its /64: one host
//! usually holds the whole /64), and [`PeerIp`] the extractor over both.

use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum_client_ip::{ClientIp, ClientIpSource};
use std::convert::Infallible;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

/// The request's IP from `source`, else its peer's (`None` only when the
/// server runs without connect info, as no server here does).
pub async fn client_ip(parts: &mut Parts, source: &ClientIpSource) -> Option<IpAddr> {
    parts.extensions.insert(source.clone());
    match ClientIp::from_request_parts(parts, &()).await {
        Ok(ClientIp(ip)) => Some(ip),
        Err(_) => parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(peer)| peer.ip()),
    }
}

/// The address a request counts against: its IPv4 address, or its IPv6
/// address's /64 (an IPv4-mapped IPv6 address counts as the IPv4 one).
pub fn rate_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let [a, b, c, d, ..] = v6.segments();
                IpAddr::V6(Ipv6Addr::new(a, b, c, d, 0, 0, 0, 0))
            }
        },
    }
}

/// The client's IP ([`client_ip`] with the configured source), for a handler.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerIp(pub Option<IpAddr>);

impl PeerIp {
    /// The IP as a limit key names it, an IPv6 address by its /64
    /// ([`rate_key`]; `unknown` without one).
    pub fn key(&self) -> String {
        self.0.map_or_else(|| String::from("unknown"), |ip| rate_key(ip).to_string())
    }
}

impl FromRequestParts<AppState> for PeerIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        Ok(PeerIp(client_ip(parts, &state.config.rate_limit.client_ip).await))
    }
}
