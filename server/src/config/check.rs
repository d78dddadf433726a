//! [`Config::validate`]: the checks a whole config must pass before a
//! server starts with it (each section alone, and the sections together).

use super::{Config, ConfigError, MailSettings, SessionSettings, Smtp};
use gatehouse_protocol::wire::AttributeSettings;
use gatehouse_protocol::{Field, Strategy};
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
        for bound in BOUNDS {
            bound.check(self)?;
        }
        for (name, min, max) in [
            ("password", self.password.min_length, self.password.max_length),
            ("username", self.username.min_length, self.username.max_length),
        ] {
            if min > max {
                return fail(format!("{name}: need min_length <= max_length, got {min} and {max}"));
            }
        }
        // The SDK gives up on a stream silent for 35 s (bindings/link.rs).
        if self.events.keep_alive.is_zero() || self.events.keep_alive > Duration::from_secs(MAX_KEEP_ALIVE_SECONDS) {
            return fail(format!("events: keep_alive_seconds must be 1 to {MAX_KEEP_ALIVE_SECONDS}"));
        }
        if self.delivery.sink_dir.as_ref().is_some_and(|dir| dir.as_os_str().is_empty()) {
            return fail(String::from("delivery.sink_dir must be a directory's path when set"));
        }
        validate_session(&self.session)?;
        validate_mail(&self.mail)?;
        if let Some(smtp) = &self.smtp {
            validate_smtp(smtp)?;
        }
        super::webhooks::validate(&self.webhooks)?;
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
    // The strategies `crate::strategies::Verifier::of` serves: every one but
    // `ticket`, each for its own field (a test there keeps the two in step).
    for strategy in &a.verification_strategies {
        if *strategy == Strategy::Ticket {
            // `ticket` is what a sign-up starts from, not a verification it prepares.
            return fail(&format!("strategy {:?} is not supported as a verification strategy", strategy.as_str()));
        }
        if strategy.field() != field {
            return fail(&format!("strategy {:?} does not verify this field", strategy.as_str()));
        }
    }
    Ok(())
}

fn validate_session(s: &SessionSettings) -> Result<(), ConfigError> {
    if s.issuer.trim().is_empty() || s.issuer.chars().any(char::is_control) {
        return Err(ConfigError(String::from("session.issuer must be a non-empty string")));
    }
    if s.audience.as_deref().is_some_and(|a| a.trim().is_empty() || a.chars().any(char::is_control)) {
        return Err(ConfigError(String::from("session.audience must be a non-empty string when set")));
    }
    Ok(())
}

/// `[mail]`: a name to show, a colour CSS takes as it is, a folder's path.
/// Whether the folder's templates parse is `crate::mail`'s check, at start
/// and in `check-config`.
fn validate_mail(mail: &MailSettings) -> Result<(), ConfigError> {
    let name = mail.product_name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(ConfigError(String::from(
            "mail.product_name must be 1 to 100 characters, without control characters",
        )));
    }
    let hex = mail.brand_color.strip_prefix('#').unwrap_or_default();
    if !matches!(hex.len(), 3 | 6) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ConfigError(format!(
            "mail.brand_color: {:?} is not a colour like \"#2f6fed\" or \"#26e\"",
            mail.brand_color
        )));
    }
    if mail.templates.as_ref().is_some_and(|dir| dir.as_os_str().is_empty()) {
        return Err(ConfigError(String::from("mail.templates must be a folder's path when set")));
    }
    Ok(())
}

