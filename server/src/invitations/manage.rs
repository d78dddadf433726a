//! Creating, refreshing and revoking invitations (admin API, dev helper).

use super::{NewInvitation, link_base, ticket, view};
use crate::db::InvitationKey;
use crate::error::{ApiError, Problem};
use crate::ids;
use crate::mail::{AskedLocale, Locale};
use crate::model::InvitationRecord;
use crate::origin::PublicOrigin;
use crate::state::AppState;
use gatehouse_protocol::wire::{self, RefreshParams};
use gatehouse_protocol::{ErrorCode, Field, InvitationStatus};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Creates a pending invitation and, unless `notify` is off, emails its
/// link. An email that has an account, or a live invitation, is refused.
/// The answer carries the link (`url`): nothing else can show it again.
pub async fn create(
    state: &AppState,
    new: NewInvitation,
    own: Option<&PublicOrigin>,
) -> Result<wire::Invitation, ApiError> {
    let now = state.now();
    let base = link_base(new.redirect_url.as_deref(), own)?;
    let (ticket, ticket_hash) = ticket::new();
    let mut tx = state.store.begin().await?;
    if tx.identifier_taken(Field::EmailAddress, &new.email).await? {
        return Err(ApiError::param(ErrorCode::FormIdentifierExists, "email"));
    }
    if tx.pending_invitation_exists(&new.email, now).await? {
        return Err(ApiError::Params(vec![Problem {
            code: ErrorCode::FormIdentifierExists,
            param: Some(String::from("email")),
            message: Some("This email already has a pending invitation; refresh it instead."),
        }]));
    }
    let invitation = InvitationRecord {
        id: ids::new_id("inv"),
        email_address: new.email,
        status: InvitationStatus::Pending,
        ticket_hash,
        redirect_url: new.redirect_url,
        metadata: new.metadata,
        expires_at: now.saturating_add(i64::from(new.days) * DAY_MS),
        accepted_user_id: None,
        created_at: now,
        updated_at: now,
        locale: new.locale,
    };
    tx.save_invitation(&invitation, true).await?;
    tx.commit().await?;
    let link = ticket::link(&base, &ticket);
    if new.notify {
        send(state, &invitation, &link, new.days).await?;
    }
    Ok(view::invitation(&invitation, now, Some(link)))
}

/// A new ticket and expiry for a pending or expired invitation; the old
/// ticket stops working. Emails the new link unless `notify` is off.
pub async fn refresh(
    state: &AppState,
    id: &str,
    params: RefreshParams,
    own: Option<&PublicOrigin>,
) -> Result<wire::Invitation, ApiError> {
    let days = super::expires_in_days(params.expires_in_days).map_err(|p| ApiError::Params(vec![p]))?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let mut invitation = found(tx.invitation(InvitationKey::Id(id)).await?)?;
    if let InvitationStatus::Accepted | InvitationStatus::Revoked = invitation.status {
        return Err(finished(invitation.status));
    }
    let base = link_base(invitation.redirect_url.as_deref(), own)?;
    let (ticket, ticket_hash) = ticket::new();
    invitation.ticket_hash = ticket_hash;
    invitation.expires_at = now.saturating_add(i64::from(days) * DAY_MS);
    invitation.updated_at = now;
    tx.save_invitation(&invitation, false).await?;
    tx.commit().await?;
    let link = ticket::link(&base, &ticket);
    if params.notify.unwrap_or(true) {
        send(state, &invitation, &link, days).await?;
    }
    Ok(view::invitation(&invitation, now, Some(link)))
}

/// Revokes a pending or expired invitation; revoking it again answers it
/// as it is. An accepted invitation cannot be revoked.
pub async fn revoke(state: &AppState, id: &str) -> Result<wire::Invitation, ApiError> {
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let mut invitation = found(tx.invitation(InvitationKey::Id(id)).await?)?;
    match invitation.status {
        InvitationStatus::Accepted => return Err(finished(invitation.status)),
        InvitationStatus::Revoked => {}
        InvitationStatus::Pending | InvitationStatus::Expired => {
            invitation.status = InvitationStatus::Revoked;
            invitation.updated_at = now;
            tx.save_invitation(&invitation, false).await?;
            tx.commit().await?;
        }
    }
    Ok(view::invitation(&invitation, now, None))
}

/// An invitation that exists, or 404 `resource_not_found`.
pub fn found(invitation: Option<InvitationRecord>) -> Result<InvitationRecord, ApiError> {
    invitation.ok_or(ApiError::Refused(ErrorCode::ResourceNotFound))
}

/// The refusal to change an accepted or revoked invitation.
fn finished(status: InvitationStatus) -> ApiError {
    let message = match status {
        InvitationStatus::Accepted => "This invitation was accepted; it can no longer change.",
        _ => "This invitation was revoked; create a new one.",
    };
    ApiError::Params(vec![Problem { code: ErrorCode::TicketInvalid, param: None, message: Some(message) }])
}

/// Emails the link. The invitation is kept if that fails: a refresh sends
/// it again.
async fn send(state: &AppState, invitation: &InvitationRecord, link: &str, days: u32) -> Result<(), ApiError> {
    let locale = Locale::choose(invitation.locale.as_deref(), AskedLocale::default());
    let message = ticket::message(&state.mail, &invitation.email_address, locale, link, days)?;
    Ok(state.sender.send(message, None).await?)
}
