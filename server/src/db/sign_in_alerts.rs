//! The links of "was this you?" (`sign_in_alerts`), by the SHA-256 of
//! their token: the email's, which ends one session, and the new-password
//! form's after it. Each is spent once by a conditional update.

use super::{Store, Tx};
use sqlx::Row;

/// One link as stored, with the session it is about as that session's
/// row says now (gone once the cleanup deleted it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignInAlert {
    /// `not_me` (the email's link) or `new_password` (the form after it).
    pub purpose: String,
    pub session_id: String,
    pub user_id: String,
    pub expire_at: i64,
    pub used_at: Option<i64>,
    /// When the session was made (the sign-in), if its row is still there.
    pub signed_in_at: Option<i64>,
    pub user_agent: Option<String>,
    pub ip_address: Option<String>,
}

/// A link about to be stored.
#[derive(Debug)]
pub struct NewSignInAlert<'a> {
    pub token_hash: &'a str,
    pub purpose: &'a str,
    pub session_id: &'a str,
    pub user_id: &'a str,
    pub created_at: i64,
    pub expire_at: i64,
}

impl Store {
    /// The link of `token_hash`, whatever its state.
    pub async fn sign_in_alert(&self, token_hash: &str) -> Result<Option<SignInAlert>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT a.purpose, a.session_id, a.user_id, a.expire_at, a.used_at, \
             s.created_at AS signed_in_at, s.user_agent, s.ip_address \
             FROM sign_in_alerts a LEFT JOIN sessions s ON s.id = a.session_id WHERE a.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(SignInAlert {
            purpose: row.try_get("purpose")?,
            session_id: row.try_get("session_id")?,
            user_id: row.try_get("user_id")?,
            expire_at: row.try_get("expire_at")?,
            used_at: row.try_get("used_at")?,
            signed_in_at: row.try_get("signed_in_at")?,
            user_agent: row.try_get("user_agent")?,
            ip_address: row.try_get("ip_address")?,
        }))
    }
}

impl Tx {
    /// Stores a link.
    pub async fn insert_sign_in_alert(&mut self, alert: &NewSignInAlert<'_>) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO sign_in_alerts (token_hash, purpose, session_id, user_id, created_at, expire_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(alert.token_hash)
        .bind(alert.purpose)
        .bind(alert.session_id)
        .bind(alert.user_id)
        .bind(alert.created_at)
        .bind(alert.expire_at)
        .execute(&mut self.tx)
        .await?;
        Ok(())
    }

    /// Spends the link of `token_hash` for `purpose` if it is unused and
    /// live at `now`: `true` when this call spent it. Of two racing
    /// requests, one does.
    pub async fn spend_sign_in_alert(
        &mut self,
        token_hash: &str,
        purpose: &str,
        now: i64,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE sign_in_alerts SET used_at = $3 \
             WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expire_at > $3",
        )
        .bind(token_hash)
        .bind(purpose)
        .bind(now)
        .execute(&mut self.tx)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
