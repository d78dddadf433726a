//! The `[webhooks]` section: the operator's endpoints that hear of events
//! (`crate::webhooks` delivers), and the retry schedule.
//!
//! ```toml
//! [webhooks]
//! timeout_seconds = 10               # one try, connect to answer
//! first_retry_ms = 5000              # the wait after the first failed try; doubles
//! max_retry_interval_seconds = 3600  # the longest wait between two tries
//! retry_for_seconds = 86400          # then the delivery is marked failed
//! poll_interval_ms = 1000            # how often a node looks for due deliveries
//!
//! [webhooks.endpoints.billing]       # the name: a-z, 0-9 and _
//! url = "https://billing.internal.example.com/gatehouse"
//! secret = "whsec_..."               # Standard Webhooks: base64 of 24 to 64 bytes
//! events = ["user.created"]          # optional: every event when left out
//! ```
//!
//! A secret can come from the environment or a file like any key:
//! `GATEHOUSE_WEBHOOKS__ENDPOINTS__BILLING__SECRET_FILE=/run/secrets/billing`.
//! Secrets print as `***` (`check-config`).

use super::{ConfigError, Secret};
use crate::model::webhook::WebhookEvent;
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `[webhooks]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookSettings {
    /// The endpoints, by name (the name is kept with each delivery).
    pub endpoints: BTreeMap<String, WebhookEndpoint>,
    pub timeout_seconds: u64,
    pub first_retry_ms: u64,
    pub max_retry_interval_seconds: u64,
    pub retry_for_seconds: u64,
    pub poll_interval_ms: u64,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            endpoints: BTreeMap::new(),
            timeout_seconds: 10,
            first_retry_ms: 5000,
            max_retry_interval_seconds: 3600,
            retry_for_seconds: 24 * 60 * 60,
            poll_interval_ms: 1000,
        }
    }
}

/// One endpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookEndpoint {
    /// `http://` or `https://`: the operator's, never a request's.
    pub url: String,
    /// `whsec_` and the base64 of the key.
    pub secret: Secret,
    /// The events it takes; `None`: all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<String>>,
}

/// The prefix of a Standard Webhooks secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// The key a `whsec_` secret holds: 24 to 64 bytes, as Standard Webhooks says.
pub fn secret_key(secret: &str) -> Result<Vec<u8>, String> {
    let encoded = secret.strip_prefix(SECRET_PREFIX).ok_or("must start with whsec_")?;
    let key = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|_| "must be whsec_ and base64 (try: echo whsec_$(openssl rand -base64 32))")?;
    if !(24..=64).contains(&key.len()) {
        return Err(format!("must hold 24 to 64 bytes, got {}", key.len()));
    }
    Ok(key)
}

impl WebhookEndpoint {
    /// The events this endpoint takes (`None`: all); the names are checked by [`validate`].
    pub fn event_filter(&self) -> Option<Vec<WebhookEvent>> {
        self.events.as_ref().map(|names| names.iter().filter_map(|n| WebhookEvent::parse(n)).collect())
    }
}

/// Checks every endpoint: its name, URL, secret and events.
pub(super) fn validate(settings: &WebhookSettings) -> Result<(), ConfigError> {
    for (name, endpoint) in &settings.endpoints {
        let fail = |what: String| Err(ConfigError(format!("webhooks.endpoints.{name}: {what}")));
        let name_ok = (1..=40).contains(&name.len())
            && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !name_ok {
            return fail(String::from("a name is 1 to 40 of a-z, 0-9 and _"));
        }
        match url::Url::parse(&endpoint.url) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {}
            _ => return fail(format!("url {:?} is not an http:// or https:// URL", endpoint.url)),
        }
        if let Err(why) = secret_key(endpoint.secret.expose()) {
            return fail(format!("secret {why}"));
        }
        if let Some(events) = &endpoint.events {
            if events.is_empty() {
                return fail(String::from("events must name at least one event (leave it out for all)"));
            }
            if let Some(unknown) = events.iter().find(|e| WebhookEvent::parse(e).is_none()) {
                let known: Vec<&str> = WebhookEvent::ALL.iter().map(|e| e.as_str()).collect();
                return fail(format!("unknown event {unknown:?}; known: {}", known.join(", ")));
            }
        }
    }
    Ok(())
}
