//! The settings from the environment: every key of the TOML file as a
//! `GATEHOUSE_*` variable, and any of them from a file (`*_FILE`, for
//! container secrets). A figment provider, merged over the file.
//!
//! The rule: `GATEHOUSE_` + the key's path in capitals, a double
//! underscore between the levels. `[smtp] password` is
//! `GATEHOUSE_SMTP__PASSWORD`; `[attributes.username] enabled` is
//! `GATEHOUSE_ATTRIBUTES__USERNAME__ENABLED`; a top-level key has no
//! level: `GATEHOUSE_ALLOWED_ORIGINS`.
//!
//! - A value is text; a number or a boolean is read from it where the
//!   setting is one (`10`, `true`/`false`, `1`/`0`, `yes`/`no`). A list is
//!   written like TOML: `["https://a.example", "https://b.example"]`.
//! - `GATEHOUSE_<KEY>_FILE=/run/secrets/x` sets the key to that file's
//!   text (one trailing newline left out), verbatim. Giving a key both
//!   ways is refused.
//! - A variable with a double underscore whose first level is not a
//!   section of the file is refused (a typo must not be ignored). A
//!   variable without one is a setting only if it names a top-level key;
//!   the others (`GATEHOUSE_LISTEN`, `GATEHOUSE_DEV`, ...) belong to the
//!   command line.
//! - The command line's `--public-origin` (and its twin, which is also
//!   this layer's `GATEHOUSE_PUBLIC_ORIGIN`) still wins over the file.

use super::ConfigError;
use figment::value::{Dict, Map, Value};
use figment::{Error, Metadata, Profile, Provider};

/// The prefix of every variable.
const PREFIX: &str = "GATEHOUSE_";
/// The suffix of a variable that names a file holding the value.
const FILE_SUFFIX: &str = "_FILE";
/// Between the levels of a key.
const LEVEL: &str = "__";

/// The top-level keys of the file (sections and plain keys).
pub const TOP_LEVEL_KEYS: &[&str] = &[
    "allowed_origins",
    "allowed_redirect_origins",
    "public_origin",
    "sign_up",
    "sign_in",
    "session",
    "mfa",
    "client",
    "attributes",
    "password",
    "username",
    "verification",
    "email_link",
    "events",
    "rate_limit",
    "password_hashing",
    "http",
    "cleanup",
    "database",
    "delivery",
    "mail",
    "smtp",
    "sms",
    "webhooks",
];

/// The settings the environment gives, as a nested dictionary.
#[derive(Clone, Debug, Default)]
pub struct EnvLayer {
    settings: Dict,
}

impl EnvLayer {
    /// The layer of this process's environment.
    pub fn from_process() -> Result<EnvLayer, ConfigError> {
        EnvLayer::from_vars(std::env::vars())
    }

    /// The layer of these variables (tests give their own).
    pub fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> Result<EnvLayer, ConfigError> {
        let mut settings = Dict::new();
        let mut seen: Vec<(Vec<String>, String)> = Vec::new();
        let mut vars: Vec<(String, String)> = vars.into_iter().collect();
        vars.sort();
        for (name, value) in vars {
            let Some(rest) = name.strip_prefix(PREFIX) else { continue };
            let (key, from_file) = match rest.strip_suffix(FILE_SUFFIX) {
                Some(key) => (key, true),
                None => (rest, false),
            };
            let path: Vec<String> = key.split(LEVEL).map(str::to_ascii_lowercase).collect();
            if !TOP_LEVEL_KEYS.contains(&path[0].as_str()) {
                if key.contains(LEVEL) {
                    return Err(ConfigError(format!(
                        "{name}: the config has no section [{}] (a double underscore separates the levels of a key)",
                        path[0]
                    )));
                }
                continue;
            }
            if path.iter().any(String::is_empty) {
                return Err(ConfigError(format!("{name}: an empty level in the key")));
            }
            if let Some((_, other)) = seen.iter().find(|(p, _)| *p == path) {
                return Err(ConfigError(format!("{name} and {other} set the same key: give one")));
            }
            let value = if from_file { read_secret(&name, &value)? } else { parse(&value) };
            insert(&mut settings, &path, value);
            seen.push((path, name));
        }
        Ok(EnvLayer { settings })
    }

