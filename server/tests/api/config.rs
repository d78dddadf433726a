//! The TOML config: defaults, one-key overrides, refused files.

use crate::helpers::spawn_app_with;
use gatehouse_protocol::Strategy;
use gatehouse_server::Options;
use gatehouse_server::config::{Config, LinkConfirm, SmtpTls};
use std::time::Duration;

#[test]
fn an_empty_file_is_the_defaults() {
    let config = Config::from_toml("").unwrap();
    let defaults = Config::default();
    assert_eq!(config.attributes.email_address, defaults.attributes.email_address);
    assert!(config.attributes.email_address.required);
    assert_eq!(config.attributes.email_address.verification_strategies, vec![Strategy::EmailCode, Strategy::EmailLink]);
    assert!(config.attributes.password.required);
    assert!(!config.attributes.phone_number.required);
    assert!(!config.attributes.username.enabled);
    assert_eq!((config.password.min_length, config.password.max_length), (8, 256));
    assert_eq!(config.verification.code_ttl_seconds, 600);
    assert_eq!(config.verification.code_max_attempts, 5);
    assert_eq!(config.verification.code_resend_seconds, 30);
    assert_eq!((config.rate_limit.per_second, config.rate_limit.burst), (20, 200));
    assert!(config.allowed_origins.is_empty() && config.smtp.is_none());
    assert!(config.allowed_redirect_origins.is_empty() && config.public_origin.is_none());
    assert_eq!(config.email_link.ttl_seconds, 600);
    assert_eq!(config.email_link.confirm, LinkConfirm::Button);
    assert!(!config.email_link.require_same_client);
    assert_eq!(config.events.keep_alive, Duration::from_secs(15));
    let e = &config.events;
    assert_eq!((e.max_per_client, e.max_per_ip, e.max_per_node), (3, 20, 10_000));
    assert_eq!(e.max_lifetime, Duration::from_secs(30 * 60));
    assert_eq!((config.rate_limit.sensitive_per_minute, config.rate_limit.sensitive_burst), (60, 60));
    assert_eq!(config.http.request_timeout, Duration::from_secs(10));
    assert_eq!((config.cleanup.interval, config.cleanup.batch_size), (Duration::from_secs(300), 500));
    let d = &config.delivery;
    assert_eq!((d.queue_capacity, d.attempts, d.retry_backoff), (1000, 3, Duration::from_secs(2)));
}

#[test]
fn the_bounds_on_growth_are_configured_in_their_sections() {
    let config = Config::from_toml(
        r#"
[events]
max_per_client = 2
max_per_ip = 8
max_per_node = 500
max_lifetime_seconds = 600
[rate_limit]
sensitive_per_minute = 10
sensitive_burst = 5
[http]
request_timeout_seconds = 30
[cleanup]
interval_seconds = 60
batch_size = 100
[delivery]
queue_capacity = 50
attempts = 5
retry_backoff_ms = 250
"#,
    )
    .unwrap();
    let e = &config.events;
    assert_eq!((e.max_per_client, e.max_per_ip, e.max_per_node, e.max_lifetime), (2, 8, 500, Duration::from_secs(600)));
    assert_eq!((config.rate_limit.sensitive_per_minute, config.rate_limit.sensitive_burst), (10, 5));
    assert_eq!(config.http.request_timeout, Duration::from_secs(30));
    assert_eq!((config.cleanup.interval, config.cleanup.batch_size), (Duration::from_secs(60), 100));
    let d = &config.delivery;
    assert_eq!((d.queue_capacity, d.attempts, d.retry_backoff), (50, 5, Duration::from_millis(250)));
}

#[test]
fn email_links_and_events_are_configured_in_their_sections() {
    let config = Config::from_toml(
        r#"
allowed_redirect_origins = ["https://app.example.com", "http://localhost:3000"]
public_origin = "https://auth.example.com"
[email_link]
ttl_seconds = 900
confirm = "auto"
require_same_client = true
[events]
keep_alive_seconds = 5
[attributes.email_address]
verification_strategies = ["email_link"]
"#,
    )
    .unwrap();
    assert_eq!(config.allowed_redirect_origins, vec!["https://app.example.com", "http://localhost:3000"]);
    assert_eq!(config.public_origin.as_deref(), Some("https://auth.example.com"));
    assert_eq!(config.email_link.ttl_seconds, 900);
    assert_eq!(config.email_link.confirm, LinkConfirm::Auto);
    assert!(config.email_link.require_same_client);
    assert_eq!(config.events.keep_alive, Duration::from_secs(5));
    assert_eq!(config.attributes.email_address.verification_strategies, vec![Strategy::EmailLink]);
}

