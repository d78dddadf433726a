//! `/v1/verify`: where an email link lands. A person is on the other end,
//! not the SDK, so it answers small HTML pages and redirects, never JSON.
//!
//! - `GET /v1/verify?token=...` looks and touches nothing: mail scanners
//!   fetch links, and must not use one up. A link that would confirm shows
//!   a page whose Confirm button POSTs the token; any other known link
//!   redirects at once to its `redirect_url` with its `gh_status`. With
//!   `[email_link] confirm = "auto"` the GET confirms, as the POST does
//!   (a HEAD never does), in the browser that signed up only.
//! - In another browser than the one that signed up (another client
//!   cookie, or none), the page also says where and when the sign-up
//!   began (browser and OS from its `User-Agent`, IP, time), and offers
//!   "I didn't start this": the owner of the address decides, not
//!   whoever typed it in.
//! - `POST /v1/verify/cancel` (form field `token`) is that answer: the
//!   `CancelByOwner` operation abandons the sign-up for good and spends its
//!   links; the waiting tab's stream sees it `abandoned`, and its client's
//!   next request answers 410 `sign_up_cancelled_by_owner`. The link then
//!   shows the "Sign-up cancelled" page.
//! - `POST /v1/verify` (form field `token`) confirms (the `ConfirmLink`
//!   operation) and redirects with 303 to the sign-up's `redirect_url`,
//!   with `gh_status` and, when it completed the sign-up,
//!   `gh_created_session`. In the browser that signed up, a completion
//!   replaces the client's token in the same transaction and the 303 sets
//!   the new client cookie; the browser's `__gh_wait` cookie (set by its
//!   waiting event stream) is recorded with it, so that stream shows the
//!   new session at once (`crate::sign_up::stream`).
//! - A token that is malformed or unknown has no `redirect_url` to go back
//!   to: both methods answer a 400 page.
//!
//! A password reset link (a sign-in's, `crate::sign_in::reset_link`) lands
//! here too, under the same rules, with its own pages: Confirm moves the
//! sign-in to `needs_new_password` (the `ConfirmLink` sign-in operation),
//! and its tab then sets the new password. In another browser the page
//! says where and when the reset was asked for and that confirming lets
//! that browser set the password; "I didn't ask for this" spends the link.
//!
//! A reset link asked for in bearer mode (the app's client token in
//! `Authorization`, no cookie here) cannot be confirmed by a cookie: its
//! page offers "Continue in the app" instead, a POST to
//! `/v1/verify/handover` ([`handover`]) that changes nothing and answers a
//! 303 to the sign-in's `redirect_url` with the token in the fragment
//! (`#gh_reset_token=...`); the app sends it back with its own bearer token
//! (`attempt_first_factor`, `crate::sign_in::reset_link::AttemptLinkToken`).
//! "I didn't ask for this" is there too, as in another browser.
//!
//! [`not_me`] is the other link these pages answer: the "new sign-in"
//! email's (`/v1/verify/not_me`), which ends a session and offers a new
//! password, its pages in `not_me_page`.

pub mod not_me;
mod not_me_page;
pub mod page;

use crate::client;
use crate::config::LinkConfirm;
use crate::db::{EmailLink, LinkOwner};
use crate::device::Device;
use crate::error::ApiError;
use crate::mail::Locale;
use crate::model::SignInRecord;
use crate::openapi::VerifyPages;
use crate::session::alert::SignedInFrom;
use crate::sign_in::{self, ConfirmResetLink, reset_link};
use crate::sign_up::confirm_link::judge;
use crate::sign_up::{CancelByOwner, ConfirmLink, Operation};
use crate::state::AppState;
use crate::strategies::email_link;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use gatehouse_protocol::{EmailLinkStatus, ErrorCode};
use serde::Deserialize;

/// Where "I didn't start this" posts the token.
pub const CANCEL_PATH: &str = "/v1/verify/cancel";

/// Where "Continue in the app" posts a bearer-mode reset link's token.
pub const HANDOVER_PATH: &str = "/v1/verify/handover";

/// The query of the GET, and the form of the POST.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TokenParam {
    /// The link's secret token.
    token: Option<String>,
}

