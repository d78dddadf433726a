//! The field validation that both sides run.
//!
//! Each function takes what a person typed and returns the normalized value
//! the server stores, or a [`FieldError`] naming the parameter, its stable
//! code and a message. The SDK runs these before sending so bad input never
//! leaves the browser; the server runs them again because it trusts no one.

use crate::ErrorCode;
use alloc::string::String;

mod identifier;
mod locale;
mod url;

pub use identifier::{external_id, identifier, Identifier, EXTERNAL_ID_MAX_CHARS};
pub use locale::{locale, LOCALE_MAX_LEN};
pub use url::{redirect_url, url_origin, REDIRECT_URL_MAX_LEN};

/// Why one parameter was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub code: ErrorCode,
    /// The wire name of the parameter (`meta.param_name`).
    pub param: &'static str,
    /// A message for this parameter, safe to show to an end user.
    pub message: &'static str,
}

impl FieldError {
    pub const fn new(code: ErrorCode, param: &'static str, message: &'static str) -> Self {
        FieldError { code, param, message }
    }
}

/// Longest email address (RFC 5321 path limit).
pub const EMAIL_MAX_LEN: usize = 254;
/// Longest first or last name, in characters.
pub const NAME_MAX_CHARS: usize = 100;
/// Largest `unsafe_metadata`, as serialized JSON bytes.
pub const METADATA_MAX_BYTES: usize = 4096;
/// Digits in a verification code (and in a TOTP code).
pub const CODE_LENGTH: usize = 6;
/// Characters in a backup code (lowercase letters and digits).
pub const BACKUP_CODE_LENGTH: usize = 10;
/// Characters in an email link's token: 32 random bytes in base64url
/// without padding.
pub const LINK_TOKEN_LENGTH: usize = 43;

/// Password length rules (in characters), from the instance settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct PasswordRules {
    pub min_length: usize,
    pub max_length: usize,
}

impl Default for PasswordRules {
    fn default() -> Self {
        PasswordRules { min_length: 8, max_length: 256 }
    }
}

/// Username length rules (in characters), from the instance settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct UsernameRules {
    pub min_length: usize,
    pub max_length: usize,
}

impl Default for UsernameRules {
    fn default() -> Self {
        UsernameRules { min_length: 3, max_length: 64 }
    }
}

/// The characters of `s` (what `s.chars().count()` says), counted as the
/// bytes that do not continue a UTF-8 sequence: core's counter is unrolled
/// for speed and costs the SDK's wasm about 1 KiB; these strings are short.
pub fn char_count(s: &str) -> usize {
    s.bytes().filter(|&b| (b as i8) >= -0x40).count()
}

/// Whether `bytes` holds an `@`. Not `[u8]::contains`, which is a memchr:
/// about 0.35 KiB of the SDK's wasm.
#[allow(clippy::manual_contains)]
pub(crate) fn has_at_sign(bytes: &[u8]) -> bool {
    bytes.iter().any(|&b| b == b'@')
}

// The ASCII classes the validators test bytes against, one bit each in
// [`CLASSES`]: one table load per byte, where each check's chain of range
// comparisons cost the SDK's wasm about 0.2 KiB gzip. A test takes the
// union of the classes it allows (`DIGIT | LOWER | UPPER`: alphanumeric).
/// `0`-`9`.
pub const DIGIT: u8 = 1;
/// `a`-`z`.
pub const LOWER: u8 = 2;
/// `A`-`Z`.
pub const UPPER: u8 = 4;
/// `-`.
pub const HYPHEN: u8 = 8;
/// `.`.
pub const DOT: u8 = 16;
/// `_`.
pub const UNDERSCORE: u8 = 32;
/// The rest of an email's dot-atom characters (RFC 5322 `atext`):
/// `` !#$%&'*+/=?^`{|}~ ``.
pub const ATEXT: u8 = 64;
/// What a phone number may hold between its digits besides `-` and `.`:
/// a space and parentheses.
pub const PHONE_SEPARATOR: u8 = 128;
/// Letters and digits.
pub const ALNUM: u8 = DIGIT | LOWER | UPPER;