#[test]
fn a_key_overrides_only_its_default() {
    let config = Config::from_toml(
        r#"
allowed_origins = ["http://127.0.0.1:8000"]
[password]
min_length = 12
[attributes.username]
enabled = true
[attributes.phone_number]
enabled = false
[verification]
code_ttl_seconds = 300
[smtp]
host = "127.0.0.1"
from = "Gatehouse <no-reply@gatehouse.test>"
tls = "none"
port = 2525
"#,
    )
    .unwrap();
    assert_eq!(config.allowed_origins, vec!["http://127.0.0.1:8000"]);
    assert_eq!((config.password.min_length, config.password.max_length), (12, 256));
    assert!(config.attributes.username.enabled && !config.attributes.username.required);
    let phone = &config.attributes.phone_number;
    assert!(!phone.enabled && !phone.required && !phone.verify_at_sign_up && phone.verification_strategies.is_empty());
    assert_eq!(config.verification.code_ttl_seconds, 300);
    assert_eq!(config.verification.code_max_attempts, 5);
    let smtp = config.smtp.unwrap();
    assert_eq!((smtp.host.as_str(), smtp.port, smtp.tls), ("127.0.0.1", 2525, SmtpTls::None));
    assert!(smtp.username.is_none());
}

#[test]
fn smtp_defaults_to_starttls_on_587_and_hides_its_password() {
    let config = Config::from_toml(
        "[smtp]\nhost = \"mail.example.com\"\nfrom = \"a@example.com\"\nusername = \"u\"\npassword = \"hunter2\"\n",
    )
    .unwrap();
    let smtp = config.smtp.unwrap();
    assert_eq!((smtp.tls, smtp.port), (SmtpTls::Starttls, 587));
    assert!(!format!("{smtp:?}").contains("hunter2"));
}

#[test]
fn an_unknown_key_is_refused_with_its_name_and_line() {
    let err = Config::from_toml("[password]\nmin_length = 10\nmin_lenght = 12\n").unwrap_err().to_string();
    assert!(err.contains("min_lenght"), "{err}");
    assert!(err.contains("unknown field"), "{err}");
    assert!(err.contains("line 3"), "{err}");
    let err = Config::from_toml("[attributes.nickname]\nenabled = true\n").unwrap_err().to_string();
    assert!(err.contains("nickname"), "{err}");
}

