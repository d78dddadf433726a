//! What `/v1/verify` answers: small self-contained pages (inline CSS,
//! nothing fetched, no script) and the redirect.
//!
//! Every answer forbids caching and framing. The pages carry a strict CSP;
//! the one with the token in its URL sets `Referrer-Policy: same-origin`,
//! so the token goes nowhere but back to this server. (`no-referrer` would
//! make browsers send `Origin: null` with the Confirm POST, which the
//! CSRF check refuses.) The redirect sets `no-referrer`.

use crate::error::ApiError;
use crate::strategies::email_link;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use gatehouse_protocol::{EmailLinkStatus, validate};
use std::time::{Duration, UNIX_EPOCH};

/// Where a sign-up began, as the page of another browser shows it.
#[derive(Debug)]
pub struct Began<'a> {
    /// "Chrome 120 on Windows 10" (see `crate::device`).
    pub browser: &'a str,
    pub ip: Option<&'a str>,
    /// Epoch milliseconds.
    pub at: i64,
}

/// The page with the Confirm button, in the browser that signed up.
/// `redirect_url`'s origin joins the form's CSP `form-action`: browsers
/// apply it to the POST's redirect too.
pub fn confirm(email_address: &str, token: &str, redirect_url: &str, ms_left: i64) -> Response {
    let body = format!(
        "<h1>Confirm your email address</h1>\n\
         <p>Confirm that <strong>{}</strong> is your email address to finish signing up.</p>\n\
         {}\n\
         <p class=\"note\">{} If you did not try to sign up, close this page.</p>",
        escape(&mask(email_address)),
        form(email_link::VERIFY_PATH, token, "Confirm", ""),
        expiry(ms_left),
    );
    let form_action = format!("'self' {}", validate::url_origin(redirect_url));
    html(StatusCode::OK, "Confirm your email address", &body, &form_action, "same-origin")
}

/// The page for a link opened in another browser than the one that signed
/// up: where and when the sign-up began, Confirm, and "I didn't start
/// this", which cancels it (`POST /v1/verify/cancel`).
pub fn confirm_elsewhere(
    email_address: &str,
    token: &str,
    redirect_url: &str,
    ms_left: i64,
    began: &Began<'_>,
) -> Response {
    let when = u64::try_from(began.at)
        .map(|ms| httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_millis(ms)))
        .unwrap_or_default();
    let body = format!(
        "<h1>Confirm your email address</h1>\n\
         <p>A sign-up with <strong>{}</strong> was started in another browser than this one:</p>\n\
         <dl>\n<dt>Browser</dt><dd>{}</dd>\n<dt>IP address</dt><dd>{}</dd>\n<dt>Started</dt><dd>{}</dd>\n</dl>\n\
         <p>If that was you, confirm. If it was not, say so: the sign-up is cancelled and no account is made \
         with your address.</p>\n\
         {}\n{}\n\
         <p class=\"note\">{}</p>",
        escape(&mask(email_address)),
        escape(began.browser),
        escape(began.ip.unwrap_or("unknown")),
        escape(&when),
        form(email_link::VERIFY_PATH, token, "Confirm", ""),
        form(super::CANCEL_PATH, token, "I didn’t start this", " class=\"secondary\""),
        expiry(ms_left),
    );
    let form_action = format!("'self' {}", validate::url_origin(redirect_url));
    html(StatusCode::OK, "Confirm your email address", &body, &form_action, "same-origin")
}

/// The page with the Confirm button of a password reset link, in the
/// browser that asked for it: confirming lets that tab set a new password.
pub fn confirm_reset(email_address: &str, token: &str, redirect_url: &str, ms_left: i64) -> Response {
    let body = format!(
        "<h1>Reset your password</h1>\n\
         <p>Confirm to choose a new password for <strong>{}</strong> in the tab where you asked for this link.</p>\n\
         {}\n\
         <p class=\"note\">{} If you did not ask to reset your password, close this page: your password stays as \
         it is.</p>",
        escape(&mask(email_address)),
        form(email_link::VERIFY_PATH, token, "Confirm", ""),
        expiry(ms_left),
    );
    let form_action = format!("'self' {}", validate::url_origin(redirect_url));
    html(StatusCode::OK, "Reset your password", &body, &form_action, "same-origin")
}

