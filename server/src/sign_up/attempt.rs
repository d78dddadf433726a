//! `POST /v1/client/sign_ups/{id}/attempt_verification`: check a code.

use super::record::SignUpRecord;
use super::{Ctx, Outcome};
use crate::error::ApiError;
use crate::state::AppState;
use crate::strategies::CodeStrategy;
use gatehouse_protocol::wire::AttemptParams;
use gatehouse_protocol::{ErrorCode, VerificationStatus, validate};

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

    /// Checks the code. A wrong one counts; the last allowed wrong one
    /// fails the verification until a new prepare. Expiry and failure are
    /// saved, then answered as errors.
    pub(super) async fn apply(self, ctx: &mut Ctx<'_>, sign_up: &mut SignUpRecord) -> Result<Outcome, ApiError> {
        let field = self.strategy.field;
        let sign_up_id = sign_up.id.clone();
        let max_attempts = ctx.state.config.verification.code_max_attempts;
        let slot = sign_up.verification_slot(field).expect("code strategies verify verifiable fields");
        let Some(verification) = slot.as_mut() else {
            return Err(ApiError::Refused(ErrorCode::VerificationNotSent));
        };
        let refuse = |code: ErrorCode| Outcome { refusal: Some(ApiError::param(code, "code")), ..Outcome::default() };
        match verification.status_at(ctx.now) {
            VerificationStatus::Verified => Err(ApiError::Refused(ErrorCode::VerificationAlreadyVerified)),
            VerificationStatus::Failed => Err(ApiError::param(ErrorCode::VerificationFailed, "code")),
            VerificationStatus::Expired => {
                verification.status = VerificationStatus::Expired;
                verification.code_hash = None;
                Ok(refuse(ErrorCode::VerificationExpired))
            }
            VerificationStatus::Unverified => {
                let Some(stored) = verification.code_hash.as_deref() else {
                    return Err(ApiError::Refused(ErrorCode::VerificationNotSent));
                };
                if ctx.state.code_key.matches(stored, &sign_up_id, field, &self.code) {
                    verification.status = VerificationStatus::Verified;
                    verification.code_hash = None;
                    verification.verified_at_client = Some(String::from(ctx.client_id));
                    return Ok(Outcome::default());
                }
                verification.attempts += 1;
                if verification.attempts >= max_attempts {
                    verification.status = VerificationStatus::Failed;
                    verification.code_hash = None;
                }
                Ok(refuse(ErrorCode::FormCodeIncorrect))
            }
        }
    }
}
