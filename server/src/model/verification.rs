//! The state of one verification: a code or an email link out, or done.
//! Sign-ups keep one per verifiable field, sign-ins one for their code
//! factor. Making and checking codes is `crate::verification`'s; this file
//! only knows what the record says at a time.

use gatehouse_protocol::{NextAction, Strategy, VerificationStatus};

/// The verification of one field (or of a sign-in's code factor).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerificationRecord {
    pub status: VerificationStatus,
    pub strategy: Option<Strategy>,
    pub attempts: u32,
    /// The HMAC of the live code, if one was sent and not yet used up.
    pub code_hash: Option<String>,
    pub expire_at: Option<i64>,
    pub verified_at_client: Option<String>,
}

impl VerificationRecord {
    /// Nothing sent yet.
    pub fn fresh() -> Self {
        VerificationRecord {
            status: VerificationStatus::Unverified,
            strategy: None,
            attempts: 0,
            code_hash: None,
            expire_at: None,
            verified_at_client: None,
        }
    }

    /// Verified without a code (a password, an invitation ticket).
    pub fn verified(strategy: Option<Strategy>, client_id: &str) -> Self {
        VerificationRecord {
            status: VerificationStatus::Verified,
            strategy,
            verified_at_client: Some(String::from(client_id)),
            ..VerificationRecord::fresh()
        }
    }

    /// Whether a link was sent and is waited for (it carries no code: the
    /// token lives in `email_links`).
    pub fn awaits_link(&self) -> bool {
        self.status == VerificationStatus::Unverified
            && self.strategy == Some(Strategy::EmailLink)
            && self.expire_at.is_some()
    }

    /// Whether a code or a link is out and not yet used up.
    fn is_out(&self) -> bool {
        self.code_hash.is_some() || self.awaits_link()
    }

    /// The status at `now`: a code or link past its expiry is `expired`.
    pub fn status_at(&self, now: i64) -> VerificationStatus {
        match (self.status, self.expire_at) {
            (VerificationStatus::Unverified, Some(expire_at)) if self.is_out() && now >= expire_at => {
                VerificationStatus::Expired
            }
            (status, _) => status,
        }
    }

    /// When [`VerificationRecord::status_at`] next changes by time alone.
    pub fn deadline(&self, now: i64) -> Option<i64> {
        let live = self.status_at(now) == VerificationStatus::Unverified && self.is_out();
        self.expire_at.filter(|_| live)
    }

    /// What the client should do next, at `now`.
    pub fn next_action(&self, now: i64) -> NextAction {
        match self.status_at(now) {
            VerificationStatus::Verified => NextAction::None,
            VerificationStatus::Unverified if self.code_hash.is_some() => NextAction::NeedsAttempt,
            // A link is out: nothing to do but wait for it to be opened.
            VerificationStatus::Unverified if self.awaits_link() => NextAction::None,
            _ => NextAction::NeedsPrepare,
        }
    }
}
