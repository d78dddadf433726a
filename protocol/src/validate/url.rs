//! URLs to send a person back to (`redirect_url`): checked and normalized
//! without a URL parser, so the SDK can run the same rule in `no_std`.

use super::{invalid, FieldError};
use alloc::string::String;

/// Longest `redirect_url`, in bytes.
pub const REDIRECT_URL_MAX_LEN: usize = 2048;

/// A URL to send a person back to after an email link: absolute `http` or
/// `https`, a host (a DNS name or a bracketed IPv6 address) and an optional
/// port, then any path, query and fragment of visible ASCII. The scheme and
/// host are lower-cased, a default port is dropped and an empty path becomes
/// `/`, so [`url_origin`] of the result compares as a string.
///
/// Refused, because browsers and servers read them differently: user info
/// (`https://a.com@b.com/`), backslashes, quotes, angle brackets, spaces and
/// anything that is not visible ASCII.
pub fn redirect_url(input: &str) -> Result<String, FieldError> {
    const ERR: FieldError = invalid("redirect_url", "Enter an absolute http or https URL.");
    let url = input.trim().as_bytes();
    let visible = |b: &u8| (0x21..0x7f).contains(b) && !b"\\\"<>`".contains(b);
    if url.is_empty() || url.len() > REDIRECT_URL_MAX_LEN || !url.iter().all(visible) {
        return Err(ERR);
    }
    let (https, rest) = if starts_with_ignore_case(url, b"https://") {
        (true, url.get(8..).unwrap_or_default())
    } else if starts_with_ignore_case(url, b"http://") {
        (false, url.get(7..).unwrap_or_default())
    } else {
        return Err(ERR);
    };
    let end = rest.iter().position(|b| b"/?#".contains(b)).unwrap_or(rest.len());
    let (authority, tail) = (rest.get(..end).unwrap_or_default(), rest.get(end..).unwrap_or_default());
    let (host, port) = split_host_port(authority).ok_or(ERR)?;
    let mut out = String::with_capacity(url.len() + 1);
    out.push_str(if https { "https://" } else { "http://" });
    for &b in host {
        out.push(char::from(b.to_ascii_lowercase()));
    }
    let default_port: &[u8] = if https { b"443" } else { b"80" };
    if let Some(port) = port.filter(|p| *p != default_port) {
        out.push(':');
        port.iter().for_each(|&b| out.push(char::from(b)));
    }
    if !tail.starts_with(b"/") {
        out.push('/');
    }
    tail.iter().for_each(|&b| out.push(char::from(b)));
    Ok(out)
}

/// The origin (`scheme://host[:port]`) at the start of a URL that
/// [`redirect_url`] returned.
pub fn url_origin(url: &str) -> &str {
    let bytes = url.as_bytes();
    let start = bytes.windows(3).position(|w| w == b"://").map_or(0, |i| i + 3);
    let after = bytes.get(start..).unwrap_or_default();
    let end = after.iter().position(|b| b"/?#".contains(b)).map_or(bytes.len(), |i| start + i);
    url.get(..end).unwrap_or(url)
}

