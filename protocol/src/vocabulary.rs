//! The small enums of the wire: strategies, statuses, next actions, modes,
//! first factors.
//!
//! Each has `as_str` (its wire name) and `parse`, so the SDK can use them
//! without serde and the server gets serde derives with the same names.

macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        pub enum $name {
            $(#[cfg_attr(feature = "serde", serde(rename = $wire))] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Every wire name, in declaration order (the SDK's decoder
            /// checks answers against these: data, not code).
            pub const NAMES: &'static [&'static str] = &[$($wire),+];

            /// The name on the wire.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }

            /// Parses a wire name.
            pub fn parse(s: &str) -> Option<$name> {
                match s { $($wire => Some($name::$variant),)+ _ => None }
            }
        }

        // The schema is the wire names, written here: a derive would not
        // see the names through the macro's `$wire` fragments.
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some($name::NAMES.iter().copied()))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}
    };
}

wire_enum!(
    /// How a field is verified.
    Strategy {
        EmailCode => "email_code",
        PhoneCode => "phone_code",
        EmailLink => "email_link",
        Ticket => "ticket",
    }
);

wire_enum!(
    /// The state of a sign-up.
    SignUpStatus {
        MissingRequirements => "missing_requirements",
        Complete => "complete",
        Abandoned => "abandoned",
    }
);

wire_enum!(
    /// The state of one field's verification.
    VerificationStatus {
        Unverified => "unverified",
        Verified => "verified",
        Failed => "failed",
        Expired => "expired",
    }
);

wire_enum!(
    /// What the client should do next for a verification.
    NextAction {
        NeedsPrepare => "needs_prepare",
        NeedsAttempt => "needs_attempt",
        None => "",
    }
);

wire_enum!(
    /// Who may sign up: anyone, or only people with an invitation.
    SignUpMode {
        Public => "public",
        Restricted => "restricted",
    }
);

wire_enum!(
    /// The state of a sign-in.
    SignInStatus {
        NeedsIdentifier => "needs_identifier",
        NeedsFirstFactor => "needs_first_factor",
        NeedsNewPassword => "needs_new_password",
        NeedsSecondFactor => "needs_second_factor",
        Complete => "complete",
    }
);

wire_enum!(
    /// How a sign-in proves who is signing in (its first factor).
    FirstFactor {
        Password => "password",
        EmailCode => "email_code",
        ResetPasswordEmailCode => "reset_password_email_code",
        ResetPasswordEmailLink => "reset_password_email_link",
    }
);

wire_enum!(
    /// How a sign-in proves its second factor: a code from the user's
    /// authenticator app, or one of their one-time backup codes.
    SecondFactor {
        Totp => "totp",
        BackupCode => "backup_code",
    }
);

wire_enum!(
    /// The state of an invitation; `expired` is a pending one past its expiry.
    InvitationStatus {
        Pending => "pending",
        Accepted => "accepted",
        Revoked => "revoked",
        Expired => "expired",
    }
);

wire_enum!(
    /// How an email link confirmation ended, as the `gh_status` query
    /// parameter of the redirect to the sign-up's `redirect_url`.
    EmailLinkStatus {
        Verified => "verified",
        Expired => "expired",
        Failed => "failed",
        ClientMismatch => "client_mismatch",
    }
);

impl EmailLinkStatus {
    /// The query parameter that carries the status.
    pub const PARAM: &'static str = "gh_status";
    /// The query parameter that carries the id of the session a completed
    /// sign-up created.
    pub const CREATED_SESSION_PARAM: &'static str = "gh_created_session";
    /// The fragment parameter that hands a bearer-mode password reset
    /// link's token to the app (`#gh_reset_token=...`): the app sends it
    /// back with `attempt_first_factor`. In the fragment, so it reaches no
    /// server log and no `Referer`.
    pub const RESET_TOKEN_PARAM: &'static str = "gh_reset_token";
}

impl Strategy {
    /// The field a strategy verifies (`ticket` verifies the invited email).
    pub const fn field(self) -> crate::Field {
        match self {
            Strategy::PhoneCode => crate::Field::PhoneNumber,
            Strategy::EmailCode | Strategy::EmailLink | Strategy::Ticket => crate::Field::EmailAddress,
        }
    }

    /// Whether the strategy checks a typed code (as opposed to a link or ticket).
    pub const fn uses_code(self) -> bool {
        matches!(self, Strategy::EmailCode | Strategy::PhoneCode)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip() {
        for s in Strategy::ALL {
            assert_eq!(Strategy::parse(s.as_str()), Some(*s));
        }
        for s in SignUpStatus::ALL {
            assert_eq!(SignUpStatus::parse(s.as_str()), Some(*s));
        }
        for s in VerificationStatus::ALL {
            assert_eq!(VerificationStatus::parse(s.as_str()), Some(*s));
        }
        for s in NextAction::ALL {
            assert_eq!(NextAction::parse(s.as_str()), Some(*s));
        }
        for s in SignInStatus::ALL {
            assert_eq!(SignInStatus::parse(s.as_str()), Some(*s));
        }
        for s in FirstFactor::ALL {
            assert_eq!(FirstFactor::parse(s.as_str()), Some(*s));
        }
        for s in SecondFactor::ALL {
            assert_eq!(SecondFactor::parse(s.as_str()), Some(*s));
        }
        for s in InvitationStatus::ALL {
            assert_eq!(InvitationStatus::parse(s.as_str()), Some(*s));
        }
        for s in EmailLinkStatus::ALL {
            assert_eq!(EmailLinkStatus::parse(s.as_str()), Some(*s));
        }
        assert_eq!(Strategy::parse("sms"), None);
    }

    #[test]
    fn strategies_name_their_field() {
        assert_eq!(Strategy::PhoneCode.field(), crate::Field::PhoneNumber);
        assert_eq!(Strategy::EmailLink.field(), crate::Field::EmailAddress);
    }
}
