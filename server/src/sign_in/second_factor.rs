//! `POST /v1/client/sign_ins/{id}/attempt_second_factor`: `{strategy:
//! "totp", code}` or `{strategy: "backup_code", code}`, for a sign-in in
//! `needs_second_factor`; a right code completes it.
//!
//! The code is checked by `crate::totp::check`: a TOTP code once only,
//! a backup code spent, wrong ones counted per user (and answered
//! `form_code_incorrect` after the commit; at the limit, 429 `rate_limited`).

use super::{Ctx, Proof, Step};
use crate::error::ApiError;
use crate::model::SignInRecord;
use crate::verification::Outcome;
use gatehouse_protocol::wire::AttemptSecondFactorParams;
use gatehouse_protocol::{ErrorCode, SecondFactor, validate};

/// A code for a second factor.
#[derive(Debug)]
pub struct AttemptSecondFactor {
    factor: SecondFactor,
    code: String,
}

impl AttemptSecondFactor {
    /// Reads the strategy and the code (in the strategy's format).
    pub fn parse(params: AttemptSecondFactorParams) -> Result<AttemptSecondFactor, ApiError> {
        let name = params.strategy.ok_or_else(|| ApiError::param(ErrorCode::FormParamMissing, "strategy"))?;
        let factor = SecondFactor::parse(&name)
            .ok_or_else(|| ApiError::param(ErrorCode::VerificationStrategyInvalid, "strategy"))?;
        let code = params.code.ok_or_else(|| ApiError::param(ErrorCode::FormParamMissing, "code"))?;
        let code = validate::second_factor_code(&code, factor == SecondFactor::BackupCode)?;
        Ok(AttemptSecondFactor { factor, code })
    }

    pub(super) async fn apply(self, ctx: &mut Ctx<'_>, sign_in: &mut SignInRecord) -> Result<Step, ApiError> {
        let user_id = sign_in.user_id.as_deref().ok_or(ApiError::Refused(ErrorCode::SignInNotFound))?;
        let right =
            crate::totp::check::second_factor(&mut ctx.tx, ctx.state, user_id, self.factor, &self.code, ctx.now)
                .await?;
        Ok(match right {
            true => Step { proof: Some(Proof::SecondFactor), ..Step::default() },
            false => Step { outcome: Outcome::refused(ErrorCode::FormCodeIncorrect), proof: None },
        })
    }
}
