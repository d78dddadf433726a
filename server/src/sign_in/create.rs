//! `POST /v1/client/sign_ins`: `{identifier}` (choose a factor later),
//! `{identifier, strategy: "email_code"}`, or `{identifier, password}`
//! (complete at once).

use super::{Ctx, Proof, Step, factors};
use crate::db::UserKey;
use crate::error::ApiError;
use crate::ids;
use crate::model::SignInRecord;
use crate::model::VerificationRecord;
use crate::peer_ip::PeerIp;
use crate::sign_in::lockout::{self, PasswordOk};
use crate::state::AppState;
use gatehouse_protocol::validate::{self, Identifier};
use gatehouse_protocol::wire::SignInParams;
use gatehouse_protocol::{ErrorCode, FirstFactor};

#[derive(Debug)]
pub struct Create {
    user_id: String,
    identifier: Identifier,
    /// The factors the account offers, and where a code would go.
    supported: Vec<FirstFactor>,
    safe_identifier: Option<String>,
    factor: Option<FirstFactor>,
    /// The password, already checked (before the transaction: it is slow).
    password: Option<PasswordOk>,
}

impl Create {
    /// Reads the body, finds the account and checks a password if one is
    /// given (tried from `ip`). An identifier without an account is
    /// `form_identifier_not_found`; with a password, only after as long as a
    /// real check would take.
    pub async fn parse(params: SignInParams, state: &AppState, ip: PeerIp) -> Result<Create, ApiError> {
        let raw = params.identifier.ok_or_else(|| ApiError::param(ErrorCode::FormParamMissing, "identifier"))?;
        let identifier = validate::identifier(&raw)?;
        let factor = match (params.strategy.as_deref(), params.password.is_some()) {
            (None, false) => None,
            (None, true) => Some(FirstFactor::Password),
            (strategy, given) => {
                let factor = factors::parse(strategy)?;
                match (factor, given) {
                    (FirstFactor::Password, false) => {
                        return Err(ApiError::param(ErrorCode::FormParamMissing, "password"));
                    }
                    (FirstFactor::EmailCode, true) => {
                        return Err(ApiError::param(ErrorCode::FormParamUnknown, "password"));
                    }
                    _ => Some(factor),
                }
            }
        };
        let Some(user) = state.store.user(UserKey::Identifier(&identifier)).await? else {
            return Err(match params.password {
                Some(password) => lockout::unknown_account(state, ip, password).await,
                None => ApiError::param(ErrorCode::FormIdentifierNotFound, "identifier"),
            });
        };
        let supported = factors::supported(&user, &state.config);
        if factor == Some(FirstFactor::EmailCode) {
            factors::require(&supported, FirstFactor::EmailCode)?;
        }
        let password = match params.password {
            Some(password) => Some(lockout::check(state, &user, ip, password).await?),
            None => None,
        };
        let safe_identifier = factors::safe_identifier(&user, &identifier);
        Ok(Create { user_id: user.id, identifier, supported, safe_identifier, factor, password })
    }

    /// The new sign-in, with the factors its account offers.
    pub(super) fn start(&self, ctx: &Ctx<'_>) -> SignInRecord {
        let mut sign_in =
            SignInRecord::new(ids::new_id("sin"), ctx.client_id, &self.user_id, self.identifier.as_str(), ctx.now);
        sign_in.supported = self.supported.clone();
        sign_in.safe_identifier = self.safe_identifier.clone();
        sign_in
    }

    pub(super) async fn apply(self, ctx: &mut Ctx<'_>, sign_in: &mut SignInRecord) -> Result<Step, ApiError> {
        if let Some(factor) = self.factor {
            sign_in.choose(factor);
        }
        Ok(match self.password {
            Some(ok) => {
                sign_in.verification = VerificationRecord::verified(None, ctx.client_id);
                Step { proof: Some(Proof::Password(ok.rehash)), ..Step::default() }
            }
            None => Step::default(),
        })
    }
}
