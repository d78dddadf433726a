//! The sign-up fields and their wire names (`email_address`, ...).

/// One field of a sign-up, as named in `required_fields`, `missing_fields`
/// and friends, and as `meta.param_name` in errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Field {
    EmailAddress,
    PhoneNumber,
    Username,
    Password,
    FirstName,
    LastName,
    LegalAccepted,
    Web3Wallet,
}

impl Field {
    /// Every field, in the order forms show them.
    pub const ALL: [Field; 8] = [
        Field::EmailAddress,
        Field::PhoneNumber,
        Field::Username,
        Field::Password,
        Field::FirstName,
        Field::LastName,
        Field::LegalAccepted,
        Field::Web3Wallet,
    ];

    /// The snake_case name used on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Field::EmailAddress => "email_address",
            Field::PhoneNumber => "phone_number",
            Field::Username => "username",
            Field::Password => "password",
            Field::FirstName => "first_name",
            Field::LastName => "last_name",
            Field::LegalAccepted => "legal_accepted",
            Field::Web3Wallet => "web3_wallet",
        }
    }

    /// The camelCase name the JS SDK uses for the same field.
    pub const fn js_name(self) -> &'static str {
        match self {
            Field::EmailAddress => "emailAddress",
            Field::PhoneNumber => "phoneNumber",
            Field::Username => "username",
            Field::Password => "password",
            Field::FirstName => "firstName",
            Field::LastName => "lastName",
            Field::LegalAccepted => "legalAccepted",
            Field::Web3Wallet => "web3Wallet",
        }
    }

    /// Parses a wire name.
    pub fn parse(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.as_str() == name)
    }

    /// Whether the field is a contact that must be verified with a code or link.
    pub const fn is_verifiable(self) -> bool {
        matches!(self, Field::EmailAddress | Field::PhoneNumber)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for f in Field::ALL {
            assert_eq!(Field::parse(f.as_str()), Some(f));
        }
        assert_eq!(Field::parse("emailAddress"), None);
    }
}
