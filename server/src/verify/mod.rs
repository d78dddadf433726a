//! `/v1/verify`: where an email link lands. A person is on the other end,
//! not the SDK, so it answers small HTML pages and redirects, never JSON.
//!
//! - `GET /v1/verify?token=...` looks and touches nothing: mail scanners
//!   fetch links, and must not use one up. A link that would confirm shows
//!   a page whose Confirm button POSTs the token; any other known link
//!   redirects at once to its `redirect_url` with its `gh_status`. With
//!   `[email_link] confirm = "auto"` the GET confirms, as the POST does
//!   (a HEAD never does).
//! - `POST /v1/verify` (form field `token`) confirms (the `ConfirmLink`
//!   operation) and redirects with 303 to the sign-up's `redirect_url`,
//!   with `gh_status` and, when it completed the sign-up,
//!   `gh_created_session`.
//! - A token that is malformed or unknown has no `redirect_url` to go back
//!   to: both methods answer a 400 page.

pub mod page;

use crate::client;
use crate::config::LinkConfirm;
use crate::db::EmailLink;
use crate::error::ApiError;
use crate::sign_up::confirm_link::judge;
use crate::sign_up::{ConfirmLink, Operation};
use crate::state::AppState;
use crate::strategies::email_link;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use gatehouse_protocol::EmailLinkStatus;
use serde::Deserialize;

/// The query of the GET, and the form of the POST.
#[derive(Debug, Default, Deserialize)]
pub struct TokenParam {
    token: Option<String>,
}

/// `GET /v1/verify?token=...`.
pub async fn open(
    State(state): State<AppState>,
    method: Method,
    headers: HeaderMap,
    query: Result<Query<TokenParam>, QueryRejection>,
) -> Response {
    let token = query.ok().and_then(|Query(q)| q.token);
    let found = match find(&state, token).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let confirming = client::from_cookie(&state, &headers).await;
    if state.config.email_link.confirm == LinkConfirm::Auto && method == Method::GET {
        return confirm_found(&state, found, confirming).await;
    }
    let link = &found.link;
    let sign_up = match state.store.sign_up(&link.sign_up_id, &link.client_id).await {
        Ok(Some(sign_up)) => sign_up,
        Ok(None) => return page::invalid(),
        Err(e) => return page::failure(&ApiError::from(e)),
    };
    let now = state.now();
    match judge(link, &sign_up, confirming.as_deref(), &state.config, now) {
        Ok(()) => page::confirm(&link.email_address, &found.token, &link.redirect_url, link.expire_at - now),
        Err(status) => page::redirect(&link.redirect_url, status, None),
    }
}

/// `POST /v1/verify` with the form field `token`.
pub async fn confirm(State(state): State<AppState>, headers: HeaderMap, form: Result<Form<TokenParam>, FormRejection>) -> Response {
    let token = form.ok().and_then(|Form(f)| f.token);
    let found = match find(&state, token).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let confirming = client::from_cookie(&state, &headers).await;
    confirm_found(&state, found, confirming).await
}

/// A token that is well-formed and known.
struct Found {
    token: String,
    token_hash: String,
    link: EmailLink,
}

/// The link of `token`, or the page that says it has none.
async fn find(state: &AppState, token: Option<String>) -> Result<Found, Response> {
    let token = token.filter(|t| email_link::is_token(t)).ok_or_else(page::invalid)?;
    let token_hash = email_link::token_hash(&token);
    match state.store.email_link(&token_hash).await {
        Ok(Some(link)) => Ok(Found { token, token_hash, link }),
        Ok(None) => Err(page::invalid()),
        Err(e) => Err(page::failure(&ApiError::from(e))),
    }
}

/// Runs the confirmation on the link's sign-up, then sends the person back.
async fn confirm_found(state: &AppState, found: Found, confirming: Option<String>) -> Response {
    let Found { token_hash, link, .. } = found;
    let op = Operation::ConfirmLink(ConfirmLink::new(token_hash, confirming));
    match op.run(state, &link.client_id, Some(&link.sign_up_id)).await {
        Ok(ran) => {
            let status = ran.link.unwrap_or(EmailLinkStatus::Failed);
            let session = ran.sign_up.created_session_id.filter(|_| status == EmailLinkStatus::Verified);
            page::redirect(&link.redirect_url, status, session.as_deref())
        }
        Err(e @ ApiError::Internal(_)) => page::failure(&e),
        // The sign-up is complete or abandoned, or completing it clashed
        // with a user made meanwhile: nothing was changed.
        Err(refused) => {
            tracing::info!(code = refused.code().as_str(), "email link refused");
            page::redirect(&link.redirect_url, EmailLinkStatus::Failed, None)
        }
    }
}
