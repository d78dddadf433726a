//! Invitations to sign up: made by the admin API (and `POST
//! /v1/dev/invitations` in `--dev`), emailed as a link carrying a ticket,
//! redeemed by a sign-up with `{strategy: "ticket", ticket}`.
//!
//! - [`record`]: the invitation as kept, and as shown;
//! - [`ticket`]: the ticket, its link and its email;
//! - [`manage`]: create, refresh and revoke;
//! - [`redeem`]: what a sign-up does with a ticket, and accepting the
//!   invitation when that sign-up completes (same transaction).
//!
//! Statuses: `pending` until `accepted` (its sign-up completed) or
//! `revoked`; a pending one past `expires_at` shows as `expired`. A
//! refresh gives a pending or expired invitation a new ticket and expiry;
//! the old ticket stops working.

pub mod manage;
pub mod redeem;
pub mod ticket;
pub mod view;

use crate::config::Config;
use crate::error::{ApiError, Problem};
use crate::origin::{self, PublicOrigin};
use gatehouse_protocol::wire::InvitationParams;
use gatehouse_protocol::{ErrorCode, validate};
use serde_json::{Map, Value};
use url::Url;

/// Days an invitation lasts when the request does not say.
pub const DEFAULT_DAYS: u32 = 7;
/// The most days an invitation may last.
pub const MAX_DAYS: u32 = 30;

/// The checked params of a new invitation.
#[derive(Debug)]
pub struct NewInvitation {
    pub email: String,
    pub days: u32,
    /// Normalized, on an allowed origin.
    pub redirect_url: Option<String>,
    pub metadata: Map<String, Value>,
    pub notify: bool,
    /// The language tag of its email, checked.
    pub locale: Option<String>,
}

impl NewInvitation {
    /// Checks every param, reporting every refused one at once. A
    /// `redirect_url` may go where an email link's may: the server's own
    /// origin (`own`) or one of `allowed_redirect_origins`.
    pub fn parse(
        params: InvitationParams,
        config: &Config,
        own: Option<&PublicOrigin>,
    ) -> Result<NewInvitation, ApiError> {
        let mut problems = Vec::new();
        let email = match params.email.as_deref().map(validate::email_address) {
            None => {
                problems.push(Problem::param(ErrorCode::FormParamMissing, "email"));
                None
            }
            Some(Err(e)) => {
                problems.push(Problem::from(e).renamed("email"));
                None
            }
            Some(Ok(email)) => Some(email),
        };
        let days = expires_in_days(params.expires_in_days).map_err(|p| problems.push(p)).ok();
        let redirect_url =
            match params.redirect_url.as_deref().map(|u| origin::redirect_url(u, own, config)).transpose() {
                Ok(url) => url,
                Err(p) => {
                    problems.push(p);
                    None
                }
            };
        let metadata = params.metadata.unwrap_or_default();
        if let Err(e) = validate::metadata_size(Value::Object(metadata.clone()).to_string().len()) {
            problems.push(Problem::from(e).renamed("metadata"));
        }
        let locale = params.locale.as_deref().map(validate::locale).transpose().map_err(|e| problems.push(e.into()));
        match (email, days, locale) {
            (Some(email), Some(days), Ok(locale)) if problems.is_empty() => {
                let notify = params.notify.unwrap_or(true);
                Ok(NewInvitation { email, days, redirect_url, metadata, notify, locale })
            }
            _ => Err(ApiError::Params(problems)),
        }
    }
}

/// `expires_in_days`: 1 to 30, 7 when not given.
pub fn expires_in_days(days: Option<u32>) -> Result<u32, Problem> {
    match days.unwrap_or(DEFAULT_DAYS) {
        days @ 1..=MAX_DAYS => Ok(days),
        _ => Err(Problem {
            code: ErrorCode::FormParamFormatInvalid,
            param: Some(String::from("expires_in_days")),
            message: Some("Use a whole number of days from 1 to 30."),
        }),
    }
}

/// Where an invitation link points: its `redirect_url`, else the server's
/// own `/` (its `public_origin`, or the origin the request reached it at).
pub fn link_base(redirect_url: Option<&str>, own: Option<&PublicOrigin>) -> Result<Url, ApiError> {
    let base = match (redirect_url, own) {
        (Some(url), _) => Url::parse(url),
        (None, Some(PublicOrigin(origin))) => Url::parse(origin).and_then(|o| o.join("/")),
        (None, None) => return Err(ApiError::param(ErrorCode::FormParamMissing, "redirect_url")),
    };
    base.map_err(|e| ApiError::Internal(anyhow::anyhow!("invitation link base: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_urls_must_be_on_an_allowed_origin() {
        let config =
            Config { allowed_redirect_origins: vec![String::from("https://app.example.com")], ..Config::default() };
        let redirect_url = |u, own| origin::redirect_url(u, own, &config);
        assert!(redirect_url("https://app.example.com/join?x=1", None).is_ok());
        assert!(redirect_url("https://APP.example.com/", None).is_ok());
        for bad in ["https://evil.example/", "/join", "javascript:alert(1)", "https://app.example.com.evil.example/"] {
            assert!(redirect_url(bad, None).is_err(), "{bad}");
        }
        // The server's own origin, like an email link's redirect.
        let own = PublicOrigin(String::from("http://127.0.0.1:8080"));
        assert!(redirect_url("http://127.0.0.1:8080/join", None).is_err());
        assert!(redirect_url("http://127.0.0.1:8080/join", Some(&own)).is_ok());
    }

    #[test]
    fn every_bad_param_is_reported() {
        let params = InvitationParams {
            email: Some(String::from("nope")),
            expires_in_days: Some(31),
            redirect_url: Some(String::from("https://evil.example/")),
            ..InvitationParams::default()
        };
        let Err(ApiError::Params(problems)) = NewInvitation::parse(params, &Config::default(), None) else { panic!() };
        let params: Vec<_> = problems.iter().map(|p| p.param.as_deref().unwrap()).collect();
        assert_eq!(params, ["email", "expires_in_days", "redirect_url"]);
        assert_eq!(expires_in_days(None).unwrap(), 7);
        assert!(expires_in_days(Some(0)).is_err());
    }

    #[test]
    fn links_go_to_the_redirect_url_or_the_server_root() {
        let own = |o: &str| PublicOrigin(String::from(o));
        assert_eq!(link_base(None, Some(&own("http://127.0.0.1:8080"))).unwrap().as_str(), "http://127.0.0.1:8080/");
        assert_eq!(
            link_base(Some("https://a.example/x"), Some(&own("http://b"))).unwrap().as_str(),
            "https://a.example/x"
        );
    }
}
