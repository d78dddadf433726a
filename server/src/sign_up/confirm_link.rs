//! An email link confirmed: `POST /v1/verify`, or its `GET` with
//! `[email_link] confirm = "auto"` (see `crate::verify`).
//!
//! The token, not a client, proves the address, so the link may be opened
//! in another browser. The sign-up stays its own client's: that client gets
//! the session if this completes the sign-up. The browser that confirmed
//! is recorded in `verified_at_client` (`null` without a client cookie).
//! When that browser is the sign-up's own and the confirmation completes
//! the sign-up, the run replaces the client's token in the same
//! transaction ([`ConfirmLink::own_browser`]; `crate::verify` sets the new
//! cookie on the 303, `crate::sign_up::stream` says why).

use super::{Ctx, Outcome};
use crate::config::Config;
use crate::db::EmailLink;
use crate::error::ApiError;
use crate::model::SignUpRecord;
use gatehouse_protocol::{EmailLinkStatus, ErrorCode, Field, SignUpStatus, VerificationStatus};

#[derive(Debug)]
pub struct ConfirmLink {
    token_hash: String,
    /// The client of the browser that confirms, if it has one.
    confirming_client: Option<String>,
    /// The hash of the `__gh_wait` cookie that browser sent, if any.
    wait_hash: Option<String>,
}

impl ConfirmLink {
    pub fn new(token_hash: String, confirming_client: Option<String>, wait_hash: Option<String>) -> ConfirmLink {
        ConfirmLink { token_hash, confirming_client, wait_hash }
    }

    /// For a confirmation from the sign-up's own browser (`client_id` is
    /// the sign-up's client): the hash of the `__gh_wait` cookie it sent
    /// (`Some(None)` without one). The transaction then replaces the
    /// client's token if the completion made that due, and the 303 sets
    /// the new cookie in that browser.
    pub(super) fn own_browser(&self, client_id: &str) -> Option<Option<String>> {
        (self.confirming_client.as_deref() == Some(client_id)).then(|| self.wait_hash.clone())
    }

    /// Verifies the address and spends the link, or tells why not. An
    /// expired link also marks the verification `expired`.
    pub(super) async fn apply(self, ctx: &mut Ctx<'_>, sign_up: &mut SignUpRecord) -> Result<Outcome, ApiError> {
        // Read again inside the transaction: of two confirmations at once, one wins.
        // A link gone meanwhile is refused; the page then redirects with `failed`.
        let link =
            ctx.tx.email_link(&self.token_hash).await?.ok_or(ApiError::Refused(ErrorCode::VerificationFailed))?;
        let confirming = self.confirming_client.as_deref();
        let status = match judge(&link, sign_up, confirming, &ctx.state.config, ctx.now) {
            // The spend is checked: of two confirmations that both judged
            // the link live, only the one that spent it verifies.
            Ok(()) if ctx.tx.spend_email_link(&self.token_hash, ctx.now).await? => {
                let verification = sign_up.email_verification.as_mut().expect("judge saw a link awaited");
                verification.status = VerificationStatus::Verified;
                verification.verified_at_client = self.confirming_client;
                EmailLinkStatus::Verified
            }
            Ok(()) => EmailLinkStatus::Failed,
            Err(EmailLinkStatus::Expired) => {
                if let Some(verification) = sign_up.email_verification.as_mut().filter(|v| v.awaits_link()) {
                    verification.status = VerificationStatus::Expired;
                }
                EmailLinkStatus::Expired
            }
            Err(refused) => refused,
        };
        ctx.link = Some(status);
        Ok(Outcome::default())
    }
}

