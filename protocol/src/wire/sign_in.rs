//! Sign-ins, session tokens and the JWKS: the JSON of the sign-in and
//! session endpoints.

use crate::{FirstFactor, NextAction, SecondFactor, SignInStatus, VerificationStatus};
use serde::{Deserialize, Serialize};

/// The sign-in resource.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignIn {
    pub object: String,
    pub id: String,
    pub status: SignInStatus,
    /// The identifier as the server normalized it.
    pub identifier: Option<String>,
    /// The factors this account can sign in with on this instance.
    pub supported_first_factors: Vec<FirstFactorOption>,
    /// The factor chosen, and how far it got; `null` until one is chosen.
    pub first_factor_verification: Option<FirstFactorVerification>,
    /// The second factors that complete it, in `needs_second_factor`
    /// (`totp`, `backup_code`); empty in every other status.
    pub supported_second_factors: Vec<SecondFactorOption>,
    pub created_session_id: Option<String>,
    /// Set once the sign-in is complete (never before: it would tell who
    /// an identifier belongs to before they proved it).
    pub user_id: Option<String>,
    pub abandon_at: i64,
}

/// One factor a sign-in may use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FirstFactorOption {
    pub strategy: FirstFactor,
    /// Where a code goes (`email_code`): the identifier itself, or the
    /// account's email masked (`c***@example.com`) when the person typed
    /// a username or phone number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub safe_identifier: Option<String>,
}

/// One second factor a sign-in may use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecondFactorOption {
    pub strategy: SecondFactor,
}

/// The state of the chosen first factor; the keys of a sign-up's
/// `Verification`, with a first-factor strategy.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FirstFactorVerification {
    pub status: VerificationStatus,
    pub strategy: FirstFactor,
    pub attempts: u32,
    pub expire_at: Option<i64>,
    pub next_action: NextAction,
    pub verified_at_client: Option<String>,
}

/// The body of `POST /v1/client/sign_ins`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignInParams {
    pub identifier: Option<String>,
    pub password: Option<String>,
    /// Kept as text so an unknown one answers `verification_strategy_invalid`.
    pub strategy: Option<String>,
    /// Where a `reset_password_email_link` link leads back to, once
    /// confirmed (this server's origin or an allowed one); only with that
    /// strategy.
    pub redirect_url: Option<String>,
}

impl SignInParams {
    pub const KEYS: [&'static str; 4] = ["identifier", "password", "strategy", "redirect_url"];
}

/// The body of `POST .../prepare_first_factor`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PrepareFirstFactorParams {
    pub strategy: Option<String>,
    /// Where a `reset_password_email_link` link leads back to; only with
    /// that strategy.
    pub redirect_url: Option<String>,
}

impl PrepareFirstFactorParams {
    pub const KEYS: [&'static str; 2] = ["strategy", "redirect_url"];
}

/// The body of `POST .../attempt_first_factor`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttemptFirstFactorParams {
    pub strategy: Option<String>,
    pub code: Option<String>,
    pub password: Option<String>,
    /// The token of a `reset_password_email_link` link asked for in bearer
    /// mode, handed to the app in its redirect's fragment
    /// (`#gh_reset_token=...`); only with that strategy.
    pub token: Option<String>,
}

/// The body of `POST .../attempt_second_factor`: `strategy` is `totp`
/// (a 6-digit code) or `backup_code` (a 10-character code).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttemptSecondFactorParams {
    /// Kept as text so an unknown one answers `verification_strategy_invalid`.
    pub strategy: Option<String>,
    pub code: Option<String>,
}

impl AttemptSecondFactorParams {
    pub const KEYS: [&'static str; 2] = ["strategy", "code"];
}

/// A user's TOTP (time-based one-time password, RFC 6238), as
/// `POST /v1/client/sessions/{id}/totp` and its verification answer it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Totp {
    /// `totp`.
    pub object: String,
    /// The shared secret in base32, for typing into an authenticator app;
    /// only in the answer of the create (`null` afterwards).
    pub secret: Option<String>,
    /// The same secret as an `otpauth://totp/...` URI (for a QR code);
    /// only in the answer of the create.
    pub uri: Option<String>,
    /// Whether it is on: `false` until a code from the app verified it.
    pub verified: bool,
    /// The ten one-time backup codes: only in the answer of the
    /// verification that turns it on (the server keeps them hashed);
    /// empty in every other answer.
    pub backup_codes: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The body of `POST .../totp/attempt_verification` and `POST .../totp/disable`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TotpCodeParams {
    pub code: Option<String>,
}

impl TotpCodeParams {
    pub const KEYS: [&'static str; 1] = ["code"];
}

/// The body of `POST .../reset_password`: the new password, once the
/// reset code is proven (`needs_new_password`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResetPasswordParams {
    pub password: Option<String>,
    /// Whether every other session of the user ends; `true` when absent.
    pub sign_out_of_other_sessions: Option<bool>,
}

impl ResetPasswordParams {
    pub const KEYS: [&'static str; 2] = ["password", "sign_out_of_other_sessions"];
}

/// `POST /v1/client/sessions/{id}/tokens`: a session JWT.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Token {
    pub object: String,
    pub jwt: String,
    /// `iat` and `exp` of the JWT, in epoch milliseconds (the server's
    /// clock): their difference is the token's lifetime.
    pub issued_at: i64,
    pub expire_at: i64,
}

/// `GET /.well-known/jwks.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

/// An Ed25519 public key (RFC 8037).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Jwk {
    pub kty: String,
    pub crv: String,
    /// The public key, base64url without padding.
    pub x: String,
    pub kid: String,
    pub alg: String,
    #[serde(rename = "use")]
    pub use_: String,
}
