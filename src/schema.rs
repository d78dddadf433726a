//! The shapes of the server's answers, as static tables: for each key, its
//! wire name and what its value must be.
//!
//! `decode` walks an answer with these tables: it checks every value and
//! builds the JS object the SDK exposes, with camelCase keys. Plain data, so
//! one small walker replaces a hand-written decoder per resource.

use alloc::string::String;
use gatehouse_protocol::{
    FirstFactor, NextAction, SignInStatus, SignUpMode, SignUpStatus, Strategy, VerificationStatus,
};

/// What one value must be. The lists are behind a second reference (one
/// pointer, not a pointer and a length): 8 bytes a kind instead of 12, in
/// tables of about 100 keys.
#[derive(Clone, Copy)]
pub enum Kind {
    Str,
    /// A string or `null`.
    OptStr,
    /// A string, `null` or absent; absent and `null` leave the key out.
    MaybeStr,
    /// One of these strings (a wire enum's names). A list, not a parse
    /// function: a function pointer is the wasm's one indirect call, and
    /// that call keeps its whole function table, with the dead formatting
    /// and closure code in it (about 2 KiB gzip).
    Enum(&'static &'static [&'static str]),
    /// An enum value or `null`.
    OptEnum(&'static &'static [&'static str]),
    Bool,
    Num,
    OptNum,
    /// An array of strings (kept as sent: wire names such as `"first_name"`).
    Strs,
    /// An object of these keys (others are dropped).
    Obj(&'static &'static [Key]),
    /// Such an object or `null`.
    OptObj(&'static &'static [Key]),
    /// An array of such objects.
    List(&'static &'static [Key]),
    /// Any JSON object, kept as it is (the app's own metadata).
    AnyObj,
}

/// One key of an object: its wire (snake_case) name and its kind.
#[derive(Clone, Copy)]
pub struct Key(pub &'static str, pub Kind);

const ATTRIBUTE: &[Key] = &[
    Key("enabled", Kind::Bool),
    Key("required", Kind::Bool),
    Key("verify_at_sign_up", Kind::Bool),
    Key("verification_strategies", Kind::Strs),
];

const LENGTH_RULES: &[Key] = &[Key("min_length", Kind::Num), Key("max_length", Kind::Num)];

/// The sign-up attributes of the environment.
const ATTRIBUTES: &[Key] = &[
    Key("email_address", Kind::Obj(&ATTRIBUTE)),
    Key("phone_number", Kind::Obj(&ATTRIBUTE)),
    Key("username", Kind::Obj(&ATTRIBUTE)),
    Key("password", Kind::Obj(&ATTRIBUTE)),
    Key("first_name", Kind::Obj(&ATTRIBUTE)),
    Key("last_name", Kind::Obj(&ATTRIBUTE)),
    Key("legal_accepted", Kind::Obj(&ATTRIBUTE)),
    Key("web3_wallet", Kind::Obj(&ATTRIBUTE)),
];

/// The environment's sign-up settings.
const SIGN_UP_SETTINGS: &[Key] =
    &[Key("mode", Kind::Enum(&SignUpMode::NAMES)), Key("attributes", Kind::Obj(&ATTRIBUTES))];

/// The sign-in statuses this server makes.
const SIGN_IN_STATUSES: &[&str] = &[
    SignInStatus::NeedsFirstFactor.as_str(),
    SignInStatus::NeedsNewPassword.as_str(),
    SignInStatus::Complete.as_str(),
];

/// One of a sign-in's supported first factors.
const FIRST_FACTOR: &[Key] =
    &[Key("strategy", Kind::Enum(&FirstFactor::NAMES)), Key("safe_identifier", Kind::MaybeStr)];

/// A sign-in's first factor verification.
const FIRST_FACTOR_VERIFICATION: &[Key] = &[
    V_STATUS,
    Key("strategy", Kind::Enum(&FirstFactor::NAMES)),
    V_ATTEMPTS,
    V_EXPIRE_AT,
    V_NEXT_ACTION,
    V_VERIFIED_AT_CLIENT,
];

/// A session token.
const TOKEN: &[Key] = &[Key("jwt", Kind::Str), Key("issued_at", Kind::Num), Key("expire_at", Kind::Num)];

/// A sign-up's verifications.
const VERIFICATIONS: &[Key] =
    &[Key("email_address", Kind::OptObj(&VERIFICATION)), Key("phone_number", Kind::OptObj(&VERIFICATION))];

/// `GET /v1/environment`.
pub const ENVIRONMENT: &[Key] = &[
    Key("sign_up", Kind::Obj(&SIGN_UP_SETTINGS)),
    Key("password_settings", Kind::Obj(&LENGTH_RULES)),
    Key("username_settings", Kind::Obj(&LENGTH_RULES)),
    Key("dev_mode", Kind::Bool),
];

/// The `Session` resource (in the client's list, and signed out).
pub const SESSION: &[Key] = &[
    Key("id", Kind::Str),
    Key("user_id", Kind::Str),
    Key("status", Kind::Str),
    Key("created_at", Kind::Num),
    Key("expire_at", Kind::Num),
];

/// The `Client` resource.
pub const CLIENT: &[Key] = &[
    Key("id", Kind::Str),
    Key("sign_up_id", Kind::OptStr),
    Key("sign_in_id", Kind::OptStr),
    Key("sessions", Kind::List(&SESSION)),
    Key("last_active_session_id", Kind::OptStr),
];

// The keys a sign-in's first factor shares with a sign-up's verification.
const V_STATUS: Key = Key("status", Kind::Enum(&VerificationStatus::NAMES));
const V_ATTEMPTS: Key = Key("attempts", Kind::Num);
const V_EXPIRE_AT: Key = Key("expire_at", Kind::OptNum);
const V_NEXT_ACTION: Key = Key("next_action", Kind::Enum(&NextAction::NAMES));
const V_VERIFIED_AT_CLIENT: Key = Key("verified_at_client", Kind::OptStr);

const VERIFICATION: &[Key] = &[
    V_STATUS,
    Key("strategy", Kind::OptEnum(&Strategy::NAMES)),
    V_ATTEMPTS,
    V_EXPIRE_AT,
    V_NEXT_ACTION,
    Key("supported_strategies", Kind::Strs),
    V_VERIFIED_AT_CLIENT,
];

/// The `SignIn` resource. Its status is one of the two this server makes
/// (`needs_identifier` is never produced: the identifier is required).
pub const SIGN_IN: &[Key] = &[
    Key("id", Kind::Str),
    Key("status", Kind::Enum(&SIGN_IN_STATUSES)),
    Key("identifier", Kind::OptStr),
    Key("supported_first_factors", Kind::List(&FIRST_FACTOR)),
    Key("first_factor_verification", Kind::OptObj(&FIRST_FACTOR_VERIFICATION)),
    Key("created_session_id", Kind::OptStr),
    Key("user_id", Kind::OptStr),
    Key("abandon_at", Kind::Num),
];

/// `{ "response": SignIn, "client": Client }`.
pub const SIGN_IN_ENVELOPE: &[Key] = &[Key("response", Kind::Obj(&SIGN_IN)), Key("client", Kind::Obj(&CLIENT))];

/// `{ "response": Session, "client": Client }` (signing out).
pub const SESSION_ENVELOPE: &[Key] = &[Key("response", Kind::Obj(&SESSION)), Key("client", Kind::Obj(&CLIENT))];

/// One of the user's sessions, as `gh.user.sessions()` lists it.
const USER_SESSION: &[Key] = &[
    Key("id", Kind::Str),
    Key("status", Kind::Str),
    Key("browser", Kind::Str),
    Key("ip_address", Kind::OptStr),
    Key("created_at", Kind::Num),
    Key("last_active_at", Kind::Num),
    Key("expire_at", Kind::Num),
    Key("current", Kind::Bool),
];

const USER_SESSIONS: &[Key] = &[Key("data", Kind::List(&USER_SESSION))];

/// `{ "response": { "data": [UserSession] }, "client": Client }`.
pub const USER_SESSIONS_ENVELOPE: &[Key] =
    &[Key("response", Kind::Obj(&USER_SESSIONS)), Key("client", Kind::Obj(&CLIENT))];

/// `{ "response": Token, "client": Client }`: a session JWT, with its
/// `iat` and `exp` in epoch ms of the server's clock.
pub const TOKEN_ENVELOPE: &[Key] = &[Key("response", Kind::Obj(&TOKEN)), Key("client", Kind::Obj(&CLIENT))];

/// The `SignUp` resource.
pub const SIGN_UP: &[Key] = &[
    Key("id", Kind::Str),
    Key("status", Kind::Enum(&SignUpStatus::NAMES)),
    Key("required_fields", Kind::Strs),
    Key("optional_fields", Kind::Strs),
    Key("missing_fields", Kind::Strs),
    Key("unverified_fields", Kind::Strs),
    Key("verifications", Kind::Obj(&VERIFICATIONS)),
    Key("username", Kind::OptStr),
    Key("email_address", Kind::OptStr),
    Key("phone_number", Kind::OptStr),
    Key("web3_wallet", Kind::OptStr),
    Key("first_name", Kind::OptStr),
    Key("last_name", Kind::OptStr),
    Key("has_password", Kind::Bool),
    Key("legal_accepted", Kind::Bool),
    Key("unsafe_metadata", Kind::AnyObj),
    Key("created_session_id", Kind::OptStr),
    Key("created_user_id", Kind::OptStr),
    Key("abandon_at", Kind::Num),
];

/// `{ "response": SignUp, "client": Client }`.
pub const SIGN_UP_ENVELOPE: &[Key] = &[Key("response", Kind::Obj(&SIGN_UP)), Key("client", Kind::Obj(&CLIENT))];

/// `{ "response": Client, "client": Client }` (`GET /v1/client`).
pub const CLIENT_ENVELOPE: &[Key] = &[Key("client", Kind::Obj(&CLIENT))];

/// The JS name of a wire name: `verify_at_sign_up` → `verifyAtSignUp`.
pub fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else {
            out.push(if upper { c.to_ascii_uppercase() } else { c });
            upper = false;
        }
    }
    out
}

#[cfg(test)]
#[path = "tests/schema.rs"]
mod tests;
