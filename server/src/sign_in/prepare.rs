//! `POST /v1/client/sign_ins/{id}/prepare_first_factor`: send a code to
//! the account's email (`{strategy: "email_code"}`), or a password reset
//! code (`{strategy: "reset_password_email_code"}`, `super::reset_password`)
//! or link (`{strategy: "reset_password_email_link", redirect_url}`,
//! `super::reset_link`).

use super::reset_link::{self, LinkRequest};
use super::{Ctx, Step, factors};
use crate::config::Config;
use crate::device::Device;
use crate::error::ApiError;
use crate::mail::{AskedLocale, Locale, Recipient};
use crate::model::SignInRecord;
use crate::origin::PublicOrigin;
use crate::strategies::{CodeStrategy, Purpose};
use crate::verification::{self, Outcome};
use gatehouse_protocol::wire::PrepareFirstFactorParams;
use gatehouse_protocol::{ErrorCode, FirstFactor};

/// A code to send, in the language the request asks for (`Accept-Language`).
#[derive(Debug)]
pub struct Prepare {
    /// `email_code`, `reset_password_email_code` or `reset_password_email_link`.
    factor: FirstFactor,
    asked: AskedLocale,
    /// For a link: where it leads back to.
    link: Option<LinkRequest>,
}

impl Prepare {
    /// Only a code is prepared; a password has nothing to send.
    /// A link needs a `redirect_url` (see `super::reset_link`), checked
    /// against `origin`; a code takes none. `bearer`: the request came in
    /// bearer mode (a link's page then hands its token to the app).
    pub fn parse(
        params: PrepareFirstFactorParams,
        asked: AskedLocale,
        origin: Option<PublicOrigin>,
        device: Device,
        bearer: bool,
        config: &Config,
    ) -> Result<Prepare, ApiError> {
        let factor = factors::parse(params.strategy.as_deref())?;
        reset_link::refuse_redirect_url(factor, params.redirect_url.is_some())?;
        match factor {
            FirstFactor::Password => Err(ApiError::param(ErrorCode::VerificationStrategyInvalid, "strategy")),
            FirstFactor::ResetPasswordEmailLink => {
                let link = LinkRequest::parse(params.redirect_url, origin, device, bearer, config)?;
                Ok(Prepare { factor, asked, link: Some(link) })
            }
            factor => Ok(Prepare { factor, asked, link: None }),
        }
    }

    /// Chooses the code's factor and sends a new one, under the same resend
    /// limit as sign-up codes (per address).
    pub(super) async fn apply(self, ctx: &mut Ctx<'_>, sign_in: &mut SignInRecord) -> Result<Step, ApiError> {
        factors::require(&sign_in.supported, self.factor)?;
        if matches!(self.factor, FirstFactor::ResetPasswordEmailCode | FirstFactor::ResetPasswordEmailLink) {
            return super::reset_password::send(ctx, sign_in, self.asked, self.link.as_ref()).await;
        }
        let user = super::user_of(&mut ctx.tx, sign_in).await?;
        let (address, name) = user
            .and_then(|u| Some((u.email_address?, u.first_name)))
            .ok_or_else(|| factors::unavailable(FirstFactor::EmailCode))?;
        let to = Recipient { address: &address, name: name.as_deref(), locale: Locale::choose(None, self.asked) };
        let (code, delivery) = verification::send_code(
            &mut ctx.tx,
            ctx.state,
            ctx.now,
            &sign_in.id,
            CodeStrategy::EMAIL,
            to,
            Purpose::SignIn,
        )
        .await?;
        sign_in.choose(FirstFactor::EmailCode);
        sign_in.verification = code;
        Ok(Step { outcome: Outcome { delivery: Some(delivery), refusal: None }, proof: None })
    }
}
