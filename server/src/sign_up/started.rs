//! Where a sign-up began: the `User-Agent` and IP of the request that
//! created it, kept with the sign-up. When its email link is opened in
//! another browser, the confirm page shows them (with the time), so the
//! owner of the address can tell a sign-up of theirs from a stranger's
//! (`crate::verify`).

use crate::peer_ip;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use std::convert::Infallible;

/// The most of a `User-Agent` kept (in bytes, cut at a character).
pub const USER_AGENT_MAX: usize = 512;

/// The `User-Agent` and IP of a request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Started {
    pub user_agent: Option<String>,
    pub ip: Option<String>,
}

impl FromRequestParts<AppState> for Started {
    type Rejection = Infallible;

    /// The IP is read as the rate limit reads it (`crate::peer_ip`), whole:
    /// the page shows the address, not the /64 a limit keys on.
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Started, Infallible> {
        let user_agent = parts.headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok());
        let user_agent = user_agent.map(str::trim).filter(|ua| !ua.is_empty()).map(cut);
        let ip = peer_ip::client_ip(parts, &state.config.rate_limit.client_ip).await;
        Ok(Started { user_agent, ip: ip.map(|ip| ip.to_string()) })
    }
}

/// `text`, cut to at most [`USER_AGENT_MAX`] bytes.
fn cut(text: &str) -> String {
    let mut end = text.len().min(USER_AGENT_MAX);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    String::from(&text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_user_agent_is_cut_at_a_character() {
        assert_eq!(cut("Mozilla/5.0"), "Mozilla/5.0");
        let long = "é".repeat(USER_AGENT_MAX);
        let kept = cut(&long);
        assert_eq!(kept.len(), USER_AGENT_MAX);
        assert!(kept.chars().all(|c| c == 'é'));
    }
}
