//! The TOML file as written: every key optional, unknown keys refused.
//!
//! [`ConfigFile::resolve`] lays the file over the defaults, one key at a
//! time, so a file that sets `[password] min_length = 12` changes only that.

use super::{
    CleanupSettings, ClientSettings, Config, DatabaseSettings, DeliverySettings, EmailLinkSettings, EventSettings,
    HttpSettings, LinkConfirm, PasswordHashing, RateLimit, Secret, SessionSettings, SignInSettings, Smtp, SmtpTls,
    VerificationSettings,
};
use axum_client_ip::ClientIpSource;
use gatehouse_protocol::validate::{PasswordRules, UsernameRules};
use gatehouse_protocol::wire::AttributeSettings;
use gatehouse_protocol::{Field, SignUpMode, Strategy};
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ConfigFile {
    allowed_origins: Option<Vec<String>>,
    allowed_redirect_origins: Option<Vec<String>>,
    public_origin: Option<String>,
    sign_up: Option<SignUpFile>,
    sign_in: Option<SignInFile>,
    session: Option<SessionFile>,
    client: Option<ClientFile>,
    attributes: Option<AttributesFile>,
    password: Option<PasswordRules>,
    username: Option<UsernameRules>,
    verification: Option<VerificationFile>,
    email_link: Option<EmailLinkFile>,
    events: Option<EventsFile>,
    rate_limit: Option<RateLimitFile>,
    password_hashing: Option<PasswordHashingFile>,
    http: Option<HttpFile>,
    cleanup: Option<CleanupFile>,
    database: Option<DatabaseFile>,
    delivery: Option<DeliveryFile>,
    smtp: Option<SmtpFile>,
    /// Resolved on its own ([`super::sms::SmsFile::resolve`] can refuse it).
    pub(super) sms: Option<super::sms::SmsFile>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordHashingFile {
    max_concurrent: Option<u32>,
    max_wait_ms: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignUpFile {
    mode: Option<SignUpMode>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignInFile {
    max_failed_passwords: Option<u32>,
    failed_password_window_seconds: Option<u64>,
    max_failed_passwords_per_account: Option<u32>,
    account_window_seconds: Option<u64>,
    max_failed_passwords_per_ip: Option<u32>,
    ip_window_seconds: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionFile {
    lifetime_seconds: Option<u64>,
    token_ttl_seconds: Option<u64>,
    issuer: Option<String>,
    audience: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientFile {
    idle_timeout_seconds: Option<u64>,
    max_lifetime_seconds: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AttributesFile {
    email_address: Option<AttributeFile>,
    phone_number: Option<AttributeFile>,
    username: Option<AttributeFile>,
    password: Option<AttributeFile>,
    first_name: Option<AttributeFile>,
    last_name: Option<AttributeFile>,
    legal_accepted: Option<AttributeFile>,
    web3_wallet: Option<AttributeFile>,
}

impl AttributesFile {
    fn get(&self, field: Field) -> Option<&AttributeFile> {
        match field {
            Field::EmailAddress => self.email_address.as_ref(),
            Field::PhoneNumber => self.phone_number.as_ref(),
            Field::Username => self.username.as_ref(),
            Field::Password => self.password.as_ref(),
            Field::FirstName => self.first_name.as_ref(),
            Field::LastName => self.last_name.as_ref(),
            Field::LegalAccepted => self.legal_accepted.as_ref(),
            Field::Web3Wallet => self.web3_wallet.as_ref(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AttributeFile {
    enabled: Option<bool>,
    required: Option<bool>,
    verify_at_sign_up: Option<bool>,
    verification_strategies: Option<Vec<Strategy>>,
}

impl AttributeFile {
    /// Lays this entry over a default. Turning an attribute on or off moves
    /// the keys it implies, unless the file sets them too.
    fn over(&self, default: &AttributeSettings) -> AttributeSettings {
        let enabled = self.enabled.unwrap_or(default.enabled);
        let inherit = enabled && default.enabled;
        AttributeSettings {
            enabled,
            required: self.required.unwrap_or(inherit && default.required),
            verify_at_sign_up: self.verify_at_sign_up.unwrap_or(inherit && default.verify_at_sign_up),
            verification_strategies: self
                .verification_strategies
                .clone()
                .unwrap_or_else(|| if inherit { default.verification_strategies.clone() } else { Vec::new() }),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct VerificationFile {
    code_ttl_seconds: Option<u64>,
    code_max_attempts: Option<u32>,
    code_resend_seconds: Option<u64>,
    max_failed_attempts_per_address: Option<u32>,
    failed_attempt_window_seconds: Option<u64>,
    max_sends_per_address: Option<u32>,
    send_window_seconds: Option<u64>,
    max_messages_per_hour: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct EmailLinkFile {
    ttl_seconds: Option<u64>,
    confirm: Option<LinkConfirm>,
    require_same_client: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventsFile {
    keep_alive_seconds: Option<u64>,
    max_per_client: Option<u32>,
    max_per_ip: Option<u32>,
    max_per_node: Option<u32>,
    max_lifetime_seconds: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HttpFile {
    request_timeout_seconds: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DatabaseFile {
    max_connections: Option<u32>,
    statement_timeout_ms: Option<u64>,
    connect_retries: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CleanupFile {
    interval_seconds: Option<u64>,
    batch_size: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeliveryFile {
    queue_capacity: Option<u32>,
    attempts: Option<u32>,
    retry_backoff_ms: Option<u64>,
    sink_dir: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RateLimitFile {
    per_second: Option<u32>,
    burst: Option<u32>,
    sensitive_per_minute: Option<u32>,
    sensitive_burst: Option<u32>,
    client_ip: Option<ClientIpSource>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SmtpFile {
    host: String,
    from: String,
    port: Option<u16>,
    tls: Option<SmtpTls>,
    username: Option<String>,
    password: Option<String>,
}

impl ConfigFile {
    /// The defaults with this file laid over them (not yet validated).
    pub(super) fn resolve(self) -> Config {
        let d = Config::default();
        let attributes_file = self.attributes.unwrap_or_default();
        let mut attributes = d.attributes;
        for field in Field::ALL {
            if let Some(entry) = attributes_file.get(field) {
                let merged = entry.over(attributes.get(field));
                *super::attribute_mut(&mut attributes, field) = merged;
            }
        }
        let v = self.verification.unwrap_or_default();
        let r = self.rate_limit.unwrap_or_default();
        let si = self.sign_in.unwrap_or_default();
        let se = self.session.unwrap_or_default();
        let link = self.email_link.unwrap_or_default();
        let cl = self.client.unwrap_or_default();
        let events = self.events.unwrap_or_default();
        let hashing = self.password_hashing.unwrap_or_default();
        let http = self.http.unwrap_or_default();
        let cleanup = self.cleanup.unwrap_or_default();
        let database = self.database.unwrap_or_default();
        let delivery = self.delivery.unwrap_or_default();
        Config {
            allowed_origins: self.allowed_origins.unwrap_or(d.allowed_origins),
            allowed_redirect_origins: self.allowed_redirect_origins.unwrap_or(d.allowed_redirect_origins),
            public_origin: self.public_origin.or(d.public_origin),
            sign_up_mode: self.sign_up.and_then(|s| s.mode).unwrap_or(d.sign_up_mode),
            attributes,
            password: self.password.unwrap_or(d.password),
            username: self.username.unwrap_or(d.username),
            verification: VerificationSettings {
                code_ttl_seconds: v.code_ttl_seconds.unwrap_or(d.verification.code_ttl_seconds),
                code_max_attempts: v.code_max_attempts.unwrap_or(d.verification.code_max_attempts),
                code_resend_seconds: v.code_resend_seconds.unwrap_or(d.verification.code_resend_seconds),
                max_failed_attempts_per_address: v
                    .max_failed_attempts_per_address
                    .unwrap_or(d.verification.max_failed_attempts_per_address),
                failed_attempt_window_seconds: v
                    .failed_attempt_window_seconds
                    .unwrap_or(d.verification.failed_attempt_window_seconds),
                max_sends_per_address: v.max_sends_per_address.unwrap_or(d.verification.max_sends_per_address),
                send_window_seconds: v.send_window_seconds.unwrap_or(d.verification.send_window_seconds),
                max_messages_per_hour: v.max_messages_per_hour.unwrap_or(d.verification.max_messages_per_hour),
            },
            email_link: EmailLinkSettings {
                ttl_seconds: link.ttl_seconds.unwrap_or(d.email_link.ttl_seconds),
                confirm: link.confirm.unwrap_or(d.email_link.confirm),
                require_same_client: link.require_same_client.unwrap_or(d.email_link.require_same_client),
            },
            events: EventSettings {
                keep_alive: events.keep_alive_seconds.map_or(d.events.keep_alive, Duration::from_secs),
                max_per_client: events.max_per_client.unwrap_or(d.events.max_per_client),
                max_per_ip: events.max_per_ip.unwrap_or(d.events.max_per_ip),
                max_per_node: events.max_per_node.unwrap_or(d.events.max_per_node),
                max_lifetime: events.max_lifetime_seconds.map_or(d.events.max_lifetime, Duration::from_secs),
            },
            http: HttpSettings {
                request_timeout: http.request_timeout_seconds.map_or(d.http.request_timeout, Duration::from_secs),
            },
            cleanup: CleanupSettings {
                interval: cleanup.interval_seconds.map_or(d.cleanup.interval, Duration::from_secs),
                batch_size: cleanup.batch_size.unwrap_or(d.cleanup.batch_size),
            },
            database: DatabaseSettings {
                max_connections: database.max_connections.unwrap_or(d.database.max_connections),
                statement_timeout_ms: database.statement_timeout_ms.unwrap_or(d.database.statement_timeout_ms),
                connect_retries: database.connect_retries.unwrap_or(d.database.connect_retries),
            },
            delivery: DeliverySettings {
                queue_capacity: delivery.queue_capacity.unwrap_or(d.delivery.queue_capacity),
                attempts: delivery.attempts.unwrap_or(d.delivery.attempts),
                retry_backoff: delivery.retry_backoff_ms.map_or(d.delivery.retry_backoff, Duration::from_millis),
                sink_dir: delivery.sink_dir.or(d.delivery.sink_dir),
            },
            rate_limit: RateLimit {
                per_second: r.per_second.unwrap_or(d.rate_limit.per_second),
                burst: r.burst.unwrap_or(d.rate_limit.burst),
                sensitive_per_minute: r.sensitive_per_minute.unwrap_or(d.rate_limit.sensitive_per_minute),
                sensitive_burst: r.sensitive_burst.unwrap_or(d.rate_limit.sensitive_burst),
                client_ip: r.client_ip.unwrap_or(d.rate_limit.client_ip),
            },
            sign_in: SignInSettings {
                max_failed_passwords: si.max_failed_passwords.unwrap_or(d.sign_in.max_failed_passwords),
                failed_password_window_seconds: si
                    .failed_password_window_seconds
                    .unwrap_or(d.sign_in.failed_password_window_seconds),
                max_failed_passwords_per_account: si
                    .max_failed_passwords_per_account
                    .unwrap_or(d.sign_in.max_failed_passwords_per_account),
                account_window_seconds: si.account_window_seconds.unwrap_or(d.sign_in.account_window_seconds),
                max_failed_passwords_per_ip: si
                    .max_failed_passwords_per_ip
                    .unwrap_or(d.sign_in.max_failed_passwords_per_ip),
                ip_window_seconds: si.ip_window_seconds.unwrap_or(d.sign_in.ip_window_seconds),
            },
            session: SessionSettings {
                lifetime_seconds: se.lifetime_seconds.unwrap_or(d.session.lifetime_seconds),
                token_ttl_seconds: se.token_ttl_seconds.unwrap_or(d.session.token_ttl_seconds),
                issuer: se.issuer.unwrap_or(d.session.issuer),
                audience: se.audience.or(d.session.audience),
            },
            client: ClientSettings {
                idle_timeout_seconds: cl.idle_timeout_seconds.unwrap_or(d.client.idle_timeout_seconds),
                max_lifetime_seconds: cl.max_lifetime_seconds.unwrap_or(d.client.max_lifetime_seconds),
            },
            password_hashing: PasswordHashing {
                max_concurrent: hashing.max_concurrent.unwrap_or(d.password_hashing.max_concurrent),
                max_wait_ms: hashing.max_wait_ms.unwrap_or(d.password_hashing.max_wait_ms),
            },
            smtp: self.smtp.map(|s| {
                let tls = s.tls.unwrap_or(SmtpTls::Starttls);
                Smtp {
                    host: s.host,
                    port: s.port.unwrap_or(tls.default_port()),
                    from: s.from,
                    tls,
                    username: s.username,
                    password: s.password.map(Secret::new),
                }
            }),
            sms: d.sms,
        }
    }
}
