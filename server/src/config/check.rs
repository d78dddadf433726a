//! [`Config::validate`]: the checks a whole config must pass before a
//! server starts with it (each section alone, and the sections together).

use super::{ClientSettings, Config, ConfigError, SessionSettings, Smtp};
use gatehouse_protocol::Field;
use gatehouse_protocol::wire::AttributeSettings;
use std::time::Duration;

impl Config {
    /// Checks that the settings make sense together.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let fail = |message: String| Err(ConfigError(message));
        let allowed = self.allowed_origins.iter().map(|o| ("allowed_origins", o));
        let redirects = self.allowed_redirect_origins.iter().map(|o| ("allowed_redirect_origins", o));
        let public = self.public_origin.iter().map(|o| ("public_origin", o));
        for (key, origin) in allowed.chain(redirects).chain(public) {
            if !is_origin(origin) {
                return fail(format!(
                    "{key}: {origin:?} is not an origin; write scheme://host[:port], without a path or trailing slash"
                ));
            }
        }
        for field in Field::ALL {
            validate_attribute(field, self.attributes.get(field))?;
        }
        let identifiers = [Field::EmailAddress, Field::PhoneNumber, Field::Username, Field::Web3Wallet];
        if !identifiers.iter().any(|f| self.attributes.get(*f).required) {
            return fail(String::from(
                "attributes: at least one of email_address, phone_number, username or web3_wallet must be enabled and required",
            ));
        }
        for (name, min, max) in [
            ("password", self.password.min_length, self.password.max_length),
            ("username", self.username.min_length, self.username.max_length),
        ] {
            if min == 0 || min > max {
                return fail(format!("{name}: need 1 <= min_length <= max_length, got {min} and {max}"));
            }
        }
        let v = &self.verification;
        if v.code_ttl_seconds == 0 || v.code_max_attempts == 0 {
            return fail(String::from("verification: code_ttl_seconds and code_max_attempts must be at least 1"));
        }
        if self.email_link.ttl_seconds == 0 {
            return fail(String::from("email_link: ttl_seconds must be at least 1"));
        }
        // The SDK gives up on a stream silent for 35 s (bindings/link.rs).
        if self.events.keep_alive.is_zero() || self.events.keep_alive > Duration::from_secs(MAX_KEEP_ALIVE_SECONDS) {
            return fail(format!("events: keep_alive_seconds must be 1 to {MAX_KEEP_ALIVE_SECONDS}"));
        }
        if self.rate_limit.per_second == 0 || self.rate_limit.burst == 0 {
            return fail(String::from("rate_limit: per_second and burst must be at least 1"));
        }
        if self.sign_in.max_failed_passwords == 0 || self.sign_in.failed_password_window_seconds == 0 {
            return fail(String::from("sign_in: max_failed_passwords and failed_password_window_seconds must be at least 1"));
        }
        validate_session(&self.session)?;
        validate_client(&self.client)?;
        if let Some(smtp) = &self.smtp {
            validate_smtp(smtp)?;
        }
        Ok(())
    }
}

fn validate_attribute(field: Field, a: &AttributeSettings) -> Result<(), ConfigError> {
    let name = field.as_str();
    let fail = |what: &str| Err(ConfigError(format!("attributes.{name}: {what}")));
    if !a.enabled && (a.required || a.verify_at_sign_up || !a.verification_strategies.is_empty()) {
        return fail("required, verify_at_sign_up and verification_strategies need enabled = true");
    }
    if !field.is_verifiable() && (a.verify_at_sign_up || !a.verification_strategies.is_empty()) {
        return fail("only email_address and phone_number can be verified");
    }
    if a.verify_at_sign_up && a.verification_strategies.is_empty() {
        return fail("verify_at_sign_up = true needs at least one verification strategy");
    }
    for strategy in &a.verification_strategies {
        match crate::strategies::Verifier::of(*strategy) {
            Some(verifier) if verifier.field() == field => {}
            Some(_) => {
                return fail(&format!("strategy {:?} does not verify this field", strategy.as_str()));
            }
            None => {
                // `ticket` is what a sign-up starts from, not a verification it prepares.
                return fail(&format!("strategy {:?} is not supported as a verification strategy", strategy.as_str()));
            }
        }
    }
    Ok(())
}

