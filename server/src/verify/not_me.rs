//! `/v1/verify/not_me`: where the "new sign-in" email's link lands
//! (`crate::session::alert`). A person is on the other end: HTML pages.
//!
//! - `GET /v1/verify/not_me?token=...` shows the sign-in (when, browser
//!   and OS, IP) and a "This wasn't me" button. It changes nothing: mail
//!   scanners fetch links.
//! - `POST /v1/verify/not_me` (form field `token`) spends the link, ends
//!   that session (`session.ended` with `ended_by: "not_me"`, through the
//!   outbox, for an active one), takes that browser's client away (its
//!   token stops working, so a sign-in from it again counts as a new
//!   browser and mails the owner again), drops a second factor set up
//!   since that sign-in (or one not finished), and answers a form for a
//!   new password, with a token of its own (once, within an hour).
//! - `POST /v1/verify/not_me/password` (form fields `token`, `password`)
//!   checks the password rules (a refused one shows the form again, 422,
//!   the token unspent), spends the token and sets the password through
//!   the password reset's own function
//!   (`crate::sign_in::reset_password::set_new_password`): every session
//!   of the user ends and the "password changed" email goes out.
//!
//! A malformed or unknown token answers 400, a used or expired one 410;
//! nothing changes. Two racing POSTs of one token: one spends it
//! (`Tx::spend_sign_in_alert`), the other finds it used. Both POSTs are form
//! posts exempt from the JSON rule, held by the Origin check
//! (`crate::origin`); the password one also counts against the tighter
//! quota of the password endpoints (`crate::app`).

use super::TokenParam;
use super::not_me_page as page;
use crate::db::{SignInAlert, UserKey};
use crate::error::ApiError;
use crate::ids;
use crate::mail::{AskedLocale, Locale};
use crate::model::WebhookEvent;
use crate::openapi::NotMePages;
use crate::session::alert::{self, NEW_PASSWORD, NOT_ME};
use crate::sign_in::reset_password::set_new_password;
use crate::state::AppState;
use crate::strategies::email_link;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use gatehouse_protocol::validate;
use serde::Deserialize;

/// The new-password form.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct PasswordForm {
    /// The form's token (not the email's).
    token: Option<String>,
    /// The new password.
    password: Option<String>,
}

/// `GET /v1/verify/not_me?token=...`.
#[utoipa::path(
    get,
    path = "/verify/not_me",
    operation_id = "open_sign_in_alert",
    tag = "verify",
    summary = "Open a \"new sign-in\" email's link: the sign-in, and a button to end it (it changes nothing)",
    params(TokenParam),
    responses(NotMePages)
)]
pub async fn open(State(state): State<AppState>, query: Result<Query<TokenParam>, QueryRejection>) -> Response {
    let token = query.ok().and_then(|Query(q)| q.token);
    let found = match find(&state, token, NOT_ME).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let alert = &found.alert;
    let browser = crate::device::describe(alert.user_agent.as_deref());
    let at = alert.signed_in_at.map(alert::utc);
    let sign_in = page::SignIn { browser: &browser, ip: alert.ip_address.as_deref(), at: at.as_deref() };
    page::confirm(&sign_in, &found.token, alert.expire_at - state.now())
}

/// `POST /v1/verify/not_me` with the form field `token`: "This wasn't me".
#[utoipa::path(
    post,
    path = "/verify/not_me",
    operation_id = "end_sign_in_by_owner",
    tag = "verify",
    summary = "\"This wasn't me\": end the session of a \"new sign-in\" email, then offer a new password",
    request_body(content = TokenParam, content_type = "application/x-www-form-urlencoded"),
    responses(NotMePages)
)]
pub async fn end(State(state): State<AppState>, form: Result<Form<TokenParam>, FormRejection>) -> Response {
    let token = form.ok().and_then(|Form(f)| f.token);
    let Found { token_hash, alert, .. } = match find(&state, token, NOT_ME).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    match end_session(&state, &token_hash, &alert).await {
        Ok(Some(password_token)) => {
            tracing::info!(session_id = alert.session_id, "session ended from a \"new sign-in\" email");
            page::signed_out(&password_token, &state.config.password, None)
        }
        // Pressed twice at once: the other request spent it.
        Ok(None) => page::used(),
        Err(e) => page::failure(&e),
    }
}

