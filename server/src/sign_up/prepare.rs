//! `POST /v1/client/sign_ups/{id}/prepare_verification`: send a code or a
//! link.

use super::{Ctx, Outcome};
use crate::db::LinkOwner;
use crate::error::ApiError;
use crate::mail::{AskedLocale, Locale, Recipient};
use crate::model::SignUpRecord;
use crate::origin::{self, PublicOrigin};
use crate::state::AppState;
use crate::strategies::{CodeStrategy, LinkStrategy, Purpose, Verifier};
use crate::verification::{self, LinkTarget};
use gatehouse_protocol::wire::PrepareParams;
use gatehouse_protocol::{ErrorCode, Field, VerificationStatus};

#[derive(Debug)]
pub struct Prepare {
    proof: Proof,
    /// The language the request asked for: the message's, unless the
    /// sign-up has its own `locale`.
    asked: AskedLocale,
}

/// What a prepare sends: a code, or a link.
#[derive(Debug)]
enum Proof {
    Code(CodeStrategy),
    Link { strategy: LinkStrategy, redirect_url: String, public_origin: String },
}

impl Prepare {
    /// Reads the body. A link needs a `redirect_url` on this server's own
    /// origin or one of `allowed_redirect_origins`: the server is no open
    /// redirect. Codes take none. `origin` is `None` when the request has no
    /// usable Host (no browser sends such a request): no link can be made.
    pub async fn parse(
        params: PrepareParams,
        state: &AppState,
        origin: Option<PublicOrigin>,
        asked: AskedLocale,
    ) -> Result<Prepare, ApiError> {
        let proof = match Verifier::from_param(params.strategy.as_deref(), &state.config)? {
            Verifier::Code(_) if params.redirect_url.is_some() => {
                return Err(ApiError::param(ErrorCode::FormParamUnknown, "redirect_url"));
            }
            Verifier::Code(code) => Proof::Code(code),
            Verifier::Link(strategy) => {
                let given =
                    params.redirect_url.ok_or_else(|| ApiError::param(ErrorCode::FormParamMissing, "redirect_url"))?;
                let origin = origin.ok_or(ApiError::Refused(ErrorCode::RequestBodyInvalid))?;
                let redirect_url = origin::redirect_url(&given, Some(&origin), &state.config)
                    .map_err(|p| ApiError::Params(vec![p]))?;
                Proof::Link { strategy, redirect_url, public_origin: origin.0 }
            }
        };
        Ok(Prepare { proof, asked })
    }

    fn verifier(&self) -> Verifier {
        match &self.proof {
            Proof::Code(code) => Verifier::Code(*code),
            Proof::Link { strategy, .. } => Verifier::Link(*strategy),
        }
    }

    /// Replaces any earlier code or link with a new one (attempts start
    /// over), at most once per resend interval per address.
    pub(super) async fn apply(self, ctx: &mut Ctx<'_>, sign_up: &mut SignUpRecord) -> Result<Outcome, ApiError> {
        let verifier = self.verifier();
        let field = verifier.field();
        let address =
            sign_up.text(field).map(String::from).ok_or_else(|| ApiError::field(ErrorCode::FormParamMissing, field))?;
        if sign_up.verification(field).is_some_and(|v| v.status == VerificationStatus::Verified) {
            return Err(ApiError::Refused(ErrorCode::VerificationAlreadyVerified));
        }
        let locale = Locale::choose(sign_up.locale.as_deref(), self.asked);
        let to = Recipient { address: &address, name: sign_up.first_name.as_deref(), locale };
        let (verification, delivery) = match self.proof {
            Proof::Code(code) => {
                if field == Field::EmailAddress {
                    // A code replaces a link still out for the address.
                    ctx.tx.spend_email_links(&LinkOwner::SignUp(sign_up.id.clone()), ctx.now).await?;
                }
                verification::send_code(&mut ctx.tx, ctx.state, ctx.now, &sign_up.id, code, to, Purpose::SignUp).await?
            }
            Proof::Link { strategy, redirect_url, public_origin } => {
                let target = LinkTarget {
                    redirect_url: &redirect_url,
                    public_origin: &public_origin,
                    requested: None,
                    bearer: false,
                };
                let owner = LinkOwner::SignUp(sign_up.id.clone());
                verification::send_link(&mut ctx.tx, ctx.state, ctx.now, owner, strategy, to, target, Purpose::SignUp)
                    .await?
            }
        };
        *sign_up.verification_slot(field).expect("served strategies verify verifiable fields") = Some(verification);
        Ok(Outcome { delivery: Some(delivery), refusal: None })
    }
}
