//! `POST /v1/client/sign_ins/{id}/attempt_first_factor`: `{strategy:
//! "email_code", code}`, `{strategy: "reset_password_email_code", code}`
//! (then a new password: `super::reset_password`), `{strategy:
//! "reset_password_email_link", token}` (the token of a link asked for in
//! bearer mode, handed to the app: `super::reset_link`) or `{strategy:
//! "password", password}`.

use super::machine::{Event, transition};
use super::reset_link::AttemptLinkToken;
use super::{Ctx, Proof, Step, factors, loaded};
use crate::db::UserKey;
use crate::error::ApiError;
use crate::model::SignInRecord;
use crate::model::VerificationRecord;
use crate::peer_ip::PeerIp;
use crate::sign_in::lockout::{self, PasswordOk};
use crate::state::AppState;
use crate::strategies::Purpose;
use crate::verification::{self, Guess, Outcome};
use gatehouse_protocol::wire::AttemptFirstFactorParams;
use gatehouse_protocol::{ErrorCode, Field, FirstFactor, validate};

#[derive(Debug)]
pub enum Attempt {
    /// A code, for `email_code` or `reset_password_email_code`.
    Code(FirstFactor, String),
    /// Checked before the transaction (it is slow).
    Password(PasswordOk),
    /// A bearer-mode reset link's token, sent back by the app.
    LinkToken(AttemptLinkToken),
}

impl Attempt {
    pub async fn parse(
        params: AttemptFirstFactorParams,
        state: &AppState,
        client_id: &str,
        id: &str,
        ip: PeerIp,
    ) -> Result<Attempt, ApiError> {
        let missing = |param: &str| ApiError::param(ErrorCode::FormParamMissing, param);
        let unknown = |param: &str| ApiError::param(ErrorCode::FormParamUnknown, param);
        let factor = factors::parse(params.strategy.as_deref())?;
        if params.token.is_some() && factor != FirstFactor::ResetPasswordEmailLink {
            return Err(unknown("token"));
        }
        match factor {
            factor @ (FirstFactor::EmailCode | FirstFactor::ResetPasswordEmailCode) => {
                if params.password.is_some() {
                    return Err(unknown("password"));
                }
                let code = params.code.ok_or_else(|| missing("code"))?;
                Ok(Attempt::Code(factor, validate::verification_code(&code)?))
            }
            // A link asked for in cookie mode is confirmed on its page; one
            // asked for in bearer mode comes back from the app with its token.
            FirstFactor::ResetPasswordEmailLink => {
                if params.code.is_some() {
                    return Err(unknown("code"));
                }
                if params.password.is_some() {
                    return Err(unknown("password"));
                }
                let token = params.token.ok_or_else(|| missing("token"))?;
                validate::link_token(&token)?;
                Ok(Attempt::LinkToken(AttemptLinkToken::new(token)))
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
                let user_id = sign_in.user_id.as_deref().ok_or(ApiError::Refused(ErrorCode::SignInNotFound))?;
                let user = state.store.user(UserKey::Id(user_id)).await?;
                let user = user.ok_or(ApiError::Refused(ErrorCode::SignInNotFound))?;
                Ok(Attempt::Password(lockout::check(state, &user, ip, password).await?))
            }
        }
    }

    /// A right code or password proves the factor; a wrong code counts and
    /// is answered after the commit (see `crate::verification::check_code`).
    pub(super) async fn apply(self, ctx: &mut Ctx<'_>, sign_in: &mut SignInRecord) -> Result<Step, ApiError> {
        match self {
            Attempt::LinkToken(op) => op.apply(ctx, sign_in).await,
            Attempt::Password(ok) => {
                sign_in.choose(FirstFactor::Password);
                sign_in.verification = VerificationRecord::verified(None, ctx.client_id);
                Ok(Step { proof: Some(Proof::Password(ok.rehash)), ..Step::default() })
            }
            Attempt::Code(factor, code) => {
                if sign_in.factor != Some(factor) {
                    return Err(ApiError::Refused(ErrorCode::VerificationNotSent));
                }
                // The code went to the account's email: wrong codes count
                // against it. A reset for an address without an account
                // counts against the address typed, and its code was made
                // for no owner: "" matches no code's HMAC.
                let user = super::user_of(&mut ctx.tx, sign_in).await?;
                let (address, owner_id) = match user {
                    Some(user) => (user.email_address.unwrap_or_default(), sign_in.id.clone()),
                    None => (sign_in.identifier.clone(), String::new()),
                };
                let (purpose, proof) = match factor {
                    FirstFactor::ResetPasswordEmailCode => (Purpose::ResetPassword, Proof::ResetCode),
                    _ => (Purpose::SignIn, Proof::EmailCode),
                };
                let guess =
                    Guess { owner_id: &owner_id, field: Field::EmailAddress, purpose, address: &address, code: &code };
                let (v, client_id) = (&mut sign_in.verification, ctx.client_id);
                Ok(match verification::check_code(&mut ctx.tx, ctx.state, v, &guess, client_id, ctx.now).await? {
                    None => Step { proof: Some(proof), ..Step::default() },
                    Some(refusal) => Step { outcome: Outcome::refused(refusal), proof: None },
                })
            }
        }
    }
}
