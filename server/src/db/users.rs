//! Users: lookups, the admin API's writes, lists and deletes.

use super::{Conn, DbRow, Store, Tx, corrupt, flag};
use crate::model::UserRecord;
use gatehouse_protocol::validate::Identifier;
use sqlx::Row;

/// How a user is looked up.
#[derive(Clone, Copy, Debug)]
pub enum UserKey<'a> {
    Id(&'a str),
    Email(&'a str),
    ExternalId(&'a str),
    Identifier(&'a Identifier),
}

/// Why a user could not be written.
#[derive(Debug)]
pub enum WriteUserError {
    /// Another user has this value of a unique column (`email_address`,
    /// `phone_number`, `username` or `external_id`).
    Taken(&'static str),
    Database(sqlx::Error),
}

const UNIQUE_COLUMNS: [&str; 4] = ["email_address", "phone_number", "username", "external_id"];

fn write_error(e: sqlx::Error) -> WriteUserError {
    match e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            let message = db.message();
            let column = UNIQUE_COLUMNS.into_iter().find(|c| message.contains(c)).unwrap_or("email_address");
            WriteUserError::Taken(column)
        }
        e => WriteUserError::Database(e),
    }
}

/// `SELECT` with the user's columns, its BOOLEAN read as an integer
/// (`super::flag`), then the rest of the query.
macro_rules! select_users {
    ($rest:literal) => {
        concat!(
            "SELECT id, email_address, CAST(email_verified AS INTEGER) AS email_verified, phone_number, username, \
             first_name, last_name, external_id, password_hash, metadata, unsafe_metadata, created_at, updated_at \
             FROM users ",
            $rest
        )
    };
}

async fn load(conn: &mut Conn, key: UserKey<'_>) -> Result<Option<UserRecord>, sqlx::Error> {
    const BY_EMAIL: &str = select_users!("WHERE email_address = $1");
    let (query, value) = match key {
        UserKey::Id(v) => (select_users!("WHERE id = $1"), v),
        UserKey::Email(v) => (BY_EMAIL, v),
        UserKey::ExternalId(v) => (select_users!("WHERE external_id = $1"), v),
        UserKey::Identifier(identifier) => {
            let query = match identifier {
                Identifier::EmailAddress(_) => BY_EMAIL,
                Identifier::PhoneNumber(_) => select_users!("WHERE phone_number = $1"),
                Identifier::Username(_) => select_users!("WHERE username = $1"),
            };
            (query, identifier.as_str())
        }
    };
    let row = sqlx::query(query).bind(value).fetch_optional(&mut *conn).await?;
    row.as_ref().map(from_row).transpose()
}

fn from_row(row: &DbRow) -> Result<UserRecord, sqlx::Error> {
    let json = |column: &str| -> Result<serde_json::Map<String, serde_json::Value>, sqlx::Error> {
        let text: String = row.try_get(column)?;
        serde_json::from_str(&text).map_err(|_| corrupt(column, &text))
    };
    Ok(UserRecord {
        id: row.try_get("id")?,
        email_address: row.try_get("email_address")?,
        email_verified: flag(row, "email_verified")?,
        phone_number: row.try_get("phone_number")?,
        username: row.try_get("username")?,
        first_name: row.try_get("first_name")?,
        last_name: row.try_get("last_name")?,
        external_id: row.try_get("external_id")?,
        password_hash: row.try_get("password_hash")?,
        metadata: json("metadata")?,
        unsafe_metadata: json("unsafe_metadata")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

async fn save(conn: &mut Conn, u: &UserRecord, is_new: bool) -> Result<(), WriteUserError> {
    let statement = if is_new {
        "INSERT INTO users (id, email_address, email_verified, phone_number, username, first_name, \
         last_name, external_id, password_hash, metadata, unsafe_metadata, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    } else {
        "UPDATE users SET email_address = $2, email_verified = $3, phone_number = $4, username = $5, \
         first_name = $6, last_name = $7, external_id = $8, password_hash = $9, metadata = $10, \
         unsafe_metadata = $11, created_at = $12, updated_at = $13 WHERE id = $1"
    };
    sqlx::query(statement)
        .bind(&u.id)
        .bind(&u.email_address)
        .bind(u.email_verified)
        .bind(&u.phone_number)
        .bind(&u.username)
        .bind(&u.first_name)
        .bind(&u.last_name)
        .bind(&u.external_id)
        .bind(&u.password_hash)
        .bind(serde_json::Value::Object(u.metadata.clone()).to_string())
        .bind(serde_json::Value::Object(u.unsafe_metadata.clone()).to_string())
        .bind(u.created_at)
        .bind(u.updated_at)
        .execute(&mut *conn)
        .await
        .map_err(write_error)?;
    Ok(())
}

async fn list(
    conn: &mut Conn,
    email: Option<&str>,
    after: Option<&str>,
    limit: u32,
) -> Result<Vec<UserRecord>, sqlx::Error> {
    let rows = sqlx::query(select_users!(
        "WHERE ($1 IS NULL OR email_address = $1) AND ($2 IS NULL OR id > $2) ORDER BY id LIMIT $3"
    ))
    .bind(email)
    .bind(after)
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Deletes a user with their sessions, sign-ins (and their reset links)
/// and second factors.
async fn delete(conn: &mut Conn, id: &str) -> Result<bool, sqlx::Error> {
    for statement in [
        "DELETE FROM sessions WHERE user_id = $1",
        "DELETE FROM email_links WHERE sign_in_id IN (SELECT id FROM sign_ins WHERE user_id = $1)",
        "DELETE FROM sign_ins WHERE user_id = $1",
        "DELETE FROM backup_codes WHERE user_id = $1",
        "DELETE FROM user_totp WHERE user_id = $1",
        "DELETE FROM sign_in_alerts WHERE user_id = $1",
    ] {
        sqlx::query(statement).bind(id).execute(&mut *conn).await?;
    }
    let done = sqlx::query("DELETE FROM users WHERE id = $1").bind(id).execute(&mut *conn).await?;
    Ok(done.rows_affected() > 0)
}

impl Store {
    /// A user, by id, email, external id or sign-in identifier.
    pub async fn user(&self, key: UserKey<'_>) -> Result<Option<UserRecord>, sqlx::Error> {
        load(&mut self.pool.acquire().await?, key).await
    }

    /// A page of users in id order, after `after`, optionally of one email.
    pub async fn users(
        &self,
        email: Option<&str>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<UserRecord>, sqlx::Error> {
        list(&mut self.pool.acquire().await?, email, after, limit).await
    }
}

impl Tx {
    /// A user, to change.
    pub async fn user(&mut self, key: UserKey<'_>) -> Result<Option<UserRecord>, sqlx::Error> {
        load(&mut self.tx, key).await
    }

    /// Writes a user; a unique value another user has answers `Taken`.
    pub async fn save_user(&mut self, user: &UserRecord, is_new: bool) -> Result<(), WriteUserError> {
        save(&mut self.tx, user, is_new).await
    }

    /// Deletes a user and what hangs off them; `false` if there was none.
    pub async fn delete_user(&mut self, id: &str) -> Result<bool, sqlx::Error> {
        delete(&mut self.tx, id).await
    }

    /// Replaces a password hash, unless it changed in the meantime.
    pub async fn upgrade_password_hash(&mut self, id: &str, old: &str, new: &str, now: i64) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE users SET password_hash = $3, updated_at = $4 WHERE id = $1 AND password_hash = $2")
            .bind(id)
            .bind(old)
            .bind(new)
            .bind(now)
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }

    /// Sets a new password hash (a password reset).
    pub async fn set_password_hash(&mut self, id: &str, hash: &str, now: i64) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(hash)
            .bind(now)
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }

    /// Notes that the user proved their email address (a code reached it).
    pub async fn mark_email_verified(&mut self, id: &str, now: i64) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE users SET email_verified = TRUE, updated_at = $2 WHERE id = $1 AND NOT email_verified")
            .bind(id)
            .bind(now)
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }
}