fn validate_smtp(smtp: &Smtp) -> Result<(), ConfigError> {
    if smtp.port == 0 {
        return Err(ConfigError(String::from("smtp.port must be between 1 and 65535")));
    }
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

const DAY: u64 = 24 * 60 * 60;

/// The bounds of one numeric setting, by its TOML key.
pub(super) struct Bound {
    pub key: &'static str,
    pub min: u64,
    pub max: u64,
    get: fn(&Config) -> u64,
}

impl Bound {
    fn check(&self, config: &Config) -> Result<(), ConfigError> {
        let value = (self.get)(config);
        if (self.min..=self.max).contains(&value) {
            return Ok(());
        }
        Err(ConfigError(format!("{} must be between {} and {}, got {value}", self.key, self.min, self.max)))
    }
}

const fn wide(n: usize) -> u64 {
    n as u64
}

/// Every numeric setting and its bounds (`events.keep_alive_seconds`, a
/// duration, and `smtp.port` are checked on their own). The lower bounds
/// keep a setting meaningful (a resend interval of 0 s is no limit at all);
/// the upper ones keep it from defeating its purpose (a code that lives a
/// week, 1,000 tries at a 6-digit code) or overflowing what it feeds.
pub(super) const BOUNDS: &[Bound] = &[
    Bound { key: "webhooks.timeout_seconds", min: 1, max: 60, get: |c| c.webhooks.timeout_seconds },
    Bound { key: "webhooks.first_retry_ms", min: 100, max: 3_600_000, get: |c| c.webhooks.first_retry_ms },
    Bound {
        key: "webhooks.max_retry_interval_seconds",
        min: 1,
        max: DAY,
        get: |c| c.webhooks.max_retry_interval_seconds,
    },
    Bound { key: "webhooks.retry_for_seconds", min: 60, max: 7 * DAY, get: |c| c.webhooks.retry_for_seconds },
    Bound { key: "webhooks.poll_interval_ms", min: 10, max: 60_000, get: |c| c.webhooks.poll_interval_ms },
    Bound {
        key: "sms.timeout_seconds",
        min: 1,
        max: 30,
        get: |c| c.sms.as_ref().map_or(super::sms::DEFAULT_TIMEOUT_SECONDS, |s| s.timeout_seconds),
    },
    Bound { key: "database.max_connections", min: 1, max: 1000, get: |c| c.database.max_connections as u64 },
    Bound { key: "database.statement_timeout_ms", min: 0, max: 600_000, get: |c| c.database.statement_timeout_ms },
    Bound { key: "database.connect_retries", min: 0, max: 600, get: |c| c.database.connect_retries as u64 },
    Bound { key: "password.min_length", min: 1, max: 256, get: |c| wide(c.password.min_length) },
    Bound { key: "password.max_length", min: 8, max: 1024, get: |c| wide(c.password.max_length) },
    Bound { key: "username.min_length", min: 1, max: 64, get: |c| wide(c.username.min_length) },
    Bound { key: "username.max_length", min: 3, max: 256, get: |c| wide(c.username.max_length) },
    Bound { key: "verification.code_ttl_seconds", min: 1, max: DAY, get: |c| c.verification.code_ttl_seconds },
    Bound { key: "verification.code_max_attempts", min: 1, max: 20, get: |c| c.verification.code_max_attempts as u64 },
    Bound { key: "verification.code_resend_seconds", min: 1, max: 3600, get: |c| c.verification.code_resend_seconds },
    Bound { key: "email_link.ttl_seconds", min: 1, max: 7 * DAY, get: |c| c.email_link.ttl_seconds },
    Bound { key: "rate_limit.per_second", min: 1, max: 100_000, get: |c| c.rate_limit.per_second as u64 },
    Bound { key: "rate_limit.burst", min: 1, max: 1_000_000, get: |c| c.rate_limit.burst as u64 },
    Bound { key: "sign_in.max_failed_passwords", min: 1, max: 1000, get: |c| c.sign_in.max_failed_passwords as u64 },
    Bound {
        key: "sign_in.failed_password_window_seconds",
        min: 1,
        max: DAY,
        get: |c| c.sign_in.failed_password_window_seconds,
    },
    Bound {
        key: "verification.max_failed_attempts_per_address",
        min: 1,
        max: 1000,
        get: |c| c.verification.max_failed_attempts_per_address as u64,
    },
    Bound {
        key: "verification.failed_attempt_window_seconds",
        min: 1,
        max: 7 * DAY,
        get: |c| c.verification.failed_attempt_window_seconds,
    },
    Bound {
        key: "verification.max_sends_per_address",
        min: 1,
        max: 1000,
        get: |c| c.verification.max_sends_per_address as u64,
    },
    Bound {
        key: "verification.send_window_seconds",
        min: 1,
        max: 7 * DAY,
        get: |c| c.verification.send_window_seconds,
    },
    Bound {
        key: "verification.max_messages_per_hour",
        min: 1,
        max: 100_000_000,
        get: |c| c.verification.max_messages_per_hour as u64,
    },
    Bound {
        key: "sign_in.max_failed_passwords_per_account",
        min: 1,
        max: 100_000,
        get: |c| c.sign_in.max_failed_passwords_per_account as u64,
    },
    Bound { key: "sign_in.account_window_seconds", min: 1, max: 7 * DAY, get: |c| c.sign_in.account_window_seconds },
    Bound {
        key: "sign_in.max_failed_passwords_per_ip",
        min: 1,
        max: 100_000,
        get: |c| c.sign_in.max_failed_passwords_per_ip as u64,
    },
    Bound { key: "sign_in.ip_window_seconds", min: 1, max: 7 * DAY, get: |c| c.sign_in.ip_window_seconds },
    Bound {
        key: "sign_in.max_new_sign_in_emails",
        min: 1,
        max: 10_000,
        get: |c| c.sign_in.max_new_sign_in_emails as u64,
    },
    Bound {
        key: "sign_in.new_sign_in_email_window_seconds",
        min: 1,
        max: 7 * DAY,
        get: |c| c.sign_in.new_sign_in_email_window_seconds,
    },
    Bound { key: "events.max_per_client", min: 1, max: 1000, get: |c| c.events.max_per_client as u64 },
    Bound { key: "events.max_per_ip", min: 1, max: 1_000_000, get: |c| c.events.max_per_ip as u64 },
    Bound { key: "events.max_per_node", min: 1, max: 10_000_000, get: |c| c.events.max_per_node as u64 },
    Bound { key: "events.max_lifetime_seconds", min: 60, max: DAY, get: |c| c.events.max_lifetime.as_secs() },
    Bound {
        key: "rate_limit.sensitive_per_minute",
        min: 1,
        max: 1_000_000,
        get: |c| c.rate_limit.sensitive_per_minute as u64,
    },
    Bound { key: "rate_limit.sensitive_burst", min: 1, max: 1_000_000, get: |c| c.rate_limit.sensitive_burst as u64 },
    Bound { key: "http.request_timeout_seconds", min: 1, max: 300, get: |c| c.http.request_timeout.as_secs() },
    Bound { key: "http.workers", min: 0, max: 1024, get: |c| u64::from(c.http.workers) },
    Bound { key: "cleanup.interval_seconds", min: 1, max: DAY, get: |c| c.cleanup.interval.as_secs() },
    Bound { key: "cleanup.batch_size", min: 1, max: 100_000, get: |c| c.cleanup.batch_size as u64 },
    Bound { key: "delivery.queue_capacity", min: 1, max: 1_000_000, get: |c| c.delivery.queue_capacity as u64 },
    Bound { key: "delivery.attempts", min: 1, max: 10, get: |c| c.delivery.attempts as u64 },
    Bound {
        key: "delivery.retry_backoff_ms",
        min: 0,
        max: 600_000,
        get: |c| c.delivery.retry_backoff.as_millis() as u64,
    },
    // A client idle longer than its maximum age simply ends at that age.
    Bound { key: "client.idle_timeout_seconds", min: 3600, max: 2 * 366 * DAY, get: |c| c.client.idle_timeout_seconds },
    Bound { key: "client.max_lifetime_seconds", min: 3600, max: 2 * 366 * DAY, get: |c| c.client.max_lifetime_seconds },
    Bound { key: "session.lifetime_seconds", min: 60, max: 366 * DAY, get: |c| c.session.lifetime_seconds },
    Bound { key: "session.token_ttl_seconds", min: 1, max: 3600, get: |c| c.session.token_ttl_seconds },
    Bound {
        key: "password_hashing.max_concurrent",
        min: 0,
        max: 1024,
        get: |c| c.password_hashing.max_concurrent as u64,
    },
    Bound { key: "password_hashing.max_wait_ms", min: 0, max: 60_000, get: |c| c.password_hashing.max_wait_ms },
];

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

/// The longest keep-alive interval: the SDK treats a stream silent for 35 s
/// as dropped, so an idle stream must speak well before that.
pub const MAX_KEEP_ALIVE_SECONDS: u64 = 30;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ClientSettings;

    /// The TOML that sets one `section.key` to `value`.
    fn toml(key: &str, value: u64) -> String {
        let (section, name) = key.split_once('.').unwrap();
        // `[sms]` is read only with its provider.
        let provider = match section {
            "sms" => {
                "provider = \"webhook\"\nwebhook_url = \"https://x.example\"\nsigning_secret = \"0123456789abcdef\"\n"
            }
            _ => "",
        };
        format!("[{section}]\n{provider}{name} = {value}\n")
    }

    #[test]
    fn every_numeric_setting_is_bounded_at_both_ends() {
        for bound in BOUNDS {
            for inside in [bound.min, bound.max] {
                let config = Config::from_toml(&toml(bound.key, inside));
                assert!(config.is_ok(), "{} = {inside}: {:?}", bound.key, config.err());
            }
            let outside = [bound.min.checked_sub(1), bound.max.checked_add(1)];
            for value in outside.into_iter().flatten() {
                match Config::from_toml(&toml(bound.key, value)) {
                    Ok(_) => panic!("{} = {value} was accepted", bound.key),
                    // Too big for the field's type is refused by the parser itself.
                    Err(ConfigError(message)) => assert!(
                        message.contains(bound.key) || message.contains("invalid value"),
                        "{} = {value}: {message}",
                        bound.key
                    ),
                }
            }
        }
    }

    #[test]
    fn a_resend_interval_of_zero_is_refused() {
        let e = Config::from_toml("[verification]\ncode_resend_seconds = 0\n").unwrap_err();
        assert_eq!(e.0, "verification.code_resend_seconds must be between 1 and 3600, got 0");
    }

    /// The dotted keys of every number in `value`.
    fn numeric_keys(prefix: &str, value: &toml::Value, out: &mut Vec<String>) {
        match value {
            toml::Value::Integer(_) | toml::Value::Float(_) => out.push(String::from(prefix)),
            toml::Value::Table(table) => {
                for (key, inner) in table {
                    let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                    numeric_keys(&path, inner, out);
                }
            }
            _ => {}
        }
    }

    #[test]
    fn the_bounds_cover_every_numeric_key_of_the_file() {
        // A numeric key added to the config without a bound fails here:
        // the keys below are the ones checked elsewhere.
        let checked_elsewhere = ["events.keep_alive_seconds", "smtp.port"];
        let with_senders = Config::from_toml(
            "[smtp]\nhost = \"h\"\nfrom = \"a@b.co\"\n\
             [sms]\nprovider = \"webhook\"\nwebhook_url = \"https://x.example\"\nsigning_secret = \"0123456789abcdef\"\n",
        )
        .unwrap();
        let config = Config { smtp: with_senders.smtp, sms: with_senders.sms, ..Config::default() };
        let mut keys = Vec::new();
        numeric_keys("", &toml::Value::try_from(&config).unwrap(), &mut keys);
        assert!(keys.len() > 40, "{keys:?}");
        for key in keys {
            let known = BOUNDS.iter().map(|b| b.key).chain(checked_elsewhere).any(|k| k == key);
            assert!(known, "the setting {key} has no bound in config/check.rs");
        }
    }

    #[test]
    fn origins() {
        for ok in
            ["http://127.0.0.1:8000", "https://example.com", "http://[::1]:3000", "http://[::1]", "http://localhost"]
        {
            assert!(is_origin(ok), "{ok}");
        }
        for bad in [
            "example.com",
            "http://example.com/",
            "http://x.com/path",
            "ftp://x.com",
            "http://",
            "http://x:0",
            "http://x:99999",
            "http://[::1]x",
            "http://[]",
        ] {
            assert!(!is_origin(bad), "{bad}");
        }
    }

    #[test]
    fn client_lifetimes_and_the_audience_have_bounds() {
        let config =
            Config::from_toml("[client]\nidle_timeout_seconds = 7200\nmax_lifetime_seconds = 86400\n").unwrap();
        assert_eq!(config.client, ClientSettings { idle_timeout_seconds: 7200, max_lifetime_seconds: 86400 });
        for (toml, key) in [
            ("[client]\nidle_timeout_seconds = 0\n", "client.idle_timeout_seconds"),
            ("[client]\nmax_lifetime_seconds = 999999999\n", "client.max_lifetime_seconds"),
            ("[session]\naudience = \" \"\n", "session.audience"),
        ] {
            let err = Config::from_toml(toml).unwrap_err().to_string();
            assert!(err.contains(key), "{toml}: {err}");
        }
        let config = Config::from_toml("[session]\naudience = \"https://app.example.com\"\n").unwrap();
        assert_eq!(config.session.audience.as_deref(), Some("https://app.example.com"));
    }

    #[test]
    fn mail_branding_is_checked() {
        let config = Config::from_toml("[mail]\nproduct_name = \"Acme\"\nbrand_color = \"#0A7d32\"\n").unwrap();
        assert_eq!((config.mail.product_name.as_str(), config.mail.brand_color.as_str()), ("Acme", "#0A7d32"));
        for (toml, key) in [
            ("[mail]\nproduct_name = \" \"\n", "mail.product_name"),
            ("[mail]\nproduct_name = \"a\\nb\"\n", "mail.product_name"),
            ("[mail]\nbrand_color = \"red\"\n", "mail.brand_color"),
            ("[mail]\nbrand_color = \"#12345\"\n", "mail.brand_color"),
            ("[mail]\nbrand_color = \"#12345g\"\n", "mail.brand_color"),
            ("[mail]\ntemplates = \"\"\n", "mail.templates"),
        ] {
            let err = Config::from_toml(toml).unwrap_err().to_string();
            assert!(err.contains(key), "{toml}: {err}");
        }
    }
}
