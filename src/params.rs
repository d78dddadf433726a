//! The parameters of create and update: checked against the environment
//! with the protocol's validators before anything is sent, then written as
//! the JSON request body.
//!
//! Plain Rust, so the rules and the JSON writer are tested natively.

use crate::error::{Error, Result};
use alloc::string::String;
use alloc::vec::Vec;
use gatehouse_protocol::validate::{PasswordRules, UsernameRules};
use gatehouse_protocol::{validate, ErrorCode, Field, FieldError};

/// What the instance's environment says about params: which fields are
/// on, and the length rules.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rules {
    /// Per field, in [`Field::ALL`] order.
    pub enabled: [bool; 8],
    pub password: PasswordRules,
    pub username: UsernameRules,
}

/// A supplied value: every field is text except `legal_accepted`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Bool(bool),
}

/// What `create` or `update` was given; absent fields are not sent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignUpParams {
    pub fields: Vec<(Field, Value)>,
    /// The metadata object, already serialized as JSON text.
    pub unsafe_metadata: Option<String>,
    /// `strategy: "ticket"` (it may be left out) with the `ticket` of an
    /// invitation link: a sign-up for the invited email (`create` only).
    /// Sent as given: the server checks them.
    pub extra: Vec<(&'static str, String)>,
}

impl SignUpParams {
    /// Checks every supplied value and returns the params with normalized
    /// values (a trimmed, lower-cased email; an E.164 phone number), or the
    /// first problem as the error the server would answer.
    pub fn validated(self, rules: &Rules) -> Result<SignUpParams> {
        let mut fields = Vec::with_capacity(self.fields.len());
        for (field, value) in self.fields {
            if !rules.enabled.get(field as usize).copied().unwrap_or(false) {
                return Err(Error::param(ErrorCode::FormParamUnknown, field.as_str()));
            }
            let value = match (field, value) {
                (Field::LegalAccepted, Value::Bool(b)) => Value::Bool(b),
                (Field::LegalAccepted, _) | (_, Value::Bool(_)) => {
                    return Err(Error::param(
                        ErrorCode::FormParamFormatInvalid,
                        field.as_str(),
                    ))
                }
                (_, Value::Text(text)) => Value::Text(check_text(field, &text, rules)?),
            };
            fields.push((field, value));
        }
        if let Some(json) = &self.unsafe_metadata {
            validate::metadata_size(json.len())?;
        }
        Ok(SignUpParams { fields, ..self })
    }

    /// The JSON request body, with snake_case keys.
    pub fn to_json(&self) -> String {
        let mut out = JsonObject::new();
        for (field, value) in &self.fields {
            match value {
                Value::Text(text) => out.string(field.as_str(), text),
                Value::Bool(b) => out.raw(field.as_str(), if *b { "true" } else { "false" }),
            }
        }
        if let Some(json) = &self.unsafe_metadata {
            out.raw("unsafe_metadata", json);
        }
        for (key, value) in &self.extra {
            out.string(key, value);
        }
        out.finish()
    }
}

/// Runs the protocol validator of one text field.
fn check_text(field: Field, text: &str, rules: &Rules) -> core::result::Result<String, FieldError> {
    match field {
        Field::EmailAddress => validate::email_address(text),
        Field::PhoneNumber => validate::phone_number(text),
        Field::Username => validate::username(text, &rules.username),
        Field::Password => validate::password(text, &rules.password).map(|()| text.into()),
        Field::FirstName => validate::person_name("first_name", text),
        Field::LastName => validate::person_name("last_name", text),
        Field::Web3Wallet => validate::web3_wallet(text),
        Field::LegalAccepted => Err(FieldError::new(
            ErrorCode::FormParamFormatInvalid,
            "legal_accepted",
            ErrorCode::FormParamFormatInvalid.message(),
        )),
    }
}

/// `parts` joined, without `concat`'s generic machinery (smaller wasm).
pub fn join(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        out.push_str(part);
    }
    out
}

/// A tiny writer for flat JSON objects, without `core::fmt`.
pub struct JsonObject(String);

impl JsonObject {
    pub fn new() -> Self {
        JsonObject(String::from("{"))
    }

    /// Adds a key with a string value.
    pub fn string(&mut self, key: &str, value: &str) {
        self.key(key);
        push_json_string(&mut self.0, value);
    }

