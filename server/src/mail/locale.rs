//! The languages messages are written in, and how one is chosen: the
//! sign-up's `locale` (a language tag, checked by
//! `gatehouse_protocol::validate::locale`), else the request's
//! `Accept-Language`, else English. A language without templates falls
//! back to English.

use axum::extract::FromRequestParts;
use axum::http::header::ACCEPT_LANGUAGE;
use axum::http::request::Parts;
use std::convert::Infallible;

/// A language the templates are written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Locale {
    #[default]
    En,
    De,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::En, Locale::De];

    /// Its primary language subtag: the folder of its templates.
    pub const fn as_str(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::De => "de",
        }
    }

    /// The locale of a language tag (`de`, `de-AT`, `en-GB`), if one is
    /// written: only its primary language counts.
    pub fn of_tag(tag: &str) -> Option<Locale> {
        let language = tag.split(['-', '_']).next()?;
        Locale::ALL.into_iter().find(|l| l.as_str().eq_ignore_ascii_case(language))
    }

    /// The locale of a message: the sign-up's `locale` (`tag`) when it
    /// has one, else what the request asked for, else English.
    pub fn choose(tag: Option<&str>, asked: AskedLocale) -> Locale {
        match tag {
            Some(tag) => Locale::of_tag(tag).unwrap_or_default(),
            None => asked.0.unwrap_or_default(),
        }
    }

    /// The most preferred locale of an `Accept-Language` value that we have.
    pub fn accepted(header: &str) -> Option<Locale> {
        accept_language::parse(header).iter().find_map(|tag| Locale::of_tag(tag))
    }

    /// How long a code or link lasts, in words: "10 minutes", "1 Minute",
    /// "45 Sekunden" (under a minute, in seconds; else in whole minutes,
    /// rounded up).
    pub fn lifetime(self, ttl_seconds: u64) -> String {
        let (count, minutes) = if ttl_seconds < 60 { (ttl_seconds, false) } else { (ttl_seconds.div_ceil(60), true) };
        let one = count == 1;
        let unit = match (self, minutes, one) {
            (Locale::En, true, true) => "minute",
            (Locale::En, true, false) => "minutes",
            (Locale::En, false, true) => "second",
            (Locale::En, false, false) => "seconds",
            (Locale::De, true, true) => "Minute",
            (Locale::De, true, false) => "Minuten",
            (Locale::De, false, true) => "Sekunde",
            (Locale::De, false, false) => "Sekunden",
        };
        format!("{count} {unit}")
    }
}

/// The locale a request asks for by its `Accept-Language`, if we have
/// one (an extractor; it never refuses).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AskedLocale(pub Option<Locale>);

impl<S: Send + Sync> FromRequestParts<S> for AskedLocale {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<AskedLocale, Infallible> {
        let header = parts.headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
        Ok(AskedLocale(header.and_then(Locale::accepted)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> AskedLocale {
        AskedLocale(Locale::accepted(value))
    }

    #[test]
    fn the_sign_ups_locale_wins_then_accept_language_then_english() {
        assert_eq!(Locale::choose(Some("de-AT"), accept("en")), Locale::De);
        assert_eq!(Locale::choose(Some("fr"), accept("de")), Locale::En, "an unknown language is English");
        assert_eq!(Locale::choose(None, accept("fr-CH, fr;q=0.9, de;q=0.8, en;q=0.5")), Locale::De);
        assert_eq!(Locale::choose(None, accept("en-US,de;q=0.9")), Locale::En);
        assert_eq!(Locale::choose(None, accept("de;q=0.5, en;q=0.4")), Locale::De);
        assert_eq!(Locale::choose(None, accept("fr")), Locale::En);
        assert_eq!(Locale::choose(None, accept(";;;garbage")), Locale::En);
        assert_eq!(Locale::choose(None, AskedLocale::default()), Locale::En);
    }

    #[test]
    fn lifetimes_read_as_words() {
        assert_eq!(Locale::En.lifetime(600), "10 minutes");
        assert_eq!(Locale::En.lifetime(60), "1 minute");
        assert_eq!(Locale::En.lifetime(61), "2 minutes");
        assert_eq!(Locale::En.lifetime(45), "45 seconds");
        assert_eq!(Locale::En.lifetime(1), "1 second");
        assert_eq!(Locale::De.lifetime(600), "10 Minuten");
        assert_eq!(Locale::De.lifetime(60), "1 Minute");
        assert_eq!(Locale::De.lifetime(1), "1 Sekunde");
    }
}
