//! "Was this you?": the email after a sign-in from a browser the user had
//! not used before, and the links it carries.
//!
//! - A browser is known when its client has already held a session of
//!   this user (of any status, until the cleanup deletes it after it
//!   expired): [`is_new_browser`], asked inside the sign-in's transaction
//!   before its session is written. The `User-Agent` decides nothing: it is
//!   whatever the caller sent (`crate::device`).
//! - A sign-in from a new browser stores a link ([`prepare`]: a CSPRNG
//!   token, only its SHA-256 kept in `sign_in_alerts`, for
//!   [`LINK_HOURS`] hours, once) and renders the `new_sign_in` email: the
//!   time in UTC, the browser and OS, the IP. It is sent once committed.
//!   No alert after a sign-up (its flow is another) or after a password
//!   reset (`crate::sign_in`'s completion skips it: the person just read
//!   the account's mail, and gets the "password changed" email).
//! - At most `[sign_in] max_new_sign_in_emails` of them per user per
//!   `new_sign_in_email_window_seconds` ([`under_cap`]), counted like the
//!   per-address message limits (`crate::limits`: in the sign-in's
//!   transaction, under the key's row lock, so exact across nodes): whoever
//!   can sign in again and again (the password known, or a script) cannot
//!   fill the owner's mailbox. Past the cap the sign-in works as ever and
//!   no link is stored; the email is not sent, which is logged and counted
//!   (`gatehouse_messages_total{result="capped"}`). The owner has been told
//!   of as many new browsers within the window already.
//! - The link opens `/v1/verify/not_me` (`crate::verify::not_me`): a page
//!   that changes nothing, whose button ends that session, and then a form
//!   for a new password whose token ([`issue_password_token`]) works once
//!   within [`PASSWORD_TTL_MS`].

use crate::db::{NewSignInAlert, Tx};
use crate::delivery::Message;
use crate::device::Device;
use crate::error::ApiError;
use crate::limits::{self, Limit};
use crate::mail::{Locale, Mail, Recipient};
use crate::model::UserRecord;
use crate::origin::PublicOrigin;
use crate::state::AppState;
use crate::strategies::email_link;
use crate::telemetry::{self, Sent};
use gatehouse_protocol::wire::{self, Channel};

/// Where the email's link points.
pub const NOT_ME_PATH: &str = "/v1/verify/not_me";
/// Where the new-password form posts.
pub const PASSWORD_PATH: &str = "/v1/verify/not_me/password";
/// How long the email's link works.
pub const LINK_HOURS: u64 = 24;
/// How long the new-password form works, after the session was ended.
pub const PASSWORD_TTL_MS: i64 = 60 * 60 * 1000;

/// The purpose of the email's link (`sign_in_alerts.purpose`).
pub const NOT_ME: &str = "not_me";
/// The purpose of the new-password form's token.
pub const NEW_PASSWORD: &str = "new_password";

/// Where a sign-in comes from, as its alert tells it, and the language of
/// the alert (the signing-in request's `Accept-Language`: a user has no
/// language of their own).
#[derive(Clone, Copy, Debug)]
pub struct SignedInFrom<'a> {
    pub device: &'a Device,
    pub locale: Locale,
}

/// Whether `client_id` has never held a session of `user_id`: a sign-in
/// from there is from a new browser. Asked before the new session is written.
pub async fn is_new_browser(tx: &mut Tx, client_id: &str, user_id: &str) -> Result<bool, ApiError> {
    Ok(!tx.client_knew_user(client_id, user_id).await?)
}

/// Stores the link that ends `session` and renders the email that
/// carries it, to send once committed (none for a user without an email
/// address, nor past the user's cap: [`under_cap`]).
pub async fn prepare(
    tx: &mut Tx,
    state: &AppState,
    user: &UserRecord,
    session: &wire::Session,
    from: SignedInFrom<'_>,
    now: i64,
) -> Result<Option<Message>, ApiError> {
    let Some(address) = user.email_address.as_deref() else { return Ok(None) };
    if !under_cap(tx, state, &user.id, now).await? {
        return Ok(None);
    }
    let hours_ms = i64::try_from(LINK_HOURS * 60 * 60 * 1000).unwrap_or(i64::MAX);
    let ids = (session.id.as_str(), session.user_id.as_str());
    let token = store_token(tx, NOT_ME, ids, now, now.saturating_add(hours_ms)).await?;
    let link = format!("{}{NOT_ME_PATH}?token={token}", PublicOrigin::of(&state.config).0);
    let browser = crate::device::describe(from.device.user_agent.as_deref());
    let ip = from.device.ip.as_deref().unwrap_or("unknown");
    let at = utc(now);
    let mail = Mail::NewSignIn { at: &at, browser: &browser, ip, link: &link, hours: LINK_HOURS };
    let to = Recipient { address, name: user.first_name.as_deref(), locale: from.locale };
    Ok(Some(state.mail.render(&mail, to)?))
}

/// The cap on `user_id`'s "new sign-in" emails. Its key sorts after
/// those of every other limit a sign-in's transaction takes (`code_failure:`,
/// `password`, `send:`), as [`limits::wait`] wants.
fn cap(state: &AppState, user_id: &str) -> Limit {
    let s = &state.config.sign_in;
    Limit::new(format!("sign_in_email:{user_id}"), s.max_new_sign_in_emails, s.new_sign_in_email_window_seconds)
}

/// Whether one more "new sign-in" email to `user_id` fits its cap; if so,
/// counts it (in the sign-in's transaction). If not, logs and counts the
/// email that is not sent.
async fn under_cap(tx: &mut Tx, state: &AppState, user_id: &str, now: i64) -> Result<bool, ApiError> {
    let cap = cap(state, user_id);
    if limits::wait(tx, &[&cap], now).await?.is_some() {
        tracing::warn!(
            user_id,
            max_new_sign_in_emails = cap.max,
            "a sign-in from a new browser sends no email: the user's cap of new sign-in emails is reached"
        );
        telemetry::message(Channel::Email, "link", Sent::Capped);
        return Ok(false);
    }
    limits::record(tx, &[&cap], now).await?;
    Ok(true)
}

/// A token for the new-password form after the email's link ended
/// `session_id` (of `user_id`): once, within [`PASSWORD_TTL_MS`].
pub async fn issue_password_token(tx: &mut Tx, session_id: &str, user_id: &str, now: i64) -> Result<String, ApiError> {
    let ids = (session_id, user_id);
    store_token(tx, NEW_PASSWORD, ids, now, now.saturating_add(PASSWORD_TTL_MS)).await
}

/// Stores a new token for `purpose` about the session `(session_id,
/// user_id)`; answers the token (its hash is what is kept).
async fn store_token(
    tx: &mut Tx,
    purpose: &str,
    (session_id, user_id): (&str, &str),
    now: i64,
    expire_at: i64,
) -> Result<String, ApiError> {
    let token = email_link::new_token();
    let token_hash = email_link::token_hash(&token);
    let alert = NewSignInAlert { token_hash: &token_hash, purpose, session_id, user_id, created_at: now, expire_at };
    tx.insert_sign_in_alert(&alert).await?;
    Ok(token)
}

/// Epoch milliseconds as `2026-12-03 07:30 UTC` (the same in every language).
pub fn utc(ms: i64) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000)).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!("{:04}-{:02}-{:02} {:02}:{:02} UTC", at.year(), u8::from(at.month()), at.day(), at.hour(), at.minute())
}

#[cfg(test)]
mod tests {
    use super::utc;

    #[test]
    fn times_are_written_in_utc() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc(1_796_283_046_999), "2026-12-03 07:30 UTC");
    }
}