/// The class bits of every byte (0 for every byte outside ASCII).
static CLASSES: [u8; 256] = {
    let mut table = [0; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        table[b] = match c {
            b'0'..=b'9' => DIGIT,
            b'a'..=b'z' => LOWER,
            b'A'..=b'Z' => UPPER,
            b'-' => HYPHEN,
            b'.' => DOT,
            b'_' => UNDERSCORE,
            b'!' | b'#'..=b'\'' | b'*' | b'+' | b'/' | b'=' | b'?' | b'^' | b'`' | b'{'..=b'~' => ATEXT,
            b' ' | b'(' | b')' => PHONE_SEPARATOR,
            _ => 0,
        };
        b += 1;
    }
    table
};

/// Whether byte `b` is in one of the classes `classes` (a union of
/// [`DIGIT`], [`LOWER`] and the others).
#[inline]
pub fn is(b: u8, classes: u8) -> bool {
    // A `u8` index into 256 entries: no bounds check.
    CLASSES[b as usize] & classes != 0
}

/// Whether every byte of `bytes` is in one of `classes`.
pub fn all(bytes: &[u8], classes: u8) -> bool {
    bytes.iter().all(|&b| is(b, classes))
}

const fn invalid(param: &'static str, message: &'static str) -> FieldError {
    FieldError::new(ErrorCode::FormParamFormatInvalid, param, message)
}

/// An email address: `local@domain`, trimmed and lower-cased.
///
/// Deliberately simple: one `@`, a dot-atom local part, a domain of at least
/// two DNS labels. Quoted local parts and IP literals are refused.
pub fn email_address(input: &str) -> Result<String, FieldError> {
    const ERR: FieldError = invalid("email_address", "Enter a valid email address, like name@example.com.");
    let email = input.trim();
    if email.is_empty() || email.len() > EMAIL_MAX_LEN {
        return Err(ERR);
    }
    // Byte-wise on purpose: str searching and slicing carry panic paths
    // that pull `core::fmt` into the SDK's wasm.
    let bytes = email.as_bytes();
    let at = bytes.iter().position(|&b| b == b'@').ok_or(ERR)?;
    let (local, domain) = (bytes.get(..at).unwrap_or_default(), bytes.get(at + 1..).unwrap_or_default());
    // `matches!` rather than `[u8]::contains`: see `has_at_sign`.
    if local.is_empty() || local.len() > 64 || has_at_sign(domain) {
        return Err(ERR);
    }
    let local_ok = all(local, ALNUM | ATEXT | HYPHEN | DOT | UNDERSCORE)
        && local.first() != Some(&b'.')
        && local.last() != Some(&b'.')
        && !local.windows(2).any(|w| w == b"..");
    if !local_ok || !dns_name(domain) {
        return Err(ERR);
    }
    Ok(email.to_ascii_lowercase())
}

/// A domain of two or more labels, each 1-63 letters, digits or inner hyphens,
/// the last one not all digits.
fn dns_name(domain: &[u8]) -> bool {
    if domain.len() > 253 {
        return false;
    }
    let mut labels = 0;
    let mut last: &[u8] = &[];
    for label in domain.split(|&b| b == b'.') {
        let ok = !label.is_empty()
            && label.len() <= 63
            && all(label, ALNUM | HYPHEN)
            && label.first() != Some(&b'-')
            && label.last() != Some(&b'-');
        if !ok {
            return false;
        }
        labels += 1;
        last = label;
    }
    labels >= 2 && !all(last, DIGIT)
}

/// The ten digits, for [`phone_number`] to push one at a time.
const DIGITS: &str = "0123456789";

