//! The instance settings: defaults, under an optional TOML file, under
//! the environment.
//!
//! [`Config::default`] is what runs without `--config` or variables. The
//! layers are merged by figment, key by key: the defaults (each section's
//! `Default`, through `#[serde(default)]`), then the file
//! ([`Config::load`]; every key optional, an unknown key refused with the
//! line it is on), then `GATEHOUSE_*` variables and `*_FILE` secrets
//! ([`env`]). The result is validated as a whole (`check`), so a server
//! never starts with settings that contradict each other.

mod check;
mod durations;
pub mod env;
mod file;
mod http;
mod sessions;
mod shown;
mod sms;
mod webhooks;

pub use http::HttpSettings;
pub use sessions::{MfaSettings, SessionSettings};
pub use shown::shown;
pub use sms::{Sms, SmsFrom, SmsProvider};
pub use webhooks::{WebhookEndpoint, WebhookSettings, secret_key as webhook_secret_key};

use axum_client_ip::ClientIpSource;
use gatehouse_protocol::validate::{PasswordRules, UsernameRules};
use gatehouse_protocol::wire::{AttributeSettings, Attributes};
use gatehouse_protocol::{Field, SignUpMode, Strategy};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The resolved, validated settings of one Gatehouse instance, in the
/// shape of the TOML file (a key's name is its TOML key).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Exact origins (`scheme://host[:port]`) allowed by CORS and the CSRF check.
    pub allowed_origins: Vec<String>,
    /// Origins a `redirect_url` may point to besides the server's own: an
    /// email link's (where `/v1/verify` sends the person on) and an
    /// invitation's (where its link opens).
    pub allowed_redirect_origins: Vec<String>,
    /// The server's origin as people reach it (`https://auth.example.com`):
    /// every emailed link and redirect check uses it, and its scheme decides
    /// the client cookie's `Secure` and `__Host-`. Required outside dev mode
    /// (`--public-origin` / `GATEHOUSE_PUBLIC_ORIGIN` may give it instead);
    /// in dev mode it defaults to `http://` + the listen address. Never
    /// taken from a request's `Host` or `X-Forwarded-*`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_origin: Option<String>,
    /// `[sign_up] mode`.
    #[serde(rename = "sign_up", with = "file::sign_up_section")]
    pub sign_up_mode: SignUpMode,
    /// Each entry laid over its default (`file::attributes_over_defaults`).
    #[serde(deserialize_with = "file::attributes_over_defaults")]
    pub attributes: Attributes,
    pub password: PasswordRules,
    pub username: UsernameRules,
    pub verification: VerificationSettings,
    pub email_link: EmailLinkSettings,
    pub events: EventSettings,
    pub rate_limit: RateLimit,
    pub http: HttpSettings,
    pub cleanup: CleanupSettings,
    pub database: DatabaseSettings,
    pub delivery: DeliverySettings,
    pub sign_in: SignInSettings,
    pub session: SessionSettings,
    pub mfa: MfaSettings,
    pub password_hashing: PasswordHashing,
    pub client: ClientSettings,
    pub mail: MailSettings,
    /// `None`: no SMTP (with `--dev`, the outbox still gets every message).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp: Option<Smtp>,
    /// `None`: no SMS provider (with `--dev`, the outbox still gets every
    /// text; without, phone codes are off: `crate::environment`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sms: Option<Sms>,
    /// `[webhooks]`: the endpoints that hear of events (none by default).
    pub webhooks: WebhookSettings,
}

/// How verification codes behave, and the limits on codes and messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VerificationSettings {
    pub code_ttl_seconds: u64,
    /// Wrong codes before one code fails (a new code starts over).
    pub code_max_attempts: u32,
    pub code_resend_seconds: u64,
    /// Wrong codes per address and purpose (sign-up, sign-in), across all
    /// its codes, within the window; then 429 even for the right code, and
    /// no new code for the address.
    pub max_failed_attempts_per_address: u32,
    pub failed_attempt_window_seconds: u64,
    /// Messages (codes and links) per address within the window; then 429.
    pub max_sends_per_address: u32,
    pub send_window_seconds: u64,
    /// Messages per hour for the whole instance; then 429 (and an error logged).
    pub max_messages_per_hour: u32,
}

