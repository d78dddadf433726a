//! "I didn't start this": the owner of an address, who opened the email
//! link in another browser than the one that signed up, cancels the
//! sign-up (`POST /v1/verify/cancel`, see `crate::verify`).
//!
//! The token proves the address, as it does for a confirmation, so the
//! rules of [`judge`] apply, but for the browser: a link that would not
//! confirm (used, replaced, expired, or its sign-up closed) cancels nothing.
//! A cancel spends the sign-up's links and abandons it for good
//! ([`Event::CancelledByOwner`](super::machine::Event)); its client's next
//! request about it answers 410 `sign_up_cancelled_by_owner`, and no
//! account is created.

use super::confirm_link::judge;
use super::{Ctx, Outcome};
use crate::error::ApiError;
use crate::model::SignUpRecord;
use gatehouse_protocol::{EmailLinkStatus, ErrorCode};

#[derive(Debug)]
pub struct CancelByOwner {
    token_hash: String,
}

impl CancelByOwner {
    pub fn new(token_hash: String) -> CancelByOwner {
        CancelByOwner { token_hash }
    }

    /// Cancels the sign-up, or sets `ctx.link` to why this link cannot.
    pub(super) async fn apply(self, ctx: &mut Ctx<'_>, sign_up: &mut SignUpRecord) -> Result<Outcome, ApiError> {
        // Read again inside the transaction: a confirmation may have won.
        let link = ctx.tx.email_link(&self.token_hash).await?.ok_or(ApiError::Refused(ErrorCode::SignUpNotFound))?;
        match judge(&link, sign_up, None, &ctx.state.config, ctx.now) {
            // With require_same_client no other browser may confirm, but the
            // owner of the address may still say no.
            Ok(()) | Err(EmailLinkStatus::ClientMismatch) => {
                sign_up.cancelled_at = Some(ctx.now);
                ctx.tx.spend_email_links(&crate::db::LinkOwner::SignUp(sign_up.id.clone()), ctx.now).await?;
                ctx.link = None;
            }
            Err(refused) => ctx.link = Some(refused),
        }
        Ok(Outcome::default())
    }
}
