//! The `[sms]` section: which provider texts the phone codes, and how to
//! reach it (`crate::delivery::sms` sends).
//!
//! ```toml
//! [sms]
//! provider = "twilio"                 # or "webhook"
//! base_url = "https://api.twilio.com" # the default; any Twilio-compatible API
//! account_sid = "AC..."
//! auth_token = "..."                  # a secret: never logged
//! from = "+15555550100"               # or messaging_service_sid = "MG..."
//! timeout_seconds = 5                 # the first try holds the request: keep it short
//!
//! # provider = "webhook"
//! # webhook_url = "https://sms.internal.example.com/send"
//! # signing_secret = "..."            # a secret: signs every request
//! ```
//!
//! Every URL here is the operator's, never a request's: Gatehouse calls no
//! address a person gives it.

use super::file::lenient_optional_string;
use super::{ConfigError, Secret};
use serde::{Deserialize, Serialize};

/// Where SMS go. Read through [`SmsFile`] (so each provider's keys are
/// checked wherever the section comes from: the file or `GATEHOUSE_SMS__*`
/// variables) and printed through it too, secrets masked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "SmsFile", into = "SmsFile")]
pub struct Sms {
    pub provider: SmsProvider,
    /// Seconds one request to the provider may take (connect and answer).
    pub timeout_seconds: u64,
}

/// The provider and its settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SmsProvider {
    /// A Twilio-compatible Messages API: a form POST with basic auth.
    Twilio {
        /// Scheme and host (and port) of the API, without a trailing `/`.
        base_url: String,
        account_sid: String,
        auth_token: Secret,
        /// The sender: a number (`From`) or a messaging service (`MessagingServiceSid`).
        from: SmsFrom,
    },
    /// A JSON POST to the operator's own endpoint, signed with HMAC-SHA256.
    Webhook { url: String, signing_secret: Secret },
}

/// Who a Twilio-compatible text comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SmsFrom {
    Number(String),
    MessagingService(String),
}

/// The default `base_url` of the `twilio` provider.
pub const TWILIO_BASE_URL: &str = "https://api.twilio.com";

/// The default `timeout_seconds`.
pub const DEFAULT_TIMEOUT_SECONDS: u64 = 5;

/// `[sms]` as written (and as `check-config` prints it).
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SmsFile {
    provider: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    base_url: Option<String>,
    #[serde(default, deserialize_with = "lenient_optional_string", skip_serializing_if = "Option::is_none")]
    account_sid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    auth_token: Option<Secret>,
    #[serde(default, deserialize_with = "lenient_optional_string", skip_serializing_if = "Option::is_none")]
    from: Option<String>,
    #[serde(default, deserialize_with = "lenient_optional_string", skip_serializing_if = "Option::is_none")]
    messaging_service_sid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    webhook_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    signing_secret: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    timeout_seconds: Option<u64>,
}

impl TryFrom<SmsFile> for Sms {
    type Error = ConfigError;

    fn try_from(file: SmsFile) -> Result<Sms, ConfigError> {
        file.resolve()
    }
}

impl From<Sms> for SmsFile {
    fn from(sms: Sms) -> SmsFile {
        let timeout_seconds = Some(sms.timeout_seconds);
        match sms.provider {
            SmsProvider::Twilio { base_url, account_sid, auth_token, from } => {
                let (from, messaging_service_sid) = match from {
                    SmsFrom::Number(number) => (Some(number), None),
                    SmsFrom::MessagingService(sid) => (None, Some(sid)),
                };
                SmsFile {
                    provider: String::from("twilio"),
                    base_url: Some(base_url),
                    account_sid: Some(account_sid),
                    auth_token: Some(auth_token),
                    from,
                    messaging_service_sid,
                    timeout_seconds,
                    ..SmsFile::default()
                }
            }
            SmsProvider::Webhook { url, signing_secret } => SmsFile {
                provider: String::from("webhook"),
                webhook_url: Some(url),
                signing_secret: Some(signing_secret),
                timeout_seconds,
                ..SmsFile::default()
            },
        }
    }
}

