//! Password reset by email link (`reset_password_email_link`): the link
//! variant of `super::reset_password`, under the same rules (an address
//! without an account gets the same answer and the same work, and no
//! email; the same per-address message limits).
//!
//! - Sending: a create or a prepare with this strategy and a
//!   `redirect_url` (this server's origin or an allowed one) stores a link
//!   owned by the sign-in (`crate::verification::send_link`,
//!   [`LinkOwner::SignIn`]), with where it was asked for (browser, IP).
//! - The link opens `/v1/verify` (`crate::verify`), the scanner-safe page
//!   of sign-up links: its GET changes nothing, its Confirm button POSTs.
//!   In another browser than the sign-in's, the page says where and when
//!   the reset was asked for, and warns that confirming lets that browser
//!   set the password; `[email_link] require_same_client` refuses it there.
//! - Confirming ([`ConfirmResetLink`]) spends the link (single use, checked
//!   spend) and moves the sign-in to `needs_new_password`, as a right reset
//!   code does; its own tab then calls `reset_password`. Nothing else:
//!   the password changes only there.
//! - A link asked for in bearer mode (the app's client token in
//!   `Authorization`, no cookie on this origin) cannot be confirmed on its
//!   page, which knows browsers by their cookie. Its page offers to
//!   continue in the app instead (`crate::verify::handover`): a 303 to
//!   `redirect_url` with the token in the fragment (`#gh_reset_token=`),
//!   which changes nothing. The app then sends the token back with its own
//!   bearer token ([`AttemptLinkToken`], `attempt_first_factor`): the
//!   sign-in is looked up within that client, so only the client that
//!   asked for the link, holding the token that only the mailbox got,
//!   proves the reset. The token is compared in constant time with the
//!   hash of the sign-in's live link, is spent on success, and a wrong
//!   one counts like a wrong code (`crate::verification::check_link_token`).

use super::{Ctx, Proof, Step};
use crate::config::Config;
use crate::db::{EmailLink, LinkOwner};
use crate::device::Device;
use crate::error::ApiError;
use crate::model::SignInRecord;
use crate::origin::{self, PublicOrigin};
use crate::strategies::{Purpose, email_link};
use crate::verification::{self, LinkTarget, Outcome, TokenGuess};
use gatehouse_protocol::{EmailLinkStatus, ErrorCode, FirstFactor, SignInStatus, VerificationStatus};
use subtle::ConstantTimeEq;

/// A link asked for: where it leads back to, and who asked (their
/// browser, and whether in bearer mode).
#[derive(Debug)]
pub struct LinkRequest {
    redirect_url: String,
    public_origin: String,
    requested: Device,
    bearer: bool,
}

impl LinkRequest {
    /// The `redirect_url` param, required, on this server's origin or an
    /// allowed one (the server is no open redirect). `origin` is `None`
    /// when the request had no usable Host: no link can be made. `bearer`:
    /// the request came in bearer mode (`crate::client::CurrentClient`), so
    /// the link's page hands its token to the app ([`AttemptLinkToken`]).
    pub fn parse(
        given: Option<String>,
        origin: Option<PublicOrigin>,
        requested: Device,
        bearer: bool,
        config: &Config,
    ) -> Result<LinkRequest, ApiError> {
        let given = given.ok_or_else(|| ApiError::param(ErrorCode::FormParamMissing, "redirect_url"))?;
        let origin = origin.ok_or(ApiError::Refused(ErrorCode::RequestBodyInvalid))?;
        let redirect_url =
            origin::redirect_url(&given, Some(&origin), config).map_err(|p| ApiError::Params(vec![p]))?;
        Ok(LinkRequest { redirect_url, public_origin: origin.0, requested, bearer })
    }

    pub(super) fn target(&self) -> LinkTarget<'_> {
        LinkTarget {
            redirect_url: &self.redirect_url,
            public_origin: &self.public_origin,
            requested: Some(&self.requested),
            bearer: self.bearer,
        }
    }
}

/// The `redirect_url` of a strategy: only a link takes one.
pub fn refuse_redirect_url(factor: FirstFactor, given: bool) -> Result<(), ApiError> {
    match given && factor != FirstFactor::ResetPasswordEmailLink {
        true => Err(ApiError::param(ErrorCode::FormParamUnknown, "redirect_url")),
        false => Ok(()),
    }
}

/// The Confirm of a reset link (`POST /v1/verify`).
#[derive(Debug)]
pub struct ConfirmResetLink {
    token_hash: String,
    /// The client of the browser that confirms, if it has one.
    confirming_client: Option<String>,
}

impl ConfirmResetLink {
    pub fn new(token_hash: String, confirming_client: Option<String>) -> ConfirmResetLink {
        ConfirmResetLink { token_hash, confirming_client }
    }

