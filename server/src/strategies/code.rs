//! `email_code` and `phone_code`: a 6-digit code sent to the address, typed
//! back by the person. Sign-ups and sign-ins both send them; making and
//! checking one is `crate::verification`'s.

use super::Verifier;
use crate::config::Config;
use crate::delivery::Message;
use crate::error::ApiError;
use crate::mail::{Mail, Recipient, Templates};
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

    /// The message that carries `code` to `to`, in their language.
    pub fn message(
        &self,
        templates: &Templates,
        to: Recipient<'_>,
        code: &str,
        ttl_seconds: u64,
        purpose: Purpose,
    ) -> anyhow::Result<Message> {
        let mail = match self.channel {
            Channel::Email if purpose == Purpose::ResetPassword => {
                Mail::PasswordResetCode { code, lifetime_seconds: ttl_seconds }
            }
            Channel::Email => {
                Mail::EmailCode { code, lifetime_seconds: ttl_seconds, sign_in: purpose == Purpose::SignIn }
            }
            Channel::Sms => Mail::SmsCode { code, lifetime_seconds: ttl_seconds },
        };
        templates.render(&mail, to)
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
        let templates = Templates::load(&crate::config::MailSettings::default()).unwrap();
        let Some(Verifier::Code(email)) = Verifier::of(Strategy::EmailCode) else { panic!() };
        let to = Recipient::new("a@b.co", crate::mail::Locale::En);
        let m = email.message(&templates, to, "042137", 600, Purpose::SignIn).unwrap();
        assert!(m.subject.contains("042137") && m.body.contains("042137") && m.body.contains("10 minutes"));
        assert!(m.body.contains("try to sign in") && m.html.is_some());
        assert_eq!(m.code.as_deref(), Some("042137"));
        let to = Recipient::new("+15555550100", crate::mail::Locale::En);
        let m = CodeStrategy::PHONE.message(&templates, to, "042137", 600, Purpose::SignUp).unwrap();
        assert_eq!(m.body, "042137 is your Gatehouse verification code. It expires in 10 minutes.");
        assert_eq!((m.channel, m.html), (Channel::Sms, None));
        let to = Recipient::new("a@b.co", crate::mail::Locale::En);
        let reset = email.message(&templates, to, "042137", 600, Purpose::ResetPassword).unwrap();
        assert!(reset.subject.contains("password reset code") && reset.body.contains("042137"));
        assert!(reset.body.contains("10 minutes") && reset.body.contains("reset your password"));
        assert_eq!((reset.channel, reset.code.as_deref()), (Channel::Email, Some("042137")));
    }
}
