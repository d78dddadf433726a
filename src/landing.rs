//! The page at an email link's `redirect_url`: what the query the server
//! redirected with says (`gh_status`, and `gh_created_session` when the
//! sign-up completed), for `Gatehouse.handleMagicLinkVerification()`.

use gatehouse_protocol::{validate, EmailLinkStatus};

/// How a link's confirmation ended, as the redirect reported it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Landing<'a> {
    pub status: EmailLinkStatus,
    /// The session the completed sign-up created (an id: letters, digits,
    /// `_` and `-`; anything else is not one).
    pub created_session_id: Option<&'a str>,
}

/// Reads a `location.search` (the leading `?` optional). `None` when it has
/// no known `gh_status`: the page was not reached through a link.
pub fn landing(search: &str) -> Option<Landing<'_>> {
    let status = EmailLinkStatus::parse(param(search, EmailLinkStatus::PARAM)?)?;
    let is_id = |id: &&str| {
        !id.is_empty() && validate::all(id.as_bytes(), validate::ALNUM | validate::UNDERSCORE | validate::HYPHEN)
    };
    Some(Landing { status, created_session_id: param(search, EmailLinkStatus::CREATED_SESSION_PARAM).filter(is_id) })
}

/// The raw value of `name` in a query. Bytes, not `str` patterns: those
/// bring a string searcher into the binary.
fn param<'a>(search: &'a str, name: &str) -> Option<&'a str> {
    let mut start = usize::from(search.starts_with('?'));
    for pair in search.as_bytes().get(start..)?.split(|&b| b == b'&') {
        let value = start + name.len() + 1;
        if pair.starts_with(name.as_bytes()) && pair.get(name.len()) == Some(&b'=') {
            return search.get(value..start + pair.len());
        }
        start += pair.len() + 1;
    }
    None
}

#[cfg(test)]
#[path = "tests/landing.rs"]
mod tests;
