//! `POST /v1/client/sign_ups/{id}/attempt_verification`: check a code.

use super::record::SignUpRecord;
use super::{Ctx, Outcome};
use crate::error::ApiError;
use crate::state::AppState;
use crate::strategies::CodeStrategy;
use crate::verification;
use gatehouse_protocol::wire::AttemptParams;
use gatehouse_protocol::{ErrorCode, validate};

#[derive(Debug)]
pub struct Attempt {
    strategy: CodeStrategy,
    code: String,
}

impl Attempt {
    pub async fn parse(params: AttemptParams, state: &AppState) -> Result<Attempt, ApiError> {
        let strategy = CodeStrategy::from_param(params.strategy.as_deref(), &state.config)?;
        let code = params.code.ok_or_else(|| ApiError::param(ErrorCode::FormParamMissing, "code"))?;
        Ok(Attempt { strategy, code: validate::verification_code(&code)? })
    }

    /// Checks the code (`crate::verification::check_code`). Expiry and
    /// failure are saved, then answered as errors.
    pub(super) async fn apply(self, ctx: &mut Ctx<'_>, sign_up: &mut SignUpRecord) -> Result<Outcome, ApiError> {
        let field = self.strategy.field;
        let sign_up_id = sign_up.id.clone();
        let slot = sign_up.verification_slot(field).expect("code strategies verify verifiable fields");
        let Some(v) = slot.as_mut() else {
            return Err(ApiError::Refused(ErrorCode::VerificationNotSent));
        };
        match verification::check_code(v, ctx.state, &sign_up_id, field, &self.code, ctx.client_id, ctx.now)? {
            None => Ok(Outcome::default()),
            Some(refusal) => Ok(Outcome::refused(refusal)),
        }
    }
}
