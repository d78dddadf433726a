//! The browser a request comes from, as the server may show it to the
//! person: its `User-Agent` (cut to [`USER_AGENT_MAX`] bytes) and its IP
//! (`crate::peer_ip`: the TCP peer, or a configured proxy header; never a
//! forwarded header otherwise), read once per client request
//! (`crate::client` keeps it on the `CurrentClient`); and [`describe`],
//! a `User-Agent` as a person reads it: "Chrome 120 on Linux", parsed with
//! `woothee`, a maintained table of browsers and systems.
//!
//! Both are shown, never trusted: the `User-Agent` is whatever the caller
//! sent, so no decision is taken on it (which browser a user has used
//! before is the client's id, `crate::session::activity`).

use crate::peer_ip;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use std::convert::Infallible;
use woothee::parser::Parser;

/// The most of a `User-Agent` kept (in bytes, cut at a character).
pub const USER_AGENT_MAX: usize = 512;

/// The `User-Agent` and IP of a request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Device {
    pub user_agent: Option<String>,
    pub ip: Option<String>,
}

impl Device {
    /// The device of a request. The IP is read as the rate limit reads it
    /// (`crate::peer_ip`), whole: pages show the address, not the /64 a
    /// limit keys on.
    pub async fn of(parts: &mut Parts, state: &AppState) -> Device {
        let user_agent = parts.headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok());
        let user_agent = user_agent.map(str::trim).filter(|ua| !ua.is_empty()).map(cut);
        let ip = peer_ip::client_ip(parts, &state.config.rate_limit.client_ip).await;
        Device { user_agent, ip: ip.map(|ip| ip.to_string()) }
    }
}

impl FromRequestParts<AppState> for Device {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Device, Infallible> {
        Ok(Device::of(parts, state).await)
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

/// What woothee answers for a part it does not know.
const UNKNOWN: &str = "UNKNOWN";

/// The browser (with its major version) and the operating system of
/// `user_agent`; "an unknown browser" for what woothee cannot read.
pub fn describe(user_agent: Option<&str>) -> String {
    let Some(found) = user_agent.and_then(|ua| Parser::new().parse(ua)) else {
        return String::from("an unknown browser");
    };
    let known = |part: &str| (!part.is_empty() && part != UNKNOWN).then(|| String::from(part));
    let major = known(found.version)
        .and_then(|v| v.split('.').next().map(String::from))
        .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()));
    let browser = match (known(found.name), major) {
        (Some(name), Some(major)) => format!("{name} {major}"),
        (Some(name), None) => name,
        (None, _) => String::from("an unknown browser"),
    };
    // Only the system's name: woothee's Windows names carry their version
    // ("Windows 10"), and others' versions add little for a person.
    let os = known(found.os);
    match os {
        Some(os) => format!("{browser} on {os}"),
        None => browser,
    }
}

#[cfg(test)]
mod tests {
    use super::{USER_AGENT_MAX, cut, describe};

    #[test]
    fn a_long_user_agent_is_cut_at_a_character() {
        assert_eq!(cut("Mozilla/5.0"), "Mozilla/5.0");
        let long = "é".repeat(USER_AGENT_MAX);
        let kept = cut(&long);
        assert_eq!(kept.len(), USER_AGENT_MAX);
        assert!(kept.chars().all(|c| c == 'é'));
    }

    #[test]
    fn common_browsers_are_named_with_their_system() {
        let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
        assert_eq!(describe(Some(chrome)), "Chrome 120 on Windows 10");
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0";
        assert_eq!(describe(Some(firefox)), "Firefox 121 on Linux");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1";
        assert_eq!(describe(Some(iphone)), "Safari 17 on iPhone");
        // Headless Chromium, as the e2e tests run it.
        let headless = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36";
        assert_eq!(describe(Some(headless)), "Chrome 131 on Linux");
    }

    #[test]
    fn missing_or_unreadable_agents_say_so() {
        assert_eq!(describe(None), "an unknown browser");
        assert_eq!(describe(Some("")), "an unknown browser");
        assert_eq!(describe(Some("curl/8.5.0")), "HTTP Library");
    }
}
