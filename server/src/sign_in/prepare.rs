//! `POST /v1/client/sign_ins/{id}/prepare_first_factor`: send a code to
//! the account's email (`{strategy: "email_code"}`), or a password reset
//! code (`{strategy: "reset_password_email_code"}`, `super::reset_password`).

use super::{Ctx, Step, factors};
use crate::error::ApiError;
use crate::mail::{AskedLocale, Locale, Recipient};
use crate::model::SignInRecord;
use crate::strategies::{CodeStrategy, Purpose};
use crate::verification::{self, Outcome};
use gatehouse_protocol::wire::PrepareFirstFactorParams;
use gatehouse_protocol::{ErrorCode, FirstFactor};

/// A code to send, in the language the request asks for (`Accept-Language`).
#[derive(Debug)]
pub struct Prepare {
    /// `email_code` or `reset_password_email_code`.
    factor: FirstFactor,
    asked: AskedLocale,
}

impl Prepare {
    /// Only a code is prepared; a password has nothing to send.
    pub fn parse(params: PrepareFirstFactorParams, asked: AskedLocale) -> Result<Prepare, ApiError> {
        match factors::parse(params.strategy.as_deref())? {
            FirstFactor::Password => Err(ApiError::param(ErrorCode::VerificationStrategyInvalid, "strategy")),
            factor => Ok(Prepare { factor, asked }),
        }
    }

    /// Chooses the code's factor and sends a new one, under the same resend
    /// limit as sign-up codes (per address).
    pub(super) async fn apply(self, ctx: &mut Ctx<'_>, sign_in: &mut SignInRecord) -> Result<Step, ApiError> {
        factors::require(&sign_in.supported, self.factor)?;
        if self.factor == FirstFactor::ResetPasswordEmailCode {
            return super::reset_password::send_code(ctx, sign_in, self.asked).await;
        }
        let user = super::user_of(&mut ctx.tx, sign_in).await?;
        let (address, name) = user
            .and_then(|u| Some((u.email_address?, u.first_name)))
            .ok_or_else(|| factors::unavailable(FirstFactor::EmailCode))?;
        let to = Recipient { address: &address, name: name.as_deref(), locale: Locale::choose(None, self.asked) };
        let (code, delivery) = verification::send_code(
            &mut ctx.tx,
            ctx.state,
            ctx.now,
            &sign_in.id,
            CodeStrategy::EMAIL,
            to,
            Purpose::SignIn,
        )
        .await?;
        sign_in.choose(FirstFactor::EmailCode);
        sign_in.verification = code;
        Ok(Step { outcome: Outcome { delivery: Some(delivery), refusal: None }, proof: None })
    }
}
