//! The verification strategies, apart from the sign-up flow.
//!
//! The flow asks a [`CodeStrategy`] which field it verifies, which channel
//! carries its code and how its message reads. A new code strategy is one
//! more arm in [`CodeStrategy::of`]; `email_link` and `ticket` are not
//! served yet, so they have none and the config refuses them.

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
    /// The code strategy behind `strategy`, if this server serves it.
    pub const fn of(strategy: Strategy) -> Option<CodeStrategy> {
        let (field, channel) = match strategy {
            Strategy::EmailCode => (Field::EmailAddress, Channel::Email),
            Strategy::PhoneCode => (Field::PhoneNumber, Channel::Sms),
            Strategy::EmailLink | Strategy::Ticket => return None,
        };
        Some(CodeStrategy { strategy, field, channel })
    }

    /// The `strategy` param of a prepare or attempt: given, known, and
    /// enabled on this instance for its field.
    pub fn from_param(param: Option<&str>, config: &Config) -> Result<CodeStrategy, ApiError> {
        let name = param.ok_or_else(|| ApiError::param(ErrorCode::FormParamMissing, "strategy"))?;
        Strategy::parse(name)
            .filter(|s| config.strategies(s.field()).contains(s))
            .and_then(CodeStrategy::of)
            .ok_or_else(|| ApiError::param(ErrorCode::VerificationStrategyInvalid, "strategy"))
    }

    /// The key of the resend limit: one per address and channel.
    pub fn throttle_key(&self, address: &str) -> String {
        let channel = match self.channel {
            Channel::Email => "email",
            Channel::Sms => "sms",
        };
        format!("{channel}:{address}")
    }

    /// The message that carries `code` to `address`.
    pub fn message(&self, address: &str, code: &str, ttl_seconds: u64, purpose: Purpose) -> Message {
        let minutes = ttl_seconds.div_ceil(60);
        let action = match purpose {
            Purpose::SignUp => "sign up",
            Purpose::SignIn => "sign in",
        };
        let (subject, body) = match self.channel {
            Channel::Email => (
                format!("{code} is your verification code"),
                format!(
                    "Your verification code is {code}.\r\n\r\nIt expires in {minutes} minutes. \
                     If you did not try to {action}, you can ignore this email.\r\n"
                ),
            ),
            Channel::Sms => (
                String::from("Verification code"),
                format!("{code} is your verification code. It expires in {minutes} minutes."),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_strategies_name_their_field_and_channel() {
        let email = CodeStrategy::of(Strategy::EmailCode).unwrap();
        assert_eq!((email.field, email.channel), (Field::EmailAddress, Channel::Email));
        let phone = CodeStrategy::of(Strategy::PhoneCode).unwrap();
        assert_eq!((phone.field, phone.channel), (Field::PhoneNumber, Channel::Sms));
        assert!(CodeStrategy::of(Strategy::EmailLink).is_none());
        assert_eq!(phone.throttle_key("+14155550123"), "sms:+14155550123");
    }

    #[test]
    fn the_strategy_param_must_be_enabled() {
        let mut config = Config::default();
        assert_eq!(CodeStrategy::from_param(Some("email_code"), &config).unwrap().field, Field::EmailAddress);
        let code = |p| CodeStrategy::from_param(p, &config).unwrap_err().code();
        assert_eq!(code(None), ErrorCode::FormParamMissing);
        assert_eq!(code(Some("sms")), ErrorCode::VerificationStrategyInvalid);
        assert_eq!(code(Some("email_link")), ErrorCode::VerificationStrategyInvalid);
        config.attributes.phone_number.enabled = false;
        config.attributes.phone_number.verification_strategies.clear();
        assert_eq!(
            CodeStrategy::from_param(Some("phone_code"), &config).unwrap_err().code(),
            ErrorCode::VerificationStrategyInvalid
        );
    }

    #[test]
    fn messages_carry_the_code() {
        let m = CodeStrategy::of(Strategy::EmailCode).unwrap().message("a@b.co", "042137", 600, Purpose::SignIn);
        assert!(m.subject.contains("042137") && m.body.contains("042137") && m.body.contains("10 minutes"));
        assert!(m.body.contains("try to sign in"));
        assert_eq!(m.code.as_deref(), Some("042137"));
    }
}