/// `POST /v1/verify/not_me/password` with the form fields `token` and `password`.
#[utoipa::path(
    post,
    path = "/verify/not_me/password",
    operation_id = "set_password_by_owner",
    tag = "verify",
    summary = "Set a new password after \"This wasn't me\"; every session of the user ends",
    request_body(content = PasswordForm, content_type = "application/x-www-form-urlencoded"),
    responses(NotMePages)
)]
pub async fn password(
    State(state): State<AppState>,
    asked: AskedLocale,
    form: Result<Form<PasswordForm>, FormRejection>,
) -> Response {
    let PasswordForm { token, password } = form.map(|Form(f)| f).unwrap_or_default();
    let Found { token, token_hash, alert } = match find(&state, token, NEW_PASSWORD).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let password = password.unwrap_or_default();
    if let Err(refused) = validate::password(&password, &state.config.password) {
        return page::signed_out(&token, &state.config.password, Some(refused.message));
    }
    let hash = match state.hasher.hash(password).await {
        Ok(hash) => hash,
        Err(e @ ApiError::Internal(_)) => return page::failure(&e),
        // Busy: the JSON 503 with Retry-After, as the layers answer; nothing changed.
        Err(e) => return e.into_response(),
    };
    match change_password(&state, &token_hash, &alert, &hash, Locale::choose(None, asked)).await {
        Ok(true) => page::password_changed(),
        Ok(false) => page::used(),
        Err(e) => page::failure(&e),
    }
}

/// A token that is well-formed, known, of the right purpose, unused and live.
struct Found {
    token: String,
    token_hash: String,
    alert: SignInAlert,
}

/// The link of `token` for `purpose`, or the page that says why it can't be used.
async fn find(state: &AppState, token: Option<String>, purpose: &str) -> Result<Found, Response> {
    let token = token.filter(|t| email_link::is_token(t)).ok_or_else(page::invalid)?;
    let token_hash = email_link::token_hash(&token);
    let alert = match state.store.sign_in_alert(&token_hash).await {
        Ok(Some(alert)) if alert.purpose == purpose => alert,
        Ok(_) => return Err(page::invalid()),
        Err(e) => return Err(page::failure(&ApiError::from(e))),
    };
    if alert.used_at.is_some() {
        return Err(page::used());
    }
    if alert.expire_at <= state.now() {
        return Err(page::expired());
    }
    Ok(Found { token, token_hash, alert })
}

/// Spends the email's link and ends its session (if it is still active),
/// in one transaction; answers the new-password form's token, or `None`
/// when the link was spent meanwhile.
async fn end_session(state: &AppState, token_hash: &str, alert: &SignInAlert) -> Result<Option<String>, ApiError> {
    let now = state.now();
    let mut tx = state.store.begin().await?;
    if !tx.spend_sign_in_alert(token_hash, NOT_ME, now).await? {
        return Ok(None);
    }
    // Gone when the cleanup deleted it (expired): nothing left to end.
    if let Some(mut session) = tx.user_session(&alert.session_id, &alert.user_id).await? {
        let was_active = session.status == "active";
        if session.status != "revoked" {
            tx.revoke_session(&session.id).await?;
        }
        // A pending session was never announced (`session.created`): no end either.
        if was_active {
            session.status = String::from("revoked");
            let ended = crate::webhooks::ended_session(&session, "not_me");
            tx.record_event(WebhookEvent::SessionEnded, ended, now).await?;
        }
        // That browser loses its client: its next sign-in is from a new
        // browser again, and mails the owner again.
        if let Some(client_id) = tx.session_client(&session.id).await? {
            tx.disown_client(&client_id, &ids::token_hash(&ids::new_token())).await?;
        }
        // A second factor set up since that sign-in may be the intruder's
        // (made from that session): it goes, or it would lock the owner out.
        if let Some(totp) = tx.totp(&alert.user_id).await?
            && (!totp.verified || totp.created_at >= session.created_at)
        {
            tx.delete_totp(&alert.user_id).await?;
        }
    }
    let token = alert::issue_password_token(&mut tx, &alert.session_id, &alert.user_id, now).await?;
    tx.commit().await?;
    Ok(Some(token))
}

/// Spends the form's token and sets the new password (`hash`), ending
/// every session of the user; then sends the "password changed" email.
/// `false` when the token was spent meanwhile, or the user is gone.
async fn change_password(
    state: &AppState,
    token_hash: &str,
    alert: &SignInAlert,
    hash: &str,
    locale: Locale,
) -> Result<bool, ApiError> {
    let now = state.now();
    let mut tx = state.store.begin().await?;
    if !tx.spend_sign_in_alert(token_hash, NEW_PASSWORD, now).await? {
        return Ok(false);
    }
    let Some(user) = tx.user(UserKey::Id(&alert.user_id)).await? else { return Ok(false) };
    let notice = set_new_password(&mut tx, state, &user, hash, true, locale, now).await?;
    tx.commit().await?;
    tracing::info!(user_id = user.id, "password set after a \"new sign-in\" email");
    if let Some(message) = notice
        && let Err(e) = state.sender.send(message, None).await
    {
        tracing::error!(error = ?e, "could not queue the password-changed email");
    }
    Ok(true)
}
