//! `POST /v1/client/sign_ups`: start a sign-up, abandoning the client's
//! earlier one.

use super::fields::FieldChanges;
use super::machine::{Event, transition};
use super::record::SignUpRecord;
use super::{Ctx, Outcome};
use crate::error::ApiError;
use crate::ids;
use crate::state::AppState;
use gatehouse_protocol::wire::SignUpParams;
use gatehouse_protocol::{ErrorCode, SignUpMode};

#[derive(Debug)]
pub struct Create {
    changes: FieldChanges,
}

impl Create {
    /// Reads the body. Invitations do not exist yet, so a ticket is never
    /// valid, and a `restricted` instance takes no sign-ups at all.
    pub async fn parse(params: SignUpParams, state: &AppState) -> Result<Create, ApiError> {
        let refused = match (params.strategy.as_deref(), params.ticket.as_deref()) {
            (None, None) => None,
            (Some("ticket"), None) => Some((ErrorCode::FormParamMissing, "ticket")),
            (Some("ticket") | None, Some(_)) => Some((ErrorCode::TicketInvalid, "ticket")),
            (Some(_), _) => Some((ErrorCode::VerificationStrategyInvalid, "strategy")),
        };
        if let Some((code, param)) = refused {
            return Err(ApiError::param(code, param));
        }
        if state.config.sign_up_mode == SignUpMode::Restricted {
            return Err(ApiError::Refused(ErrorCode::SignUpRestricted));
        }
        Ok(Create { changes: FieldChanges::parse(params, &state.config).await? })
    }

    /// The new, empty sign-up; the client's open one, if any, is abandoned.
    pub(super) async fn start(ctx: &mut Ctx<'_>) -> Result<SignUpRecord, ApiError> {
        if let Some(mut earlier) = ctx.tx.current_sign_up(ctx.client_id).await? {
            let next = transition(earlier.status_at(ctx.now), Event::Superseded)?;
            if next != earlier.status {
                earlier.status = next;
                ctx.tx.save_sign_up(&earlier, false).await?;
                ctx.also_changed.push(earlier.id);
            }
        }
        Ok(SignUpRecord::new(ids::new_id("su"), String::from(ctx.client_id), ctx.now))
    }

    pub(super) async fn apply(self, ctx: &mut Ctx<'_>, sign_up: &mut SignUpRecord) -> Result<Outcome, ApiError> {
        self.changes.apply(&mut ctx.tx, sign_up).await?;
        Ok(Outcome::default())
    }
}
