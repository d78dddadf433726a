//! A `User-Agent` as a person reads it: "Chrome 120 on Windows 10".
//! Parsed with `woothee`, a maintained table of browsers and systems.

use woothee::parser::Parser;

/// What woothee answers for a part it does not know.
const UNKNOWN: &str = "UNKNOWN";

/// The browser (with its major version) and the operating system of
/// `user_agent`; "an unknown browser" for what woothee cannot read.
pub fn describe(user_agent: Option<&str>) -> String {
    let Some(found) = user_agent.and_then(|ua| Parser::new().parse(ua)) else {
        return String::from("an unknown browser");
    };
    let known = |part: &str| (!part.is_empty() && part != UNKNOWN).then(|| String::from(part));
    let major = known(found.version)
        .and_then(|v| v.split('.').next().map(String::from))
        .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()));
    let browser = match (known(found.name), major) {
        (Some(name), Some(major)) => format!("{name} {major}"),
        (Some(name), None) => name,
        (None, _) => String::from("an unknown browser"),
    };
    // Only the system's name: woothee's Windows names carry their version
    // ("Windows 10"), and others' versions add little for a person.
    let os = known(found.os);
    match os {
        Some(os) => format!("{browser} on {os}"),
        None => browser,
    }
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn common_browsers_are_named_with_their_system() {
        let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
        assert_eq!(describe(Some(chrome)), "Chrome 120 on Windows 10");
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0";
        assert_eq!(describe(Some(firefox)), "Firefox 121 on Linux");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1";
        assert_eq!(describe(Some(iphone)), "Safari 17 on iPhone");
        // Headless Chromium, as the e2e tests run it.
        let headless = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36";
        assert_eq!(describe(Some(headless)), "Chrome 131 on Linux");
    }

    #[test]
    fn missing_or_unreadable_agents_say_so() {
        assert_eq!(describe(None), "an unknown browser");
        assert_eq!(describe(Some("")), "an unknown browser");
        assert_eq!(describe(Some("curl/8.5.0")), "HTTP Library");
    }
}
