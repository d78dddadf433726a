//! `PUT /v1/admin/users`: create or update a user synced from another
//! system, found by `email`, else by `external_id`.
//!
//! Absent and `null` keep what is stored (a sync that sends no password
//! keeps the one the user has). A new email resets `email_verified`
//! unless the request sets it. `password` is hashed with the server's
//! argon2id; `password_digest` (bcrypt or argon2 PHC) is stored as it is
//! and replaced by the server's own at the first sign-in.

use crate::db::{UserKey, WriteUserError};
use crate::error::{ApiError, Problem};
use crate::ids;
use crate::model::{UserRecord, WebhookEvent};
use crate::password;
use crate::state::AppState;
use gatehouse_protocol::wire::UserParams;
use gatehouse_protocol::{ErrorCode, validate};
use serde_json::{Map, Value};

/// The checked params of a sync; the password already hashed.
#[derive(Debug, Default)]
pub struct Sync {
    email: Option<String>,
    username: Option<String>,
    password_hash: Option<String>,
    email_verified: Option<bool>,
    first_name: Option<String>,
    last_name: Option<String>,
    external_id: Option<String>,
    metadata: Option<Map<String, Value>>,
}

/// Collects a checked value, or its problem under the admin API's name.
fn check<T>(problems: &mut Vec<Problem>, param: &str, result: Result<T, validate::FieldError>) -> Option<T> {
    result.map_err(|e| problems.push(Problem::from(e).renamed(param))).ok()
}

impl Sync {
    /// Checks every param, reporting every refused one at once, then hashes
    /// a plain password (off the async threads).
    pub async fn parse(p: UserParams, state: &AppState) -> Result<Sync, ApiError> {
        let config = &state.config;
        let mut problems = Vec::new();
        if p.email.is_none() && p.external_id.is_none() {
            problems.push(Problem {
                code: ErrorCode::FormParamMissing,
                param: Some(String::from("email")),
                message: Some("Give email or external_id, to find the user by."),
            });
        }
        let mut sync = Sync { email_verified: p.email_verified, ..Sync::default() };
        let mut text =
            |value: Option<String>, param: &str, valid: &dyn Fn(&str) -> Result<String, validate::FieldError>| {
                value.and_then(|v| check(&mut problems, param, valid(&v)))
            };
        sync.email = text(p.email, "email", &validate::email_address);
        sync.username = text(p.username, "username", &|u| validate::username(u, &config.username));
        sync.first_name = text(p.first_name, "first_name", &|n| validate::person_name("first_name", n));
        sync.last_name = text(p.last_name, "last_name", &|n| validate::person_name("last_name", n));
        sync.external_id = text(p.external_id, "external_id", &validate::external_id);
        if let Some(metadata) = p.metadata {
            let size = Value::Object(metadata.clone()).to_string().len();
            sync.metadata = check(&mut problems, "metadata", validate::metadata_size(size)).map(|()| metadata);
        }
        let digest_problem = |message| Problem {
            code: ErrorCode::FormParamFormatInvalid,
            param: Some(String::from("password_digest")),
            message: Some(message),
        };
        match (&p.password, &p.password_digest) {
            (Some(_), Some(_)) => problems.push(digest_problem("Give password or password_digest, not both.")),
            (Some(plain), None) => {
                check(&mut problems, "password", validate::password(plain, &config.password));
            }
            (None, Some(digest)) => match password::parse_digest(digest) {
                Ok(digest) => sync.password_hash = Some(digest),
                Err(message) => problems.push(digest_problem(message)),
            },
            (None, None) => {}
        }
        if !problems.is_empty() {
            return Err(ApiError::Params(problems));
        }
        if let (Some(plain), None) = (p.password, &sync.password_hash) {
            sync.password_hash = Some(state.hasher.hash(plain).await?);
        }
        Ok(sync)
    }

    /// Creates or updates the user in one transaction (with its webhook
    /// events: `user.created`, `session.ended`); answers it.
    pub async fn apply(self, state: &AppState) -> Result<UserRecord, ApiError> {
        let now = state.now();
        let mut tx = state.store.begin().await?;
        let mut found = match &self.email {
            Some(email) => tx.user(UserKey::Email(email)).await?,
            None => None,
        };
        if found.is_none()
            && let Some(external_id) = &self.external_id
        {
            found = tx.user(UserKey::ExternalId(external_id)).await?;
        }
        let is_new = found.is_none();
        let mut user = found.unwrap_or_else(|| UserRecord::new(ids::new_id("user"), now));
        if let Some(email) = self.email
            && user.email_address.as_deref() != Some(email.as_str())
        {
            user.email_address = Some(email);
            user.email_verified = false;
        }
        let keep = |slot: &mut Option<String>, value: Option<String>| {
            if value.is_some() {
                *slot = value;
            }
        };
        keep(&mut user.username, self.username);
        keep(&mut user.first_name, self.first_name);
        keep(&mut user.last_name, self.last_name);
        keep(&mut user.external_id, self.external_id);
        // A new password ends the user's sessions (someone else may know the old one).
        let password_changed = self.password_hash.as_ref().is_some_and(|new| user.password_hash.as_ref() != Some(new));
        keep(&mut user.password_hash, self.password_hash);
        if let Some(verified) = self.email_verified {
            user.email_verified = verified;
        }
        if let Some(metadata) = self.metadata {
            user.metadata = metadata;
        }
        user.updated_at = now;
        match tx.save_user(&user, is_new).await {
            Ok(()) => {}
            Err(WriteUserError::Taken(column)) => {
                let param = if column == "email_address" { "email" } else { column };
                return Err(ApiError::param(ErrorCode::FormIdentifierExists, param));
            }
            Err(WriteUserError::Database(e)) => return Err(e.into()),
        }
        if password_changed && !is_new {
            for session in tx.revoke_user_sessions(&user.id).await? {
                let ended = crate::webhooks::ended_session(&session, "password_change");
                tx.record_event(WebhookEvent::SessionEnded, ended, now).await?;
            }
        }
        if is_new {
            tx.record_event(WebhookEvent::UserCreated, crate::webhooks::data(&super::view::user(&user)), now).await?;
        }
        tx.commit().await?;
        Ok(user)
    }
}
