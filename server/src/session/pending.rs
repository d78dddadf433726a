//! Pending sessions (`[mfa] required`, as WorkOS's enrolment flow): a
//! user without a verified TOTP who completes a sign-up or a sign-in gets
//! a session in `pending`, with `tasks: ["setup_mfa"]`. It is no sign-in
//! yet: it gets no token, and every session route but TOTP enrolment and
//! sign-out answers 403 `session_pending` ([`usable`]). Verifying a TOTP
//! on it makes it `active` in the same transaction ([`activate`]); only
//! then is `session.created` recorded.

use crate::config::Config;
use crate::db::{SETUP_MFA, SessionDevice, Tx};
use crate::device::Device;
use crate::error::ApiError;
use crate::model::WebhookEvent;
use gatehouse_protocol::{ErrorCode, wire};

/// Whose session [`start`] makes, and so whether their TOTP must be read.
pub enum Owner<'a> {
    /// A user made in the same transaction (a completed sign-up): no TOTP yet.
    New(&'a str),
    /// A user who may have turned TOTP on (a sign-in).
    Existing(&'a str),
}

/// A new session of `owner` on `client_id`, stored in `tx`: `pending`
/// (task [`SETUP_MFA`]) when the instance requires a second factor and the
/// user has no verified TOTP; else `active`, with its `session.created`
/// (which says whether the user has TOTP on, `totp_enabled`).
/// The `device` it is signed in from, when given, is recorded with it
/// (`super::activity`).
pub async fn start(
    tx: &mut Tx,
    config: &Config,
    owner: Owner<'_>,
    client_id: &str,
    now: i64,
    device: Option<&Device>,
) -> Result<wire::Session, ApiError> {
    let (user_id, totp_enabled) = match owner {
        Owner::New(user_id) => (user_id, false),
        Owner::Existing(user_id) => (user_id, tx.totp_enabled(user_id).await?),
    };
    let mut session = super::new_session(user_id, config, now);
    session.totp_enabled = totp_enabled;
    if config.mfa.required && !session.totp_enabled {
        session.status = String::from("pending");
        session.tasks = vec![String::from(SETUP_MFA)];
    }
    let device = device.map(|d| SessionDevice { user_agent: d.user_agent.as_deref(), ip: d.ip.as_deref() });
    tx.insert_session(&session, client_id, device).await?;
    if session.status == "active" {
        tx.record_event(WebhookEvent::SessionCreated, crate::webhooks::data(&session), now).await?;
    }
    Ok(session)
}

/// Makes a pending `session` active in `tx` (its user just turned TOTP
/// on) and records its `session.created`. An active one is left alone.
pub async fn activate(tx: &mut Tx, session: &mut wire::Session, now: i64) -> Result<(), ApiError> {
    if session.status == "pending" && tx.activate_session(&session.id).await? {
        session.status = String::from("active");
        session.tasks.clear();
        session.totp_enabled = true;
        tx.record_event(WebhookEvent::SessionCreated, crate::webhooks::data(&*session), now).await?;
    }
    Ok(())
}

/// The session a route acts for: an active one; a pending one only where
/// `pending_allowed` (TOTP enrolment), else 403 `session_pending`; any
/// other (unknown, revoked, expired) 404 `session_not_found`.
pub fn usable(found: Option<wire::Session>, now: i64, pending_allowed: bool) -> Result<wire::Session, ApiError> {
    match found {
        Some(s) if super::is_live(&s, now) => Ok(s),
        Some(s) if s.status == "pending" && s.expire_at > now => match pending_allowed {
            true => Ok(s),
            false => Err(ApiError::Refused(ErrorCode::SessionPending)),
        },
        _ => Err(ApiError::Refused(ErrorCode::SessionNotFound)),
    }
}