    /// Whether no variable set anything.
    pub fn is_empty(&self) -> bool {
        self.settings.is_empty()
    }
}

/// A variable's text: a list or table when written like one, else the
/// text itself (the deserializer reads numbers and booleans from it).
fn parse(text: &str) -> Value {
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') || trimmed.starts_with('{') {
        return text.parse().unwrap_or_else(|_| Value::from(String::from(text)));
    }
    Value::from(String::from(text))
}

/// The text of the file a `*_FILE` variable names, verbatim but for one
/// trailing newline.
fn read_secret(name: &str, path: &str) -> Result<Value, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError(format!("{name}: cannot read {path}: {e}")))?;
    let text = text.strip_suffix('\n').map(|t| t.strip_suffix('\r').unwrap_or(t)).unwrap_or(&text);
    Ok(Value::from(String::from(text)))
}

/// Puts `value` at `path`, making the levels on the way.
fn insert(dict: &mut Dict, path: &[String], value: Value) {
    let (first, rest) = path.split_first().expect("a key has a level");
    if rest.is_empty() {
        dict.insert(first.clone(), value);
        return;
    }
    let entry = dict.entry(first.clone()).or_insert_with(|| Value::from(Dict::new()));
    if !matches!(entry, Value::Dict(..)) {
        *entry = Value::from(Dict::new());
    }
    if let Value::Dict(_, inner) = entry {
        insert(inner, rest, value);
    }
}

impl Provider for EnvLayer {
    fn metadata(&self) -> Metadata {
        Metadata::named("the environment").interpolater(|_, keys| {
            let key: Vec<String> = keys.iter().map(|k| k.to_ascii_uppercase()).collect();
            format!("{PREFIX}{}", key.join(LEVEL))
        })
    }

    fn data(&self) -> Result<Map<Profile, Dict>, Error> {
        Ok(Profile::Default.collect(self.settings.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, SmtpTls};
    use std::time::Duration;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (String::from(*k), String::from(*v))).collect()
    }

    fn resolved(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::layered(None, EnvLayer::from_vars(vars(pairs))?)
    }

    #[test]
    fn a_double_underscore_nests_and_values_take_the_setting_s_type() {
        let config = resolved(&[
            ("GATEHOUSE_PASSWORD__MIN_LENGTH", "12"),
            ("GATEHOUSE_EVENTS__KEEP_ALIVE_SECONDS", "20"),
            ("GATEHOUSE_EMAIL_LINK__REQUIRE_SAME_CLIENT", "true"),
            ("GATEHOUSE_ATTRIBUTES__USERNAME__ENABLED", "yes"),
            ("GATEHOUSE_ALLOWED_ORIGINS", r#"["https://a.example", "https://b.example"]"#),
            ("GATEHOUSE_SMTP__HOST", "127.0.0.1"),
            ("GATEHOUSE_SMTP__FROM", "Gatehouse <no-reply@example.com>"),
            ("GATEHOUSE_SMTP__TLS", "none"),
            ("GATEHOUSE_SMTP__USERNAME", "0007"),
            ("GATEHOUSE_SMTP__PASSWORD", "0042"),
            // Not settings: the command line's, and other tools'.
            ("GATEHOUSE_LISTEN", "127.0.0.1:1"),
            ("GATEHOUSE_TEST_BACKEND", "postgres"),
            ("OTHER__THING", "1"),
        ])
        .unwrap();
        assert_eq!((config.password.min_length, config.password.max_length), (12, 256));
        assert_eq!(config.events.keep_alive, Duration::from_secs(20));
        assert!(config.email_link.require_same_client);
        assert!(config.attributes.username.enabled && !config.attributes.username.required);
        assert_eq!(config.allowed_origins, ["https://a.example", "https://b.example"]);
        let smtp = config.smtp.unwrap();
        assert_eq!((smtp.tls, smtp.port), (SmtpTls::None, 25));
        assert_eq!(smtp.username.as_deref(), Some("0007"), "digits stay text");
        assert_eq!(smtp.password.unwrap().expose(), "0042", "digits stay text");
    }

    #[test]
    fn the_environment_wins_over_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.toml");
        std::fs::write(&path, "[password]\nmin_length = 10\nmax_length = 100\n").unwrap();
        let env = EnvLayer::from_vars(vars(&[("GATEHOUSE_PASSWORD__MIN_LENGTH", "14")])).unwrap();
        let config = Config::layered(Some(&path), env).unwrap();
        assert_eq!((config.password.min_length, config.password.max_length), (14, 100));
    }

