//! Which first factors an account offers, the `strategy` param, and how a
//! code's message shows the address ([`mask_email`]).

use crate::config::Config;
use crate::error::{ApiError, Problem};
use crate::model::UserRecord;
use gatehouse_protocol::validate::Identifier;
use gatehouse_protocol::{ErrorCode, Field, FirstFactor, Strategy};

/// The factors `user` can sign in with here: a password if they have one;
/// an email code if they have an email and `email_code` is on; a password
/// reset by email code if they have an email, and by email link too if
/// `email_link` is on.
pub fn supported(user: &UserRecord, config: &Config) -> Vec<FirstFactor> {
    let mut factors = Vec::new();
    if user.password_hash.is_some() {
        factors.push(FirstFactor::Password);
    }
    if user.email_address.is_some() && config.strategies(Field::EmailAddress).contains(&Strategy::EmailCode) {
        factors.push(FirstFactor::EmailCode);
    }
    if user.email_address.is_some() {
        factors.extend(for_reset(config));
    }
    factors
}

/// The factors of a sign-in created for a password reset: the same for
/// every address, with an account or not (what an account offers would
/// tell that it exists): by code, and by link if `email_link` is on.
pub fn for_reset(config: &Config) -> Vec<FirstFactor> {
    let mut factors = vec![FirstFactor::ResetPasswordEmailCode];
    if config.strategies(Field::EmailAddress).contains(&Strategy::EmailLink) {
        factors.push(FirstFactor::ResetPasswordEmailLink);
    }
    factors
}

/// Where a code would go, as the sign-in may show it: the email itself if
/// the person typed it, else masked.
pub fn safe_identifier(user: &UserRecord, identifier: &Identifier) -> Option<String> {
    let email = user.email_address.as_deref()?;
    Some(match identifier {
        Identifier::EmailAddress(typed) if typed == email => String::from(email),
        _ => mask_email(email),
    })
}

/// The `strategy` param: given, and a first factor.
pub fn parse(strategy: Option<&str>) -> Result<FirstFactor, ApiError> {
    let name = strategy.ok_or_else(|| ApiError::param(ErrorCode::FormParamMissing, "strategy"))?;
    FirstFactor::parse(name).ok_or_else(|| ApiError::param(ErrorCode::VerificationStrategyInvalid, "strategy"))
}

/// Refuses a factor the account does not offer.
pub fn require(supported: &[FirstFactor], factor: FirstFactor) -> Result<(), ApiError> {
    if supported.contains(&factor) { Ok(()) } else { Err(unavailable(factor)) }
}

/// `verification_strategy_invalid`, saying why for this factor.
pub fn unavailable(factor: FirstFactor) -> ApiError {
    let message = match factor {
        FirstFactor::Password => "This account has no password. Sign in with a code instead.",
        FirstFactor::EmailCode => "This account cannot get a code by email.",
        FirstFactor::ResetPasswordEmailCode => "This account has no email address to reset its password with.",
        FirstFactor::ResetPasswordEmailLink => "This account cannot reset its password by email link here.",
    };
    ApiError::Params(vec![Problem {
        code: ErrorCode::VerificationStrategyInvalid,
        param: Some(String::from("strategy")),
        message: Some(message),
    }])
}

/// What a code's message may show of an email address: the first
/// character of the local part, then `***`.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => String::from("***"),
    }
}
