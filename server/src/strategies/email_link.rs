//! `email_link`: a single-use link sent to the address; opening it and
//! confirming verifies the address (a sign-up's), or lets a sign-in set a
//! new password (`reset_password_email_link`). Storing one is
//! `crate::verification::send_link`'s, for both owners
//! (`crate::db::LinkOwner`); what confirming does is the owner flow's
//! (`crate::sign_up::confirm_link`, `crate::sign_in::reset_link`).
//!
//! The token is 256 random bits from the OS CSPRNG in base64url (43
//! characters); the database keeps only its SHA-256, so a leaked database
//! confirms nothing. The link points at the server (`/v1/verify`), which
//! then sends the person on to the sign-up's `redirect_url` with the
//! outcome in `gh_status`.

use super::Purpose;
use crate::delivery::Message;
use crate::ids;
use crate::mail::{Mail, Recipient, Templates};
use gatehouse_protocol::{EmailLinkStatus, Field, Strategy};

/// Characters in a token: 32 bytes in base64url without padding.
pub const TOKEN_LEN: usize = 43;

/// The path a link opens.
pub const VERIFY_PATH: &str = "/v1/verify";

/// A strategy that verifies a field by a link sent to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkStrategy {
    pub strategy: Strategy,
    /// The field it verifies.
    pub field: Field,
}

impl LinkStrategy {
    /// The email link of an address (`email_link`, the only one).
    pub const EMAIL: LinkStrategy = LinkStrategy { strategy: Strategy::EmailLink, field: Field::EmailAddress };

    /// The message that carries `link` to `to`, in their language: a
    /// password reset's says so.
    pub fn message(
        &self,
        templates: &Templates,
        to: Recipient<'_>,
        link: &str,
        ttl_seconds: u64,
        purpose: Purpose,
    ) -> anyhow::Result<Message> {
        let lifetime_seconds = ttl_seconds;
        match purpose {
            Purpose::ResetPassword => templates.render(&Mail::PasswordResetLink { link, lifetime_seconds }, to),
            Purpose::SignUp | Purpose::SignIn => templates.render(&Mail::EmailLink { link, lifetime_seconds }, to),
        }
    }
}

/// A fresh token.
pub fn new_token() -> String {
    ids::base64url(&ids::random_bytes::<32>())
}

/// Whether `text` could be a token at all (checked before any lookup).
pub fn is_token(text: &str) -> bool {
    text.len() == TOKEN_LEN && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// What the database keeps for a token: its SHA-256, in hex.
pub fn token_hash(token: &str) -> String {
    ids::token_hash(token)
}

/// The link for a token, on the server's public origin.
pub fn link(public_origin: &str, token: &str) -> String {
    format!("{public_origin}{VERIFY_PATH}?token={token}")
}

/// `redirect_url` with the outcome added to its query (any `gh_status` or
/// `gh_created_session` already there is dropped), before its fragment.
pub fn redirect_target(redirect_url: &str, status: EmailLinkStatus, created_session: Option<&str>) -> String {
    let (before_fragment, fragment) = match redirect_url.split_once('#') {
        Some((url, fragment)) => (url, Some(fragment)),
        None => (redirect_url, None),
    };
    let (path, query) = before_fragment.split_once('?').unwrap_or((before_fragment, ""));
    let ours = |pair: &&str| {
        let key = pair.split('=').next().unwrap_or("");
        key == EmailLinkStatus::PARAM || key == EmailLinkStatus::CREATED_SESSION_PARAM
    };
    let mut pairs: Vec<String> = query.split('&').filter(|p| !p.is_empty() && !ours(p)).map(String::from).collect();
    pairs.push(format!("{}={}", EmailLinkStatus::PARAM, status.as_str()));
    if let Some(session) = created_session {
        pairs.push(format!("{}={session}", EmailLinkStatus::CREATED_SESSION_PARAM));
    }
    let mut target = format!("{path}?{}", pairs.join("&"));
    if let Some(fragment) = fragment {
        target.push('#');
        target.push_str(fragment);
    }
    target
}

/// `redirect_url` with a bearer-mode reset link's token in its fragment
/// (`#gh_reset_token=...`, after a fragment it already has, joined by
/// `&`): a fragment is never sent to a server, so the token reaches no
/// access log and no `Referer` on its way to the app.
pub fn handover_target(redirect_url: &str, token: &str) -> String {
    let param = EmailLinkStatus::RESET_TOKEN_PARAM;
    match redirect_url.split_once('#') {
        Some((url, "")) => format!("{url}#{param}={token}"),
        Some(_) => format!("{redirect_url}&{param}={token}"),
        None => format!("{redirect_url}#{param}={token}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_carry_256_bits_and_are_hashed() {
        let token = new_token();
        assert!(is_token(&token), "{token}");
        assert_ne!(new_token(), token);
        let hash = token_hash(&token);
        assert_eq!(hash.len(), 64);
        assert!(!hash.contains(&token));
        for bad in ["", "short", &"a".repeat(44), &"+".repeat(43), &format!("{}=", &token[..42])] {
            assert!(!is_token(bad), "{bad}");
        }
    }

    #[test]
    fn links_and_messages() {
        let link = link("https://auth.example.com", "tok");
        assert_eq!(link, "https://auth.example.com/v1/verify?token=tok");
        let strategy = LinkStrategy { strategy: Strategy::EmailLink, field: Field::EmailAddress };
        let templates = Templates::load(&crate::config::MailSettings::default()).unwrap();
        let to = Recipient::new("a@b.co", crate::mail::Locale::En);
        let m = strategy.message(&templates, to, &link, 600, Purpose::SignUp).unwrap();
        assert!(m.body.contains(&link) && m.body.contains("10 minutes"));
        assert_eq!((m.link.as_deref(), m.code), (Some(link.as_str()), None));
        let to = Recipient::new("a@b.co", crate::mail::Locale::De);
        let reset = LinkStrategy::EMAIL.message(&templates, to, &link, 600, Purpose::ResetPassword).unwrap();
        assert!(reset.subject.contains("Passwort") && reset.body.contains(&link), "{}", reset.body);
        assert_eq!(reset.link.as_deref(), Some(link.as_str()));
    }

    #[test]
    fn a_handed_over_token_goes_in_the_fragment_only() {
        assert_eq!(handover_target("https://a.com/reset?x=1", "tok"), "https://a.com/reset?x=1#gh_reset_token=tok");
        assert_eq!(handover_target("https://a.com/reset#", "tok"), "https://a.com/reset#gh_reset_token=tok");
        assert_eq!(handover_target("https://a.com/#/reset", "tok"), "https://a.com/#/reset&gh_reset_token=tok");
    }

    #[test]
    fn redirect_targets_carry_the_outcome() {
        use EmailLinkStatus::*;
        assert_eq!(
            redirect_target("https://a.com/verify", Verified, Some("sess_1")),
            "https://a.com/verify?gh_status=verified&gh_created_session=sess_1"
        );
        assert_eq!(
            redirect_target("https://a.com/v?x=1#top", Expired, None),
            "https://a.com/v?x=1&gh_status=expired#top"
        );
        assert_eq!(
            redirect_target("https://a.com/v?gh_status=verified&gh_created_session=s&y=2", Failed, None),
            "https://a.com/v?y=2&gh_status=failed"
        );
        assert_eq!(
            redirect_target("https://a.com/?", ClientMismatch, None),
            "https://a.com/?gh_status=client_mismatch"
        );
    }
}
