//! `email_code` and `phone_code`: a 6-digit code sent to the address, typed
//! back by the person. Sign-ups and sign-ins both send them; making and
//! checking one is `crate::verification`'s.

use super::Verifier;
use crate::config::Config;
use crate::delivery::Message;
use crate::error::ApiError;
use gatehouse_protocol::wire::Channel;
use gatehouse_protocol::{ErrorCode, Field, Strategy};

/// Why a code is sent: the message says so.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    SignUp,
    SignIn,
    /// A sign-in that sets a new password (`reset_password_email_code`).
    ResetPassword,
}

impl Purpose {
    /// Its name in the keys of the limits on wrong codes. A reset code
    /// counts with the sign-in codes: both end in a session, so a guesser
    /// gets one budget for the two, not one each.
    pub const fn as_str(self) -> &'static str {
        match self {
            Purpose::SignUp => "sign_up",
            Purpose::SignIn | Purpose::ResetPassword => "sign_in",
        }
    }
}

/// A strategy that verifies a field by a code sent to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodeStrategy {
    pub strategy: Strategy,
    /// The field it verifies.
    pub field: Field,
    /// How its code travels.
    pub channel: Channel,
}

impl CodeStrategy {
    /// `email_code`: a code emailed to the address.
    pub const EMAIL: CodeStrategy =
        CodeStrategy { strategy: Strategy::EmailCode, field: Field::EmailAddress, channel: Channel::Email };
    /// `phone_code`: a code texted to the number.
    pub const PHONE: CodeStrategy =
        CodeStrategy { strategy: Strategy::PhoneCode, field: Field::PhoneNumber, channel: Channel::Sms };

    /// The `strategy` param of an attempt: a code strategy, enabled for its
    /// field (a link is never attempted).
    pub fn from_param(param: Option<&str>, config: &Config) -> Result<CodeStrategy, ApiError> {
        match Verifier::from_param(param, config)? {
            Verifier::Code(code) => Ok(code),
            Verifier::Link(_) => Err(ApiError::param(ErrorCode::VerificationStrategyInvalid, "strategy")),
        }
    }

    /// The message that carries `code` to `address`.
    pub fn message(&self, address: &str, code: &str, ttl_seconds: u64, purpose: Purpose) -> Message {
        let lifetime = super::lifetime_in_words(ttl_seconds);
        let action = match purpose {
            Purpose::SignUp => "sign up",
            Purpose::SignIn => "sign in",
            Purpose::ResetPassword => return reset_password_message(address, code, &lifetime),
        };
        let (subject, body) = match self.channel {
            Channel::Email => (
                format!("{code} is your verification code"),
                format!(
                    "Your verification code is {code}.\r\n\r\nIt expires in {lifetime}. \
                     If you did not try to {action}, you can ignore this email.\r\n"
                ),
            ),
            Channel::Sms => (
                String::from("Verification code"),
                format!("{code} is your verification code. It expires in {lifetime}."),
            ),
        };
        Message {
            to: String::from(address),
            channel: self.channel,
            subject,
            body,
            code: Some(String::from(code)),
            link: None,
        }
    }
}

/// The email that carries a password reset code (only ever by email: a
/// reset starts from an email address).
fn reset_password_message(address: &str, code: &str, lifetime: &str) -> Message {
    Message {
        to: String::from(address),
        channel: Channel::Email,
        subject: format!("{code} is your password reset code"),
        body: format!(
            "Your password reset code is {code}.\r\n\r\nIt expires in {lifetime}. \
             If you did not ask to reset your password, you can ignore this email: \
             your password stays as it is.\r\n"
        ),
        code: Some(String::from(code)),
        link: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_code_strategies_are_attempted() {
        let config = Config::default();
        assert_eq!(CodeStrategy::from_param(Some("phone_code"), &config).unwrap().channel, Channel::Sms);
        let link = CodeStrategy::from_param(Some("email_link"), &config).unwrap_err();
        assert_eq!(link.code(), ErrorCode::VerificationStrategyInvalid);
    }

    #[test]
    fn messages_carry_the_code() {
        let Some(Verifier::Code(email)) = Verifier::of(Strategy::EmailCode) else { panic!() };
        let m = email.message("a@b.co", "042137", 600, Purpose::SignIn);
        assert!(m.subject.contains("042137") && m.body.contains("042137") && m.body.contains("10 minutes"));
        assert!(m.body.contains("try to sign in"));
        assert_eq!(m.code.as_deref(), Some("042137"));
        let reset = email.message("a@b.co", "042137", 600, Purpose::ResetPassword);
        assert!(reset.subject.contains("password reset code") && reset.body.contains("042137"));
        assert!(reset.body.contains("10 minutes") && reset.body.contains("reset your password"));
        assert_eq!((reset.channel, reset.code.as_deref()), (Channel::Email, Some("042137")));
    }
}