/// A phone number in E.164: `+` then 8 to 15 digits, the first not 0.
/// Spaces, dots, hyphens and parentheses between digits are dropped.
pub fn phone_number(input: &str) -> Result<String, FieldError> {
    const ERR: FieldError = invalid("phone_number", "Enter the phone number with its country code, like +14155550123.");
    // Over bytes, each digit pushed as a `&str` of [`DIGITS`]: no `char`
    // pattern or push, so no UTF-8 encoder in the SDK's wasm.
    let [b'+', rest @ ..] = input.trim().as_bytes() else { return Err(ERR) };
    let mut out = String::with_capacity(16);
    #[allow(clippy::single_char_add_str)] // A `&str`, not a `char`: see above.
    out.push_str("+");
    for &b in rest {
        if is(b, DIGIT) {
            let digit = usize::from(b.wrapping_sub(b'0'));
            out.push_str(DIGITS.get(digit..digit + 1).unwrap_or_default());
        } else if !is(b, HYPHEN | DOT | PHONE_SEPARATOR) {
            return Err(ERR);
        }
    }
    let digits = out.len() - 1;
    if !(8..=15).contains(&digits) || out.as_bytes().get(1) == Some(&b'0') {
        return Err(ERR);
    }
    Ok(out)
}

/// A username: letters, digits, `_`, `.` and `-`, starting with a letter or
/// digit, within the instance's length rules; lower-cased.
pub fn username(input: &str, rules: &UsernameRules) -> Result<String, FieldError> {
    let name = input.trim();
    let len = char_count(name);
    if len < rules.min_length || len > rules.max_length {
        return Err(invalid("username", "Choose a username of the allowed length."));
    }
    let ok = all(name.as_bytes(), ALNUM | UNDERSCORE | DOT | HYPHEN)
        && name.as_bytes().first().is_some_and(|&b| is(b, ALNUM));
    if !ok {
        return Err(invalid("username", "Use letters, digits, '_', '.' or '-', starting with a letter or digit."));
    }
    Ok(name.to_ascii_lowercase())
}

/// A password within the instance's length rules (counted in characters).
/// Passwords are not trimmed: every character counts.
pub fn password(input: &str, rules: &PasswordRules) -> Result<(), FieldError> {
    let len = char_count(input);
    if len < rules.min_length {
        return Err(FieldError::new(ErrorCode::FormPasswordLengthTooShort, "password", "Your password is too short."));
    }
    if len > rules.max_length {
        return Err(FieldError::new(ErrorCode::FormPasswordLengthTooLong, "password", "Your password is too long."));
    }
    Ok(())
}

/// A first or last name: trimmed, 1 to 100 characters, no control
/// characters and no [`is_hidden_format`] character (a name shown to others,
/// in a list or an email, must read as what it is).
/// `param` is `"first_name"` or `"last_name"`.
pub fn person_name(param: &'static str, input: &str) -> Result<String, FieldError> {
    let name = input.trim();
    let len = char_count(name);
    if len == 0 {
        return Err(FieldError::new(ErrorCode::FormParamMissing, param, "Enter a name."));
    }
    // One pass over the characters for both kinds (smaller SDK wasm).
    let (mut control, mut hidden) = (false, false);
    for c in name.chars() {
        control |= c.is_control();
        hidden |= is_hidden_format(c);
    }
    if len > NAME_MAX_CHARS || control {
        return Err(invalid(param, "Enter a name of at most 100 characters."));
    }
    if hidden {
        return Err(invalid(param, "Enter a name without invisible or text-direction characters."));
    }
    Ok(String::from(name))
}

