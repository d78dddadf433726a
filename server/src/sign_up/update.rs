//! `PATCH /v1/client/sign_ups/{id}`: add or change fields.

use super::fields::FieldChanges;
use super::{Ctx, Outcome};
use crate::error::{ApiError, Problem};
use crate::model::SignUpRecord;
use crate::state::AppState;
use gatehouse_protocol::wire::SignUpParams;
use gatehouse_protocol::{ErrorCode, Field};

#[derive(Debug)]
pub struct Update {
    changes: FieldChanges,
}

impl Update {
    /// Reads the body; a ticket and a locale belong to a create only.
    pub async fn parse(params: SignUpParams, state: &AppState) -> Result<Update, ApiError> {
        let only_at_create = [
            ("strategy", params.strategy.is_some()),
            ("ticket", params.ticket.is_some()),
            ("locale", params.locale.is_some()),
        ];
        let problems: Vec<Problem> = only_at_create
            .into_iter()
            .filter(|(_, given)| *given)
            .map(|(param, _)| Problem::param(ErrorCode::FormParamUnknown, param))
            .collect();
        if !problems.is_empty() {
            return Err(ApiError::Params(problems));
        }
        Ok(Update { changes: FieldChanges::parse(params, &state.config)? })
    }

    /// The changes, to hash their password before the transaction.
    pub(super) fn changes_mut(&mut self) -> &mut FieldChanges {
        &mut self.changes
    }

    /// Applies the changes; the email of a sign-up started from an
    /// invitation stays the invited one.
    pub(super) async fn apply(self, ctx: &mut Ctx<'_>, sign_up: &mut SignUpRecord) -> Result<Outcome, ApiError> {
        let changes_email =
            self.changes.text(Field::EmailAddress).is_some_and(|e| sign_up.email_address.as_deref() != Some(e));
        if sign_up.ticket_hash.is_some() && changes_email {
            return Err(super::create::email_is_invited());
        }
        self.changes.apply(&mut ctx.tx, sign_up).await?;
        Ok(Outcome::default())
    }
}
