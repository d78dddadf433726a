//! `POST /v1/client/sign_ins`: `{identifier}` (choose a factor later),
//! `{identifier, strategy: "email_code"}`, `{identifier, password}`
//! (complete at once), or `{identifier, strategy:
//! "reset_password_email_code"}` (an email address, known or not:
//! `super::reset_password`), or `{identifier, strategy:
//! "reset_password_email_link", redirect_url}` (`super::reset_link`).

use super::reset_link::{self, LinkRequest};
use super::{Ctx, Proof, Step, factors};
use crate::db::UserKey;
use crate::device::Device;
use crate::error::{ApiError, Problem};
use crate::ids;
use crate::mail::AskedLocale;
use crate::model::SignInRecord;
use crate::model::VerificationRecord;
use crate::origin::PublicOrigin;
use crate::peer_ip::PeerIp;
use crate::sign_in::lockout::{self, PasswordOk};
use crate::state::AppState;
use gatehouse_protocol::validate::{self, Identifier};
use gatehouse_protocol::wire::SignInParams;
use gatehouse_protocol::{ErrorCode, FirstFactor};

#[derive(Debug)]
pub struct Create {
    /// `None` only for a reset asked for an address without an account.
    user_id: Option<String>,
    identifier: Identifier,
    /// The factors the account offers, and where a code would go.
    supported: Vec<FirstFactor>,
    safe_identifier: Option<String>,
    factor: Option<FirstFactor>,
    /// The password, already checked (before the transaction: it is slow).
    password: Option<PasswordOk>,
    /// The language a reset code's email is written in (`Accept-Language`).
    asked: AskedLocale,
    /// A reset by link: where it leads back to.
    link: Option<LinkRequest>,
}

/// Where a create comes from: for a reset link, the origin that checks its
/// `redirect_url` and the browser the confirm page of another shows.
#[derive(Debug)]
pub struct Requester {
    pub ip: PeerIp,
    pub origin: Option<PublicOrigin>,
    pub device: Device,
    /// The request came in bearer mode: a reset link is handed to the app.
    pub bearer: bool,
}

impl Create {
    /// Reads the body, finds the account and checks a password if one is
    /// given (tried from `ip`). An identifier without an account is
    /// `form_identifier_not_found`; with a password, only after as long as a
    /// real check would take.
    pub async fn parse(
        params: SignInParams,
        state: &AppState,
        from: Requester,
        asked: AskedLocale,
    ) -> Result<Create, ApiError> {
        let ip = from.ip;
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
                    (
                        FirstFactor::EmailCode
                        | FirstFactor::ResetPasswordEmailCode
                        | FirstFactor::ResetPasswordEmailLink,
                        true,
                    ) => {
                        return Err(ApiError::param(ErrorCode::FormParamUnknown, "password"));
                    }
                    _ => Some(factor),
                }
            }
        };
        if let Some(factor) = factor {
            reset_link::refuse_redirect_url(factor, params.redirect_url.is_some())?;
        } else if params.redirect_url.is_some() {
            return Err(ApiError::param(ErrorCode::FormParamUnknown, "redirect_url"));
        }
        match factor {
            Some(FirstFactor::ResetPasswordEmailCode) => return Create::reset(state, identifier, asked, None).await,
            Some(FirstFactor::ResetPasswordEmailLink) => {
                factors::require(&factors::for_reset(&state.config), FirstFactor::ResetPasswordEmailLink)?;
                let link =
                    LinkRequest::parse(params.redirect_url, from.origin, from.device, from.bearer, &state.config)?;
                return Create::reset(state, identifier, asked, Some(link)).await;
            }
            _ => {}
        }
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
        Ok(Create {
            user_id: Some(user.id),
            identifier,
            supported,
            safe_identifier,
            factor,
            password,
            asked,
            link: None,
        })
    }

    /// A password reset: for an email address, with an account or not, the
    /// same sign-in (its factors and where the code goes are those of the
    /// address typed). Nothing here may differ between the two.
    async fn reset(
        state: &AppState,
        identifier: Identifier,
        asked: AskedLocale,
        link: Option<LinkRequest>,
    ) -> Result<Create, ApiError> {
        let Identifier::EmailAddress(email) = &identifier else {
            return Err(ApiError::Params(vec![Problem {
                code: ErrorCode::FormParamFormatInvalid,
                param: Some(String::from("identifier")),
                message: Some("A password reset starts from an email address."),
            }]));
        };
        let user = state.store.user(UserKey::Identifier(&identifier)).await?;
        Ok(Create {
            user_id: user.map(|u| u.id),
            safe_identifier: Some(email.clone()),
            identifier,
            supported: factors::for_reset(&state.config),
            factor: Some(match link {
                Some(_) => FirstFactor::ResetPasswordEmailLink,
                None => FirstFactor::ResetPasswordEmailCode,
            }),
            password: None,
            asked,
            link,
        })
    }

    /// The new sign-in, with the factors its account offers.
    pub(super) fn start(&self, ctx: &Ctx<'_>) -> SignInRecord {
        let mut sign_in = SignInRecord::new(
            ids::new_id("sin"),
            ctx.client_id,
            self.user_id.as_deref(),
            self.identifier.as_str(),
            ctx.now,
        );
        sign_in.supported = self.supported.clone();
        sign_in.safe_identifier = self.safe_identifier.clone();
        sign_in
    }

    pub(super) async fn apply(self, ctx: &mut Ctx<'_>, sign_in: &mut SignInRecord) -> Result<Step, ApiError> {
        if matches!(self.factor, Some(FirstFactor::ResetPasswordEmailCode | FirstFactor::ResetPasswordEmailLink)) {
            return super::reset_password::send(ctx, sign_in, self.asked, self.link.as_ref()).await;
        }
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
