//! The `[session]` and `[mfa]` sections: how long sessions and their JWTs
//! last, their claims, and whether every user must have a second factor.

use serde::{Deserialize, Serialize};

/// Sessions and their JWTs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionSettings {
    /// How long a session lasts after sign-up or sign-in.
    pub lifetime_seconds: u64,
    /// How long a session JWT is valid.
    pub token_ttl_seconds: u64,
    /// The `iss` claim of session JWTs.
    pub issuer: String,
    /// The `aud` claim of session JWTs; `None`: no `aud`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
}

/// Second factors: `[mfa]`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MfaSettings {
    /// Every user must have a second factor: a user without one gets a
    /// `pending` session (task `setup_mfa`) at sign-up and sign-in, usable
    /// only to enrol TOTP, and may not turn TOTP off (`crate::session`).
    pub required: bool,
}

impl Default for SessionSettings {
    fn default() -> Self {
        SessionSettings {
            lifetime_seconds: 7 * 24 * 60 * 60,
            token_ttl_seconds: 60,
            issuer: String::from("gatehouse"),
            audience: None,
        }
    }
}
