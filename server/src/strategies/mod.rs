//! The verification strategies, apart from the flows that use them.
//!
//! A flow asks a [`Verifier`] which field it verifies and how: a code the
//! person types ([`CodeStrategy`]: `email_code`, `phone_code`; sign-ups and
//! sign-ins) or a link they open ([`LinkStrategy`]: `email_link`; sign-ups).
//! A new strategy is one more arm in [`Verifier::of`]. `ticket` has none:
//! it is no verification a sign-up prepares, but the invitation a sign-up
//! starts from (`crate::invitations`), so the config refuses it in
//! `verification_strategies`.

pub mod code;
pub mod email_link;

pub use code::{CodeStrategy, Purpose};
pub use email_link::LinkStrategy;

use crate::config::Config;
use crate::error::ApiError;
use gatehouse_protocol::wire::Channel;
use gatehouse_protocol::{ErrorCode, Field, Strategy};

/// A strategy this server serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verifier {
    Code(CodeStrategy),
    Link(LinkStrategy),
}

impl Verifier {
    /// How `strategy` verifies, if this server serves it.
    pub const fn of(strategy: Strategy) -> Option<Verifier> {
        Some(match strategy {
            Strategy::EmailCode => Verifier::Code(CodeStrategy::EMAIL),
            Strategy::PhoneCode => Verifier::Code(CodeStrategy::PHONE),
            Strategy::EmailLink => Verifier::Link(LinkStrategy { strategy, field: Field::EmailAddress }),
            Strategy::Ticket => return None,
        })
    }

    /// The `strategy` param of a prepare or attempt: given, known, and
    /// enabled on this instance for its field.
    pub fn from_param(param: Option<&str>, config: &Config) -> Result<Verifier, ApiError> {
        let name = param.ok_or_else(|| ApiError::param(ErrorCode::FormParamMissing, "strategy"))?;
        Strategy::parse(name)
            .filter(|s| config.strategies(s.field()).contains(s))
            .and_then(Verifier::of)
            .ok_or_else(|| ApiError::param(ErrorCode::VerificationStrategyInvalid, "strategy"))
    }

    /// The field it verifies.
    pub const fn field(&self) -> Field {
        match self {
            Verifier::Code(code) => code.field,
            Verifier::Link(link) => link.field,
        }
    }

    /// How its message travels.
    pub const fn channel(&self) -> Channel {
        match self {
            Verifier::Code(code) => code.channel,
            Verifier::Link(_) => Channel::Email,
        }
    }

    /// The key of the resend limit: one per address and strategy. A person
    /// who got a code may ask for a link at once (and the other way round),
    /// and an address gets at most one message of each per interval.
    pub fn throttle_key(&self, address: &str) -> String {
        let strategy = match self {
            Verifier::Code(code) => code.strategy,
            Verifier::Link(link) => link.strategy,
        };
        format!("{}:{address}", strategy.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn served_strategies_name_their_field_and_channel() {
        let email = Verifier::of(Strategy::EmailCode).unwrap();
        assert_eq!((email.field(), email.channel()), (Field::EmailAddress, Channel::Email));
        let phone = Verifier::of(Strategy::PhoneCode).unwrap();
        assert_eq!((phone.field(), phone.channel()), (Field::PhoneNumber, Channel::Sms));
        let link = Verifier::of(Strategy::EmailLink).unwrap();
        assert_eq!((link.field(), link.channel()), (Field::EmailAddress, Channel::Email));
        assert!(Verifier::of(Strategy::Ticket).is_none());
        assert_eq!(phone.throttle_key("+14155550123"), "phone_code:+14155550123");
        assert_ne!(link.throttle_key("a@b.co"), email.throttle_key("a@b.co"));
    }

    #[test]
    fn the_config_check_accepts_exactly_the_served_strategies() {
        // `crate::config::check` cannot ask `Verifier::of` (config sits below
        // the strategies): it accepts every strategy but `ticket`, for its
        // own field. This keeps that rule and `Verifier::of` in step.
        for &strategy in Strategy::ALL {
            let served = Verifier::of(strategy).map(|v| v.field());
            assert_eq!(served, (strategy != Strategy::Ticket).then(|| strategy.field()), "{strategy:?}");
        }
    }

    #[test]
    fn the_strategy_param_must_be_enabled() {
        let mut config = Config::default();
        assert_eq!(Verifier::from_param(Some("email_code"), &config).unwrap().field(), Field::EmailAddress);
        assert!(matches!(Verifier::from_param(Some("email_link"), &config).unwrap(), Verifier::Link(_)));
        let code = |p, config: &Config| Verifier::from_param(p, config).unwrap_err().code();
        assert_eq!(code(None, &config), ErrorCode::FormParamMissing);
        assert_eq!(code(Some("sms"), &config), ErrorCode::VerificationStrategyInvalid);
        assert_eq!(code(Some("ticket"), &config), ErrorCode::VerificationStrategyInvalid);
        config.attributes.email_address.verification_strategies = vec![Strategy::EmailCode];
        assert_eq!(code(Some("email_link"), &config), ErrorCode::VerificationStrategyInvalid);
        config.attributes.phone_number.enabled = false;
        config.attributes.phone_number.verification_strategies.clear();
        assert_eq!(code(Some("phone_code"), &config), ErrorCode::VerificationStrategyInvalid);
    }
}
