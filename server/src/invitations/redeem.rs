//! What a sign-up does with a ticket: find its invitation at create, and
//! accept the invitation when the sign-up completes (same transaction).

use super::ticket;
use crate::db::{InvitationKey, Tx};
use crate::error::ApiError;
use crate::ids;
use crate::model::InvitationRecord;
use gatehouse_protocol::{ErrorCode, InvitationStatus};
use serde_json::{Map, Value};

fn refused(code: ErrorCode) -> ApiError {
    ApiError::param(code, "ticket")
}

/// The invitation of a live ticket. Malformed, unknown, revoked or used
/// tickets are `ticket_invalid`; expired ones `ticket_expired`.
pub async fn redeem(tx: &mut Tx, ticket: &str, now: i64) -> Result<InvitationRecord, ApiError> {
    let ticket = ticket.trim();
    if !ticket::well_formed(ticket) {
        return Err(refused(ErrorCode::TicketInvalid));
    }
    let invitation = tx.invitation(InvitationKey::TicketHash(&ids::token_hash(ticket))).await?;
    let invitation = invitation.ok_or_else(|| refused(ErrorCode::TicketInvalid))?;
    live(&invitation, now)?;
    Ok(invitation)
}

/// Refuses an invitation that is no longer pending at `now`.
fn live(invitation: &InvitationRecord, now: i64) -> Result<(), ApiError> {
    match invitation.status_at(now) {
        InvitationStatus::Pending => Ok(()),
        InvitationStatus::Expired => Err(refused(ErrorCode::TicketExpired)),
        InvitationStatus::Accepted | InvitationStatus::Revoked => Err(refused(ErrorCode::TicketInvalid)),
    }
}

/// Marks the invitation of `ticket_hash` accepted by `user_id`, if the
/// ticket is still its own and it is still pending (it may have been
/// refreshed, revoked or used meanwhile), and answers its metadata for
/// the new user. Records `invitation.accepted` in the same transaction.
pub async fn accept(tx: &mut Tx, ticket_hash: &str, user_id: &str, now: i64) -> Result<Map<String, Value>, ApiError> {
    let mut invitation = tx
        .invitation(InvitationKey::TicketHash(ticket_hash))
        .await?
        .ok_or_else(|| refused(ErrorCode::TicketInvalid))?;
    live(&invitation, now)?;
    invitation.status = InvitationStatus::Accepted;
    invitation.accepted_user_id = Some(String::from(user_id));
    invitation.updated_at = now;
    tx.save_invitation(&invitation, false).await?;
    let mut accepted = crate::webhooks::data(&super::view::invitation(&invitation, now, None));
    if let Some(fields) = accepted.as_object_mut() {
        fields.insert(String::from("accepted_user_id"), Value::from(user_id));
    }
    tx.record_event(crate::model::WebhookEvent::InvitationAccepted, accepted, now).await?;
    Ok(invitation.metadata)
}
