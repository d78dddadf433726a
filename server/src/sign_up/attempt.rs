//! `POST /v1/client/sign_ups/{id}/attempt_verification`: check a code.

use super::{Ctx, Outcome};
use crate::error::ApiError;
use crate::model::SignUpRecord;
use crate::state::AppState;
use crate::strategies::{CodeStrategy, Purpose};
use crate::verification::{self, Guess};
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
    /// failure are saved, with the wrong code counted against the address,
    /// then answered as errors.
    pub(super) async fn apply(self, ctx: &mut Ctx<'_>, sign_up: &mut SignUpRecord) -> Result<Outcome, ApiError> {
        let field = self.strategy.field;
        let sign_up_id = sign_up.id.clone();
        // A code went to the field's value: wrong codes count against it.
        let address = sign_up.text(field).map(String::from).unwrap_or_default();
        let slot = sign_up.verification_slot(field).expect("code strategies verify verifiable fields");
        let Some(v) = slot.as_mut() else {
            return Err(ApiError::Refused(ErrorCode::VerificationNotSent));
        };
        let guess =
            Guess { owner_id: &sign_up_id, field, purpose: Purpose::SignUp, address: &address, code: &self.code };
        match verification::check_code(&mut ctx.tx, ctx.state, v, &guess, ctx.client_id, ctx.now).await? {
            None => Ok(Outcome::default()),
            Some(refusal) => Ok(Outcome::refused(refusal)),
        }
    }
}
