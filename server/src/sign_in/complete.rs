//! What completing a sign-in does, in the same transaction as the
//! sign-in's own update: what the proof taught us ([`apply_proof`], also
//! when a second factor is still due), then a session (and its
//! `session.created` webhook event, [`create_session`]).

use super::{Ctx, Proof, user_of};
use crate::delivery::Message;
use crate::error::ApiError;
use crate::mail::{Mail, Recipient};
use crate::model::SignInRecord;
use crate::session;
use gatehouse_protocol::ErrorCode;

/// What a proof changes on the user: a password proof upgrades an outdated hash to the server's
/// argon2id; a code proves the email address. A new password (after a
/// reset code, which proved the email too) replaces the old one and, unless
/// asked not to, ends every other session of the user; it answers the
/// notice to send once committed ("your password was changed"). A second
/// factor teaches nothing more.
pub(super) async fn apply_proof(
    ctx: &mut Ctx<'_>,
    sign_in: &SignInRecord,
    proof: Proof,
) -> Result<Option<Message>, ApiError> {
    let user = user_of(&mut ctx.tx, sign_in).await?;
    let user = user.ok_or_else(|| ApiError::param(ErrorCode::FormIdentifierNotFound, "identifier"))?;
    let mut notice = None;
    match proof {
        Proof::Password(Some(rehash)) => {
            ctx.tx.upgrade_password_hash(&user.id, &rehash.old, &rehash.new, ctx.now).await?;
        }
        Proof::Password(None) | Proof::ResetCode | Proof::SecondFactor => {}
        Proof::EmailCode => ctx.tx.mark_email_verified(&user.id, ctx.now).await?,
        Proof::NewPassword { hash, sign_out_of_other_sessions, locale } => {
            ctx.tx.set_password_hash(&user.id, &hash, ctx.now).await?;
            ctx.tx.mark_email_verified(&user.id, ctx.now).await?;
            if sign_out_of_other_sessions {
                for session in ctx.tx.revoke_user_sessions(&user.id).await? {
                    let ended = crate::webhooks::ended_session(&session, "password_reset");
                    ctx.tx.record_event(crate::model::WebhookEvent::SessionEnded, ended, ctx.now).await?;
                }
            }
            if let Some(address) = user.email_address.as_deref() {
                let to = Recipient { address, name: user.first_name.as_deref(), locale };
                let mail = Mail::PasswordChanged { others_signed_out: sign_out_of_other_sessions };
                notice = Some(ctx.state.mail.render(&mail, to)?);
            }
        }
    }
    Ok(notice)
}

/// Creates a session on this client and sets its id on the sign-in: active,
/// or pending until the user enrols a second factor (`session::pending`).
pub(super) async fn create_session(ctx: &mut Ctx<'_>, sign_in: &mut SignInRecord) -> Result<(), ApiError> {
    let user_id =
        sign_in.user_id.clone().ok_or_else(|| ApiError::param(ErrorCode::FormIdentifierNotFound, "identifier"))?;
    let session = session::pending::start(&mut ctx.tx, &ctx.state.config, &user_id, ctx.client_id, ctx.now).await?;
    sign_in.created_session_id = Some(session.id);
    Ok(())
}
