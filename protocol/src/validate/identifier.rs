//! Identifiers of accounts: what a person signs in with, and the id another
//! system knows a user by (`external_id`, admin API only).

use super::{email_address, invalid, phone_number, username, FieldError, UsernameRules};
use crate::{ErrorCode, Field};
use alloc::string::String;

/// Longest `external_id`, in characters.
pub const EXTERNAL_ID_MAX_CHARS: usize = 255;

/// A sign-in identifier, normalized, and which kind it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Identifier {
    EmailAddress(String),
    PhoneNumber(String),
    Username(String),
}

impl Identifier {
    /// The normalized value (what the server looks up).
    pub fn as_str(&self) -> &str {
        match self {
            Identifier::EmailAddress(v) | Identifier::PhoneNumber(v) | Identifier::Username(v) => v,
        }
    }

    /// The normalized value, owned.
    pub fn into_string(self) -> String {
        match self {
            Identifier::EmailAddress(v) | Identifier::PhoneNumber(v) | Identifier::Username(v) => v,
        }
    }

    /// The user attribute it names.
    pub const fn field(&self) -> Field {
        match self {
            Identifier::EmailAddress(_) => Field::EmailAddress,
            Identifier::PhoneNumber(_) => Field::PhoneNumber,
            Identifier::Username(_) => Field::Username,
        }
    }
}

/// What a person signs in with: an email address when it holds `@`, a phone
/// number (E.164) when it starts with `+`, else a username. Normalized the
/// way sign-up stores each. Username length rules are not applied: a user
/// made before the rules changed, or synced by an admin, can still sign in.
pub fn identifier(input: &str) -> Result<Identifier, FieldError> {
    const BAD: FieldError = invalid("identifier", "Enter a valid email address or username.");
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(FieldError::new(
            ErrorCode::FormParamMissing,
            "identifier",
            "Enter your email address or username.",
        ));
    }
    // Byte-wise, like the email check: no str-search panic paths in the SDK.
    let bytes = trimmed.as_bytes();
    if super::has_at_sign(bytes) {
        return email_address(trimmed).map(Identifier::EmailAddress).map_err(|_| BAD);
    }
    if bytes.first() == Some(&b'+') {
        return phone_number(trimmed).map(Identifier::PhoneNumber).map_err(|_| BAD);
    }
    let loose = UsernameRules { min_length: 1, max_length: super::EMAIL_MAX_LEN };
    username(trimmed, &loose).map(Identifier::Username).map_err(|_| BAD)
}

/// The id of a user in another system: trimmed, 1 to 255 characters, no
/// control characters. Kept as given otherwise (case matters there).
pub fn external_id(input: &str) -> Result<String, FieldError> {
    let id = input.trim();
    let len = super::char_count(id);
    if len == 0 || len > EXTERNAL_ID_MAX_CHARS || id.chars().any(char::is_control) {
        return Err(invalid("external_id", "Use 1 to 255 characters without control characters."));
    }
    Ok(String::from(id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn identifiers_are_told_apart_and_normalized() {
        assert_eq!(
            identifier(" Cersei-Lannister@Example.com ").unwrap(),
            Identifier::EmailAddress(String::from("cersei-lannister@example.com"))
        );
        assert_eq!(identifier("Cersei.Lannister").unwrap(), Identifier::Username(String::from("cersei.lannister")));
        assert_eq!(identifier("+1 415 555 0123").unwrap(), Identifier::PhoneNumber(String::from("+14155550123")));
        assert_eq!(identifier("ab").unwrap().field(), Field::Username);
        let phone = identifier("+1 415 555 0123").unwrap();
        assert_eq!(phone.as_str(), phone.clone().into_string());
        assert_eq!(identifier("  ").unwrap_err().code, ErrorCode::FormParamMissing);
        for bad in ["a@b", "has space", "+12", "_x"] {
            let e = identifier(bad).unwrap_err();
            assert_eq!((e.code, e.param), (ErrorCode::FormParamFormatInvalid, "identifier"), "{bad}");
        }
    }

    #[test]
    fn external_ids() {
        assert_eq!(external_id(" crm-42 ").unwrap(), "crm-42");
        assert_eq!(external_id("User/ABC").unwrap(), "User/ABC");
        for bad in ["", " ", "a\nb"] {
            assert_eq!(external_id(bad).unwrap_err().param, "external_id");
        }
        assert!(external_id(&"x".repeat(256)).is_err());
        assert!(external_id(&"é".repeat(255)).is_ok());
    }

    proptest! {
        #[test]
        fn identifier_never_panics_and_is_idempotent(s in "\\PC{0,80}") {
            if let Ok(id) = identifier(&s) {
                prop_assert_eq!(identifier(id.as_str()).unwrap(), id);
            }
        }
    }
}
