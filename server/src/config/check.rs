//! [`Config::validate`]: the checks a whole config must pass before a
//! server starts with it (each section alone, and the sections together).

use super::{Config, ConfigError, SessionSettings, Smtp};
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
        let e = &self.events;
        if e.max_per_client == 0 || e.max_per_ip < e.max_per_client || e.max_per_node < e.max_per_ip {
            return fail(String::from("events: need 1 <= max_per_client <= max_per_ip <= max_per_node"));
        }
        if e.max_lifetime < Duration::from_secs(60) || e.max_lifetime > Duration::from_secs(24 * 60 * 60) {
            return fail(String::from("events: max_lifetime_seconds must be 60 to 86400"));
        }
        let r = &self.rate_limit;
        if r.per_second == 0 || r.burst == 0 || r.sensitive_per_minute == 0 || r.sensitive_burst == 0 {
            return fail(String::from(
                "rate_limit: per_second, burst, sensitive_per_minute and sensitive_burst must be at least 1",
            ));
        }
        if !(1..=300).contains(&self.http.request_timeout.as_secs()) {
            return fail(String::from("http: request_timeout_seconds must be 1 to 300"));
        }
        if self.cleanup.interval < Duration::from_secs(1) || !(1..=100_000).contains(&self.cleanup.batch_size) {
            return fail(String::from("cleanup: interval_seconds must be at least 1, batch_size 1 to 100000"));
        }
        let q = &self.delivery;
        if q.queue_capacity == 0 || !(1..=10).contains(&q.attempts) || q.retry_backoff > Duration::from_secs(600) {
            return fail(String::from(
                "delivery: queue_capacity must be at least 1, attempts 1 to 10, retry_backoff_ms at most 600000",
            ));
        }
        if self.sign_in.max_failed_passwords == 0 || self.sign_in.failed_password_window_seconds == 0 {
            return fail(String::from("sign_in: max_failed_passwords and failed_password_window_seconds must be at least 1"));
        }
        validate_session(&self.session)?;
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
}

/// The longest keep-alive interval: the SDK treats a stream silent for 35 s
/// as dropped, so an idle stream must speak well before that.
pub const MAX_KEEP_ALIVE_SECONDS: u64 = 30;
