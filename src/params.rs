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
    /// The JSON request body, with snake_case keys and normalized values (a
    /// trimmed, lower-cased email; an E.164 phone number), or the first
    /// problem as the error the server would answer. One pass: each value is
    /// checked as it is written (no second list of checked values: smaller
    /// wasm).
    pub fn to_json(&self, rules: &Rules) -> Result<Body> {
        let mut out = JsonObject::new();
        for (field, value) in &self.fields {
            let field = *field;
            if !rules.enabled.get(field as usize).copied().unwrap_or(false) {
                return Err(Error::param(ErrorCode::FormParamUnknown, field.as_str()));
            }
            match (field, value) {
                (Field::LegalAccepted, Value::Bool(b)) => out.raw(field.as_str(), if *b { "true" } else { "false" }),
                (Field::LegalAccepted, _) | (_, Value::Bool(_)) => {
                    return Err(Error::param(ErrorCode::FormParamFormatInvalid, field.as_str()))
                }
                (_, Value::Text(text)) => out.string(field.as_str(), &check_text(field, text, rules)?),
            }
        }
        if let Some(json) = &self.unsafe_metadata {
            validate::metadata_size(json.len())?;
            out.raw("unsafe_metadata", json);
        }
        for (key, value) in &self.extra {
            out.string(key, value);
        }
        Ok(out.finish())
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

/// A tiny writer for flat JSON objects, without `core::fmt` (the native
/// build's; the wasm's is `fetch::JsonObject`, the same calls over a JS
/// object, which `fetch`'s JS `init` writes out with `JSON.stringify`).
#[cfg(not(target_arch = "wasm32"))]
pub struct JsonObject(String);

#[cfg(target_arch = "wasm32")]
pub use crate::fetch::JsonObject;

/// A request body as [`JsonObject::finish`] makes it: the JSON text
/// natively; in the wasm the JS object itself, written out as JSON by the
/// JS `init` of `fetch` (no text made in JS, copied into the wasm and
/// back).
#[cfg(not(target_arch = "wasm32"))]
pub type Body = String;
#[cfg(target_arch = "wasm32")]
pub type Body = wasm_bindgen::JsValue;

#[cfg(not(target_arch = "wasm32"))]
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
#[path = "tests/params.rs"]
mod tests;
