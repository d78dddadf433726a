//! Fuzzing of every validator in `gatehouse_protocol::validate`, and of the
//! wire names' parsers (issue 8, item 11).
//!
//! Each property feeds generated input to one function and checks two
//! things: it never panics, and what it accepts comes back normalized to a
//! value that validates again to itself (so the server stores one form, and
//! the SDK and the server agree on it).
//!
//! `GATEHOUSE_FUZZ_CASES` is the number of inputs per property (default
//! 500, what `cargo test` runs); `make fuzz` raises it.

use gatehouse_protocol::validate::{
    email_address, external_id, identifier, link_token, metadata_size, password, person_name, phone_number,
    redirect_url, url_origin, username, verification_code, web3_wallet, PasswordRules, UsernameRules, EMAIL_MAX_LEN,
    EXTERNAL_ID_MAX_CHARS, NAME_MAX_CHARS, REDIRECT_URL_MAX_LEN,
};
use gatehouse_protocol::{
    EmailLinkStatus, ErrorCode, Field, FirstFactor, InvitationStatus, NextAction, SignInStatus, SignUpMode,
    SignUpStatus, Strategy as StrategyName, VerificationStatus,
};
use proptest::prelude::*;

/// Inputs per property: `GATEHOUSE_FUZZ_CASES`, else 500.
fn config() -> ProptestConfig {
    let cases = std::env::var("GATEHOUSE_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(500);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

/// Characters that matter to some validator: separators, case that folds
/// oddly, bidi and zero-width characters, NUL and other controls, and
/// homoglyphs of ASCII letters.
const ALPHABET: &[char] = &[
    'a',
    'Z',
    'x',
    '0',
    '7',
    '9',
    '.',
    '@',
    '+',
    '-',
    '_',
    ' ',
    '\t',
    '\n',
    '\0',
    '\u{7f}',
    '/',
    ':',
    '?',
    '#',
    '[',
    ']',
    '\\',
    '"',
    '<',
    '%',
    '(',
    ')',
    '=',
    '&',
    'é',
    'İ',
    'ß',
    'ﬀ',
    'а',
    'ο',
    '\u{202e}',
    '\u{200b}',
    '\u{feff}',
    '\u{2028}',
    '\u{1f600}',
];

/// Any text, weighted towards the characters validators look at.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::collection::vec(proptest::sample::select(ALPHABET), 0..90).prop_map(String::from_iter),
        2 => "\\PC{0,80}",
        1 => any::<String>(),
        1 => proptest::collection::vec(proptest::sample::select(ALPHABET), 200..400).prop_map(String::from_iter),
    ]
}

/// Text shaped like an email address, a URL or a phone number, with noise.
fn shaped(prefixes: &'static [&'static str]) -> impl Strategy<Value = String> {
    (proptest::sample::select(prefixes), text(), proptest::sample::select(&[".com", ".co.uk", "", ".1"][..]))
        .prop_map(|(prefix, middle, suffix)| [prefix, &middle, suffix].concat())
}

fn email_like() -> impl Strategy<Value = String> {
    prop_oneof![
        text(),
        ("[a-zA-Z0-9.+_-]{1,70}", "[a-zA-Z0-9.-]{1,70}", "[a-zA-Z0-9]{1,8}").prop_map(|(local, domain, tld)| [
            local.as_str(),
            "@",
            &domain,
            ".",
            &tld
        ]
        .concat()),
        ("[ \t]{0,2}", text(), "[ \t]{0,2}").prop_map(|(a, b, c)| [a.as_str(), "A@", &b, &c].concat()),
    ]
}