/// `GET /v1/verify?token=...`.
#[utoipa::path(
    get,
    path = "/verify",
    operation_id = "open_email_link",
    tag = "verify",
    summary = "Open an email link: a page, or a redirect (it changes nothing, unless `confirm = \"auto\"`)",
    params(TokenParam),
    responses(VerifyPages)
)]
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
    let link = &found.link;
    let LinkOwner::SignUp(sign_up_id) = &link.owner else {
        return open_reset(&state, method, found, confirming).await;
    };
    let sign_up = match state.store.sign_up(sign_up_id, &link.client_id).await {
        Ok(Some(sign_up)) => sign_up,
        Ok(None) => return page::invalid(),
        Err(e) => return page::failure(&ApiError::from(e)),
    };
    if sign_up.cancelled_at.is_some() {
        return page::cancelled(&link.email_address);
    }
    let same_browser = confirming.as_deref() == Some(sign_up.client_id.as_str());
    if state.config.email_link.confirm == LinkConfirm::Auto && method == Method::GET && same_browser {
        return confirm_found(&state, found, confirming, client::wait_hash(&state, &headers)).await;
    }
    let now = state.now();
    let ms_left = link.expire_at - now;
    match judge(link, &sign_up, confirming.as_deref(), &state.config, now) {
        Ok(()) if same_browser => page::confirm(&link.email_address, &found.token, &link.redirect_url, ms_left),
        Ok(()) => {
            let browser = crate::device::describe(sign_up.created_user_agent.as_deref());
            let began = page::Began { browser: &browser, ip: sign_up.created_ip.as_deref(), at: sign_up.created_at };
            page::confirm_elsewhere(&link.email_address, &found.token, &link.redirect_url, ms_left, &began)
        }
        Err(status) => page::redirect(&link.redirect_url, status, None),
    }
}

/// `POST /v1/verify` with the form field `token`.
#[utoipa::path(
    post,
    path = "/verify",
    operation_id = "confirm_email_link",
    tag = "verify",
    summary = "Confirm an email link (the page's form); 303 to the sign-up's `redirect_url`",
    request_body(content = TokenParam, content_type = "application/x-www-form-urlencoded"),
    responses(VerifyPages)
)]
pub async fn confirm(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<TokenParam>, FormRejection>,
) -> Response {
    let token = form.ok().and_then(|Form(f)| f.token);
    let found = match find(&state, token).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let confirming = client::from_cookie(&state, &headers).await;
    confirm_found(&state, found, confirming, client::wait_hash(&state, &headers)).await
}

/// `POST /v1/verify/cancel` with the form field `token`: "I didn't start this".
#[utoipa::path(
    post,
    path = "/verify/cancel",
    operation_id = "cancel_by_owner",
    tag = "verify",
    summary = "\"I didn't start this\": the owner of the address cancels the sign-up for good",
    request_body(content = TokenParam, content_type = "application/x-www-form-urlencoded"),
    responses(VerifyPages)
)]
pub async fn cancel(State(state): State<AppState>, form: Result<Form<TokenParam>, FormRejection>) -> Response {
    let token = form.ok().and_then(|Form(f)| f.token);
    let Found { token_hash, link, .. } = match find(&state, token).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let sign_up_id = match &link.owner {
        LinkOwner::SignUp(id) => id,
        LinkOwner::SignIn(id) => return cancel_reset(&state, &token_hash, &link, id).await,
    };
    let op = Operation::CancelByOwner(CancelByOwner::new(token_hash));
    match op.run(&state, &link.client_id, Some(sign_up_id)).await {
        Ok(ran) if ran.link.is_none() => {
            tracing::info!(sign_up_id, "sign-up cancelled by the owner of the address");
            page::cancelled(&link.email_address)
        }
        // Pressed twice: it is cancelled.
        Err(ApiError::Refused(ErrorCode::SignUpCancelledByOwner)) => page::cancelled(&link.email_address),
        Err(e @ ApiError::Internal(_)) => page::failure(&e),
        // Used, replaced or expired, or the sign-up closed meanwhile: nothing changed.
        Ok(_) | Err(_) => page::invalid(),
    }
}

