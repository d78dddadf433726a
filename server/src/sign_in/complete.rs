//! What completing a sign-in does, in the same transaction as the
//! sign-in's own update: a session (and its `session.created` webhook
//! event), and what the proof taught us.

use super::{Ctx, Proof};
use crate::db::UserKey;
use crate::error::ApiError;
use crate::model::SignInRecord;
use crate::session;
use gatehouse_protocol::ErrorCode;

/// Creates an active session on this client and sets its id on the
/// sign-in. A password proof upgrades an outdated hash to the server's
/// argon2id; a code proves the email address.
pub(super) async fn create_session(
    ctx: &mut Ctx<'_>,
    sign_in: &mut SignInRecord,
    proof: Proof,
) -> Result<(), ApiError> {
    let user = ctx.tx.user(UserKey::Id(&sign_in.user_id)).await?;
    let user = user.ok_or_else(|| ApiError::param(ErrorCode::FormIdentifierNotFound, "identifier"))?;
    match proof {
        Proof::Password(Some(rehash)) => {
            ctx.tx.upgrade_password_hash(&user.id, &rehash.old, &rehash.new, ctx.now).await?;
        }
        Proof::Password(None) => {}
        Proof::EmailCode => ctx.tx.mark_email_verified(&user.id, ctx.now).await?,
    }
    let session = session::new_session(&user.id, &ctx.state.config, ctx.now);
    ctx.tx.insert_session(&session, ctx.client_id).await?;
    let created = crate::webhooks::data(&session);
    ctx.tx.record_event(crate::model::WebhookEvent::SessionCreated, created, ctx.now).await?;
    sign_in.created_session_id = Some(session.id);
    Ok(())
}
