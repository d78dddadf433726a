//! A sign-in as the server keeps it, and how it is shown on the wire.

use crate::verification::VerificationRecord;
use gatehouse_protocol::wire::{self, FirstFactorOption, FirstFactorVerification};
use gatehouse_protocol::{FirstFactor, SignInStatus};

/// How long a sign-in may stay open; after that it is gone.
pub const ABANDON_AFTER_MS: i64 = 24 * 60 * 60 * 1000;

/// One sign-in of a client, for one user.
#[derive(Clone, Debug, PartialEq)]
pub struct SignInRecord {
    pub id: String,
    pub client_id: String,
    pub user_id: String,
    /// The identifier as normalized.
    pub identifier: String,
    pub status: SignInStatus,
    /// The factors offered when it was made.
    pub supported: Vec<FirstFactor>,
    /// Where a code goes, as shown (see [`FirstFactorOption`]).
    pub safe_identifier: Option<String>,
    /// The factor chosen, if any, and its verification.
    pub factor: Option<FirstFactor>,
    pub verification: VerificationRecord,
    pub created_session_id: Option<String>,
    pub created_at: i64,
    pub abandon_at: i64,
}

impl SignInRecord {
    /// A new sign-in waiting for its first factor.
    pub fn new(id: String, client_id: &str, user_id: &str, identifier: &str, now: i64) -> Self {
        SignInRecord {
            id,
            client_id: String::from(client_id),
            user_id: String::from(user_id),
            identifier: String::from(identifier),
            status: SignInStatus::NeedsFirstFactor,
            supported: Vec::new(),
            safe_identifier: None,
            factor: None,
            verification: VerificationRecord::fresh(),
            created_session_id: None,
            created_at: now,
            abandon_at: now + ABANDON_AFTER_MS,
        }
    }

    /// Chooses a factor; choosing another starts its verification over.
    pub fn choose(&mut self, factor: FirstFactor) {
        if self.factor != Some(factor) {
            self.factor = Some(factor);
            self.verification = VerificationRecord::fresh();
        }
    }

    /// The resource as the API shows it at `now`.
    pub fn to_wire(&self, now: i64) -> wire::SignIn {
        let complete = self.status == SignInStatus::Complete;
        wire::SignIn {
            object: String::from("sign_in"),
            id: self.id.clone(),
            status: self.status,
            identifier: Some(self.identifier.clone()),
            supported_first_factors: self
                .supported
                .iter()
                .map(|&strategy| FirstFactorOption {
                    strategy,
                    safe_identifier: (strategy == FirstFactor::EmailCode)
                        .then(|| self.safe_identifier.clone())
                        .flatten(),
                })
                .collect(),
            first_factor_verification: self.factor.map(|strategy| FirstFactorVerification {
                status: self.verification.status_at(now),
                strategy,
                attempts: self.verification.attempts,
                expire_at: self.verification.expire_at,
                next_action: self.verification.next_action(now),
                verified_at_client: self.verification.verified_at_client.clone(),
            }),
            created_session_id: self.created_session_id.clone(),
            user_id: complete.then(|| self.user_id.clone()),
            abandon_at: self.abandon_at,
        }
    }
}

/// What a code's message may show of an email address: the first
/// character of the local part, then `***`.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => String::from("***"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gatehouse_protocol::VerificationStatus;

    #[test]
    fn the_user_id_shows_only_once_complete() {
        let mut s = SignInRecord::new(String::from("sin_1"), "client_1", "user_1", "ana", 0);
        s.supported = vec![FirstFactor::Password, FirstFactor::EmailCode];
        s.safe_identifier = Some(mask_email("ana@example.com"));
        let wire = s.to_wire(0);
        assert_eq!(wire.user_id, None);
        assert!(wire.first_factor_verification.is_none());
        assert_eq!(wire.supported_first_factors[0].safe_identifier, None);
        assert_eq!(wire.supported_first_factors[1].safe_identifier.as_deref(), Some("a***@example.com"));
        s.choose(FirstFactor::Password);
        s.verification = VerificationRecord::verified(None, "client_1");
        s.status = SignInStatus::Complete;
        let wire = s.to_wire(0);
        assert_eq!(wire.user_id.as_deref(), Some("user_1"));
        assert_eq!(wire.first_factor_verification.unwrap().status, VerificationStatus::Verified);
    }
}
