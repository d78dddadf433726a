//! `Gatehouse.handleMagicLinkVerification()` on the page an email link
//! leads back to: `src/js/landing.js`, the very file the package's entry
//! puts on `Gatehouse` (tests/browser/pkg-smoke.mjs checks that it does),
//! run in Chromium over the browser's `URLSearchParams`. A query as the
//! server writes it reads back exactly; any other query, malformed ones
//! included, answers `null` or a known status with an id of letters,
//! digits, `_` and `-` (or `null`), and never throws. The written cases go
//! through the page's real `location.search`; the generated ones (as the
//! native fuzzing of the former Rust parser made them; a fixed seed, so a
//! failure replays) through its `landing(search)`, since Chromium ignores
//! a page's URL changes past 200 in 10 s, and take any text, not only a
//! URL's normalized query.

use crate::support::*;
use gatehouse_protocol::EmailLinkStatus;
use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen(module = "/src/js/landing.js")]
extern "C" {
    #[wasm_bindgen(js_name = handleMagicLinkVerification, catch)]
    fn handle_magic_link_verification() -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_name = landing, catch)]
    fn landing(search: &str) -> Result<JsValue, JsValue>;
}

/// Generated queries per property, as `cargo test`'s fuzzing ran.
const CASES: usize = 500;

/// The page at `search` (set as the page's own query), read as the landing
/// page reads it: `(status, createdSessionId)`, or `None` for `null`.
/// Panics (fails the test) if it throws or answers anything malformed.
fn read(search: &str) -> Option<(String, Option<String>)> {
    set_page_query(search);
    checked(search, handle_magic_link_verification())
}

/// `search` read by `landing(search)` directly, checked as [`read`] does.
fn read_text(search: &str) -> Option<(String, Option<String>)> {
    checked(search, landing(search))
}

fn checked(search: &str, result: Result<JsValue, JsValue>) -> Option<(String, Option<String>)> {
    let result = result.unwrap_or_else(|e| panic!("{search:?} threw {e:?}"));
    if result.is_null() {
        return None;
    }
    let keys: Vec<_> = Object::keys(result.unchecked_ref::<Object>()).iter().filter_map(|k| k.as_string()).collect();
    assert_eq!(keys, ["status", "createdSessionId"], "{search:?}");
    let status = text(&result, "status").unwrap_or_else(|| panic!("{search:?}: a status that is no string"));
    assert!(EmailLinkStatus::parse(&status).is_some(), "{search:?}: status {status:?}");
    let id = Reflect::get(&result, &s("createdSessionId")).unwrap();
    let id = (!id.is_null()).then(|| id.as_string().unwrap_or_else(|| panic!("{search:?}: id {id:?}")));
    if let Some(id) = &id {
        assert!(is_id(id), "{search:?}: id {id:?}");
    }
    Some((status, id))
}

/// Letters, digits, `_` and `-`, at least one: a session id.
fn is_id(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn landed(status: &str, id: Option<&str>) -> Option<(String, Option<String>)> {
    Some((status.to_owned(), id.map(str::to_owned)))
}

/// A small deterministic generator (xorshift64*): the same cases each run.
struct Cases(u64);

impl Cases {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }

    /// Up to `max` pieces of `from`, joined.
    fn text(&mut self, from: &[&str], max: usize) -> String {
        (0..self.below(max + 1)).map(|_| self.pick(from)).collect()
    }
}

#[wasm_bindgen_test]
fn the_redirect_query_is_read() {
    assert_eq!(read("?gh_status=verified&gh_created_session=sess_2Ab-9"), landed("verified", Some("sess_2Ab-9")));
    assert_eq!(read("?gh_status=verified&gh_created_session=sess_abc"), landed("verified", Some("sess_abc")));
    assert_eq!(read("from=mail&gh_status=client_mismatch"), landed("client_mismatch", None));
    assert_eq!(read("?x=1&gh_status=expired&y=2"), landed("expired", None));
    // The first of a repeated name, as the server never writes it.
    assert_eq!(read("?gh_status=expired&gh_status=verified"), landed("expired", None));
    // Each status, with and without a session.
    for status in EmailLinkStatus::ALL {
        let name = status.as_str();
        assert_eq!(read(&["?gh_status=", name].concat()), landed(name, None));
        assert_eq!(read(&["?gh_status=", name, "&gh_created_session=sess_1"].concat()), landed(name, Some("sess_1")));
    }
}