    /// Adds a key with a value that is already JSON.
    pub fn raw(&mut self, key: &str, json: &str) {
        self.key(key);
        self.0.push_str(json);
    }

    fn key(&mut self, key: &str) {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        push_json_string(&mut self.0, key);
        self.0.push(':');
    }

    pub fn finish(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

impl Default for JsonObject {
    fn default() -> Self {
        JsonObject::new()
    }
}

/// Appends `s` as a JSON string literal.
pub fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let n = c as u32;
                out.push_str("\\u00");
                out.push(char::from_digit(n >> 4, 16).unwrap_or('0'));
                out.push(char::from_digit(n & 15, 16).unwrap_or('0'));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Rules {
        let mut enabled = [true; 8];
        enabled[Field::Username as usize] = false;
        Rules {
            enabled,
            ..Rules::default()
        }
    }

    fn params(fields: Vec<(Field, Value)>) -> SignUpParams {
        SignUpParams {
            fields,
            ..SignUpParams::default()
        }
    }

    #[test]
    fn normalizes_and_writes_snake_case_json() {
        let p = params(vec![
            (Field::EmailAddress, Value::Text(" Ana@Example.com ".into())),
            (Field::PhoneNumber, Value::Text("+1 (415) 555-0123".into())),
            (Field::Password, Value::Text("correct \"horse\"\\".into())),
            (Field::LegalAccepted, Value::Bool(true)),
        ]);
        let p = SignUpParams {
            unsafe_metadata: Some("{\"planId\":1}".into()),
            ..p
        };
        let json = p.validated(&env()).unwrap().to_json();
        assert_eq!(
            json,
            r#"{"email_address":"ana@example.com","phone_number":"+14155550123","password":"correct \"horse\"\\","legal_accepted":true,"unsafe_metadata":{"planId":1}}"#
        );
    }

    #[test]
    fn refuses_invalid_values_with_the_param_name() {
        let e = params(vec![(Field::EmailAddress, Value::Text("nope".into()))])
            .validated(&env())
            .unwrap_err();
        let item = e.first().unwrap();
        assert_eq!(
            (item.code.as_str(), item.param_name.as_deref()),
            ("form_param_format_invalid", Some("email_address"))
        );

        let e = params(vec![(Field::Password, Value::Text("short".into()))])
            .validated(&env())
            .unwrap_err();
        assert_eq!(e.first().unwrap().code, "form_password_length_too_short");

        let e = params(vec![(Field::FirstName, Value::Bool(true))])
            .validated(&env())
            .unwrap_err();
        assert_eq!(e.first().unwrap().param_name.as_deref(), Some("first_name"));
    }

    #[test]
    fn refuses_fields_the_instance_turned_off() {
        let e = params(vec![(Field::Username, Value::Text("ana".into()))])
            .validated(&env())
            .unwrap_err();
        let item = e.first().unwrap();
        assert_eq!(
            (item.code.as_str(), item.param_name.as_deref()),
            ("form_param_unknown", Some("username"))
        );
    }

    #[test]
    fn refuses_oversized_metadata() {
        let big = ["{\"k\":\"", &"x".repeat(5000), "\"}"].concat();
        let p = SignUpParams {
            unsafe_metadata: Some(big),
            ..SignUpParams::default()
        };
        assert_eq!(
            p.validated(&env())
                .unwrap_err()
                .first()
                .unwrap()
                .param_name
                .as_deref(),
            Some("unsafe_metadata")
        );
    }

    #[test]
    fn a_ticket_and_its_strategy_are_sent_as_given() {
        // The server checks them (a ticket only it can tell apart).
        let p = SignUpParams {
            fields: vec![(Field::Password, Value::Text("correct horse battery".into()))],
            extra: vec![("strategy", "ticket".into()), ("ticket", "tk_1".into())],
            ..SignUpParams::default()
        };
        assert_eq!(
            p.validated(&env()).unwrap().to_json(),
            r#"{"password":"correct horse battery","strategy":"ticket","ticket":"tk_1"}"#
        );
    }

    #[test]
    fn escapes_control_characters() {
        let mut s = String::new();
        push_json_string(&mut s, "a\u{1}b\n\u{1f}é");
        assert_eq!(s, "\"a\\u0001b\\n\\u001fé\"");
        assert_eq!(JsonObject::new().finish(), "{}");
    }
}