    /// Judges the link again inside the transaction and spends it; of two
    /// confirmations at once, only the one whose spend took it proves the
    /// reset. A refusal changes nothing (`verification_failed`, or
    /// `verification_expired`).
    pub(super) async fn apply(self, ctx: &mut Ctx<'_>, sign_in: &mut SignInRecord) -> Result<Step, ApiError> {
        let link =
            ctx.tx.email_link(&self.token_hash).await?.ok_or(ApiError::Refused(ErrorCode::VerificationFailed))?;
        if link.owner != LinkOwner::SignIn(sign_in.id.clone()) {
            return Err(ApiError::Refused(ErrorCode::VerificationFailed));
        }
        match judge(&link, sign_in, self.confirming_client.as_deref(), ctx.now) {
            Ok(()) if ctx.tx.spend_email_link(&self.token_hash, ctx.now).await? => {
                sign_in.verification.status = VerificationStatus::Verified;
                sign_in.verification.verified_at_client = self.confirming_client;
                Ok(Step { proof: Some(Proof::ResetCode), ..Step::default() })
            }
            Err(EmailLinkStatus::Expired) => Err(ApiError::Refused(ErrorCode::VerificationExpired)),
            Ok(()) | Err(_) => Err(ApiError::Refused(ErrorCode::VerificationFailed)),
        }
    }
}

/// `attempt_first_factor` `{strategy: "reset_password_email_link", token}`:
/// the token of a link asked for in bearer mode, sent back by the app that
/// asked for it (its page handed the token over in a redirect's fragment).
#[derive(Debug)]
pub struct AttemptLinkToken {
    /// The token, as `gatehouse_protocol::validate::link_token` passed it.
    token: String,
}

impl AttemptLinkToken {
    pub fn new(token: String) -> AttemptLinkToken {
        AttemptLinkToken { token }
    }

    /// Proves the reset if the token is that of the sign-in's live link and
    /// the link was asked for in bearer mode. The caller's client is the
    /// sign-in's own: `super::Operation::run` found the sign-in within it
    /// (another client's answers 404 `sign_in_not_found`, changing nothing).
    ///
    /// - no link out (a code chosen instead): `verification_not_sent`;
    /// - a link asked for in cookie mode: `verification_strategy_invalid`
    ///   (it is confirmed on its page, in its browser, only);
    /// - then as a code (`crate::verification::check_link_token`): a wrong
    ///   token, or that of a replaced or used link, is `form_code_incorrect`
    ///   (`param_name` `token`) and counts as a wrong attempt, the last
    ///   allowed one failing the link (`verification_failed`); an expired
    ///   link `verification_expired`;
    /// - the right one spends the link (a checked spend: of two attempts at
    ///   once, one proves the reset) and moves the sign-in to
    ///   `needs_new_password`, as the cookie Confirm does.
    pub(super) async fn apply(self, ctx: &mut Ctx<'_>, sign_in: &mut SignInRecord) -> Result<Step, ApiError> {
        if sign_in.factor != Some(FirstFactor::ResetPasswordEmailLink) {
            return Err(ApiError::Refused(ErrorCode::VerificationNotSent));
        }
        let owner = LinkOwner::SignIn(sign_in.id.clone());
        let live = ctx.tx.live_email_link(&owner).await?;
        if live.as_ref().is_some_and(|link| !link.bearer) {
            return Err(ApiError::param(ErrorCode::VerificationStrategyInvalid, "strategy"));
        }
        let token_hash = email_link::token_hash(&self.token);
        // A reset for an address without an account has a link whose token
        // nobody holds: no token is right there (belt and braces).
        let right = sign_in.user_id.is_some()
            && live.is_some_and(|link| bool::from(link.token_hash.as_bytes().ct_eq(token_hash.as_bytes())));
        // Wrong tokens count against the address the link went to, with
        // wrong reset codes (a reset without an account: the address typed).
        let user = super::user_of(&mut ctx.tx, sign_in).await?;
        let address = user.and_then(|u| u.email_address).unwrap_or_else(|| sign_in.identifier.clone());
        let guess = TokenGuess { purpose: Purpose::ResetPassword, address: &address, right };
        let (v, client_id) = (&mut sign_in.verification, ctx.client_id);
        match verification::check_link_token(&mut ctx.tx, ctx.state, v, &guess, client_id, ctx.now).await? {
            None if ctx.tx.spend_email_link(&token_hash, ctx.now).await? => {
                Ok(Step { proof: Some(Proof::ResetCode), ..Step::default() })
            }
            // Spent meanwhile by another attempt, which proved the reset.
            None => Err(ApiError::Refused(ErrorCode::VerificationAlreadyVerified)),
            Some(refusal) => Ok(Step { outcome: Outcome::refused_about(refusal, "token"), proof: None }),
        }
    }
}

