//! The sign-up state machine: one status enum, one transition function, and
//! the requirement lists the transitions are decided by.
//!
//! ```text
//!              create / update (fields)          last requirement met
//!   (none) ──▶ missing_requirements ──────────────────────────────────▶ complete
//!                   │   ▲  prepare / attempt                              (user + session
//!                   │   └──────────────┘                                   created in the
//!                   │ a new create on the same client,                    same transaction)
//!                   ▼ abandon_at passed, or the owner of the address cancelled it
//!               abandoned
//! ```
//!
//! A sign-up the owner of its address cancelled ("I didn't start this" on
//! the email link's page) is `abandoned` on the wire; its client's every
//! request about it answers 410 `sign_up_cancelled_by_owner`
//! ([`super::usable`]).
//!
//! Every operation calls [`transition`] twice: with [`Event::Change`] before
//! it touches the sign-up (only an open sign-up may change), and with
//! [`Event::Recomputed`] after, which completes the sign-up when nothing is
//! missing or unverified any more.

use crate::config::Config;
use crate::error::ApiError;
use crate::model::{FieldRule, Requirements, SignUpRecord};
use gatehouse_protocol::{ErrorCode, SignUpStatus};

/// What happens to a sign-up.
#[derive(Clone, Copy, Debug)]
pub enum Event<'a> {
    /// An operation is about to change it.
    Change,
    /// Its requirement lists were recomputed after a change.
    Recomputed(&'a Requirements),
    /// Its client started another sign-up.
    Superseded,
    /// The owner of its email address cancelled it from the email link.
    CancelledByOwner,
}

/// The status after `event`, or why the event is refused.
pub fn transition(from: SignUpStatus, event: Event<'_>) -> Result<SignUpStatus, ApiError> {
    use SignUpStatus::*;
    match (from, event) {
        (MissingRequirements, Event::Change) => Ok(MissingRequirements),
        (MissingRequirements, Event::Recomputed(lists)) if lists.are_met() => Ok(Complete),
        (MissingRequirements, Event::Recomputed(_)) => Ok(MissingRequirements),
        (MissingRequirements, Event::Superseded | Event::CancelledByOwner) => Ok(Abandoned),
        (Complete | Abandoned, Event::Change | Event::Recomputed(_) | Event::CancelledByOwner) => {
            Err(ApiError::Refused(ErrorCode::SignUpNotModifiable))
        }
        (Complete, Event::Superseded) => Ok(Complete),
        (Abandoned, Event::Superseded) => Ok(Abandoned),
    }
}

/// The four lists of `sign_up` at `now`, from the instance settings.
pub fn requirements(sign_up: &SignUpRecord, config: &Config, now: i64) -> Requirements {
    let rule = |field| {
        let settings = config.attributes.get(field);
        FieldRule {
            enabled: settings.enabled,
            required: settings.required,
            verify_at_sign_up: settings.verify_at_sign_up,
        }
    };
    Requirements::of(sign_up, rule, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::VerificationRecord;
    use gatehouse_protocol::{Field, VerificationStatus};

    fn sign_up() -> SignUpRecord {
        SignUpRecord::new(String::from("su_1"), String::from("client_1"), 0)
    }

    #[test]
    fn only_an_open_sign_up_changes() {
        use SignUpStatus::*;
        assert_eq!(transition(MissingRequirements, Event::Change).unwrap(), MissingRequirements);
        for closed in [Complete, Abandoned] {
            let err = transition(closed, Event::Change).unwrap_err();
            assert_eq!(err.code(), ErrorCode::SignUpNotModifiable);
        }
        assert_eq!(transition(MissingRequirements, Event::Superseded).unwrap(), Abandoned);
        assert_eq!(transition(Complete, Event::Superseded).unwrap(), Complete);
        assert_eq!(transition(MissingRequirements, Event::CancelledByOwner).unwrap(), Abandoned);
        for closed in [Complete, Abandoned] {
            assert_eq!(transition(closed, Event::CancelledByOwner).unwrap_err().code(), ErrorCode::SignUpNotModifiable);
        }
    }

    #[test]
    fn completes_when_nothing_is_missing_or_unverified() {
        let config = Config::default();
        let mut s = sign_up();
        let lists = requirements(&s, &config, 0);
        assert_eq!(lists.required, vec![Field::EmailAddress, Field::Password]);
        assert_eq!(lists.optional, vec![Field::PhoneNumber, Field::FirstName, Field::LastName]);
        assert_eq!(lists.missing, vec![Field::EmailAddress, Field::Password]);
        assert!(lists.unverified.is_empty());

        s.set_text(Field::EmailAddress, String::from("ana@example.com"));
        s.password_hash = Some(String::from("$argon2id$..."));
        let lists = requirements(&s, &config, 0);
        assert!(lists.missing.is_empty());
        assert_eq!(lists.unverified, vec![Field::EmailAddress]);
        assert_eq!(
            transition(SignUpStatus::MissingRequirements, Event::Recomputed(&lists)).unwrap(),
            SignUpStatus::MissingRequirements
        );

        s.email_verification =
            Some(VerificationRecord { status: VerificationStatus::Verified, ..VerificationRecord::fresh() });
        let lists = requirements(&s, &config, 0);
        assert!(lists.are_met());
        assert_eq!(
            transition(SignUpStatus::MissingRequirements, Event::Recomputed(&lists)).unwrap(),
            SignUpStatus::Complete
        );
    }

    #[test]
    fn an_optional_phone_once_supplied_must_be_verified() {
        let mut s = sign_up();
        s.set_text(Field::PhoneNumber, String::from("+14155550123"));
        let lists = requirements(&s, &Config::default(), 0);
        assert_eq!(lists.unverified, vec![Field::PhoneNumber]);
    }
}