/// A live password reset link opened in another browser than the one that
/// asked for it (200): where and when it was asked for, and "I didn't ask
/// for this". No Confirm: a reset link proves the reset only in the
/// browser that asked (`crate::sign_in::reset_link::judge`).
pub fn reset_asked_elsewhere(email_address: &str, token: &str, ms_left: i64, began: &Began<'_>) -> Response {
    let body = format!(
        "<h1>Reset your password?</h1>\n\
         <p>A password reset for <strong>{}</strong> was asked for in another browser than this one:</p>\n\
         {}\n\
         <p>This link works only in the browser where the reset was asked for: if that was you, open the link \
         there. If it was not you, say so: the link stops working and your password stays as it is.</p>\n\
         {}\n\
         <p class=\"note\">{}</p>",
        escape(&mask(email_address)),
        began_list(began, "Asked for"),
        form(super::CANCEL_PATH, token, "I didn’t ask for this", ""),
        expiry(ms_left),
    );
    html(StatusCode::OK, "Reset your password?", &body, "'self'", "same-origin")
}

/// The page of a live password reset link asked for in bearer mode (200):
/// where and when it was asked for, "Continue in the app" (a POST to
/// `/v1/verify/handover`, which sends the token to the app in the
/// redirect's fragment) and "I didn't ask for this". Nothing is confirmed
/// here: only the app that asked, with its own token, can use the link.
pub fn reset_in_app(email_address: &str, token: &str, redirect_url: &str, ms_left: i64, began: &Began<'_>) -> Response {
    let body = format!(
        "<h1>Reset your password</h1>\n\
         <p>A password reset for <strong>{}</strong> was asked for in an app:</p>\n\
         {}\n\
         <p>If that was you, continue in the app to choose a new password. If it was not you, say so: the link \
         stops working and your password stays as it is.</p>\n\
         {}\n{}\n\
         <p class=\"note\">{}</p>",
        escape(&mask(email_address)),
        began_list(began, "Asked for"),
        form(super::HANDOVER_PATH, token, "Continue in the app", ""),
        form(super::CANCEL_PATH, token, "I didn’t ask for this", " class=\"secondary\""),
        expiry(ms_left),
    );
    let form_action = format!("'self' {}", validate::url_origin(redirect_url));
    html(StatusCode::OK, "Reset your password", &body, &form_action, "same-origin")
}

/// "Continue in the app": 303 to `redirect_url` with the token in the
/// fragment (`#gh_reset_token=...`), which no server sees.
pub fn handover(redirect_url: &str, token: &str) -> Response {
    see_other(&email_link::handover_target(redirect_url, token))
}

/// The page after "I didn't ask for this" on a password reset link (200).
pub fn reset_cancelled() -> Response {
    let body = "<h1>Password reset stopped</h1>\n\
        <p>This link no longer works, and your password stays as it is. You can close this page.</p>";
    html(StatusCode::OK, "Password reset stopped", body, "'none'", "no-referrer")
}

/// Where and when a flow began, as a definition list.
fn began_list(began: &Began<'_>, when_label: &str) -> String {
    let when = u64::try_from(began.at)
        .map(|ms| httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_millis(ms)))
        .unwrap_or_default();
    format!(
        "<dl>\n<dt>Browser</dt><dd>{}</dd>\n<dt>IP address</dt><dd>{}</dd>\n<dt>{}</dt><dd>{}</dd>\n</dl>",
        escape(began.browser),
        escape(began.ip.unwrap_or("unknown")),
        escape(when_label),
        escape(&when),
    )
}

/// The page after "I didn't start this", and for the link of a sign-up
/// cancelled so (200).
pub fn cancelled(email_address: &str) -> Response {
    let body = format!(
        "<h1>Sign-up cancelled</h1>\n\
         <p>No account was made with <strong>{}</strong>. Whoever started this sign-up cannot go on \
         with it. You can close this page.</p>",
        escape(&mask(email_address)),
    );
    html(StatusCode::OK, "Sign-up cancelled", &body, "'none'", "no-referrer")
}

/// A form that POSTs the token to `action`, with one button.
fn form(action: &str, token: &str, label: &str, button_attributes: &str) -> String {
    format!(
        "<form method=\"post\" action=\"{action}\">\n\
         <input type=\"hidden\" name=\"token\" value=\"{}\">\n\
         <button type=\"submit\"{button_attributes}>{}</button>\n\
         </form>",
        escape(token),
        escape(label),
    )
}

/// "This link works once and expires in N minutes."
fn expiry(ms_left: i64) -> String {
    let minutes = u64::try_from(ms_left).unwrap_or(0).div_ceil(60_000).max(1);
    let plural = if minutes == 1 { "" } else { "s" };
    format!("This link works once and expires in {minutes} minute{plural}.")
}