/// How confirming a reset `link` from a browser of `confirming_client`
/// ends at `now`: `Ok` proves the reset; `Err` is the `gh_status` of a
/// refusal.
///
/// - `failed`: the link was used or replaced (by a newer link or a code),
///   or the sign-in moved on (proven, abandoned), or it has no account (no
///   such link was ever sent; belt and braces);
/// - `expired`: the link is past its `expire_at`;
/// - `client_mismatch`: the browser is not the sign-in's client. Unlike a
///   sign-up's link, a reset link works only in the browser that asked for
///   it, whatever `require_same_client` says: confirming it elsewhere would
///   let the asking browser choose the password, so anyone who typed the
///   owner's address would get the account the moment the owner clicked.
pub fn judge(
    link: &EmailLink,
    sign_in: &SignInRecord,
    confirming_client: Option<&str>,
    now: i64,
) -> Result<(), EmailLinkStatus> {
    if link.spent_at.is_some() || sign_in.status != SignInStatus::NeedsFirstFactor || now >= sign_in.abandon_at {
        return Err(EmailLinkStatus::Failed);
    }
    if now >= link.expire_at {
        return Err(EmailLinkStatus::Expired);
    }
    let awaited = sign_in.factor == Some(FirstFactor::ResetPasswordEmailLink)
        && sign_in.verification.awaits_link()
        && sign_in.verification.status_at(now) == VerificationStatus::Unverified;
    if !awaited || sign_in.user_id.is_none() {
        return Err(EmailLinkStatus::Failed);
    }
    if confirming_client != Some(sign_in.client_id.as_str()) {
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

    fn pair() -> (EmailLink, SignInRecord) {
        let link = EmailLink {
            owner: LinkOwner::SignIn(String::from("sin_1")),
            client_id: String::from("client_1"),
            email_address: String::from("ana@example.com"),
            redirect_url: String::from("http://127.0.0.1/reset"),
            created_at: NOW,
            expire_at: NOW + 600_000,
            spent_at: None,
            requested_user_agent: None,
            requested_ip: None,
            bearer: false,
        };
        let mut sign_in = SignInRecord::new(String::from("sin_1"), "client_1", Some("user_1"), "ana@example.com", 0);
        sign_in.choose(FirstFactor::ResetPasswordEmailLink);
        sign_in.verification = VerificationRecord {
            strategy: Some(Strategy::EmailLink),
            expire_at: Some(link.expire_at),
            ..VerificationRecord::fresh()
        };
        (link, sign_in)
    }

    #[test]
    fn a_live_link_of_an_open_reset_proves_it() {
        let (link, sign_in) = pair();
        assert_eq!(judge(&link, &sign_in, Some("client_1"), NOW), Ok(()));
    }

    #[test]
    fn spent_expired_replaced_and_accountless_links_are_refused() {
        let (mut link, mut sign_in) = pair();
        assert_eq!(judge(&link, &sign_in, None, link.expire_at), Err(EmailLinkStatus::Expired));
        link.spent_at = Some(NOW);
        assert_eq!(judge(&link, &sign_in, None, NOW), Err(EmailLinkStatus::Failed));
        link.spent_at = None;
        sign_in.choose(FirstFactor::ResetPasswordEmailCode);
        assert_eq!(judge(&link, &sign_in, None, NOW), Err(EmailLinkStatus::Failed));
        let (link, mut sign_in) = pair();
        sign_in.status = SignInStatus::NeedsNewPassword;
        assert_eq!(judge(&link, &sign_in, None, NOW), Err(EmailLinkStatus::Failed));
        let (link, mut sign_in) = pair();
        sign_in.user_id = None;
        assert_eq!(judge(&link, &sign_in, None, NOW), Err(EmailLinkStatus::Failed));
    }

    #[test]
    fn another_browser_never_proves_a_reset() {
        let (link, sign_in) = pair();
        assert_eq!(judge(&link, &sign_in, Some("client_1"), NOW), Ok(()));
        assert_eq!(judge(&link, &sign_in, Some("client_2"), NOW), Err(EmailLinkStatus::ClientMismatch));
        assert_eq!(judge(&link, &sign_in, None, NOW), Err(EmailLinkStatus::ClientMismatch));
    }

    #[test]
    fn only_a_link_takes_a_redirect_url() {
        assert!(refuse_redirect_url(FirstFactor::ResetPasswordEmailLink, true).is_ok());
        assert!(refuse_redirect_url(FirstFactor::ResetPasswordEmailCode, false).is_ok());
        let refused = refuse_redirect_url(FirstFactor::EmailCode, true).unwrap_err();
        assert_eq!(refused.code(), ErrorCode::FormParamUnknown);
    }
}