#[wasm_bindgen_test]
fn a_session_that_is_no_id_is_none() {
    for session in ["%3Cscript%3E", "", "sess%201", "sess+1", "a.b", "sess_1%00", "%E2%80%AE1", "ç"] {
        let search = ["?gh_status=expired&gh_created_session=", session].concat();
        assert_eq!(read(&search), landed("expired", None), "{search}");
    }
}

#[wasm_bindgen_test]
fn a_page_not_reached_through_a_link_has_no_result() {
    let none = [
        "",
        "?",
        "?gh_status",
        "?gh_status=",
        "?gh_status=done",
        "?gh_status=bogus",
        "?gh_status=Verified",
        "?gh_status=verified%20",
        "?x=gh_status=verified",
        "?gh_status=bogus&gh_status=verified",
        "?gh_created_session=sess_1",
        "?GH_STATUS=verified",
    ];
    for search in none {
        assert_eq!(read(search), None, "{search}");
    }
}

#[wasm_bindgen_test]
fn a_malformed_query_reads_without_throwing() {
    // Broken escapes, stray separators, control and non-ASCII characters:
    // no status, or no id, as for any other query.
    let verified = || landed("verified", None);
    let malformed = [
        ("?%", None),
        ("?%%%", None),
        ("?gh_status=%", None),
        ("?gh_status=verified%", None),
        ("?gh_status=%E0%A4%A", None),
        ("?gh_status=%FF%FE", None),
        ("?gh_status=verified&gh_created_session=%ZZ", verified()),
        ("?gh_status=verified&gh_created_session=%", verified()),
        ("?gh_status=verified&gh_created_session=s%E0%A4%A", verified()),
        ("?&&&=&==&", None),
        ("?=verified", None),
        ("?gh_status==verified", None),
        ("?gh_status=verified;gh_created_session=s", None),
        ("?gh_status=verified\u{0}&gh_created_session=s", None),
        ("?gh_status=verified&gh_created_session=s\u{0}", verified()),
        ("?gh_status=v\u{e9}rified&gh_created_session=\u{1F642}", None),
        ("????gh_status=verified", None),
        ("?gh_status=failed&gh_created_session=sess_1&gh_created_session=%3C", landed("failed", Some("sess_1"))),
        ("?&gh_status=failed&&&gh_created_session=s-1&", landed("failed", Some("s-1"))),
    ];
    for (search, expected) in malformed {
        assert_eq!(read(search), expected, "{search:?}");
        assert_eq!(read_text(search), expected, "{search:?} read directly");
    }
    let mut cases = Cases(0x9E37_79B9_7F4A_7C15);
    let pieces = [
        "gh_status",
        "gh_created_session",
        "=",
        "&",
        "?",
        "%",
        "%3D",
        "%26",
        "%2",
        "%E9",
        "+",
        "#",
        ";",
        "verified",
        "expired",
        "failed",
        "client_mismatch",
        "sess_",
        "a",
        "Z",
        "9",
        "-",
        "_",
        ".",
        " ",
        "<",
        "\u{0}",
        "\u{e9}",
        "\u{1F642}",
    ];
    for _ in 0..CASES {
        read_text(&cases.text(&pieces, 12));
        // Any characters at all.
        let any: String = (0..cases.below(30))
            .filter_map(|_| {
                let top = if cases.below(2) == 0 { 0x80 } else { 0x11_0000 };
                char::from_u32(cases.below(top) as u32)
            })
            .collect();
        read_text(&any);
    }
}

#[wasm_bindgen_test]
fn a_query_as_the_server_writes_it_reads_back() {
    let mut cases = Cases(0xD1B5_4A32_D192_ED03);
    let letters = ["a", "b", "q", "z"];
    let id_pieces = ["a", "Z", "0", "9", "_", "-", "sess_", "<", ">", "%3C", "%20", "+", "."];
    for _ in 0..CASES {
        let before: String = (0..cases.below(3))
            .map(|_| [cases.text(&letters, 5), "=".into(), cases.text(&letters, 5), "&".into()].concat())
            .collect();
        let status = EmailLinkStatus::ALL[cases.below(EmailLinkStatus::ALL.len())].as_str();
        let session = cases.text(&id_pieces, 8);
        let search = ["?", &before, "gh_status=", status, "&gh_created_session=", &session].concat();
        // Pieces that are no id's characters, escaped or not, make no id.
        assert_eq!(read_text(&search), landed(status, is_id(&session).then_some(session.as_str())), "{search}");
    }
}
