//! The ticket of an invitation: 256 random bits (base32, 52 characters),
//! kept only as its SHA-256, carried in the link as `__gh_ticket`.

use crate::delivery::Message;
use crate::ids;
use crate::mail::{Locale, Mail, Recipient, Templates};
use url::Url;

/// The query parameter that carries a ticket in an invitation link.
pub const QUERY_PARAM: &str = "__gh_ticket";

/// A new ticket and the hash to store.
pub fn new() -> (String, String) {
    let ticket = ids::new_token();
    let hash = ids::token_hash(&ticket);
    (ticket, hash)
}

/// Whether `ticket` could be one of ours (else it is malformed, and no
/// lookup is needed to refuse it).
pub fn well_formed(ticket: &str) -> bool {
    ticket.len() == 52 && ticket.bytes().all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b))
}

/// The link: `base` with `__gh_ticket=<ticket>` added to its query (before
/// any fragment).
pub fn link(base: &Url, ticket: &str) -> String {
    let mut url = base.clone();
    url.query_pairs_mut().append_pair(QUERY_PARAM, ticket);
    String::from(url)
}

/// The email that carries an invitation link, in `locale`.
pub fn message(templates: &Templates, email: &str, locale: Locale, link: &str, days: u32) -> anyhow::Result<Message> {
    templates.render(&Mail::Invitation { link, days }, Recipient::new(email, locale))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tickets_are_256_bits_and_only_their_hash_is_kept() {
        let (ticket, hash) = new();
        assert!(well_formed(&ticket));
        assert_eq!(hash, ids::token_hash(&ticket));
        assert!(!hash.contains(&ticket));
        assert!(!well_formed("short") && !well_formed(&ticket.to_ascii_uppercase()));
    }

    #[test]
    fn the_ticket_joins_the_query_before_the_fragment() {
        let base = Url::parse("https://app.example.com/join?plan=pro#top").unwrap();
        assert_eq!(link(&base, "abc"), "https://app.example.com/join?plan=pro&__gh_ticket=abc#top");
        let root = Url::parse("http://127.0.0.1:8080/").unwrap();
        assert_eq!(link(&root, "abc"), "http://127.0.0.1:8080/?__gh_ticket=abc");
        let templates = Templates::load(&crate::config::MailSettings::default()).unwrap();
        let m = message(&templates, "ana@example.com", Locale::De, "http://x/?__gh_ticket=abc", 7).unwrap();
        assert!(m.body.contains("http://x/?__gh_ticket=abc") && m.body.contains("7 Tagen"));
        assert_eq!(m.link.as_deref(), Some("http://x/?__gh_ticket=abc"));
    }
}
