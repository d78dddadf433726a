//! Sessions: one read, the sign-out, and where each was signed in from and
//! last used (its user's list of sessions). Creation is in `clients`,
//! where it also becomes the client's last active session.

use super::{Conn, Store, Tx};
use gatehouse_protocol::wire;
use sqlx::Row;

/// The task of a `pending` session (`crate::session::pending`): its user
/// must enrol a second factor. The one task there is, so it is not stored:
/// a pending session has it.
pub const SETUP_MFA: &str = "setup_mfa";

/// The `totp_enabled` column of a session row whose user id is the column
/// `$user_id` (a literal): whether that user has a verified TOTP, read in
/// the same statement (`user_totp` by its key), so the session as the API
/// shows it costs no query of its own.
macro_rules! totp_enabled_column {
    ($user_id:literal) => {
        concat!(
            "CAST(EXISTS (SELECT 1 FROM user_totp t WHERE t.user_id = ",
            $user_id,
            " AND t.verified) AS INTEGER) AS totp_enabled"
        )
    };
}
pub(super) use totp_enabled_column;

async fn load(conn: &mut Conn, id: &str, client_id: &str) -> Result<Option<wire::Session>, sqlx::Error> {
    let row = sqlx::query(concat!(
        "SELECT id, user_id, status, created_at, expire_at, ",
        totp_enabled_column!("sessions.user_id"),
        " FROM sessions WHERE id = $1 AND client_id = $2"
    ))
    .bind(id)
    .bind(client_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// A session as the API shows it, from a row of `SELECT id, user_id,
/// status, created_at, expire_at` and [`totp_enabled_column`].
pub(super) fn from_row(r: &super::DbRow) -> Result<wire::Session, sqlx::Error> {
    Ok(wire::Session {
        object: String::from("session"),
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        tasks: match r.try_get::<String, _>("status")?.as_str() {
            "pending" => vec![String::from(SETUP_MFA)],
            _ => Vec::new(),
        },
        totp_enabled: super::flag(r, "totp_enabled")?,
        status: r.try_get("status")?,
        created_at: r.try_get("created_at")?,
        expire_at: r.try_get("expire_at")?,
    })
}

/// A session with where it was signed in from and when it was last used.
#[derive(Clone, Debug)]
pub struct SessionActivity {
    pub session: wire::Session,
    pub client_id: String,
    pub user_agent: Option<String>,
    pub ip_address: Option<String>,
    /// When it was last used (its creation, before its first refresh).
    pub last_active_at: i64,
}

impl Store {
    /// Records where a new session was signed in from, once: `false` when
    /// it already was (an answer read again).
    pub async fn record_session_device(
        &self,
        id: &str,
        user_agent: Option<&str>,
        ip_address: Option<&str>,
        now: i64,
    ) -> Result<bool, sqlx::Error> {
        let turn = self.gate.wait_turn().await?;
        let done = sqlx::query(
            "UPDATE sessions SET user_agent = $2, ip_address = $3, last_active_at = $4 \
             WHERE id = $1 AND last_active_at IS NULL",
        )
        .bind(id)
        .bind(user_agent)
        .bind(ip_address)
        .bind(now)
        .execute(&mut self.pool.acquire_writer(&turn).await?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Marks a session used at `now` from `ip_address`, unless it was
    /// marked after `since` (at most one write per interval). A session
    /// never recorded takes the `User-Agent` too.
    pub async fn touch_session(
        &self,
        id: &str,
        user_agent: Option<&str>,
        ip_address: Option<&str>,
        now: i64,
        since: i64,
    ) -> Result<(), sqlx::Error> {
        let turn = self.gate.wait_turn().await?;
        sqlx::query(
            "UPDATE sessions SET last_active_at = $4, ip_address = COALESCE($3, ip_address), \
             user_agent = COALESCE(user_agent, $2) \
             WHERE id = $1 AND (last_active_at IS NULL OR last_active_at <= $5)",
        )
        .bind(id)
        .bind(user_agent)
        .bind(ip_address)
        .bind(now)
        .bind(since)
        .execute(&mut self.pool.acquire_writer(&turn).await?)
        .await?;
        Ok(())
    }

    /// The user's live sessions at `now`, on every client, the most
    /// recently used first.
    pub async fn user_sessions(&self, user_id: &str, now: i64) -> Result<Vec<SessionActivity>, sqlx::Error> {
        let rows = sqlx::query(concat!(
            "SELECT id, user_id, status, created_at, expire_at, client_id, user_agent, ip_address, \
             COALESCE(last_active_at, created_at) AS last_active, ",
            totp_enabled_column!("sessions.user_id"),
            " FROM sessions WHERE user_id = $1 AND status = 'active' AND expire_at > $2 \
             ORDER BY COALESCE(last_active_at, created_at) DESC, id",
        ))
        .bind(user_id)
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SessionActivity {
                    session: from_row(r)?,
                    client_id: r.try_get("client_id")?,
                    user_agent: r.try_get("user_agent")?,
                    ip_address: r.try_get("ip_address")?,
                    last_active_at: r.try_get("last_active")?,
                })
            })
            .collect()
    }

    /// A session of this client, whatever its status.
    pub async fn session(&self, id: &str, client_id: &str) -> Result<Option<wire::Session>, sqlx::Error> {
        load(&mut self.pool.acquire().await?, id, client_id).await
    }
}

impl Tx {
    /// Whether this client has held a session of this user, of any status
    /// (until the cleanup deletes it, after it expired): a browser the user
    /// has signed in from. Asked before a sign-in writes its new session.
    pub async fn client_knew_user(&mut self, client_id: &str, user_id: &str) -> Result<bool, sqlx::Error> {
        let row = sqlx::query("SELECT 1 FROM sessions WHERE client_id = $1 AND user_id = $2 LIMIT 1")
            .bind(client_id)
            .bind(user_id)
            .fetch_optional(&mut self.tx)
            .await?;
        Ok(row.is_some())
    }

    /// The client a session was made on.
    pub async fn session_client(&mut self, id: &str) -> Result<Option<String>, sqlx::Error> {
        sqlx::query_scalar("SELECT client_id FROM sessions WHERE id = $1").bind(id).fetch_optional(&mut self.tx).await
    }

    /// A session of this client, to change.
    pub async fn session(&mut self, id: &str, client_id: &str) -> Result<Option<wire::Session>, sqlx::Error> {
        load(&mut self.tx, id, client_id).await
    }

    /// A session of this user, on any client, to change.
    pub async fn user_session(&mut self, id: &str, user_id: &str) -> Result<Option<wire::Session>, sqlx::Error> {
        let row = sqlx::query(concat!(
            "SELECT id, user_id, status, created_at, expire_at, ",
            totp_enabled_column!("sessions.user_id"),
            " FROM sessions WHERE id = $1 AND user_id = $2",
        ))
        .bind(id)
        .bind(user_id)
        .fetch_optional(&mut self.tx)
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Makes a pending session active; `false` when it was not pending.
    pub async fn activate_session(&mut self, id: &str) -> Result<bool, sqlx::Error> {
        let done = sqlx::query("UPDATE sessions SET status = 'active' WHERE id = $1 AND status = 'pending'")
            .bind(id)
            .execute(&mut self.tx)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Ends a session (sign-out).
    pub async fn revoke_session(&mut self, id: &str) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE sessions SET status = 'revoked' WHERE id = $1").bind(id).execute(&mut self.tx).await?;
        Ok(())
    }
}
