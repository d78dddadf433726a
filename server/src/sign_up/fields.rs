//! The field part of a create or update: validated params, applied to a sign-up.
//!
//! Validation is the protocol crate's (`gatehouse_protocol::validate`), the
//! same code the SDK runs before sending. Every refused field is reported
//! at once, so a form can mark them all.

use crate::config::Config;
use crate::db::Tx;
use crate::error::{ApiError, Problem};
use crate::model::SignUpRecord;
use crate::password::Hasher;
use gatehouse_protocol::wire::SignUpParams;
use gatehouse_protocol::{ErrorCode, Field, validate};
use serde_json::{Map, Value};

/// Validated changes to a sign-up's fields. The password is hashed by
/// [`FieldChanges::hash_password`] once the sign-up is known to take it,
/// before the write transaction (a hash is slow).
#[derive(Default)]
pub struct FieldChanges {
    text: Vec<(Field, String)>,
    password: Option<Password>,
    legal_accepted: Option<bool>,
    unsafe_metadata: Option<Map<String, Value>>,
}

impl FieldChanges {
    /// Validates the field params (not `strategy` or `ticket`, which only a
    /// create reads); the password is not hashed yet.
    pub fn parse(params: SignUpParams, config: &Config) -> Result<FieldChanges, ApiError> {
        let mut changes = FieldChanges::default();
        let mut problems = Vec::new();
        let mut enabled = |field: Field, supplied: bool| {
            let on = config.attributes.get(field).enabled;
            if supplied && !on {
                problems.push(Problem::field(ErrorCode::FormParamUnknown, field));
            }
            supplied && on
        };
        let text = [
            (Field::EmailAddress, params.email_address),
            (Field::PhoneNumber, params.phone_number),
            (Field::Username, params.username),
            (Field::Web3Wallet, params.web3_wallet),
            (Field::FirstName, params.first_name),
            (Field::LastName, params.last_name),
        ];
        let mut checked = Vec::new();
        for (field, value) in text {
            if let Some(value) = value.filter(|_| enabled(field, true)) {
                checked.push((field, normalize(field, &value, config)));
            }
        }
        let password = params.password.filter(|_| enabled(Field::Password, true));
        let password_check = password.as_deref().map(|p| validate::password(p, &config.password));
        changes.legal_accepted = params.legal_accepted.filter(|_| enabled(Field::LegalAccepted, true));
        for (field, result) in checked {
            match result {
                Ok(value) => changes.text.push((field, value)),
                Err(e) => problems.push(e.into()),
            }
        }
        if let Some(Err(e)) = password_check {
            problems.push(e.into());
        }
        if let Some(metadata) = params.unsafe_metadata {
            let size = Value::Object(metadata.clone()).to_string().len();
            match validate::metadata_size(size) {
                Ok(()) => changes.unsafe_metadata = Some(metadata),
                Err(e) => problems.push(e.into()),
            }
        }
        if !problems.is_empty() {
            return Err(ApiError::Params(problems));
        }
        changes.password = password.map(Password::Plain);
        Ok(changes)
    }

    /// Whether a password waits to be hashed.
    pub fn has_plain_password(&self) -> bool {
        matches!(self.password, Some(Password::Plain(_)))
    }

    /// Hashes the password, if one was given, through the hashing gate.
    pub async fn hash_password(&mut self, hasher: &Hasher) -> Result<(), ApiError> {
        if let Some(Password::Plain(plain)) = self.password.take() {
            self.password = Some(Password::Hashed(hasher.hash(plain).await?));
        }
        Ok(())
    }

    /// The new value of a text field, if the changes set one.
    pub fn text(&self, field: Field) -> Option<&str> {
        self.text.iter().find(|(f, _)| *f == field).map(|(_, v)| v.as_str())
    }

    /// Applies the changes. An email, phone number or username that a user
    /// already has is refused with `form_identifier_exists`.
    pub async fn apply(self, tx: &mut Tx, sign_up: &mut SignUpRecord) -> Result<(), ApiError> {
        let mut problems = Vec::new();
        for (field, value) in &self.text {
            if sign_up.text(*field) != Some(value.as_str()) && tx.identifier_taken(*field, value).await? {
                problems.push(Problem::field(ErrorCode::FormIdentifierExists, *field));
            }
        }
        if !problems.is_empty() {
            return Err(ApiError::Params(problems));
        }
        for (field, value) in self.text {
            sign_up.set_text(field, value);
        }
        match self.password {
            Some(Password::Hashed(hash)) => sign_up.password_hash = Some(hash),
            Some(Password::Plain(_)) => {
                return Err(ApiError::Internal(anyhow::anyhow!("a sign-up password reached its transaction unhashed")));
            }
            None => {}
        }
        if let Some(accepted) = self.legal_accepted {
            sign_up.legal_accepted = accepted;
        }
        if let Some(metadata) = self.unsafe_metadata {
            sign_up.unsafe_metadata = metadata;
        }
        Ok(())
    }
}

/// A new password: as given, until it is hashed.
enum Password {
    Plain(String),
    Hashed(String),
}

impl std::fmt::Debug for FieldChanges {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let password = match self.password {
            None => "none",
            Some(Password::Plain(_)) => "plain(***)",
            Some(Password::Hashed(_)) => "hashed",
        };
        f.debug_struct("FieldChanges").field("text", &self.text).field("password", &password).finish_non_exhaustive()
    }
}

/// The protocol's validator for a text field.
fn normalize(field: Field, value: &str, config: &Config) -> Result<String, validate::FieldError> {
    match field {
        Field::EmailAddress => validate::email_address(value),
        Field::PhoneNumber => validate::phone_number(value),
        Field::Username => validate::username(value, &config.username),
        Field::Web3Wallet => validate::web3_wallet(value),
        Field::FirstName => validate::person_name("first_name", value),
        Field::LastName => validate::person_name("last_name", value),
        Field::Password | Field::LegalAccepted => Ok(String::from(value)),
    }
}
