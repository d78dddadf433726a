//! The sign-in operations in plain Rust: each one becomes one request, after
//! the checks of what a person types (the identifier, the code, the
//! password), or an error before anything is sent. The binding layer sends
//! it and takes in the answer.
//!
//! The shape of a call (which `strategy`, which proof goes with it) is the
//! server's to check: the TypeScript types already rule out the wrong ones.
//! Passwords are not held to the sign-up length rules: the server does not
//! either, because an account synced from another system may have one that
//! predates them. An empty one is refused (it cannot be right, and a wrong
//! one counts against the account's limit). A new password (`resetPassword`)
//! is held to them by the server, which answers the same codes.

use crate::error::{Error, Result};
use crate::fetch::Method;
use crate::flow::Request;
use crate::params::{join, JsonObject};
use alloc::string::String;
use gatehouse_protocol::{validate, ErrorCode};

/// One operation on the sign-in, as the JS methods ask for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `{ identifier, password?, strategy?, redirectUrl? }`: a new sign-in.
    Create,
    /// Read the sign-in again.
    Reload,
    /// `{ strategy: "email_code" | "reset_password_email_code" }`: send a
    /// code; `{ strategy: "reset_password_email_link", redirectUrl }`: a link.
    Prepare,
    /// `{ strategy: "email_code" | "reset_password_email_code", code }`,
    /// `{ strategy: "password", password }`, or `{ strategy:
    /// "reset_password_email_link", token }` (a bearer-mode reset link's
    /// token, handed to the app in its redirect's fragment).
    Attempt,
    /// `{ password, signOutOfOtherSessions? }`: the new password after a
    /// reset code.
    ResetPassword,
    /// `{ strategy: "totp" | "backup_code", code }`: the second factor.
    AttemptSecondFactor,
}

/// A param of the sign-in operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Param {
    Identifier,
    Password,
    Strategy,
    Code,
    /// A boolean: the bindings read it as `"true"` or `"false"`.
    SignOutOfOtherSessions,
    /// Where a reset link leads back to (`redirect_url` on the wire).
    RedirectUrl,
    /// A bearer-mode reset link's token.
    Token,
}

impl Param {
    /// Its JS name, and its wire name but for the boolean and `redirectUrl`.
    pub const fn name(self) -> &'static str {
        match self {
            Param::Identifier => "identifier",
            Param::Password => "password",
            Param::Strategy => "strategy",
            Param::Code => "code",
            Param::SignOutOfOtherSessions => "signOutOfOtherSessions",
            Param::RedirectUrl => "redirectUrl",
            Param::Token => "token",
        }
    }
}

impl Op {
    /// The params each operation takes.
    pub const fn params(self) -> &'static [Param] {
        match self {
            Op::Create => &[Param::Identifier, Param::Password, Param::Strategy, Param::RedirectUrl],
            Op::Reload => &[],
            Op::Prepare => &[Param::Strategy, Param::RedirectUrl],
            Op::Attempt => &[Param::Strategy, Param::Code, Param::Password, Param::Token],
            Op::ResetPassword => &[Param::Password, Param::SignOutOfOtherSessions],
            Op::AttemptSecondFactor => &[Param::Strategy, Param::Code],
        }
    }
}

/// Turns an operation on the sign-in `id` (`None` before `create`) into
/// its request. `param` reads each of the operation's params (`None` when
/// absent); values are normalized as the server stores them.
pub fn request(
    op: Op,
    mut param: impl FnMut(&'static str) -> Result<Option<String>>,
    id: Option<&str>,
) -> Result<Request> {
    let mut body = JsonObject::new();
    // A backup code (its strategy comes before the code) has its own format.
    let mut backup = false;
    for &p in op.params() {
        let key = p.name();
        let value = match (param(key)?, p) {
            // Only `create` takes an identifier, and it needs one.
            (None, Param::Identifier) => String::new(),
            (None, _) => continue,
            (Some(value), _) => value,
        };
        // The validators' refusals, turned into the error at one place.
        let value = match p {
            Param::Identifier => validate::identifier(&value).map(|i| i.into_string()),
            Param::Code => validate::second_factor_code(&value, backup),
            Param::Token => validate::link_token(&value).map(|()| value),
            Param::Strategy => {
                backup = op == Op::AttemptSecondFactor && value == "backup_code";
                Ok(value)
            }
            Param::Password if value.is_empty() => return Err(Error::param(ErrorCode::FormParamMissing, key)),
            Param::SignOutOfOtherSessions => {
                if value != "true" && value != "false" {
                    return Err(Error::param(ErrorCode::FormParamFormatInvalid, key));
                }
                body.raw("sign_out_of_other_sessions", &value);
                continue;
            }
            Param::RedirectUrl => {
                body.string("redirect_url", &value);
                continue;
            }
            _ => Ok(value),
        };
        body.string(key, &value?);
    }
    let (method, rest) = match op {
        Op::Create => (Method::Post, None),
        Op::Reload => (Method::Get, Some("")),
        Op::Prepare => (Method::Post, Some("/prepare_first_factor")),
        Op::Attempt => (Method::Post, Some("/attempt_first_factor")),
        Op::ResetPassword => (Method::Post, Some("/reset_password")),
        Op::AttemptSecondFactor => (Method::Post, Some("/attempt_second_factor")),
    };
    let path = match (rest, id) {
        (None, _) => String::from("/v1/client/sign_ins"),
        (Some(rest), Some(id)) => join(&["/v1/client/sign_ins/", id, rest]),
        (Some(_), None) => return Err(Error::sdk(ErrorCode::SignInNotFound, None)),
    };
    Ok(Request { method, path, body: (method == Method::Post).then(|| body.finish()) })
}

#[cfg(test)]
#[path = "tests/sign_in.rs"]
mod tests;
