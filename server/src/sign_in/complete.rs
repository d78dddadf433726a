//! What completing a sign-in does, in the same transaction as the
//! sign-in's own update: what the proof taught us ([`apply_proof`], also
//! when a second factor is still due), then a session (and its
//! `session.created` webhook event, [`create_session`]; from a browser
//! the user had not used before, and not after a password reset, the
//! "new sign-in" email too: `crate::session::alert`).

use super::reset_password::set_new_password;
use super::{Ctx, Proof, user_of};
use crate::delivery::Message;
use crate::error::ApiError;
use crate::mail::Locale;
use crate::model::sign_in::PendingPassword;
use crate::model::{SignInRecord, UserRecord};
use crate::session;
use crate::session::pending::Owner;
use gatehouse_protocol::{ErrorCode, FirstFactor, SignInStatus};

/// What a proof changes on the user: a password proof upgrades an outdated hash to the server's
/// argon2id; a code proves the email address. A new password (after a
/// reset code, which proved the email too) replaces the old one and, unless
/// asked not to, ends every other session of the user; it answers the
/// notice to send once committed ("your password was changed"). While a
/// second factor is due, the new password waits on the sign-in instead
/// (`new_password`): reading the account's mail alone changes neither the
/// password nor the sessions of a user who turned a second factor on. The
/// second factor, once proven, sets the password that waited.
pub(super) async fn apply_proof(
    ctx: &mut Ctx<'_>,
    sign_in: &mut SignInRecord,
    proof: Proof,
) -> Result<Option<Message>, ApiError> {
    let user = user_of(&mut ctx.tx, sign_in).await?;
    let user = user.ok_or_else(|| ApiError::param(ErrorCode::FormIdentifierNotFound, "identifier"))?;
    let mut notice = None;
    match proof {
        Proof::Password(Some(rehash)) => {
            ctx.tx.upgrade_password_hash(&user.id, &rehash.old, &rehash.new, ctx.now).await?;
        }
        Proof::Password(None) | Proof::ResetCode => {}
        Proof::EmailCode => ctx.tx.mark_email_verified(&user.id, ctx.now).await?,
        Proof::NewPassword(new) if sign_in.status == SignInStatus::NeedsSecondFactor => {
            sign_in.new_password = Some(new);
        }
        Proof::NewPassword(new) => notice = set_pending(ctx, &user, new).await?,
        Proof::SecondFactor => {
            if let Some(new) = sign_in.new_password.take() {
                notice = set_pending(ctx, &user, new).await?;
            }
        }
    }
    Ok(notice)
}

/// Sets a new password after a reset (`set_new_password`).
async fn set_pending(ctx: &mut Ctx<'_>, user: &UserRecord, new: PendingPassword) -> Result<Option<Message>, ApiError> {
    let locale = Locale::of_tag(&new.locale).unwrap_or_default();
    let (tx, state, now, sign_out) = (&mut ctx.tx, ctx.state, ctx.now, new.sign_out_of_other_sessions);
    set_new_password(tx, state, user, &new.hash, sign_out, locale, now).await
}

/// Creates a session on this client and sets its id on the sign-in: active,
/// or pending until the user enrols a second factor (`session::pending`).
/// From a browser new to the user, unless after a password reset, it
/// answers the "new sign-in" email to send once committed.
pub(super) async fn create_session(ctx: &mut Ctx<'_>, sign_in: &mut SignInRecord) -> Result<Option<Message>, ApiError> {
    let user_id =
        sign_in.user_id.clone().ok_or_else(|| ApiError::param(ErrorCode::FormIdentifierNotFound, "identifier"))?;
    let after_reset =
        matches!(sign_in.factor, Some(FirstFactor::ResetPasswordEmailCode | FirstFactor::ResetPasswordEmailLink));
    let alert = !after_reset && session::alert::is_new_browser(&mut ctx.tx, ctx.client_id, &user_id).await?;
    let session = session::pending::start(
        &mut ctx.tx,
        &ctx.state.config,
        Owner::Existing(&user_id),
        ctx.client_id,
        ctx.now,
        None,
    )
    .await?;
    let mut notice = None;
    if alert && let Some(user) = user_of(&mut ctx.tx, sign_in).await? {
        notice = session::alert::prepare(&mut ctx.tx, ctx.state, &user, &session, ctx.from, ctx.now).await?;
    }
    sign_in.created_session_id = Some(session.id);
    Ok(notice)
}