/// The limits on wrong passwords at sign-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SignInSettings {
    /// Wrong passwords allowed per account and client IP within the window; then 429.
    pub max_failed_passwords: u32,
    pub failed_password_window_seconds: u64,
    /// Wrong passwords allowed per account from all IPs within its window.
    pub max_failed_passwords_per_account: u32,
    pub account_window_seconds: u64,
    /// Wrong passwords (and passwords for unknown accounts) allowed per
    /// client IP across all accounts within its window: password spraying.
    pub max_failed_passwords_per_ip: u32,
    pub ip_window_seconds: u64,
    /// "New sign-in" emails per user within their window
    /// (`crate::session::alert`); past it a sign-in from a new browser still
    /// works, but sends none (logged, and counted as `capped`).
    pub max_new_sign_in_emails: u32,
    pub new_sign_in_email_window_seconds: u64,
}

/// The bound on password hashing (`crate::password::Hasher`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PasswordHashing {
    /// How many argon2 or bcrypt operations may run at once (the hashing
    /// threads); 0: one per core.
    pub max_concurrent: u32,
    /// How long a request waits for a hashing thread to take its job before
    /// it answers 503 `server_busy`.
    pub max_wait_ms: u64,
}

/// How long a client (one browser or bearer-mode SDK) lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClientSettings {
    /// A client unused this long is gone (its token finds nothing).
    pub idle_timeout_seconds: u64,
    /// A client is gone this long after it was made, used or not.
    pub max_lifetime_seconds: u64,
}

/// How email links behave.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmailLinkSettings {
    /// How long a link works.
    pub ttl_seconds: u64,
    /// Whether opening the link shows a Confirm button or verifies at once.
    pub confirm: LinkConfirm,
    /// Only the browser (client) that started the sign-up may confirm.
    pub require_same_client: bool,
}

/// What `GET /v1/verify` does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkConfirm {
    /// Shows a page whose button POSTs the confirmation: a mail scanner
    /// that fetches the link uses nothing up (the default).
    Button,
    /// Verifies on the GET itself.
    Auto,
}

/// The sign-up event streams.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventSettings {
    /// How often an idle stream sends a `: keep-alive` comment.
    #[serde(rename = "keep_alive_seconds", with = "durations::seconds")]
    pub keep_alive: Duration,
    /// Open streams allowed per client, per IP (IPv6 by /64) and per node; past one, 429.
    pub max_per_client: u32,
    pub max_per_ip: u32,
    pub max_per_node: u32,
    /// How long one stream lives before it ends cleanly (the SDK reopens it).
    #[serde(rename = "max_lifetime_seconds", with = "durations::seconds")]
    pub max_lifetime: Duration,
}

/// The database pool (`crate::db`): `[database]` in the config file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// Connections in the pool, on PostgreSQL (a SQLite file uses at most
    /// 8, an in-memory one exactly 1).
    pub max_connections: u32,
    /// PostgreSQL's `statement_timeout`: a statement running longer is
    /// cancelled (the request answers 500). 0 turns it off.
    pub statement_timeout_ms: u64,
    /// How many more times to try connecting at start, one second apart,
    /// while the database is not reachable yet.
    pub connect_retries: u32,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        DatabaseSettings { max_connections: 10, statement_timeout_ms: 30_000, connect_retries: 5 }
    }
}

/// The task that deletes what is no longer needed (`crate::cleanup`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CleanupSettings {
    /// How often a pass runs.
    #[serde(rename = "interval_seconds", with = "durations::seconds")]
    pub interval: Duration,
    /// Rows deleted per statement; a pass loops until a batch comes back short.
    pub batch_size: u32,
}

/// The outgoing mail queue (`crate::delivery`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeliverySettings {
    /// Messages waiting at most; a send past that answers 429 `rate_limited`.
    pub queue_capacity: u32,
    /// Tries per message before it is given up (logged).
    pub attempts: u32,
    /// The wait before the second try; it doubles for each further one.
    #[serde(rename = "retry_backoff_ms", with = "durations::millis")]
    pub retry_backoff: Duration,
    /// For benchmarks only: a directory every message is also written to
    /// (`crate::delivery::Sink`), appended to its `messages.jsonl`. `None`
    /// (the default): no sink.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sink_dir: Option<PathBuf>,
}