    #[test]
    fn a_secret_comes_from_a_file_verbatim() {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("smtp-password");
        std::fs::write(&secret, " p@ss word 0042 \n").unwrap();
        let config = resolved(&[
            ("GATEHOUSE_SMTP__HOST", "mail.example.com"),
            ("GATEHOUSE_SMTP__FROM", "a@example.com"),
            ("GATEHOUSE_SMTP__USERNAME", "gatehouse"),
            ("GATEHOUSE_SMTP__PASSWORD_FILE", secret.to_str().unwrap()),
        ])
        .unwrap();
        assert_eq!(config.smtp.unwrap().password.unwrap().expose(), " p@ss word 0042 ");

        let missing = dir.path().join("nope");
        let err = resolved(&[("GATEHOUSE_SMTP__PASSWORD_FILE", missing.to_str().unwrap())]).unwrap_err().0;
        assert!(err.starts_with("GATEHOUSE_SMTP__PASSWORD_FILE: cannot read"), "{err}");
        let err =
            resolved(&[("GATEHOUSE_SMTP__PASSWORD", "a"), ("GATEHOUSE_SMTP__PASSWORD_FILE", secret.to_str().unwrap())])
                .unwrap_err()
                .0;
        assert!(err.contains("set the same key"), "{err}");
    }

    #[test]
    fn a_bad_value_is_refused_naming_its_variable() {
        for (pairs, expected) in [
            (&[("GATEHOUSE_PASSWORD__MIN_LENGTH", "twelve")][..], "GATEHOUSE_PASSWORD__MIN_LENGTH"),
            (&[("GATEHOUSE_SMTP__PORT", "99999")][..], "GATEHOUSE_SMTP__PORT"),
            (&[("GATEHOUSE_EMAIL_LINK__CONFIRM", "maybe")][..], "GATEHOUSE_EMAIL_LINK__CONFIRM"),
            (&[("GATEHOUSE_PASSWORD__MIN_LENGHT", "12")][..], "min_lenght"),
            (&[("GATEHOUSE_SMPT__PASSWORD", "x")][..], "GATEHOUSE_SMPT__PASSWORD: the config has no section [smpt]"),
            (&[("GATEHOUSE_VERIFICATION__CODE_RESEND_SECONDS", "0")][..], "verification.code_resend_seconds"),
        ] {
            let err = resolved(pairs).unwrap_err().0;
            assert!(err.contains(expected), "{pairs:?}: {err}");
        }
    }

    #[test]
    fn the_top_level_keys_are_the_file_s() {
        let config = Config {
            public_origin: Some(String::from("https://auth.example.com")),
            smtp: Config::from_toml("[smtp]\nhost = \"h\"\nfrom = \"a@b.co\"\n").unwrap().smtp,
            sms: Config::from_toml(
                "[sms]\nprovider = \"webhook\"\nwebhook_url = \"https://x.example\"\nsigning_secret = \"0123456789abcdef\"\n",
            )
            .unwrap()
            .sms,
            ..Config::default()
        };
        let toml::Value::Table(table) = toml::Value::try_from(&config).unwrap() else { panic!("a table") };
        let mut keys: Vec<&str> = table.keys().map(String::as_str).collect();
        let mut listed = TOP_LEVEL_KEYS.to_vec();
        keys.sort_unstable();
        listed.sort_unstable();
        assert_eq!(keys, listed);
    }
}
