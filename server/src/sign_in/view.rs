//! How the API shows a sign-in.

use crate::model::SignInRecord;
use gatehouse_protocol::wire::{self, FirstFactorOption, FirstFactorVerification, SecondFactorOption};
use gatehouse_protocol::{FirstFactor, SecondFactor, SignInStatus};

/// The sign-in as the API shows it at `now`.
pub fn sign_in(record: &SignInRecord, now: i64) -> wire::SignIn {
    let complete = record.status == SignInStatus::Complete;
    wire::SignIn {
        object: String::from("sign_in"),
        id: record.id.clone(),
        status: record.status,
        identifier: Some(record.identifier.clone()),
        supported_first_factors: record
            .supported
            .iter()
            .map(|&strategy| FirstFactorOption {
                strategy,
                safe_identifier: (strategy != FirstFactor::Password).then(|| record.safe_identifier.clone()).flatten(),
            })
            .collect(),
        first_factor_verification: record.factor.map(|strategy| FirstFactorVerification {
            status: record.verification.status_at(now),
            strategy,
            attempts: record.verification.attempts,
            expire_at: record.verification.expire_at,
            next_action: record.verification.next_action(now),
            verified_at_client: record.verification.verified_at_client.clone(),
        }),
        supported_second_factors: match record.status {
            SignInStatus::NeedsSecondFactor => {
                SecondFactor::ALL.iter().map(|&strategy| SecondFactorOption { strategy }).collect()
            }
            _ => Vec::new(),
        },
        created_session_id: record.created_session_id.clone(),
        user_id: record.user_id.clone().filter(|_| complete),
        abandon_at: record.abandon_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::VerificationRecord;
    use crate::sign_in::factors::mask_email;
    use gatehouse_protocol::VerificationStatus;

    #[test]
    fn the_user_id_shows_only_once_complete() {
        let mut s = SignInRecord::new(String::from("sin_1"), "client_1", Some("user_1"), "ana", 0);
        s.supported = vec![FirstFactor::Password, FirstFactor::EmailCode];
        s.safe_identifier = Some(mask_email("ana@example.com"));
        let wire = sign_in(&s, 0);
        assert_eq!(wire.user_id, None);
        assert!(wire.first_factor_verification.is_none());
        assert_eq!(wire.supported_first_factors[0].safe_identifier, None);
        assert_eq!(wire.supported_first_factors[1].safe_identifier.as_deref(), Some("a***@example.com"));
        s.choose(FirstFactor::Password);
        s.verification = VerificationRecord::verified(None, "client_1");
        s.status = SignInStatus::Complete;
        let wire = sign_in(&s, 0);
        assert_eq!(wire.user_id.as_deref(), Some("user_1"));
        assert_eq!(wire.first_factor_verification.unwrap().status, VerificationStatus::Verified);
    }
}
