//! `POST /v1/client/sign_ups/{id}/prepare_verification`: send a code.

use super::record::{SignUpRecord, VerificationRecord};
use super::{Ctx, Delivery, Outcome};
use crate::codes;
use crate::error::ApiError;
use crate::state::AppState;
use crate::strategies::CodeStrategy;
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
        let settings = ctx.state.config.verification;
        let throttle_key = self.strategy.throttle_key(&address);
        let resend_ms = i64::try_from(settings.code_resend_seconds * 1000).unwrap_or(i64::MAX);
        if let Some(last) = ctx.tx.last_code_sent(&throttle_key).await? {
            let wait_ms = last.saturating_add(resend_ms) - ctx.now;
            if wait_ms > 0 {
                let seconds = u64::try_from(wait_ms).unwrap_or(0).div_ceil(1000);
                return Err(ApiError::RetryAfter { code: ErrorCode::VerificationCodeTooManyRequests, seconds });
            }
        }
        let code = codes::generate();
        let ttl_ms = i64::try_from(settings.code_ttl_seconds * 1000).unwrap_or(i64::MAX);
        *slot = Some(VerificationRecord {
            status: VerificationStatus::Unverified,
            strategy: Some(self.strategy.strategy),
            attempts: 0,
            code_hash: Some(ctx.state.code_key.hash(&sign_up_id, field, &code)),
            expire_at: Some(ctx.now.saturating_add(ttl_ms)),
            verified_at_client: None,
        });
        ctx.tx.record_code_sent(&throttle_key, ctx.now).await?;
        let message = self.strategy.message(&address, &code, settings.code_ttl_seconds);
        Ok(Outcome { delivery: Some(Delivery { message, throttle_key }), refusal: None })
    }
}
