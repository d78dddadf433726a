//! Password reset (`reset_password_email_code`): a code to the account's
//! email, then `POST /v1/client/sign_ins/{id}/reset_password` with the new
//! password, which completes the sign-in. Its link variant
//! (`reset_password_email_link`, `super::reset_link`) is sent here too,
//! under the same rules; confirming the link takes the place of the code.
//!
//! A reset never tells whether an address has an account. A create with
//! this strategy takes an email address and makes a sign-in whatever it
//! finds, with the same factors and the same answer; for an address
//! without an account the sign-in has no user, and its code is made,
//! hashed and counted under the same limits (the resend interval, the
//! messages and wrong codes per address), then dropped: no email goes out.
//! Such a code is bound to no owner, so no guess proves it.
//!
//! The code is an ordinary email code (`crate::verification`): CSPRNG,
//! HMAC, constant-time compare, expiry, single use, its wrong codes
//! counted per address with those of sign-in codes. The new password
//! passes the sign-up rules (`validate::password`); it is hashed before
//! the transaction. Completing revokes every other session of the user
//! unless `sign_out_of_other_sessions` is `false`, and the user is told
//! by email (`Mail::PasswordChanged`, in the language of the reset request).

use super::machine::{Event, transition};
use super::reset_link::LinkRequest;
use super::{Ctx, Proof, Step, loaded, user_of};
use crate::db::LinkOwner;
use crate::db::Tx;
use crate::delivery::Message;
use crate::error::ApiError;
use crate::mail::{AskedLocale, Locale, Mail, Recipient};
use crate::model::sign_in::PendingPassword;
use crate::model::{SignInRecord, UserRecord, WebhookEvent};
use crate::state::AppState;
use crate::strategies::{CodeStrategy, LinkStrategy, Purpose};
use crate::verification::{self, Outcome};
use gatehouse_protocol::wire::ResetPasswordParams;
use gatehouse_protocol::{ErrorCode, FirstFactor, validate};

/// Sends a reset code (or, with `link`, a reset link) to the sign-in's
/// account, under the same limits as other codes and links; for a sign-in
/// without an account, does the same work and sends nothing. Either
/// replaces the other: a code spends the sign-in's links, and a link
/// leaves no code (`judge` and `check_code` see the factor chosen).
pub(super) async fn send(
    ctx: &mut Ctx<'_>,
    sign_in: &mut SignInRecord,
    asked: AskedLocale,
    link: Option<&LinkRequest>,
) -> Result<Step, ApiError> {
    let user = user_of(&mut ctx.tx, sign_in).await?;
    let (address, name) = match &user {
        Some(user) => (
            user.email_address
                .clone()
                .ok_or_else(|| super::factors::unavailable(FirstFactor::ResetPasswordEmailCode))?,
            user.first_name.clone(),
        ),
        None => (sign_in.identifier.clone(), None),
    };
    let to = Recipient { address: &address, name: name.as_deref(), locale: Locale::choose(None, asked) };
    let (tx, state, now, purpose) = (&mut ctx.tx, ctx.state, ctx.now, Purpose::ResetPassword);
    let owner = LinkOwner::SignIn(sign_in.id.clone());
    let (factor, (verification, delivery)) = match link {
        Some(link) => {
            let sent =
                verification::send_link(tx, state, now, owner, LinkStrategy::EMAIL, to, link.target(), purpose).await?;
            (FirstFactor::ResetPasswordEmailLink, sent)
        }
        None => {
            tx.spend_email_links(&owner, now).await?;
            let sent = verification::send_code(tx, state, now, &sign_in.id, CodeStrategy::EMAIL, to, purpose).await?;
            (FirstFactor::ResetPasswordEmailCode, sent)
        }
    };
    sign_in.choose(factor);
    sign_in.verification = verification;
    let delivery = user.is_some().then_some(delivery);
    Ok(Step { outcome: Outcome { delivery, refusal: None }, ..Step::default() })
}

/// `{password, sign_out_of_other_sessions?}`, for a sign-in in
/// `needs_new_password`.
#[derive(Debug)]
pub struct ResetPassword {
    /// The new password's argon2id hash.
    hash: String,
    sign_out_of_other_sessions: bool,
    /// The language of the "password changed" email.
    asked: AskedLocale,
}

impl ResetPassword {
    /// Checks the new password against the password rules and the
    /// sign-in's status, then hashes it (before the transaction: it is slow).
    pub async fn parse(
        params: ResetPasswordParams,
        state: &AppState,
        client_id: &str,
        id: &str,
        asked: AskedLocale,
    ) -> Result<ResetPassword, ApiError> {
        let password = params.password.ok_or_else(|| ApiError::param(ErrorCode::FormParamMissing, "password"))?;
        validate::password(&password, &state.config.password)?;
        let sign_in = loaded(state.store.sign_in(id, client_id).await?, state.now())?;
        transition(sign_in.status, Event::NewPassword)?;
        let hash = state.hasher.hash(password).await?;
        let sign_out_of_other_sessions = params.sign_out_of_other_sessions.unwrap_or(true);
        Ok(ResetPassword { hash, sign_out_of_other_sessions, asked })
    }

    /// The new password proves the rest (`super::complete`).
    pub(super) async fn apply(self, _ctx: &mut Ctx<'_>, _sign_in: &mut SignInRecord) -> Result<Step, ApiError> {
        let proof = Proof::NewPassword(PendingPassword {
            hash: self.hash,
            sign_out_of_other_sessions: self.sign_out_of_other_sessions,
            locale: Locale::choose(None, self.asked).as_str().to_owned(),
        });
        Ok(Step { proof: Some(proof), ..Step::default() })
    }
}

/// Sets a new password (`hash`, checked against the password rules and
/// hashed by the caller) for a user who just proved they read the
/// account's mail (a reset code here; the "was this you?" link,
/// `crate::verify::not_me`), in the caller's transaction: the address is
/// verified too, every session of the user ends when `sign_out` says so
/// (each a `session.ended` event, `ended_by: "password_reset"`), and the
/// answer is the "password changed" email to send once committed.
pub async fn set_new_password(
    tx: &mut Tx,
    state: &AppState,
    user: &UserRecord,
    hash: &str,
    sign_out: bool,
    locale: Locale,
    now: i64,
) -> Result<Option<Message>, ApiError> {
    tx.set_password_hash(&user.id, hash, now).await?;
    tx.mark_email_verified(&user.id, now).await?;
    if sign_out {
        for session in tx.revoke_user_sessions(&user.id).await? {
            let ended = crate::webhooks::ended_session(&session, "password_reset");
            tx.record_event(WebhookEvent::SessionEnded, ended, now).await?;
        }
    }
    let Some(address) = user.email_address.as_deref() else { return Ok(None) };
    let to = Recipient { address, name: user.first_name.as_deref(), locale };
    Ok(Some(state.mail.render(&Mail::PasswordChanged { others_signed_out: sign_out }, to)?))
}