/// Invisible characters that change how the text around them reads: the
/// bidi embeddings, overrides, isolates and marks (which can make
/// "Ana\u{202E}gnp.exe" display as "Anaexe.png"), and the zero-width
/// spaces, joiners and byte-order mark (which make two names that look
/// the same compare different).
pub fn is_hidden_format(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' // zero-width space, non-joiner, joiner; LRM, RLM
            | '\u{202A}'..='\u{202E}' // LRE, RLE, PDF, LRO, RLO
            | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
            | '\u{2066}'..='\u{2069}' // LRI, RLI, FSI, PDI
            | '\u{061C}' // Arabic letter mark
            | '\u{180E}' // Mongolian vowel separator
            | '\u{FEFF}' // zero-width no-break space (BOM)
    )
}

/// A web3 wallet address: `0x` and 40 hex digits, lower-cased.
pub fn web3_wallet(input: &str) -> Result<String, FieldError> {
    let w = input.trim();
    let ok = w.len() == 42
        && (w.starts_with("0x") || w.starts_with("0X"))
        && w.bytes().skip(2).all(|b| b.is_ascii_hexdigit());
    if !ok {
        return Err(invalid("web3_wallet", "Enter a wallet address: 0x and 40 hex digits."));
    }
    Ok(w.to_ascii_lowercase())
}

/// A verification code as typed: exactly six digits (spaces around are dropped).
pub fn verification_code(input: &str) -> Result<String, FieldError> {
    let code = input.trim();
    if code.len() != CODE_LENGTH || !all(code.as_bytes(), DIGIT) {
        return Err(invalid("code", "Enter the 6-digit code."));
    }
    Ok(String::from(code))
}

/// A second factor's code as typed: a TOTP code is six digits; a backup
/// code is ten letters or digits, read in lowercase (spaces around are
/// dropped).
pub fn second_factor_code(input: &str, backup: bool) -> Result<String, FieldError> {
    if !backup {
        return verification_code(input);
    }
    let code = input.trim().to_ascii_lowercase();
    if code.len() != BACKUP_CODE_LENGTH || !all(code.as_bytes(), LOWER | DIGIT) {
        return Err(invalid("code", "Enter one of your 10-character backup codes."));
    }
    Ok(code)
}

/// The token of a password reset link, as an app hands it back
/// (`attempt_first_factor` with `reset_password_email_link`, read from the
/// `gh_reset_token` fragment the link's page redirected to): 43 base64url
/// characters, taken as given (a token is not typed, so nothing is trimmed).
pub fn link_token(input: &str) -> Result<(), FieldError> {
    if input.len() != LINK_TOKEN_LENGTH || !all(input.as_bytes(), ALNUM | HYPHEN | UNDERSCORE) {
        return Err(invalid("token", "Open the link again."));
    }
    Ok(())
}