fn starts_with_ignore_case(bytes: &[u8], prefix: &[u8]) -> bool {
    bytes.get(..prefix.len()).is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

/// `host[:port]` of a URL: a DNS name of non-empty labels or `[IPv6]`, and
/// a port of 1 to 65535. `None` when it is neither.
fn split_host_port(authority: &[u8]) -> Option<(&[u8], Option<&[u8]>)> {
    let (host, port) = if authority.first() == Some(&b'[') {
        let close = authority.iter().position(|&b| b == b']')?;
        let inner = authority.get(1..close)?;
        let ok = !inner.is_empty() && inner.iter().all(|b| b.is_ascii_hexdigit() || b":.".contains(b));
        if !ok {
            return None;
        }
        (authority.get(..=close)?, authority.get(close + 1..)?)
    } else {
        let colon = authority.iter().position(|&b| b == b':').unwrap_or(authority.len());
        let host = authority.get(..colon)?;
        let ok = !host.is_empty()
            && host
                .split(|&b| b == b'.')
                .all(|label| !label.is_empty() && label.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-'));
        if !ok {
            return None;
        }
        (host, authority.get(colon..)?)
    };
    let port = match port {
        [] => None,
        [b':', digits @ ..] => {
            let mut n: u32 = 0;
            for &d in digits {
                if !d.is_ascii_digit() || digits.len() > 5 {
                    return None;
                }
                n = n * 10 + u32::from(d - b'0');
            }
            if n == 0 || n > 65_535 {
                return None;
            }
            Some(digits)
        }
        _ => return None,
    };
    Some((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;
    use alloc::string::ToString;
    use proptest::prelude::*;

    #[test]
    fn redirect_urls() {
        assert_eq!(
            redirect_url(" HTTPS://App.Example.com:443/verify?x=1#top ").unwrap(),
            "https://app.example.com/verify?x=1#top"
        );
        assert_eq!(redirect_url("http://127.0.0.1:8080").unwrap(), "http://127.0.0.1:8080/");
        assert_eq!(redirect_url("http://localhost:80?a=b").unwrap(), "http://localhost/?a=b");
        assert_eq!(redirect_url("http://[::1]:3000/x").unwrap(), "http://[::1]:3000/x");
        for bad in [
            "",
            "/verify",
            "app.example.com/verify",
            "javascript:alert(1)",
            "ftp://x.com/",
            "https://",
            "https:///x",
            "https://a.com@evil.com/",
            "https://evil.com\\@a.com/",
            "https://a..com/",
            "https://a.com:0/",
            "https://a.com:65536/",
            "https://a.com:8o/",
            "https://a.com/<script>",
            "https://a.com/a b",
            "https://a.com/\u{e9}",
            "https://[]/",
            "https://[::1/",
            "https://a_b.com/",
            "data:text/html,hi",
        ] {
            let e = redirect_url(bad).unwrap_err();
            assert_eq!((e.code, e.param), (ErrorCode::FormParamFormatInvalid, "redirect_url"), "{bad}");
        }
        assert!(redirect_url(&["https://a.com/", &"x".repeat(REDIRECT_URL_MAX_LEN)].concat()).is_err());
    }

    #[test]
    fn origins_of_urls() {
        assert_eq!(url_origin("https://app.example.com/verify?x=1"), "https://app.example.com");
        assert_eq!(url_origin("http://[::1]:3000/"), "http://[::1]:3000");
        assert_eq!(url_origin("http://127.0.0.1:8080?a"), "http://127.0.0.1:8080");
        assert_eq!(url_origin("http://h.com"), "http://h.com");
    }

    proptest! {
        #[test]
        fn redirect_urls_never_panic_and_normalize_once(s in "\\PC{0,80}") {
            if let Ok(out) = redirect_url(&s) {
                prop_assert!(out.starts_with("http://") || out.starts_with("https://"));
                prop_assert_eq!(redirect_url(&out).unwrap(), out.clone());
                let origin = url_origin(&out);
                prop_assert_eq!(redirect_url(origin).unwrap(), [origin, "/"].concat());
            }
        }

        #[test]
        fn generated_redirect_urls_keep_their_origin(
            host in "[a-z][a-z0-9-]{0,10}(\\.[a-z0-9]{1,8}){0,3}",
            port in proptest::option::of(1u16..),
            path in "(/[a-zA-Z0-9._~%-]{0,8}){0,4}(\\?[a-z0-9=&]{0,12})?",
        ) {
            let port = port.map(|p| [":", &p.to_string()].concat()).unwrap_or_default();
            let input = ["https://", &host, &port, &path].concat();
            let out = redirect_url(&input).unwrap();
            let expected_port = if port == ":443" { "" } else { port.as_str() };
            prop_assert_eq!(url_origin(&out), ["https://", &host, expected_port].concat());
        }
    }
}