impl SmsFile {
    /// The section, checked: each provider takes its own keys, all of them.
    fn resolve(self) -> Result<Sms, ConfigError> {
        let fail = |what: &str| Err(ConfigError(format!("sms: {what}")));
        let timeout_seconds = self.timeout_seconds.unwrap_or(DEFAULT_TIMEOUT_SECONDS);
        let provider = match self.provider.as_str() {
            "twilio" => {
                if self.webhook_url.is_some() || self.signing_secret.is_some() {
                    return fail("webhook_url and signing_secret belong to provider = \"webhook\"");
                }
                let base_url = self.base_url.unwrap_or_else(|| String::from(TWILIO_BASE_URL));
                let base_url = http_url("base_url", base_url.trim_end_matches('/'))?;
                let (Some(account_sid), Some(auth_token)) = (self.account_sid, self.auth_token) else {
                    return fail("provider = \"twilio\" needs account_sid and auth_token");
                };
                if !is_plain(&account_sid) || auth_token.expose().is_empty() {
                    return fail("account_sid must be letters and digits, auth_token not empty");
                }
                let from = match (self.from, self.messaging_service_sid) {
                    (Some(number), None) if !number.trim().is_empty() => SmsFrom::Number(number),
                    (None, Some(sid)) if is_plain(&sid) => SmsFrom::MessagingService(sid),
                    _ => return fail("provider = \"twilio\" needs one of from and messaging_service_sid"),
                };
                SmsProvider::Twilio { base_url, account_sid, auth_token, from }
            }
            "webhook" => {
                let twilio_keys = [&self.base_url, &self.account_sid, &self.from, &self.messaging_service_sid];
                if twilio_keys.iter().any(|k| k.is_some()) || self.auth_token.is_some() {
                    return fail(
                        "base_url, account_sid, auth_token, from and messaging_service_sid belong to \"twilio\"",
                    );
                }
                let (Some(url), Some(secret)) = (self.webhook_url, self.signing_secret) else {
                    return fail("provider = \"webhook\" needs webhook_url and signing_secret");
                };
                if secret.expose().len() < 16 {
                    return fail("signing_secret must be at least 16 characters (try `openssl rand -hex 32`)");
                }
                SmsProvider::Webhook { url: http_url("webhook_url", &url)?, signing_secret: secret }
            }
            other => return fail(&format!("provider must be \"twilio\" or \"webhook\", got {other:?}")),
        };
        Ok(Sms { provider, timeout_seconds })
    }
}

/// An `http://` or `https://` URL with a host.
fn http_url(key: &str, value: &str) -> Result<String, ConfigError> {
    match url::Url::parse(value) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(String::from(value)),
        _ => Err(ConfigError(format!("sms.{key}: {value:?} is not an http(s) URL"))),
    }
}

/// Letters and digits only: safe in a URL path.
fn is_plain(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Sms, ConfigError> {
        toml::from_str::<SmsFile>(text).map_err(|e| ConfigError(e.to_string()))?.resolve()
    }

    #[test]
    fn twilio_needs_its_keys_and_keeps_the_token_secret() {
        let sms =
            parse("provider = \"twilio\"\naccount_sid = \"AC1\"\nauth_token = \"hunter2\"\nfrom = \"+15555550100\"\n")
                .unwrap();
        assert_eq!(sms.timeout_seconds, DEFAULT_TIMEOUT_SECONDS);
        let SmsProvider::Twilio { base_url, from, .. } = &sms.provider else { panic!("{sms:?}") };
        assert_eq!(base_url, TWILIO_BASE_URL);
        assert_eq!(from, &SmsFrom::Number(String::from("+15555550100")));
        assert!(!format!("{sms:?}").contains("hunter2"), "the token is never printed");

        for bad in [
            "provider = \"twilio\"\nauth_token = \"t\"\nfrom = \"+1\"\n",
            "provider = \"twilio\"\naccount_sid = \"AC1\"\nauth_token = \"t\"\n",
            "provider = \"twilio\"\naccount_sid = \"AC1\"\nauth_token = \"t\"\nfrom = \"+1\"\nmessaging_service_sid = \"MG1\"\n",
            "provider = \"twilio\"\naccount_sid = \"../x\"\nauth_token = \"t\"\nfrom = \"+1\"\n",
            "provider = \"twilio\"\nbase_url = \"file:///etc\"\naccount_sid = \"AC1\"\nauth_token = \"t\"\nfrom = \"+1\"\n",
            "provider = \"carrier-pigeon\"\n",
            "provider = \"webhook\"\nwebhook_url = \"https://x.example\"\nsigning_secret = \"short\"\n",
            "provider = \"webhook\"\nwebhook_url = \"https://x.example\"\nsigning_secret = \"0123456789abcdef\"\nfrom = \"+1\"\n",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        let hook = parse(
            "provider = \"webhook\"\nwebhook_url = \"https://x.example/send\"\nsigning_secret = \"0123456789abcdef\"\n",
        )
        .unwrap();
        assert!(matches!(hook.provider, SmsProvider::Webhook { .. }));
    }
}