/// The size of `unsafe_metadata` once serialized as JSON.
pub fn metadata_size(serialized_len: usize) -> Result<(), FieldError> {
    if serialized_len > METADATA_MAX_BYTES {
        return Err(invalid("unsafe_metadata", "Metadata must be at most 4 KiB of JSON."));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn second_factor_codes_are_six_digits_or_ten_letters_and_digits() {
        assert_eq!(second_factor_code(" 123456 ", false).unwrap(), "123456");
        assert!(second_factor_code("12345a", false).is_err());
        assert_eq!(second_factor_code(" AB12cd34ef ", true).unwrap(), "ab12cd34ef");
        for bad in ["ab12cd34e", "ab12cd34ef0", "ab12cd-4ef", "ab12cd34é"] {
            assert_eq!(second_factor_code(bad, true).unwrap_err().code, ErrorCode::FormParamFormatInvalid);
        }
    }

    #[test]
    fn link_tokens_are_43_base64url_characters() {
        let token = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123-_9";
        assert_eq!(link_token(token), Ok(()));
        let long = format!("{token}a");
        let padded = format!("{}=", &token[..42]);
        let spaced = format!(" {}", &token[..42]);
        for bad in ["", &token[..42], &long, &padded, &spaced, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123+/9"] {
            let e = link_token(bad).unwrap_err();
            assert_eq!((e.code, e.param), (ErrorCode::FormParamFormatInvalid, "token"), "{bad}");
        }
    }

    #[test]
    fn char_count_counts_characters() {
        for s in ["", "ana", "éééééééé", "\u{645}\u{62D}", "a\u{1F600}b", "\u{FEFF}"] {
            assert_eq!(char_count(s), s.chars().count(), "{s:?}");
        }
    }

    #[test]
    fn emails() {
        assert_eq!(email_address("  Ana@Example.COM ").unwrap(), "ana@example.com");
        assert!(email_address("first.last+tag@mail.example.co.uk").is_ok());
        for bad in [
            "",
            "ana",
            "ana@",
            "@example.com",
            "ana@example",
            "a b@example.com",
            "ana@@example.com",
            ".ana@example.com",
            "ana..b@example.com",
            "ana@-x.com",
            "ana@example.123",
            "ana@exa_mple.com",
        ] {
            let e = email_address(bad).unwrap_err();
            assert_eq!((e.code, e.param), (ErrorCode::FormParamFormatInvalid, "email_address"), "{bad}");
        }
    }

    #[test]
    fn phones() {
        assert_eq!(phone_number("+1 (415) 555-0123").unwrap(), "+14155550123");
        for bad in ["14155550123", "+0123456789", "+1234567", "+1234567890123456", "+1415x5550123", "+"] {
            assert!(phone_number(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn usernames() {
        let r = UsernameRules::default();
        assert_eq!(username("Cersei.Lannister", &r).unwrap(), "cersei.lannister");
        for bad in ["ab", "_abc", "has space", "ünï", &"a".repeat(65)] {
            assert!(username(bad, &r).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords() {
        let r = PasswordRules::default();
        assert_eq!(password("short", &r).unwrap_err().code, ErrorCode::FormPasswordLengthTooShort);
        assert_eq!(password(&"x".repeat(257), &r).unwrap_err().code, ErrorCode::FormPasswordLengthTooLong);
        assert!(password("correct horse", &r).is_ok());
        // Eight characters, more than eight bytes: counts characters.
        assert!(password("éééééééé", &r).is_ok());
    }

    #[test]
    fn names_wallets_codes_metadata() {
        assert_eq!(person_name("first_name", "  Ana ").unwrap(), "Ana");
        assert_eq!(person_name("last_name", " ").unwrap_err().code, ErrorCode::FormParamMissing);
        assert!(person_name("first_name", "a\u{0}b").is_err());
        let hidden_names =
            ["Ana\u{202E}gnp.exe", "A\u{200B}na", "A\u{200D}na", "\u{2066}Ana\u{2069}", "Ana\u{FEFF}", "\u{200F}Ana"];
        for hidden in hidden_names {
            let e = person_name("first_name", hidden).unwrap_err();
            assert_eq!((e.code, e.param), (ErrorCode::FormParamFormatInvalid, "first_name"), "{hidden:?}");
        }
        assert_eq!(person_name("last_name", "Lannister-Baratheon").unwrap(), "Lannister-Baratheon");
        assert_eq!(person_name("last_name", "\u{645}\u{62D}\u{645}\u{62F}").unwrap(), "\u{645}\u{62D}\u{645}\u{62F}");
        assert!(web3_wallet("0x52908400098527886E0F7030069857D2E4169EE7").is_ok());
        assert!(web3_wallet("0x5290").is_err());
        assert_eq!(verification_code(" 012345 ").unwrap(), "012345");
        assert!(verification_code("12345a").is_err());
        assert!(metadata_size(4096).is_ok() && metadata_size(4097).is_err());
    }

    /// Every character [`is_hidden_format`] refuses.
    const HIDDEN: [char; 21] = [
        '\u{200B}', '\u{200C}', '\u{200D}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}',
        '\u{202E}', '\u{2060}', '\u{2061}', '\u{2062}', '\u{2063}', '\u{2064}', '\u{2066}', '\u{2067}', '\u{2068}',
        '\u{2069}', '\u{061C}', '\u{FEFF}',
    ];

    proptest! {
        #[test]
        fn char_count_is_chars_count(s in "\\PC{0,40}") {
            prop_assert_eq!(char_count(&s), s.chars().count());
        }

        #[test]
        fn valid_emails_are_accepted_and_normalized(
            local in "[a-zA-Z0-9][a-zA-Z0-9_+-]{0,20}",
            domain in "[a-z][a-z0-9]{0,10}",
            tld in "[a-z]{2,6}",
        ) {
            let input = [local.as_str(), "@", domain.as_str(), ".", tld.as_str()].concat();
            let out = email_address(&input).unwrap();
            prop_assert_eq!(out.clone(), input.to_ascii_lowercase());
            // Normalizing is idempotent.
            prop_assert_eq!(email_address(&out).unwrap(), out);
        }

        #[test]
        fn email_validation_never_panics_and_output_is_valid(s in "\\PC{0,300}") {
            if let Ok(out) = email_address(&s) {
                prop_assert!(out.len() <= EMAIL_MAX_LEN);
                prop_assert_eq!(out.matches('@').count(), 1);
                prop_assert!(!out.contains(char::is_whitespace));
            }
        }

        #[test]
        fn e164_numbers_round_trip(first in 1u8..10, rest in "[0-9]{7,14}") {
            let input = ["+", &first.to_string(), &rest].concat();
            prop_assert_eq!(phone_number(&input).unwrap(), input);
        }

        #[test]
        fn phone_output_is_always_e164(s in "\\PC{0,40}") {
            if let Ok(out) = phone_number(&s) {
                prop_assert!(out.starts_with('+'));
                prop_assert!((9..=16).contains(&out.len()));
                prop_assert!(out[1..].bytes().all(|b| b.is_ascii_digit()));
            }
        }

        #[test]
        fn password_length_rule_is_exact(len in 0usize..300) {
            let r = PasswordRules::default();
            let pw = "p".repeat(len);
            prop_assert_eq!(password(&pw, &r).is_ok(), (8..=256).contains(&len));
        }

        #[test]
        fn usernames_in_rules_are_accepted(name in "[a-z0-9][a-z0-9_.-]{2,63}") {
            prop_assert_eq!(username(&name, &UsernameRules::default()).unwrap(), name);
        }

        #[test]
        fn names_never_carry_hidden_format_characters(
            s in "\\PC{0,120}",
            hidden in proptest::sample::select(HIDDEN.to_vec()),
            at in 0usize..120,
        ) {
            if let Ok(out) = person_name("first_name", &s) {
                prop_assert!(!out.chars().any(is_hidden_format));
                prop_assert!(!out.chars().any(char::is_control));
                prop_assert!(out.chars().count() <= NAME_MAX_CHARS);
            }
            // The same text with one hidden character put in anywhere is refused.
            let mut chars: alloc::vec::Vec<char> = s.chars().collect();
            chars.insert(at.min(chars.len()), hidden);
            let with_hidden: String = chars.into_iter().collect();
            let e = person_name("first_name", &with_hidden);
            prop_assert!(e.is_err(), "{:?} was accepted", with_hidden);
        }

        #[test]
        fn plain_names_are_accepted(
            // Latin, Arabic and CJK letters, spaces, hyphens, apostrophes.
            name in "[A-Za-z\u{00C0}-\u{024F}\u{0620}-\u{064A}\u{4E00}-\u{4FFF}]\
                     [A-Za-z '\u{00C0}-\u{024F}\u{0620}-\u{064A}\u{4E00}-\u{4FFF}-]{0,60}[A-Za-z]",
        ) {
            prop_assert_eq!(person_name("last_name", &name).unwrap(), name);
        }

        #[test]
        fn codes_are_six_digits(s in "\\PC{0,10}") {
            if let Ok(c) = verification_code(&s) {
                prop_assert!(c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit()));
            }
        }
    }
}