/// `POST /v1/verify/handover` with the form field `token`: "Continue in the
/// app" on the page of a reset link asked for in bearer mode.
#[utoipa::path(
    post,
    path = "/verify/handover",
    operation_id = "hand_over_reset_link",
    tag = "verify",
    summary = "A bearer-mode password reset link: 303 to the sign-in's `redirect_url` with the token in the fragment (`#gh_reset_token=`); it changes nothing",
    request_body(content = TokenParam, content_type = "application/x-www-form-urlencoded"),
    responses(VerifyPages)
)]
pub async fn handover(State(state): State<AppState>, form: Result<Form<TokenParam>, FormRejection>) -> Response {
    let token = form.ok().and_then(|Form(f)| f.token);
    let found = match find(&state, token).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let link = &found.link;
    // Only a reset link asked for in bearer mode is handed to the app: a
    // cookie-mode one is confirmed on its page, in its browser.
    if !link.bearer || !matches!(link.owner, LinkOwner::SignIn(_)) {
        return page::invalid();
    }
    let sign_in = match reset_sign_in(&state, link).await {
        Ok(sign_in) => sign_in,
        Err(page) => return page,
    };
    // Judged as the app's attempt will judge it, but for the client: that
    // is the attempt's to check, by the bearer token it comes with.
    match reset_link::judge(link, &sign_in, Some(&sign_in.client_id), state.now()) {
        Ok(()) => page::handover(&link.redirect_url, &found.token),
        Err(status) => page::redirect(&link.redirect_url, status, None),
    }
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

/// Runs the confirmation on the link's sign-up (or sign-in), then sends
/// the person back. In the browser that signed up (`confirming` is the
/// sign-up's client), a completion replaces the client's token in the same
/// transaction and the 303 sets the new cookie; `wait_hash` (that
/// browser's `__gh_wait` cookie) names its waiting event stream, which may
/// then show the new session (`crate::sign_up::stream`).
async fn confirm_found(
    state: &AppState,
    found: Found,
    confirming: Option<String>,
    wait_hash: Option<String>,
) -> Response {
    let LinkOwner::SignUp(sign_up_id) = found.link.owner.clone() else {
        return confirm_reset(state, found, confirming).await;
    };
    let Found { token_hash, link, .. } = found;
    let op = Operation::ConfirmLink(ConfirmLink::new(token_hash, confirming, wait_hash));
    match op.run(state, &link.client_id, Some(&sign_up_id)).await {
        Ok(ran) => {
            let status = ran.link.unwrap_or(EmailLinkStatus::Failed);
            let session = ran.sign_up.created_session_id.filter(|_| status == EmailLinkStatus::Verified);
            let mut page = page::redirect(&link.redirect_url, status, session.as_deref());
            if let Some(token) = &ran.token {
                client::set_client_cookie(page.headers_mut(), state, token);
            }
            page
        }
        Err(ApiError::Refused(ErrorCode::SignUpCancelledByOwner)) => page::cancelled(&link.email_address),
        Err(e @ ApiError::Internal(_)) => page::failure(&e),
        // The sign-up is complete or abandoned, or completing it clashed
        // with a user made meanwhile: nothing was changed.
        Err(refused) => {
            tracing::info!(code = refused.code().as_str(), "email link refused");
            page::redirect(&link.redirect_url, EmailLinkStatus::Failed, None)
        }
    }
}

/// The sign-in of a reset link, or the page that says it has none.
async fn reset_sign_in(state: &AppState, link: &EmailLink) -> Result<SignInRecord, Response> {
    match state.store.sign_in(link.owner.id(), &link.client_id).await {
        Ok(Some(sign_in)) => Ok(sign_in),
        Ok(None) => Err(page::invalid()),
        Err(e) => Err(page::failure(&ApiError::from(e))),
    }
}

/// `GET` of a password reset link: the Confirm page (in another browser,
/// with where the reset was asked for), or the redirect of a refusal.
async fn open_reset(state: &AppState, method: Method, found: Found, confirming: Option<String>) -> Response {
    let sign_in = match reset_sign_in(state, &found.link).await {
        Ok(sign_in) => sign_in,
        Err(page) => return page,
    };
    let same_browser = confirming.as_deref() == Some(sign_in.client_id.as_str());
    if state.config.email_link.confirm == LinkConfirm::Auto
        && method == Method::GET
        && same_browser
        && !found.link.bearer
    {
        return confirm_reset(state, found, confirming).await;
    }
    let (link, now) = (&found.link, state.now());
    let ms_left = link.expire_at - now;
    if link.bearer {
        // Asked for in bearer mode: no cookie can confirm it; the page
        // offers to hand the token to the app.
        return match reset_link::judge(link, &sign_in, Some(&sign_in.client_id), now) {
            Ok(()) => {
                let browser = crate::device::describe(link.requested_user_agent.as_deref());
                let began = page::Began { browser: &browser, ip: link.requested_ip.as_deref(), at: link.created_at };
                page::reset_in_app(&link.email_address, &found.token, &link.redirect_url, ms_left, &began)
            }
            Err(status) => page::redirect(&link.redirect_url, status, None),
        };
    }
    match reset_link::judge(link, &sign_in, confirming.as_deref(), now) {
        Ok(()) => page::confirm_reset(&link.email_address, &found.token, &link.redirect_url, ms_left),
        // A live link in another browser: where it was asked for, no Confirm.
        Err(EmailLinkStatus::ClientMismatch) => {
            let browser = crate::device::describe(link.requested_user_agent.as_deref());
            let began = page::Began { browser: &browser, ip: link.requested_ip.as_deref(), at: link.created_at };
            page::reset_asked_elsewhere(&link.email_address, &found.token, ms_left, &began)
        }
        Err(status) => page::redirect(&link.redirect_url, status, None),
    }
}

/// Confirms a password reset link: its sign-in goes to `needs_new_password`.
async fn confirm_reset(state: &AppState, found: Found, confirming: Option<String>) -> Response {
    let Found { token_hash, link, .. } = found;
    let sign_in = match reset_sign_in(state, &link).await {
        Ok(sign_in) => sign_in,
        Err(page) => return page,
    };
    // Judged first for the status of a refusal; judged again in the operation.
    if let Err(status) = reset_link::judge(&link, &sign_in, confirming.as_deref(), state.now()) {
        return page::redirect(&link.redirect_url, status, None);
    }
    let op = sign_in::Operation::ConfirmLink(ConfirmResetLink::new(token_hash, confirming));
    // Confirming a reset link makes no session (the waiting tab sets the
    // password next), so no "new sign-in" email can come of it: no device.
    let nobody = Device::default();
    let from = SignedInFrom { device: &nobody, locale: Locale::default() };
    match op.run(state, &link.client_id, from, Some(link.owner.id())).await {
        Ok(_) => page::redirect(&link.redirect_url, EmailLinkStatus::Verified, None),
        Err(ApiError::Refused(ErrorCode::VerificationExpired)) => {
            page::redirect(&link.redirect_url, EmailLinkStatus::Expired, None)
        }
        Err(e @ ApiError::Internal(_)) => page::failure(&e),
        Err(refused) => {
            tracing::info!(code = refused.code().as_str(), "password reset link refused");
            page::redirect(&link.redirect_url, EmailLinkStatus::Failed, None)
        }
    }
}

/// "I didn't ask for this" on a password reset link: the link is spent,
/// so it can never set a password, and its sign-in is abandoned. A link no longer live has nothing left
/// to stop.
async fn cancel_reset(state: &AppState, token_hash: &str, link: &EmailLink, sign_in_id: &str) -> Response {
    let now = state.now();
    if link.spent_at.is_some() || now >= link.expire_at {
        return page::invalid();
    }
    let spent = async {
        let mut tx = state.store.begin().await?;
        let spent = tx.spend_email_link(token_hash, now).await?;
        if spent {
            // The reset it belongs to ends too: that browser cannot ask
            // for another link or code on it.
            tx.abandon_sign_in(sign_in_id, now).await?;
        }
        tx.commit().await?;
        Ok::<bool, sqlx::Error>(spent)
    };
    match spent.await {
        Ok(true) => {
            tracing::info!(sign_in_id, "password reset link stopped by the owner of the address");
            page::reset_cancelled()
        }
        Ok(false) => page::invalid(),
        Err(e) => page::failure(&ApiError::from(e)),
    }
}