/// How confirming `link` from a browser of `confirming_client` ends at
/// `now`: `Ok` verifies; `Err` is the `gh_status` of a refusal.
///
/// - `failed`: the link was used, or replaced by a newer code or link; the
///   sign-up is complete or abandoned; or its address changed since.
/// - `expired`: the link is past its `expire_at`.
/// - `client_mismatch`: `require_same_client` is on and the browser is not
///   the sign-up's client.
pub fn judge(
    link: &EmailLink,
    sign_up: &SignUpRecord,
    confirming_client: Option<&str>,
    config: &Config,
    now: i64,
) -> Result<(), EmailLinkStatus> {
    if link.spent_at.is_some() || sign_up.status_at(now) != SignUpStatus::MissingRequirements {
        return Err(EmailLinkStatus::Failed);
    }
    if now >= link.expire_at {
        return Err(EmailLinkStatus::Expired);
    }
    let awaited = sign_up
        .verification(Field::EmailAddress)
        .is_some_and(|v| v.awaits_link() && v.status_at(now) == VerificationStatus::Unverified);
    if !awaited || sign_up.email_address.as_deref() != Some(link.email_address.as_str()) {
        return Err(EmailLinkStatus::Failed);
    }
    if config.email_link.require_same_client && confirming_client != Some(sign_up.client_id.as_str()) {
        return Err(EmailLinkStatus::ClientMismatch);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::VerificationRecord;
    use gatehouse_protocol::Strategy;

    const NOW: i64 = 1_000_000;

    fn pair() -> (EmailLink, SignUpRecord) {
        let link = EmailLink {
            owner: crate::db::LinkOwner::SignUp(String::from("su_1")),
            client_id: String::from("client_1"),
            email_address: String::from("ana@example.com"),
            redirect_url: String::from("http://127.0.0.1/verify"),
            created_at: NOW,
            expire_at: NOW + 600_000,
            spent_at: None,
            requested_user_agent: None,
            requested_ip: None,
            bearer: false,
        };
        let mut sign_up = SignUpRecord::new(String::from("su_1"), String::from("client_1"), NOW - 1000);
        sign_up.set_text(Field::EmailAddress, String::from("ana@example.com"));
        sign_up.email_verification = Some(VerificationRecord {
            strategy: Some(Strategy::EmailLink),
            expire_at: Some(link.expire_at),
            ..VerificationRecord::fresh()
        });
        (link, sign_up)
    }

    #[test]
    fn a_live_link_for_the_current_address_verifies() {
        let (link, sign_up) = pair();
        let config = Config::default();
        assert_eq!(judge(&link, &sign_up, None, &config, NOW), Ok(()));
        assert_eq!(judge(&link, &sign_up, Some("client_2"), &config, NOW), Ok(()));
    }

    #[test]
    fn spent_expired_and_stale_links_are_refused() {
        let config = Config::default();
        let (mut link, mut sign_up) = pair();
        assert_eq!(judge(&link, &sign_up, None, &config, link.expire_at), Err(EmailLinkStatus::Expired));
        link.spent_at = Some(NOW);
        // Spent wins over expired: a reused link is a failure.
        assert_eq!(judge(&link, &sign_up, None, &config, link.expire_at), Err(EmailLinkStatus::Failed));
        link.spent_at = None;
        sign_up.set_text(Field::EmailAddress, String::from("bea@example.com"));
        assert_eq!(judge(&link, &sign_up, None, &config, NOW), Err(EmailLinkStatus::Failed));
        let (link, mut sign_up) = pair();
        sign_up.status = SignUpStatus::Complete;
        assert_eq!(judge(&link, &sign_up, None, &config, NOW), Err(EmailLinkStatus::Failed));
    }

    #[test]
    fn require_same_client_refuses_other_browsers() {
        let mut config = Config::default();
        config.email_link.require_same_client = true;
        let (link, sign_up) = pair();
        assert_eq!(judge(&link, &sign_up, Some("client_1"), &config, NOW), Ok(()));
        assert_eq!(judge(&link, &sign_up, Some("client_2"), &config, NOW), Err(EmailLinkStatus::ClientMismatch));
        assert_eq!(judge(&link, &sign_up, None, &config, NOW), Err(EmailLinkStatus::ClientMismatch));
    }
}