fn validate_session(s: &SessionSettings) -> Result<(), ConfigError> {
    if !(1..=3600).contains(&s.token_ttl_seconds) {
        return Err(ConfigError(String::from("session.token_ttl_seconds must be between 1 and 3600")));
    }
    if s.lifetime_seconds < 60 || s.lifetime_seconds > 366 * 24 * 60 * 60 {
        return Err(ConfigError(String::from("session.lifetime_seconds must be between 60 and one year")));
    }
    if s.issuer.trim().is_empty() || s.issuer.chars().any(char::is_control) {
        return Err(ConfigError(String::from("session.issuer must be a non-empty string")));
    }
    if s.audience.as_deref().is_some_and(|a| a.trim().is_empty() || a.chars().any(char::is_control)) {
        return Err(ConfigError(String::from("session.audience must be a non-empty string when set")));
    }
    Ok(())
}

/// Bounds of client lifetimes: an hour to two years, idle within the maximum.
fn validate_client(c: &ClientSettings) -> Result<(), ConfigError> {
    const HOUR: u64 = 60 * 60;
    const TWO_YEARS: u64 = 2 * 366 * 24 * HOUR;
    if !(HOUR..=TWO_YEARS).contains(&c.max_lifetime_seconds) {
        return Err(ConfigError(String::from("client.max_lifetime_seconds must be between 3600 and two years")));
    }
    if c.idle_timeout_seconds < HOUR || c.idle_timeout_seconds > c.max_lifetime_seconds {
        return Err(ConfigError(String::from(
            "client.idle_timeout_seconds must be at least 3600 and at most client.max_lifetime_seconds",
        )));
    }
    Ok(())
}

fn validate_smtp(smtp: &Smtp) -> Result<(), ConfigError> {
    if smtp.host.trim().is_empty() {
        return Err(ConfigError(String::from("smtp.host must not be empty")));
    }
    if smtp.from.parse::<lettre::message::Mailbox>().is_err() {
        return Err(ConfigError(format!("smtp.from: {:?} is not a mailbox like \"Name <a@b.c>\"", smtp.from)));
    }
    if smtp.username.is_some() != smtp.password.is_some() {
        return Err(ConfigError(String::from("smtp: give both username and password, or neither")));
    }
    Ok(())
}

/// `http://` or `https://`, a host (a name or a bracketed IPv6 address), an
/// optional port, nothing after.
fn is_origin(origin: &str) -> bool {
    let Some(rest) = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")) else {
        return false;
    };
    let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
        let Some((addr, after)) = v6.split_once(']') else { return false };
        let ok = !addr.is_empty() && addr.bytes().all(|b| b.is_ascii_hexdigit() || b == b':');
        (if ok { "v6" } else { "" }, after.strip_prefix(':').or(if after.is_empty() { None } else { Some("") }))
    } else {
        match rest.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (rest, None),
        }
    };
    let host_ok = !host.is_empty() && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|n| n > 0));
    host_ok && port_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        for ok in ["http://127.0.0.1:8000", "https://example.com", "http://[::1]:3000", "http://[::1]", "http://localhost"] {
            assert!(is_origin(ok), "{ok}");
        }
        for bad in ["example.com", "http://example.com/", "http://x.com/path", "ftp://x.com", "http://", "http://x:0", "http://x:99999", "http://[::1]x", "http://[]"] {
            assert!(!is_origin(bad), "{bad}");
        }
    }

    #[test]
    fn client_lifetimes_and_the_audience_have_bounds() {
        let config = Config::from_toml("[client]\nidle_timeout_seconds = 7200\nmax_lifetime_seconds = 86400\n").unwrap();
        assert_eq!(config.client, ClientSettings { idle_timeout_seconds: 7200, max_lifetime_seconds: 86400 });
        for (toml, key) in [
            ("[client]\nidle_timeout_seconds = 0\n", "client.idle_timeout_seconds"),
            ("[client]\nidle_timeout_seconds = 7200\nmax_lifetime_seconds = 3600\n", "client.idle_timeout_seconds"),
            ("[client]\nmax_lifetime_seconds = 999999999\n", "client.max_lifetime_seconds"),
            ("[session]\naudience = \" \"\n", "session.audience"),
        ] {
            let err = Config::from_toml(toml).unwrap_err().to_string();
            assert!(err.contains(key), "{toml}: {err}");
        }
        let config = Config::from_toml("[session]\naudience = \"https://app.example.com\"\n").unwrap();
        assert_eq!(config.session.audience.as_deref(), Some("https://app.example.com"));
    }
}

/// The longest keep-alive interval: the SDK treats a stream silent for 35 s
/// as dropped, so an idle stream must speak well before that.
pub const MAX_KEEP_ALIVE_SECONDS: u64 = 30;
