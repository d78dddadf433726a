//! The parts of the TOML shape that are more than a field with a default:
//! `[sign_up] mode`, the `[attributes.*]` entries (laid over each field's
//! default), `[smtp]` (whose port follows its `tls`), and strings that may
//! come from a variable as digits. [`parse`] reads a file alone, so its
//! mistakes are told with their line.

use super::{Config, Secret, Smtp, SmtpTls, default_attributes};
use gatehouse_protocol::wire::{AttributeSettings, Attributes};
use gatehouse_protocol::{Field, SignUpMode, Strategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// TOML text over the defaults (not yet validated); the error names the
/// line and the key.
pub(super) fn parse(text: &str) -> Result<Config, String> {
    toml::from_str(text).map_err(|e| e.to_string())
}

/// `[sign_up]` in the file, `Config::sign_up_mode` in the code.
pub(super) mod sign_up_section {
    use super::*;

    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct SignUpSection {
        #[serde(default = "public")]
        mode: SignUpMode,
    }

    fn public() -> SignUpMode {
        SignUpMode::Public
    }

    pub fn serialize<S: Serializer>(mode: &SignUpMode, serializer: S) -> Result<S::Ok, S::Error> {
        SignUpSection { mode: *mode }.serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<SignUpMode, D::Error> {
        SignUpSection::deserialize(deserializer).map(|s| s.mode)
    }
}

/// `[attributes.*]`: every entry optional, each key of an entry too.
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

/// `[attributes.*]` laid over each field's default.
pub(super) fn attributes_over_defaults<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Attributes, D::Error> {
    let file = AttributesFile::deserialize(deserializer)?;
    let mut attributes = default_attributes();
    for field in Field::ALL {
        if let Some(entry) = file.get(field) {
            let merged = entry.over(attributes.get(field));
            *super::attribute_mut(&mut attributes, field) = merged;
        }
    }
    Ok(attributes)
}

/// `[smtp]` as written: `host` and `from` required, the port by `tls`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SmtpFile {
    host: String,
    from: String,
    port: Option<u16>,
    tls: Option<SmtpTls>,
    #[serde(default, deserialize_with = "lenient_optional_string")]
    username: Option<String>,
    password: Option<Secret>,
}

impl From<SmtpFile> for Smtp {
    fn from(s: SmtpFile) -> Smtp {
        let tls = s.tls.unwrap_or(SmtpTls::Starttls);
        Smtp {
            host: s.host,
            port: s.port.unwrap_or(tls.default_port()),
            from: s.from,
            tls,
            username: s.username,
            password: s.password,
        }
    }
}

/// A string, or a number or boolean taken as its text: a variable holds
/// text, and `GATEHOUSE_SMTP__PASSWORD=0042` must stay `0042`.
pub(super) fn lenient_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    struct Text;
    impl serde::de::Visitor<'_> for Text {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
            Ok(String::from(v))
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<String, E> {
            Ok(v.to_string())
        }
    }
    deserializer.deserialize_any(Text)
}

pub(super) fn lenient_optional_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    lenient_string(deserializer).map(Some)
}