/// What every message looks like (`crate::mail`): `[mail]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailSettings {
    /// A folder of templates that replace the compiled-in ones, file by
    /// file (`de/email_code.html`); `None` (the default): the defaults.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub templates: Option<PathBuf>,
    /// The instance's name, as messages say it (1 to 100 characters).
    #[serde(deserialize_with = "file::lenient_string")]
    pub product_name: String,
    /// The colour of the header and buttons of HTML mail: `#rgb` or `#rrggbb`.
    pub brand_color: String,
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings { templates: None, product_name: String::from("Gatehouse"), brand_color: String::from("#2f6fed") }
    }
}

/// The per-IP limit on `/v1` requests.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimit {
    pub per_second: u32,
    pub burst: u32,
    /// The tighter quota of the password and code endpoints (sign-up create
    /// and update with a password, prepare and attempt, sign-in create).
    pub sensitive_per_minute: u32,
    pub sensitive_burst: u32,
    /// Where a request's IP comes from: the TCP peer (`ConnectInfo`, the
    /// default), or the header the proxy in front of the server sets
    /// (`RightmostXForwardedFor`, `XRealIp`, `CfConnectingIp`, ...: the
    /// names of axum-client-ip). Trust a header only when every request
    /// comes through that proxy: anyone else can write it.
    pub client_ip: ClientIpSource,
}

/// Where email goes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "file::SmtpFile")]
pub struct Smtp {
    pub host: String,
    pub port: u16,
    /// The sender, as `Name <address>` or a bare address.
    pub from: String,
    pub tls: SmtpTls,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<Secret>,
}

/// How the SMTP connection is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain text: only for a relay on the same machine or in tests.
    None,
    /// Upgrade with STARTTLS (the default).
    Starttls,
    /// TLS from the first byte (SMTPS).
    Tls,
}

impl SmtpTls {
    pub(crate) const fn default_port(self) -> u16 {
        match self {
            SmtpTls::None => 25,
            SmtpTls::Starttls => 587,
            SmtpTls::Tls => 465,
        }
    }
}

/// A secret from the config: never printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Secret(value)
    }

    /// The secret itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Printed (`check-config`) as `***`: a secret never leaves through serde.
impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(shown::MASK)
    }
}

/// Any scalar, as its text: a password of digits set in a variable is
/// still a string.
impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        file::lenient_string(deserializer).map(Secret)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Why a config file was refused; the message says where and why.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// figment's message for each error it gathered, joined.
fn every_error(error: figment::Error) -> String {
    error.into_iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; ")
}

impl Default for Config {
    fn default() -> Self {
        Config {
            allowed_origins: Vec::new(),
            allowed_redirect_origins: Vec::new(),
            public_origin: None,
            sign_up_mode: SignUpMode::Public,
            attributes: default_attributes(),
            password: PasswordRules::default(),
            username: UsernameRules::default(),
            verification: VerificationSettings::default(),
            email_link: EmailLinkSettings::default(),
            events: EventSettings::default(),
            rate_limit: RateLimit::default(),
            http: HttpSettings::default(),
            cleanup: CleanupSettings::default(),
            database: DatabaseSettings::default(),
            delivery: DeliverySettings::default(),
            sign_in: SignInSettings::default(),
            session: SessionSettings::default(),
            mfa: MfaSettings::default(),
            password_hashing: PasswordHashing::default(),
            client: ClientSettings::default(),
            mail: MailSettings::default(),
            smtp: None,
            sms: None,
            webhooks: WebhookSettings::default(),
        }
    }
}

/// The fields without `[attributes]` in the file.
pub(crate) fn default_attributes() -> Attributes {
    let off = AttributeSettings::default();
    let optional = AttributeSettings { enabled: true, ..off.clone() };
    Attributes {
        email_address: AttributeSettings {
            enabled: true,
            required: true,
            verify_at_sign_up: true,
            verification_strategies: vec![Strategy::EmailCode, Strategy::EmailLink],
        },
        phone_number: AttributeSettings {
            enabled: true,
            required: false,
            verify_at_sign_up: true,
            verification_strategies: vec![Strategy::PhoneCode],
        },
        username: off.clone(),
        password: AttributeSettings { required: true, ..optional.clone() },
        first_name: optional.clone(),
        last_name: optional,
        legal_accepted: off.clone(),
        web3_wallet: off,
    }
}

