//! The sign-in state machine: one status enum, one transition function.
//!
//! ```text
//!            create (a known identifier)        first factor proven
//!   (none) ──▶ needs_first_factor ─────────────────────────────────▶ complete
//!                 │   ▲  prepare / attempt                             (session created
//!                 │   └──────────────┘ (a code sent; a wrong one)       in the same
//!                 │                                                     transaction)
//!                 ▼ abandon_at passed: gone (404 sign_in_not_found)
//! ```
//!
//! A create with the right password goes from nothing to `complete` in one
//! request. `needs_identifier` is in the wire vocabulary, but this server
//! never makes it: a create without an identifier is refused.

use crate::error::ApiError;
use gatehouse_protocol::{ErrorCode, SignInStatus};

/// What happens to a sign-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// An operation is about to change it.
    Change,
    /// Its first factor was proven.
    Proven,
}

/// The status after `event`, or why the event is refused.
pub fn transition(from: SignInStatus, event: Event) -> Result<SignInStatus, ApiError> {
    use SignInStatus::*;
    match (from, event) {
        (NeedsFirstFactor, Event::Change) => Ok(NeedsFirstFactor),
        (NeedsFirstFactor, Event::Proven) => Ok(Complete),
        (NeedsIdentifier, _) => Err(ApiError::param(ErrorCode::FormParamMissing, "identifier")),
        // Its factor is proven already; a new sign-in starts over.
        (Complete, _) => Err(ApiError::Refused(ErrorCode::VerificationAlreadyVerified)),
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
        for event in [Event::Change, Event::Proven] {
            assert_eq!(transition(Complete, event).unwrap_err().code(), ErrorCode::VerificationAlreadyVerified);
            assert_eq!(transition(NeedsIdentifier, event).unwrap_err().code(), ErrorCode::FormParamMissing);
        }
    }
}
