//! The JSON shapes of the API (feature `serde`; the server's side, and the
//! SDK's Rust API, feature `rust-api`): the frontend API here and in
//! `wire/sign_in.rs`, the admin API in `wire/admin.rs`.
//!
//! The SDK's JS build reads the same shapes without serde, field by field;
//! the names here are the contract. Times are epoch milliseconds.

use crate::validate::{PasswordRules, UsernameRules};
use crate::{ErrorCode, Field, NextAction, SignUpMode, SignUpStatus, Strategy, VerificationStatus};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

mod admin;
mod sign_in;

pub use admin::{Deleted, Invitation, InvitationParams, List, RefreshParams, User, UserParams};
pub use sign_in::{
    AttemptFirstFactorParams, AttemptSecondFactorParams, FirstFactorOption, FirstFactorVerification, Jwk, Jwks,
    PrepareFirstFactorParams, ResetPasswordParams, SecondFactorOption, SignIn, SignInParams, Token, Totp,
    TotpCodeParams,
};

/// Every state change (and every read under `/v1/client`) answers this.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Envelope<T> {
    pub response: T,
    pub client: Client,
}

/// The data of a `sign_up` event on a sign-up's event stream: what `GET`
/// of the sign-up answers (the envelope), so a waiting SDK needs no reload.
/// `client` is left out when the client's token is due for replacement and
/// the stream cannot hand the new one out (cookie mode: the next request
/// gets it, in its cookie), and when that `GET` would answer no client (a
/// sign-up cancelled by the owner of its address answers 410);
/// `client_token` is the new token when the stream could hand it out
/// (bearer mode), as `Gatehouse-Client` carries it on answers.
#[derive(Clone, Debug, Serialize)]
pub struct SignUpEvent<'a> {
    pub response: &'a SignUp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<&'a Client>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_token: Option<&'a str>,
}

/// The body of every error answer.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub errors: Vec<ErrorItem>,
    pub trace_id: String,
}

/// One error in [`ErrorBody`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorItem {
    pub code: ErrorCode,
    pub message: String,
    pub long_message: String,
    pub meta: ErrorMeta,
}

/// Details of an error; `param_name` names the offending parameter.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorMeta {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub param_name: Option<String>,
}

/// `GET /v1/environment`: what the SDK needs to know about the instance.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Environment {
    pub object: String,
    pub sign_up: SignUpSettings,
    pub password_settings: PasswordRules,
    pub username_settings: UsernameRules,
    /// True when the server runs with `--dev` (the outbox exists).
    pub dev_mode: bool,
}

/// Sign-up settings inside [`Environment`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignUpSettings {
    pub mode: SignUpMode,
    pub attributes: Attributes,
}

/// One entry per sign-up field.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attributes {
    pub email_address: AttributeSettings,
    pub phone_number: AttributeSettings,
    pub username: AttributeSettings,
    pub password: AttributeSettings,
    pub first_name: AttributeSettings,
    pub last_name: AttributeSettings,
    pub legal_accepted: AttributeSettings,
    pub web3_wallet: AttributeSettings,
}

impl Attributes {
    /// The settings of one field.
    pub fn get(&self, field: Field) -> &AttributeSettings {
        match field {
            Field::EmailAddress => &self.email_address,
            Field::PhoneNumber => &self.phone_number,
            Field::Username => &self.username,
            Field::Password => &self.password,
            Field::FirstName => &self.first_name,
            Field::LastName => &self.last_name,
            Field::LegalAccepted => &self.legal_accepted,
            Field::Web3Wallet => &self.web3_wallet,
        }
    }
}

/// Whether a field is on, required, and verified at sign-up (and how).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttributeSettings {
    pub enabled: bool,
    pub required: bool,
    pub verify_at_sign_up: bool,
    pub verification_strategies: Vec<Strategy>,
}

/// The current browser or device.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Client {
    pub object: String,
    pub id: String,
    pub sign_up_id: Option<String>,
    pub sign_in_id: Option<String>,
    pub sessions: Vec<Session>,
    pub last_active_session_id: Option<String>,
}

/// A signed-in session of a user on a client.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Session {
    pub object: String,
    pub id: String,
    pub user_id: String,
    /// `active`; `pending` while a task is left (`tasks`); `revoked`.
    pub status: String,
    /// What the user must do before a `pending` session becomes active:
    /// `setup_mfa` (enrol a second factor, `[mfa] required`). Empty otherwise.
    #[serde(default)]
    pub tasks: Vec<String>,
    /// Whether the session's user has a verified TOTP on (two-step
    /// verification), as of this answer.
    #[serde(default)]
    pub totp_enabled: bool,
    pub created_at: i64,
    pub expire_at: i64,
}

