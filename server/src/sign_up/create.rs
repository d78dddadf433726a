//! `POST /v1/client/sign_ups`: start a sign-up, abandoning the client's
//! earlier one. With `{strategy: "ticket", ticket}` it starts from an
//! invitation: the invited email, verified by the ticket.

use super::fields::FieldChanges;
use super::machine::{Event, transition};
use super::started::Started;
use super::{Ctx, Outcome};
use crate::error::{ApiError, Problem};
use crate::ids;
use crate::invitations::{redeem, ticket};
use crate::model::{SignUpRecord, VerificationRecord};
use crate::state::AppState;
use gatehouse_protocol::wire::SignUpParams;
use gatehouse_protocol::{ErrorCode, Field, SignUpMode, Strategy, validate};

#[derive(Debug)]
pub struct Create {
    changes: FieldChanges,
    ticket: Option<String>,
    /// The language tag of its messages, checked.
    locale: Option<String>,
    started: Started,
}

impl Create {
    /// Reads the body. A `restricted` instance takes sign-ups only with a
    /// ticket; a ticket that cannot be one of ours is refused at once. A
    /// `locale` must be a language tag (any language: one without
    /// templates gets English).
    pub async fn parse(mut params: SignUpParams, state: &AppState) -> Result<Create, ApiError> {
        let locale = params.locale.take().map(|tag| validate::locale(&tag)).transpose().map_err(ApiError::from)?;
        let ticket = match (params.strategy.as_deref(), params.ticket.as_deref()) {
            (None, None) => None,
            (Some("ticket"), None) => return Err(ApiError::param(ErrorCode::FormParamMissing, "ticket")),
            (Some("ticket") | None, Some(ticket)) => Some(String::from(ticket.trim())),
            (Some(_), _) => return Err(ApiError::param(ErrorCode::VerificationStrategyInvalid, "strategy")),
        };
        match &ticket {
            None if state.config.sign_up_mode == SignUpMode::Restricted => {
                return Err(ApiError::Refused(ErrorCode::SignUpRestricted));
            }
            Some(t) if !ticket::well_formed(t) => return Err(ApiError::param(ErrorCode::TicketInvalid, "ticket")),
            _ => {}
        }
        let changes = FieldChanges::parse(params, &state.config)?;
        Ok(Create { changes, ticket, locale, started: Started::default() })
    }

    /// The changes, to hash their password before the transaction.
    pub(super) fn changes_mut(&mut self) -> &mut FieldChanges {
        &mut self.changes
    }

    /// Where the request came from, kept with the sign-up.
    pub fn started(self, started: Started) -> Create {
        Create { started, ..self }
    }

    /// The new, empty sign-up; the client's open one, if any, is abandoned.
    /// `may_have_one`: false for a client this transaction stored, which
    /// has none (nothing is read for it).
    pub(super) async fn start(ctx: &mut Ctx<'_>, may_have_one: bool) -> Result<SignUpRecord, ApiError> {
        if !may_have_one {
            return Ok(SignUpRecord::new(ids::new_id("su"), String::from(ctx.client_id), ctx.now));
        }
        if let Some(mut earlier) = ctx.tx.current_sign_up(ctx.client_id).await? {
            let next = transition(earlier.status_at(ctx.now), Event::Superseded)?;
            if next != earlier.status {
                earlier.status = next;
                ctx.tx.save_sign_up(&earlier, false).await?;
            }
        }
        Ok(SignUpRecord::new(ids::new_id("su"), String::from(ctx.client_id), ctx.now))
    }

    pub(super) async fn apply(self, ctx: &mut Ctx<'_>, sign_up: &mut SignUpRecord) -> Result<Outcome, ApiError> {
        sign_up.created_user_agent = self.started.user_agent;
        sign_up.created_ip = self.started.ip;
        sign_up.locale = self.locale;
        if let Some(ticket) = self.ticket {
            let invitation = redeem::redeem(&mut ctx.tx, &ticket, ctx.now).await?;
            if self.changes.text(Field::EmailAddress).is_some_and(|e| e != invitation.email_address) {
                return Err(email_is_invited());
            }
            if ctx.tx.identifier_taken(Field::EmailAddress, &invitation.email_address).await? {
                return Err(ApiError::field(ErrorCode::FormIdentifierExists, Field::EmailAddress));
            }
            sign_up.set_text(Field::EmailAddress, invitation.email_address);
            sign_up.email_verification = Some(VerificationRecord::verified(Some(Strategy::Ticket), ctx.client_id));
            sign_up.ticket_hash = Some(invitation.ticket_hash);
        }
        self.changes.apply(&mut ctx.tx, sign_up).await?;
        Ok(Outcome::default())
    }
}

/// The refusal to change the email of a sign-up started from an invitation.
pub(super) fn email_is_invited() -> ApiError {
    ApiError::Params(vec![Problem {
        code: ErrorCode::FormParamUnknown,
        param: Some(String::from(Field::EmailAddress.as_str())),
        message: Some("The invitation sets the email address."),
    }])
}
