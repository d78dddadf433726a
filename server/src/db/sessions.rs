//! Sessions: one read and the sign-out (creation is in `clients`, where
//! it also becomes the client's last active session).

use super::{Conn, Store, Tx};
use gatehouse_protocol::wire;
use sqlx::Row;

async fn load(conn: &mut Conn, id: &str, client_id: &str) -> Result<Option<wire::Session>, sqlx::Error> {
    let row =
        sqlx::query("SELECT id, user_id, status, created_at, expire_at FROM sessions WHERE id = $1 AND client_id = $2")
            .bind(id)
            .bind(client_id)
            .fetch_optional(&mut *conn)
            .await?;
    row.as_ref().map(from_row).transpose()
}

/// A session as the API shows it, from a row of `SELECT id, user_id,
/// status, created_at, expire_at`.
pub(super) fn from_row(r: &super::DbRow) -> Result<wire::Session, sqlx::Error> {
    Ok(wire::Session {
        object: String::from("session"),
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        status: r.try_get("status")?,
        created_at: r.try_get("created_at")?,
        expire_at: r.try_get("expire_at")?,
    })
}

impl Store {
    /// A session of this client, whatever its status.
    pub async fn session(&self, id: &str, client_id: &str) -> Result<Option<wire::Session>, sqlx::Error> {
        load(&mut *self.pool.acquire().await?, id, client_id).await
    }
}

impl Tx {
    /// A session of this client, to change.
    pub async fn session(&mut self, id: &str, client_id: &str) -> Result<Option<wire::Session>, sqlx::Error> {
        load(&mut self.tx, id, client_id).await
    }

    /// Ends a session (sign-out).
    pub async fn revoke_session(&mut self, id: &str) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE sessions SET status = 'revoked' WHERE id = $1").bind(id).execute(&mut *self.tx).await?;
        Ok(())
    }
}