/// The page for a token that is malformed or unknown (400).
pub fn invalid() -> Response {
    let body = "<h1>This link can’t be used</h1>\n\
        <p>It may be incomplete, or too old. Go back to the page where you \
        signed up and ask for a new link.</p>";
    html(StatusCode::BAD_REQUEST, "Link not valid", body, "'none'", "no-referrer")
}

/// The page for our own failure (500); the link is not used up.
pub fn failure(error: &ApiError) -> Response {
    if let ApiError::Internal(e) = error {
        tracing::error!(trace_id = crate::trace::current(), error = format!("{e:#}"), "email link: internal error");
    }
    let body = "<h1>Something went wrong</h1>\n\
        <p>Your email address could not be confirmed just now. Please open \
        the link again in a moment.</p>";
    html(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", body, "'none'", "no-referrer")
}

/// 303 to `redirect_url` with `gh_status` (and `gh_created_session`).
pub fn redirect(redirect_url: &str, status: EmailLinkStatus, created_session: Option<&str>) -> Response {
    see_other(&email_link::redirect_target(redirect_url, status, created_session))
}

/// 303 to `target` (the sign-up's or sign-in's `redirect_url` with what it
/// is told), neither stored nor sent on as a referrer.
fn see_other(target: &str) -> Response {
    let Ok(location) = HeaderValue::from_str(target) else {
        // A stored redirect_url passed the protocol's check: only visible ASCII.
        return failure(&ApiError::Internal(anyhow::anyhow!("redirect target is not a header value")));
    };
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    headers.insert(header::LOCATION, location);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

pub(super) fn html(status: StatusCode, title: &str, body: &str, form_action: &str, referrer: &'static str) -> Response {
    let page = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"robots\" content=\"noindex, nofollow\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    );
    let csp = format!(
        "default-src 'none'; style-src 'unsafe-inline'; form-action {form_action}; frame-ancestors 'none'; base-uri 'none'"
    );
    let mut response = (status, page).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    if let Ok(csp) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static(referrer));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(HeaderName::from_static("cross-origin-opener-policy"), HeaderValue::from_static("same-origin"));
    response
}

const STYLE: &str = "\
:root{color-scheme:light dark;--fg:#1b1d23;--muted:#5b6070;--bg:#f3f4f7;--card:#fff;--line:#e1e3ea;--accent:#3451d1}\
@media (prefers-color-scheme:dark){:root{--fg:#e9eaef;--muted:#a2a7b6;--bg:#14151a;--card:#1e1f26;--line:#2e3038;--accent:#6b86ff}}\
*{box-sizing:border-box}\
body{margin:0;min-height:100vh;display:grid;place-items:center;padding:24px;background:var(--bg);color:var(--fg);\
font:16px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif}\
main{width:100%;max-width:420px;background:var(--card);border:1px solid var(--line);border-radius:12px;padding:32px;\
box-shadow:0 1px 3px rgba(0,0,0,.06)}\
h1{font-size:1.375rem;line-height:1.3;margin:0 0 12px}\
p{margin:0 0 20px;color:var(--muted)}\
strong{color:var(--fg);overflow-wrap:anywhere}\
button{width:100%;padding:12px 16px;border:0;border-radius:8px;background:var(--accent);color:#fff;font:inherit;\
font-weight:600;cursor:pointer}\
button:hover{filter:brightness(1.1)}\
button:focus-visible{outline:3px solid var(--accent);outline-offset:2px}\
.note{margin:20px 0 0;font-size:.875rem}\
form+form{margin-top:12px}\
button.secondary{background:transparent;color:var(--fg);border:1px solid var(--line)}\
dl{display:grid;grid-template-columns:auto 1fr;gap:4px 16px;margin:0 0 20px}\
dt{color:var(--muted)}\
dd{margin:0;overflow-wrap:anywhere}\
main>:last-child{margin-bottom:0}";

/// `ana@example.com` as `a•••@example.com`: enough to recognise, not to harvest.
fn mask(email_address: &str) -> String {
    match email_address.split_once('@') {
        Some((local, domain)) => {
            let first = local.chars().next().map(String::from).unwrap_or_default();
            format!("{first}•••@{domain}")
        }
        None => String::from("•••"),
    }
}

/// Text safe inside HTML elements and quoted attributes.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_masked_and_escaped() {
        assert_eq!(mask("ana@example.com"), "a•••@example.com");
        assert_eq!(mask("x@y.co"), "x•••@y.co");
        assert_eq!(escape(&mask("o'neil&co@example.com")), "o•••@example.com");
        assert_eq!(escape("&<>\"'"), "&amp;&lt;&gt;&quot;&#39;");
    }
}