#[test]
fn contradictory_settings_are_refused_clearly() {
    let cases = [
        ("allowed_origins = [\"http://x.com/\"]", "allowed_origins"),
        ("[attributes.email_address]\nverification_strategies = [\"phone_code\"]", "does not verify this field"),
        ("[attributes.email_address]\nverification_strategies = [\"ticket\"]", "not supported"),
        ("[attributes.phone_number]\nverification_strategies = [\"email_link\"]", "does not verify this field"),
        ("allowed_redirect_origins = [\"https://app.example.com/verify\"]", "allowed_redirect_origins"),
        ("public_origin = \"auth.example.com\"", "public_origin"),
        ("[email_link]\nttl_seconds = 0", "email_link.ttl_seconds must be between 1 and 604800, got 0"),
        ("[verification]\ncode_resend_seconds = 0", "verification.code_resend_seconds must be between 1 and 3600"),
        ("[verification]\ncode_max_attempts = 1000", "verification.code_max_attempts must be between 1 and 20"),
        ("[password_hashing]\nmax_wait_ms = 600000", "password_hashing.max_wait_ms must be between 0 and 60000"),
        ("[password]\nmin_length = 300", "password.min_length must be between 1 and 256"),
        ("[smtp]\nhost = \"h\"\nfrom = \"a@b.co\"\nport = 0", "smtp.port"),
        ("[email_link]\nconfirm = \"maybe\"", "unknown variant"),
        ("[email_link]\nrequire_same_clients = true", "unknown field"),
        ("[events]\nkeep_alive_seconds = 0", "keep_alive_seconds must be 1 to 30"),
        ("[events]\nkeep_alive_seconds = 40", "keep_alive_seconds must be 1 to 30"),
        ("[attributes.email_address]\nverification_strategies = [\"sms\"]", "unknown variant"),
        ("[attributes.username]\nenabled = false\nrequired = true", "need enabled = true"),
        ("[attributes.first_name]\nverify_at_sign_up = true", "only email_address and phone_number"),
        ("[attributes.email_address]\nrequired = false", "at least one of"),
        ("[password]\nmin_length = 200\nmax_length = 100", "min_length <= max_length"),
        ("[smtp]\nhost = \"h\"\nfrom = \"not a mailbox\"", "smtp.from"),
        ("[smtp]\nhost = \"h\"\nfrom = \"a@b.co\"\nusername = \"u\"", "both username and password"),
        ("[smtp]\nhost = \"h\"", "missing field `from`"),
        ("[sign_up]\nmode = \"invite\"", "unknown variant"),
        ("[rate_limit]\nburst = 0", "rate_limit.burst must be between 1 and"),
        ("[rate_limit]\nsensitive_per_minute = 0", "sensitive_per_minute"),
        ("[events]\nmax_per_client = 0", "events.max_per_client must be between 1 and"),
        ("[events]\nmax_lifetime_seconds = 5", "events.max_lifetime_seconds must be between 60 and 86400"),
        ("[http]\nrequest_timeout_seconds = 0", "http.request_timeout_seconds must be between 1 and 300"),
        ("[http]\nworkers = 1025", "http.workers must be between 0 and 1024"),
        ("[http]\nworkers = -1", "invalid value"),
        ("[cleanup]\nbatch_size = 0", "cleanup.batch_size must be between 1 and 100000"),
        ("[delivery]\nattempts = 0", "delivery.attempts must be between 1 and 10"),
        ("[delivery]\nqueue_size = 10", "unknown field"),
    ];
    for (toml, expected) in cases {
        let err = Config::from_toml(toml).unwrap_err().to_string();
        assert!(err.contains(expected), "{toml:?} gave {err:?}, expected {expected:?}");
    }
}

#[test]
fn load_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.toml");
    let err = Config::load(&missing).unwrap_err().to_string();
    assert!(err.contains("missing.toml"), "{err}");
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "bogus = 1\n").unwrap();
    let err = Config::load(&bad).unwrap_err().to_string();
    assert!(err.contains("bad.toml") && err.contains("bogus"), "{err}");
}

#[tokio::test]
async fn the_environment_follows_the_config() {
    let config =
        Config::from_toml("[attributes.username]\nenabled = true\nrequired = true\n[password]\nmin_length = 10\n")
            .unwrap();
    let app = spawn_app_with(config, Options::default()).await;
    let env = app.client().get("/v1/environment").await.body;
    assert_eq!(env["sign_up"]["attributes"]["username"]["required"], true);
    assert_eq!(env["password_settings"]["min_length"], 10);
    assert_eq!(env["dev_mode"], false);
    let short = app.client().create_sign_up(serde_json::json!({ "password": "123456789" })).await;
    short.assert_error(422, "form_password_length_too_short");
}

#[test]
fn the_readme_example_config_is_valid() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let Some(section) = readme.split("### Configuration").nth(1) else { return };
    let example = section.split("```toml").nth(1).and_then(|b| b.split("```").next()).expect("a toml example");
    let config = Config::from_toml(example).unwrap_or_else(|e| panic!("README's config example: {e}"));
    assert!(config.smtp.is_some());
    assert!(config.sms.is_some());
    assert_eq!(config.webhooks.endpoints.len(), 1);
}

#[test]
fn the_deploy_guide_example_config_is_valid() {
    let guide = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/deploy.md")).unwrap();
    let example = guide.split("```toml").nth(1).and_then(|b| b.split("```").next()).expect("a toml example");
    let config = Config::from_toml(example).unwrap_or_else(|e| panic!("deploy.md's config example: {e}"));
    assert_eq!(config.public_origin.as_deref(), Some("https://auth.example.com"));
    assert!(config.sms.is_some());
}
