//! The pages of `/v1/verify/not_me` (`super::not_me`), in the shape of
//! `super::page`'s: self-contained, no script, a strict CSP, never cached
//! or framed. Pages with a form keep `Referrer-Policy: same-origin` (a
//! form post from a `no-referrer` page carries `Origin: null`, which the
//! CSRF check refuses); every value shown is HTML-escaped (the browser
//! is read from a `User-Agent`, which anyone writes).

use super::page::{escape, html};
use crate::error::ApiError;
use crate::session::alert::{NOT_ME_PATH, PASSWORD_PATH};
use axum::http::StatusCode;
use axum::response::Response;
use gatehouse_protocol::validate::PasswordRules;

/// The sign-in an email was about.
#[derive(Debug)]
pub struct SignIn<'a> {
    /// "Chrome 120 on Windows 10" (see `crate::device`).
    pub browser: &'a str,
    pub ip: Option<&'a str>,
    /// "2026-12-03 07:30 UTC"; `None` once the session's row is gone.
    pub at: Option<&'a str>,
}

/// The page of the email's link: the sign-in, and "This wasn't me".
pub fn confirm(sign_in: &SignIn<'_>, token: &str, ms_left: i64) -> Response {
    let body = format!(
        "<h1>Was this you?</h1>\n\
         <p>Your account was signed in to from a browser it had not been used in before:</p>\n\
         <dl>\n<dt>Time</dt><dd>{}</dd>\n<dt>Browser</dt><dd>{}</dd>\n<dt>IP address</dt><dd>{}</dd>\n</dl>\n\
         <p>If it was you, close this page: nothing changes. If it was not, sign that session out; you can \
         then set a new password.</p>\n\
         <form method=\"post\" action=\"{NOT_ME_PATH}\">\n\
         <input type=\"hidden\" name=\"token\" value=\"{}\">\n\
         <button type=\"submit\">This wasn’t me: sign that session out</button>\n\
         </form>\n\
         <p class=\"note\">{}</p>",
        escape(sign_in.at.unwrap_or("unknown")),
        escape(sign_in.browser),
        escape(sign_in.ip.unwrap_or("unknown")),
        escape(token),
        expiry("This link", ms_left),
    );
    html(StatusCode::OK, "Was this you?", &body, "'self'", "same-origin")
}

/// After "This wasn't me": the session is signed out; a form for a new
/// password. With `refused` (the password broke a rule), the same form
/// again with the reason, 422.
pub fn signed_out(token: &str, rules: &PasswordRules, refused: Option<&str>) -> Response {
    let (status, alert) = match refused {
        Some(reason) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("<p role=\"alert\" style=\"color:#d1242f\">{}</p>\n", escape(reason)),
        ),
        None => (StatusCode::OK, String::new()),
    };
    let body = format!(
        "<h1>That session is signed out</h1>\n\
         <p>Whoever signed in there is signed out. If they may know your password, set a new one now: every \
         session of your account is then signed out, and you are told by email.</p>\n\
         {alert}\
         <form method=\"post\" action=\"{PASSWORD_PATH}\">\n\
         <input type=\"hidden\" name=\"token\" value=\"{}\">\n\
         <label for=\"password\">New password</label>\n\
         <input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"new-password\" required \
         minlength=\"{min}\" maxlength=\"{max}\" style=\"{INPUT_STYLE}\">\n\
         <p class=\"note\">At least {min} characters.</p>\n\
         <button type=\"submit\">Set new password</button>\n\
         </form>\n\
         <p class=\"note\">This form works once and expires in 60 minutes.</p>",
        escape(token),
        min = rules.min_length,
        max = rules.max_length,
    );
    html(status, "Session signed out", &body, "'self'", "same-origin")
}

/// The password input, styled inline (the shared style sheet has no inputs).
const INPUT_STYLE: &str = "display:block;width:100%;margin:6px 0 0;padding:10px 12px;border:1px solid var(--line);\
border-radius:8px;background:transparent;color:var(--fg);font:inherit";

/// After the new password was set.
pub fn password_changed() -> Response {
    let body = "<h1>Your password was changed</h1>\n\
        <p>Every session of your account is signed out. Sign in again with your new password. We sent you an \
        email about the change.</p>";
    html(StatusCode::OK, "Password changed", body, "'none'", "no-referrer")
}

/// A token that is malformed or unknown (400).
pub fn invalid() -> Response {
    let body = "<h1>This link can’t be used</h1>\n\
        <p>It may be incomplete. Nothing was changed. If you think someone else signed in to your account, \
        sign in and check your sessions, or reset your password.</p>";
    html(StatusCode::BAD_REQUEST, "Link not valid", body, "'none'", "no-referrer")
}

/// A token already used (410).
pub fn used() -> Response {
    let body = "<h1>This link was used already</h1>\n\
        <p>It works once, and nothing was changed this time. If you think someone else signed in to your \
        account, sign in and check your sessions, or reset your password.</p>";
    html(StatusCode::GONE, "Link used", body, "'none'", "no-referrer")
}

/// A token past its expiry (410).
pub fn expired() -> Response {
    let body = "<h1>This link has expired</h1>\n\
        <p>Nothing was changed. If you think someone else signed in to your account, sign in and check your \
        sessions, or reset your password.</p>";
    html(StatusCode::GONE, "Link expired", body, "'none'", "no-referrer")
}

/// Our failure (500); the token is not spent.
pub fn failure(error: &ApiError) -> Response {
    if let ApiError::Internal(e) = error {
        tracing::error!(trace_id = crate::trace::current(), error = format!("{e:#}"), "not_me: internal error");
    }
    let body = "<h1>Something went wrong</h1>\n\
        <p>Nothing was changed. Please open the link again in a moment.</p>";
    html(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", body, "'none'", "no-referrer")
}

/// "This link works once and expires in N minutes" (or hours).
fn expiry(what: &str, ms_left: i64) -> String {
    let minutes = u64::try_from(ms_left).unwrap_or(0).div_ceil(60_000).max(1);
    match minutes {
        1 => format!("{what} works once and expires in 1 minute."),
        m if m < 120 => format!("{what} works once and expires in {m} minutes."),
        m => format!("{what} works once and expires in {} hours.", m / 60),
    }
}
