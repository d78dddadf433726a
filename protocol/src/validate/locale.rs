//! A sign-up's `locale`: a BCP 47 language tag, in its usual case.

use super::{invalid, FieldError};
use alloc::string::String;

/// Longest `locale`, in bytes (RFC 5646 §4.4.1 asks for room for 35).
pub const LOCALE_MAX_LEN: usize = 35;

/// A language tag: a primary language of 2 to 8 letters, then subtags of
/// 1 to 8 letters or digits, joined by `-` (`de`, `en-GB`, `zh-Hant-TW`,
/// `sr-Latn-RS`), at most [`LOCALE_MAX_LEN`] bytes. Trimmed and written
/// in the usual case: the language lower-cased, a two-letter region
/// upper-cased and a four-letter script capitalized (as the second or
/// third subtag), the rest lower-cased.
/// Whether messages exist in that language is the server's business (it
/// falls back to English); this checks only the form.
pub fn locale(input: &str) -> Result<String, FieldError> {
    const ERR: FieldError = invalid("locale", "Give a language tag, like en or de-AT.");
    let tag = input.trim();
    if tag.is_empty() || tag.len() > LOCALE_MAX_LEN {
        return Err(ERR);
    }
    let mut out = String::with_capacity(tag.len());
    for (i, subtag) in tag.split('-').enumerate() {
        let bytes = subtag.as_bytes();
        let ok = match i {
            0 => (2..=8).contains(&bytes.len()) && bytes.iter().all(u8::is_ascii_alphabetic),
            _ => (1..=8).contains(&bytes.len()) && bytes.iter().all(u8::is_ascii_alphanumeric),
        };
        if !ok {
            return Err(ERR);
        }
        if i > 0 {
            out.push('-');
        }
        let alphabetic = bytes.iter().all(u8::is_ascii_alphabetic);
        for (j, &b) in bytes.iter().enumerate() {
            let upper = matches!(i, 1 | 2) && alphabetic && (bytes.len() == 2 || (bytes.len() == 4 && j == 0));
            out.push(char::from(if upper { b.to_ascii_uppercase() } else { b.to_ascii_lowercase() }));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn language_tags_are_kept_in_their_usual_case() {
        assert_eq!(locale("de").unwrap(), "de");
        assert_eq!(locale(" EN-gb ").unwrap(), "en-GB");
        assert_eq!(locale("zh-hant-tw").unwrap(), "zh-Hant-TW");
        assert_eq!(locale("es-419").unwrap(), "es-419");
        assert_eq!(locale("tlh").unwrap(), "tlh");
        assert_eq!(locale("de-DE-1996-X-AB").unwrap(), "de-DE-1996-x-ab");
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in [
            "",
            "e",
            "de_AT",
            "de-",
            "-de",
            "de--at",
            "1e",
            "de-AT-toolongsubtag",
            "<script>",
            "dé",
            "en-US-aaaaaaaa-bbbbbbbb-cccccccc-ddd",
        ] {
            let e = locale(bad).unwrap_err();
            assert_eq!((e.code, e.param), (ErrorCode::FormParamFormatInvalid, "locale"), "{bad}");
        }
    }
}
