//! What completing a sign-up creates: the user and their first session,
//! in the same transaction as the sign-up's own update. A sign-up started
//! with an invitation ticket also accepts that invitation there. The
//! webhook events of each (`user.created`, `session.created`, and the
//! invitation's) are recorded in that transaction too.

use super::Ctx;
use crate::db::{InsertUserError, NewUser, UserKey};
use crate::error::ApiError;
use crate::invitations::redeem;
use crate::model::{SignUpRecord, WebhookEvent};
use crate::session::pending::Owner;
use crate::{admin, ids, session, webhooks};
use gatehouse_protocol::{ErrorCode, Field, SignUpMode, VerificationStatus};
use serde_json::Value;

/// Creates the user and a session on this client (`pending` where a second
/// factor is required: `crate::session::pending`), and sets their
/// ids on the sign-up. If another user took an identifier in the meantime,
/// the whole change is refused with `form_identifier_exists`; if the
/// invitation is no longer pending, with `ticket_invalid` or
/// `ticket_expired`; on an invitation-only instance, a sign-up without an
/// invitation with `sign_up_restricted`.
pub(super) async fn create_user_and_session(ctx: &mut Ctx<'_>, sign_up: &mut SignUpRecord) -> Result<(), ApiError> {
    if ctx.state.config.sign_up_mode == SignUpMode::Restricted && sign_up.ticket_hash.is_none() {
        return Err(ApiError::Refused(ErrorCode::SignUpRestricted));
    }
    let user_id = ids::new_id("user");
    let metadata = match &sign_up.ticket_hash {
        Some(hash) => redeem::accept(&mut ctx.tx, hash, &user_id, ctx.now).await?,
        None => serde_json::Map::new(),
    };
    let email_verified =
        sign_up.verification(Field::EmailAddress).is_some_and(|v| v.status_at(ctx.now) == VerificationStatus::Verified);
    let user = NewUser {
        id: &user_id,
        email_address: sign_up.email_address.as_deref(),
        phone_number: sign_up.phone_number.as_deref(),
        username: sign_up.username.as_deref(),
        web3_wallet: sign_up.web3_wallet.as_deref(),
        first_name: sign_up.first_name.as_deref(),
        last_name: sign_up.last_name.as_deref(),
        password_hash: sign_up.password_hash.as_deref(),
        email_verified,
        metadata: Value::Object(metadata).to_string(),
        legal_accepted_at: sign_up.legal_accepted.then_some(ctx.now),
        unsafe_metadata: Value::Object(sign_up.unsafe_metadata.clone()).to_string(),
        created_at: ctx.now,
    };
    match ctx.tx.insert_user(&user).await {
        Ok(()) => {}
        Err(InsertUserError::Taken(field)) => return Err(ApiError::field(ErrorCode::FormIdentifierExists, field)),
        Err(InsertUserError::Database(e)) => return Err(e.into()),
    }
    // The user as the admin API shows it, read back only if an endpoint takes the event.
    if ctx.tx.records(WebhookEvent::UserCreated)
        && let Some(created) = ctx.tx.user(UserKey::Id(&user_id)).await?
    {
        let user = webhooks::data(&admin::view::user(&created));
        ctx.tx.record_event(WebhookEvent::UserCreated, user, ctx.now).await?;
    }
    // Active (with its `session.created`), or pending until the user enrols a second factor.
    let (config, device) = (&ctx.state.config, ctx.device);
    let session =
        session::pending::start(&mut ctx.tx, config, Owner::New(&user_id), ctx.client_id, ctx.now, device).await?;
    sign_up.created_user_id = Some(user_id);
    sign_up.created_session_id = Some(session.id);
    Ok(())
}