impl Default for VerificationSettings {
    fn default() -> Self {
        VerificationSettings {
            code_ttl_seconds: 600,
            code_max_attempts: 5,
            code_resend_seconds: 30,
            max_failed_attempts_per_address: 10,
            failed_attempt_window_seconds: 60 * 60,
            max_sends_per_address: 5,
            send_window_seconds: 60 * 60,
            max_messages_per_hour: 1000,
        }
    }
}

impl Default for EmailLinkSettings {
    fn default() -> Self {
        EmailLinkSettings { ttl_seconds: 600, confirm: LinkConfirm::Button, require_same_client: false }
    }
}

impl Default for EventSettings {
    fn default() -> Self {
        EventSettings {
            keep_alive: Duration::from_secs(15),
            max_per_client: 3,
            max_per_ip: 20,
            max_per_node: 10_000,
            max_lifetime: Duration::from_secs(30 * 60),
        }
    }
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            per_second: 20,
            burst: 200,
            sensitive_per_minute: 60,
            sensitive_burst: 60,
            client_ip: ClientIpSource::ConnectInfo,
        }
    }
}

impl Default for CleanupSettings {
    fn default() -> Self {
        CleanupSettings { interval: Duration::from_secs(5 * 60), batch_size: 500 }
    }
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings { queue_capacity: 1000, attempts: 3, retry_backoff: Duration::from_secs(2), sink_dir: None }
    }
}

impl Default for SignInSettings {
    fn default() -> Self {
        SignInSettings {
            max_failed_passwords: 10,
            failed_password_window_seconds: 15 * 60,
            max_failed_passwords_per_account: 100,
            account_window_seconds: 60 * 60,
            max_failed_passwords_per_ip: 50,
            ip_window_seconds: 15 * 60,
            max_new_sign_in_emails: 10,
            new_sign_in_email_window_seconds: 24 * 60 * 60,
        }
    }
}

impl Default for PasswordHashing {
    fn default() -> Self {
        PasswordHashing { max_concurrent: 0, max_wait_ms: 2000 }
    }
}

impl Default for ClientSettings {
    fn default() -> Self {
        ClientSettings { idle_timeout_seconds: 30 * 24 * 60 * 60, max_lifetime_seconds: 365 * 24 * 60 * 60 }
    }
}

impl Config {
    /// The file at `path` over the defaults, under the environment
    /// ([`env`]), validated.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("cannot read config {}: {e}", path.display())))?;
        // The file alone first: its mistakes are told with their line.
        file::parse(&text).map_err(|e| ConfigError(format!("config {}: {e}", path.display())))?;
        Config::layered(Some(path), env::EnvLayer::from_process()?)
    }

    /// The defaults under the environment ([`env`]), validated: the config
    /// without `--config`.
    pub fn from_environment() -> Result<Config, ConfigError> {
        Config::layered(None, env::EnvLayer::from_process()?)
    }

    /// The file (if any) over the defaults, under `env`, validated.
    pub fn layered(path: Option<&Path>, env: env::EnvLayer) -> Result<Config, ConfigError> {
        let mut figment = figment::Figment::new();
        if let Some(path) = path {
            figment = figment.merge(<figment::providers::Toml as figment::providers::Format>::file_exact(path));
        }
        let config: Config = figment.merge(env).extract_lossy().map_err(|e| ConfigError(every_error(e)))?;
        config.validate()?;
        Ok(config)
    }

    /// Parses and validates TOML text laid over the defaults (no environment).
    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        let config = file::parse(text).map_err(ConfigError)?;
        config.validate()?;
        Ok(config)
    }

    /// The strategies enabled for a field (empty when the field is off).
    pub fn strategies(&self, field: Field) -> &[Strategy] {
        let settings = self.attributes.get(field);
        if settings.enabled { &settings.verification_strategies } else { &[] }
    }
}

/// Mutable access to one field's settings (the wire type only lends `&`).
pub(crate) fn attribute_mut(attributes: &mut Attributes, field: Field) -> &mut AttributeSettings {
    match field {
        Field::EmailAddress => &mut attributes.email_address,
        Field::PhoneNumber => &mut attributes.phone_number,
        Field::Username => &mut attributes.username,
        Field::Password => &mut attributes.password,
        Field::FirstName => &mut attributes.first_name,
        Field::LastName => &mut attributes.last_name,
        Field::LegalAccepted => &mut attributes.legal_accepted,
        Field::Web3Wallet => &mut attributes.web3_wallet,
    }
}

#[cfg(test)]
mod tests;
