//! The sign-in state machine: one status enum, one transition function.
//!
//! ```text
//!            create (a known identifier)        first factor proven
//!   (none) ──▶ needs_first_factor ─────────────────────────────────▶ complete
//!                 │   ▲  prepare / attempt                     ▲       (session created
//!                 │   └──────────────┘ (a code sent; a wrong one)│      in the same
//!                 │                                             │       transaction)
//!                 │                                             │ (the user has no
//!                 │                                             │  second factor)
//!                 │ first factor proven, a second factor on     │
//!                 ├─────────────────▶ needs_second_factor ──────┤ attempt_second_factor
//!                 │                                             │ (totp or backup_code)
//!                 │ reset code proven                           │ reset_password
//!                 ├──────────────────▶ needs_new_password ──────┘ (new password set,
//!                 │                                                 other sessions revoked)
//!                 ▼ abandon_at passed: gone (404 sign_in_not_found)
//! ```
//!
//! A create with the right password goes from nothing to `complete` in one
//! request. A user with a second factor on (`crate::totp`) stops at
//! `needs_second_factor` instead, wherever the first factor would have
//! completed the sign-in (a new password after a reset too): no session
//! until `attempt_second_factor` proves it ([`second_factor_due`]), and a
//! new password waits on the sign-in until then (`super::complete`). A create with `strategy: "reset_password_email_code"` makes a
//! sign-in for any email address, known or not (`super::reset_password`).
//! `needs_identifier` is in the wire vocabulary, but this server never
//! makes it: a create without an identifier is refused.

use crate::error::ApiError;
use gatehouse_protocol::{ErrorCode, SignInStatus};

/// What happens to a sign-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// An operation is about to change it (create, prepare, attempt).
    Change,
    /// Its first factor was proven.
    Proven,
    /// A password reset code was proven: a new password is next.
    ResetProven,
    /// A new password is set (`reset_password`).
    NewPassword,
    /// Its second factor was proven (`attempt_second_factor`).
    SecondProven,
}

/// The status after `event`, or why the event is refused.
pub fn transition(from: SignInStatus, event: Event) -> Result<SignInStatus, ApiError> {
    use SignInStatus::*;
    match (from, event) {
        (NeedsFirstFactor, Event::Change) => Ok(NeedsFirstFactor),
        (NeedsFirstFactor, Event::Proven) => Ok(Complete),
        (NeedsFirstFactor, Event::ResetProven) => Ok(NeedsNewPassword),
        (NeedsNewPassword, Event::NewPassword) => Ok(Complete),
        (NeedsSecondFactor, Event::SecondProven) => Ok(Complete),
        // Only a sign-in whose reset code is proven takes a new password;
        // only one whose first factor is proven takes a second.
        (_, Event::NewPassword | Event::SecondProven) => Err(ApiError::Refused(ErrorCode::SignInStatusInvalid)),
        (NeedsIdentifier, _) => Err(ApiError::param(ErrorCode::FormParamMissing, "identifier")),
        // Its factor is proven already (what is left is a new password, or
        // nothing); a new sign-in starts over.
        (NeedsNewPassword | NeedsSecondFactor | Complete, _) => {
            Err(ApiError::Refused(ErrorCode::VerificationAlreadyVerified))
        }
    }
}

/// Where a sign-in goes that `next` would complete: to
/// `needs_second_factor` when the user has a second factor on and what
/// was proven is not that factor.
pub fn second_factor_due(next: SignInStatus, event: Event, second_factor_on: bool) -> SignInStatus {
    if next == SignInStatus::Complete && event != Event::SecondProven && second_factor_on {
        SignInStatus::NeedsSecondFactor
    } else {
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_open_sign_in_changes_and_proof_completes_it() {
        use SignInStatus::*;
        assert_eq!(transition(NeedsFirstFactor, Event::Change).unwrap(), NeedsFirstFactor);
        assert_eq!(transition(NeedsFirstFactor, Event::Proven).unwrap(), Complete);
        for event in [Event::Change, Event::Proven, Event::ResetProven] {
            assert_eq!(transition(Complete, event).unwrap_err().code(), ErrorCode::VerificationAlreadyVerified);
            assert_eq!(transition(NeedsNewPassword, event).unwrap_err().code(), ErrorCode::VerificationAlreadyVerified);
            assert_eq!(transition(NeedsIdentifier, event).unwrap_err().code(), ErrorCode::FormParamMissing);
        }
    }

    #[test]
    fn a_reset_needs_its_code_then_a_new_password() {
        use SignInStatus::*;
        assert_eq!(transition(NeedsFirstFactor, Event::ResetProven).unwrap(), NeedsNewPassword);
        assert_eq!(transition(NeedsNewPassword, Event::NewPassword).unwrap(), Complete);
        for from in [NeedsIdentifier, NeedsFirstFactor, NeedsSecondFactor, Complete] {
            assert_eq!(transition(from, Event::NewPassword).unwrap_err().code(), ErrorCode::SignInStatusInvalid);
        }
    }

    #[test]
    fn a_second_factor_on_holds_the_completion_until_it_is_proven() {
        use SignInStatus::*;
        for event in [Event::Proven, Event::NewPassword] {
            assert_eq!(second_factor_due(Complete, event, true), NeedsSecondFactor);
            assert_eq!(second_factor_due(Complete, event, false), Complete);
        }
        assert_eq!(second_factor_due(NeedsNewPassword, Event::ResetProven, true), NeedsNewPassword);
        assert_eq!(transition(NeedsSecondFactor, Event::SecondProven).unwrap(), Complete);
        assert_eq!(second_factor_due(Complete, Event::SecondProven, true), Complete);
        for from in [NeedsFirstFactor, NeedsNewPassword, Complete] {
            assert_eq!(transition(from, Event::SecondProven).unwrap_err().code(), ErrorCode::SignInStatusInvalid);
        }
        for event in [Event::Change, Event::Proven, Event::ResetProven] {
            let refused = transition(NeedsSecondFactor, event).unwrap_err().code();
            assert_eq!(refused, ErrorCode::VerificationAlreadyVerified);
        }
    }
}
