//! `POST /v1/client/sign_ups/{id}/prepare_verification`: send a code.

use super::record::SignUpRecord;
use super::{Ctx, Outcome};
use crate::error::ApiError;
use crate::state::AppState;
use crate::strategies::{CodeStrategy, Purpose};
use crate::verification;
use gatehouse_protocol::wire::PrepareParams;
use gatehouse_protocol::{ErrorCode, VerificationStatus};

#[derive(Debug)]
pub struct Prepare {
    strategy: CodeStrategy,
}

impl Prepare {
    pub async fn parse(params: PrepareParams, state: &AppState) -> Result<Prepare, ApiError> {
        if params.redirect_url.is_some() {
            // Only email links redirect, and they are not served yet.
            return Err(ApiError::param(ErrorCode::FormParamUnknown, "redirect_url"));
        }
        Ok(Prepare { strategy: CodeStrategy::from_param(params.strategy.as_deref(), &state.config)? })
    }

    /// Replaces any earlier code with a new one (attempts start over), at
    /// most once per resend interval per address.
    pub(super) async fn apply(self, ctx: &mut Ctx<'_>, sign_up: &mut SignUpRecord) -> Result<Outcome, ApiError> {
        let field = self.strategy.field;
        let address = sign_up
            .text(field)
            .map(String::from)
            .ok_or_else(|| ApiError::field(ErrorCode::FormParamMissing, field))?;
        let sign_up_id = sign_up.id.clone();
        let slot = sign_up.verification_slot(field).expect("code strategies verify verifiable fields");
        if slot.as_ref().is_some_and(|v| v.status == VerificationStatus::Verified) {
            return Err(ApiError::Refused(ErrorCode::VerificationAlreadyVerified));
        }
        let (verification, delivery) = verification::send_code(
            &mut ctx.tx,
            ctx.state,
            ctx.now,
            &sign_up_id,
            self.strategy,
            &address,
            Purpose::SignUp,
        )
        .await?;
        *slot = Some(verification);
        Ok(Outcome { delivery: Some(delivery), refusal: None })
    }
}