/// Text shaped like an absolute URL: a scheme, a host (a name or a
/// bracketed address), maybe a port, then a path, query or fragment.
fn url_like() -> impl Strategy<Value = String> {
    let scheme = proptest::sample::select(&["http://", "https://", "HTTPS://", "hTTp://", "ftp://", ""][..]);
    let host = prop_oneof!["[a-zA-Z0-9-]{1,12}(\\.[a-zA-Z0-9-]{1,8}){0,3}", "\\[[0-9a-fA-F:]{0,12}\\]", "[!-~]{0,12}"];
    let port = proptest::option::of("[0-9]{0,7}");
    let tail = "([/?#][!-~]{0,30})?";
    (scheme, host, port, tail).prop_map(|(scheme, host, port, tail)| {
        let port = port.map(|p| [":", &p].concat()).unwrap_or_default();
        [scheme, &host, &port, &tail].concat()
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn email_addresses_normalize_once(input in email_like()) {
        if let Ok(out) = email_address(&input) {
            prop_assert!(out.len() <= EMAIL_MAX_LEN && out.is_ascii());
            prop_assert_eq!(email_address(&out), Ok(out.clone()));
            prop_assert_eq!(out.to_ascii_lowercase(), out);
        }
    }

    #[test]
    fn phone_numbers_normalize_once(
        input in prop_oneof![text(), "[+]?[0-9 ().-]{0,24}", "[ ]?[+][0-9][0-9 ().-]{6,20}[ ]?", shaped(&["+", "+1 ", "+0"])],
    ) {
        if let Ok(out) = phone_number(&input) {
            prop_assert!(out.starts_with('+') && out[1..].bytes().all(|b| b.is_ascii_digit()));
            prop_assert_eq!(phone_number(&out), Ok(out.clone()));
        }
    }

    #[test]
    fn usernames_normalize_once(input in prop_oneof![text(), "[a-zA-Z0-9_.-]{0,80}"], min in 0usize..10, max in 0usize..90) {
        let rules = UsernameRules { min_length: min, max_length: max };
        if let Ok(out) = username(&input, &rules) {
            prop_assert!((min..=max).contains(&out.chars().count()));
            prop_assert_eq!(username(&out, &rules), Ok(out.clone()));
        }
    }

    #[test]
    fn password_rules_count_characters(input in text(), min in 0usize..20, max in 0usize..300) {
        let rules = PasswordRules { min_length: min, max_length: max };
        let len = input.chars().count();
        match password(&input, &rules) {
            Ok(()) => prop_assert!(len >= min && len <= max),
            Err(e) => {
                prop_assert_eq!(e.param, "password");
                let expected = if len < min { ErrorCode::FormPasswordLengthTooShort } else { ErrorCode::FormPasswordLengthTooLong };
                prop_assert_eq!(e.code, expected);
            }
        }
    }

    #[test]
    fn person_names_normalize_once(input in text(), last in any::<bool>()) {
        let param = if last { "last_name" } else { "first_name" };
        match person_name(param, &input) {
            Ok(out) => {
                prop_assert!(!out.is_empty() && out.chars().count() <= NAME_MAX_CHARS);
                prop_assert!(!out.chars().any(char::is_control));
                prop_assert_eq!(person_name(param, &out), Ok(out.clone()));
            }
            Err(e) => prop_assert_eq!(e.param, param),
        }
    }

    #[test]
    fn wallets_and_codes_normalize_once(
        input in prop_oneof![text(), "[ ]?0[xX][0-9a-fA-F]{38,41}[ ]?", "[ ]?[0-9]{5,7}[ ]?"],
    ) {
        if let Ok(out) = web3_wallet(&input) {
            prop_assert!(out.len() == 42 && out.starts_with("0x"));
            prop_assert_eq!(web3_wallet(&out), Ok(out.clone()));
        }
        if let Ok(out) = verification_code(&input) {
            prop_assert!(out.len() == 6 && out.bytes().all(|b| b.is_ascii_digit()));
            prop_assert_eq!(verification_code(&out), Ok(out.clone()));
        }
    }

    #[test]
    fn link_tokens_are_43_base64url_characters_or_refused(
        input in prop_oneof![text(), "[ ]?[A-Za-z0-9_-]{41,45}[ ]?", "[A-Za-z0-9+/=_-]{43}"],
    ) {
        let valid = input.len() == 43 && input.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        match link_token(&input) {
            Ok(()) => prop_assert!(valid, "{:?}", input),
            Err(e) => {
                prop_assert!(!valid, "{:?}", input);
                prop_assert_eq!((e.code, e.param), (ErrorCode::FormParamFormatInvalid, "token"));
            }
        }
    }

    #[test]
    fn identifiers_normalize_once(input in prop_oneof![email_like(), text(), "[+]?[0-9 ]{6,18}", "[a-zA-Z0-9_.-]{0,30}"]) {
        if let Ok(id) = identifier(&input) {
            prop_assert_eq!(identifier(id.as_str()), Ok(id.clone()));
            let field = id.field();
            prop_assert!(matches!(field, Field::EmailAddress | Field::PhoneNumber | Field::Username));
        }
    }

    #[test]
    fn external_ids_normalize_once(input in text()) {
        if let Ok(out) = external_id(&input) {
            prop_assert!((1..=EXTERNAL_ID_MAX_CHARS).contains(&out.chars().count()));
            prop_assert_eq!(external_id(&out), Ok(out.clone()));
        }
    }

    #[test]
    fn redirect_urls_normalize_once_and_keep_their_origin(
        input in prop_oneof![text(), url_like(), shaped(&["https://", "http://", "HTTP://", "https://[", "https://a.com:", "http://a@"])],
    ) {
        // Any string: url_origin never panics and answers a prefix.
        prop_assert!(input.starts_with(url_origin(&input)));
        if let Ok(out) = redirect_url(&input) {
            prop_assert!(out.len() <= REDIRECT_URL_MAX_LEN + 1);
            prop_assert_eq!(redirect_url(&out), Ok(out.clone()));
            let origin = url_origin(&out);
            prop_assert_eq!(redirect_url(origin), Ok([origin, "/"].concat()));
        }
    }

    #[test]
    fn wire_names_parse_only_their_own_spelling(input in prop_oneof![text(), "[a-z_]{1,40}"], size in any::<usize>()) {
        fn check<T: Copy + PartialEq + std::fmt::Debug>(s: &str, parse: fn(&str) -> Option<T>, name: fn(T) -> &'static str) {
            if let Some(v) = parse(s) {
                assert_eq!(name(v), s);
                assert_eq!(parse(name(v)), Some(v));
            }
        }
        check(&input, ErrorCode::parse, ErrorCode::as_str);
        check(&input, Field::parse, Field::as_str);
        check(&input, StrategyName::parse, StrategyName::as_str);
        check(&input, SignUpStatus::parse, SignUpStatus::as_str);
        check(&input, VerificationStatus::parse, VerificationStatus::as_str);
        check(&input, NextAction::parse, NextAction::as_str);
        check(&input, SignUpMode::parse, SignUpMode::as_str);
        check(&input, FirstFactor::parse, FirstFactor::as_str);
        check(&input, SignInStatus::parse, SignInStatus::as_str);
        check(&input, InvitationStatus::parse, InvitationStatus::as_str);
        check(&input, EmailLinkStatus::parse, EmailLinkStatus::as_str);
        prop_assert_eq!(metadata_size(size).is_ok(), size <= 4096);
    }
}
