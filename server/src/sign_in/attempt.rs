//! `POST /v1/client/sign_ins/{id}/attempt_first_factor`: `{strategy:
//! "email_code", code}` or `{strategy: "password", password}`.

use super::record::SignInRecord;
use super::{Ctx, Proof, Step, factors, loaded};
use super::machine::{Event, transition};
use crate::db::UserKey;
use crate::error::ApiError;
use crate::lockout::{self, PasswordOk};
use crate::state::AppState;
use crate::verification::{self, Outcome, VerificationRecord};
use gatehouse_protocol::wire::AttemptFirstFactorParams;
use gatehouse_protocol::{ErrorCode, Field, FirstFactor, validate};

#[derive(Debug)]
pub enum Attempt {
    Code(String),
    /// Checked before the transaction (it is slow).
    Password(PasswordOk),
}

impl Attempt {
    pub async fn parse(params: AttemptFirstFactorParams, state: &AppState, client_id: &str, id: &str) -> Result<Attempt, ApiError> {
        let missing = |param: &str| ApiError::param(ErrorCode::FormParamMissing, param);
        let unknown = |param: &str| ApiError::param(ErrorCode::FormParamUnknown, param);
        match factors::parse(params.strategy.as_deref())? {
            FirstFactor::EmailCode => {
                if params.password.is_some() {
                    return Err(unknown("password"));
                }
                let code = params.code.ok_or_else(|| missing("code"))?;
                Ok(Attempt::Code(validate::verification_code(&code)?))
            }
            FirstFactor::Password => {
                if params.code.is_some() {
                    return Err(unknown("code"));
                }
                let password = params.password.ok_or_else(|| missing("password"))?;
                // Refuse what cannot succeed before spending a password check on it.
                let sign_in = loaded(state.store.sign_in(id, client_id).await?, state.now())?;
                transition(sign_in.status, Event::Change)?;
                factors::require(&sign_in.supported, FirstFactor::Password)?;
                let user = state.store.user(UserKey::Id(&sign_in.user_id)).await?;
                let user = user.ok_or(ApiError::Refused(ErrorCode::SignInNotFound))?;
                Ok(Attempt::Password(lockout::check(state, &user, password).await?))
            }
        }
    }

    /// A right code or password proves the factor; a wrong code counts and
    /// is answered after the commit (see `crate::verification::check_code`).
    pub(super) async fn apply(self, ctx: &mut Ctx<'_>, sign_in: &mut SignInRecord) -> Result<Step, ApiError> {
        match self {
            Attempt::Password(ok) => {
                sign_in.choose(FirstFactor::Password);
                sign_in.verification = VerificationRecord::verified(None, ctx.client_id);
                Ok(Step { proof: Some(Proof::Password(ok.rehash)), ..Step::default() })
            }
            Attempt::Code(code) => {
                if sign_in.factor != Some(FirstFactor::EmailCode) {
                    return Err(ApiError::Refused(ErrorCode::VerificationNotSent));
                }
                let (id, client_id) = (sign_in.id.clone(), ctx.client_id);
                let v = &mut sign_in.verification;
                Ok(match verification::check_code(v, ctx.state, &id, Field::EmailAddress, &code, client_id, ctx.now)? {
                    None => Step { proof: Some(Proof::EmailCode), ..Step::default() },
                    Some(refusal) => Step { outcome: Outcome::refused(refusal), proof: None },
                })
            }
        }
    }
}
