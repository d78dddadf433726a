//! A sign-in as the server keeps it. How the API shows it is
//! `crate::sign_in::view`'s.

use super::VerificationRecord;
use gatehouse_protocol::{FirstFactor, SignInStatus};

/// How long a sign-in may stay open; after that it is gone.
pub const ABANDON_AFTER_MS: i64 = 24 * 60 * 60 * 1000;

/// One sign-in of a client, for one user (or for none: a password reset
/// asked for an address without an account, answered like any other).
#[derive(Clone, Debug, PartialEq)]
pub struct SignInRecord {
    pub id: String,
    pub client_id: String,
    /// `None`: a reset for an address without an account, which no code
    /// can prove.
    pub user_id: Option<String>,
    /// The identifier as normalized.
    pub identifier: String,
    pub status: SignInStatus,
    /// The factors offered when it was made.
    pub supported: Vec<FirstFactor>,
    /// Where a code goes, as shown (see `wire::FirstFactorOption`).
    pub safe_identifier: Option<String>,
    /// The factor chosen, if any, and its verification.
    pub factor: Option<FirstFactor>,
    pub verification: VerificationRecord,
    pub created_session_id: Option<String>,
    pub created_at: i64,
    pub abandon_at: i64,
    /// A new password after a reset, held here while a second factor is
    /// due: it takes effect only once that factor is proven.
    pub new_password: Option<PendingPassword>,
}

/// A new password waiting for the second factor (`sign_in::complete`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingPassword {
    /// Its argon2id hash.
    pub hash: String,
    /// Whether setting it ends the user's other sessions.
    pub sign_out_of_other_sessions: bool,
    /// The language tag of the "password changed" email.
    pub locale: String,
}

impl SignInRecord {
    /// A new sign-in waiting for its first factor.
    pub fn new(id: String, client_id: &str, user_id: Option<&str>, identifier: &str, now: i64) -> Self {
        SignInRecord {
            id,
            client_id: String::from(client_id),
            user_id: user_id.map(String::from),
            identifier: String::from(identifier),
            status: SignInStatus::NeedsFirstFactor,
            supported: Vec::new(),
            safe_identifier: None,
            factor: None,
            verification: VerificationRecord::fresh(),
            created_session_id: None,
            created_at: now,
            abandon_at: now + ABANDON_AFTER_MS,
            new_password: None,
        }
    }

    /// Chooses a factor; choosing another starts its verification over.
    pub fn choose(&mut self, factor: FirstFactor) {
        if self.factor != Some(factor) {
            self.factor = Some(factor);
            self.verification = VerificationRecord::fresh();
        }
    }
}