/// One of the signed-in user's active sessions, on any client, as
/// `GET /v1/client/sessions/{id}/user_sessions` lists them ("was this
/// you?"). `browser` is the `User-Agent` it signed in with, read for a
/// person ("Chrome 120 on Linux"); `ip_address` the IP it signed in from,
/// then the one of its last token refresh. `current` marks the session the
/// list was asked with.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserSession {
    pub object: String,
    pub id: String,
    pub status: String,
    pub browser: String,
    pub ip_address: Option<String>,
    pub created_at: i64,
    pub last_active_at: i64,
    pub expire_at: i64,
    pub current: bool,
}

/// The signed-in user's active sessions, the most recently active first.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserSessions {
    pub object: String,
    pub data: Vec<UserSession>,
}

/// The sign-up resource.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignUp {
    pub object: String,
    pub id: String,
    pub status: SignUpStatus,
    pub required_fields: Vec<Field>,
    pub optional_fields: Vec<Field>,
    pub missing_fields: Vec<Field>,
    pub unverified_fields: Vec<Field>,
    pub verifications: Verifications,
    pub username: Option<String>,
    pub email_address: Option<String>,
    pub phone_number: Option<String>,
    pub web3_wallet: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub has_password: bool,
    pub legal_accepted: bool,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub unsafe_metadata: Map<String, Value>,
    pub created_session_id: Option<String>,
    pub created_user_id: Option<String>,
    pub abandon_at: i64,
}

/// The verifications of a sign-up, one per verifiable field.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Verifications {
    pub email_address: Option<Verification>,
    pub phone_number: Option<Verification>,
}

/// The state of one field's verification.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Verification {
    pub status: VerificationStatus,
    pub strategy: Option<Strategy>,
    pub attempts: u32,
    pub expire_at: Option<i64>,
    pub next_action: NextAction,
    pub supported_strategies: Vec<Strategy>,
    pub verified_at_client: Option<String>,
}

/// The body of `POST /v1/client/sign_ups` and `PATCH /v1/client/sign_ups/{id}`.
/// Absent and `null` both mean "not supplied".
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignUpParams {
    pub email_address: Option<String>,
    pub phone_number: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub unsafe_metadata: Option<Map<String, Value>>,
    pub legal_accepted: Option<bool>,
    pub web3_wallet: Option<String>,
    pub strategy: Option<String>,
    pub ticket: Option<String>,
    /// The language of the messages sent for this sign-up (a language tag,
    /// `validate::locale`); create only.
    pub locale: Option<String>,
}

impl SignUpParams {
    /// The keys the body may carry; any other is `form_param_unknown`.
    pub const KEYS: [&'static str; 12] = [
        "email_address",
        "phone_number",
        "username",
        "password",
        "first_name",
        "last_name",
        "unsafe_metadata",
        "legal_accepted",
        "web3_wallet",
        "strategy",
        "ticket",
        "locale",
    ];
}

/// The body of `POST .../prepare_verification`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PrepareParams {
    /// Kept as text so an unknown one answers `verification_strategy_invalid`.
    pub strategy: Option<String>,
    pub redirect_url: Option<String>,
}

/// The body of `POST .../attempt_verification`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttemptParams {
    pub strategy: Option<String>,
    pub code: Option<String>,
}

/// One message in the dev outbox (`GET /v1/dev/outbox`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboxMessage {
    pub to: String,
    pub channel: Channel,
    pub subject: String,
    pub body: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    pub sent_at: i64,
}

/// How a message travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Sms,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_serialize_with_wire_names() {
        assert_eq!(serde_json::to_string(&Field::EmailAddress).unwrap(), "\"email_address\"");
        assert_eq!(serde_json::to_string(&NextAction::None).unwrap(), "\"\"");
        assert_eq!(serde_json::to_string(&SignUpStatus::MissingRequirements).unwrap(), "\"missing_requirements\"");
        assert_eq!(
            serde_json::to_string(&ErrorCode::VerificationCodeTooManyRequests).unwrap(),
            "\"verification_code_too_many_requests\""
        );
    }
}
