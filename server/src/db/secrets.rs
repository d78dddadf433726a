//! The server secret that keys code hashes, and the resend-limit records.

use super::Conn;
use crate::codes::CodeKey;
use crate::ids;
use anyhow::Context;
use sqlx::Row;

const CODE_KEY: &str = "code_hmac_key";

/// Reads the code key, making it first if this database has none. Two
/// nodes starting at once agree: the first insert wins, both read it back.
pub(super) async fn code_key(conn: &mut Conn) -> anyhow::Result<CodeKey> {
    let fresh = ids::hex(&ids::random_bytes::<32>());
    sqlx::query("INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
        .bind(CODE_KEY)
        .bind(&fresh)
        .execute(&mut *conn)
        .await?;
    let row = sqlx::query("SELECT value FROM server_secrets WHERE name = $1")
        .bind(CODE_KEY)
        .fetch_one(&mut *conn)
        .await?;
    let stored: String = row.try_get("value")?;
    let bytes: [u8; 32] = ids::unhex(&stored)
        .and_then(|b| b.try_into().ok())
        .context("server_secrets.code_hmac_key is not 32 bytes of hex")?;
    Ok(CodeKey::new(bytes))
}

pub(super) async fn last_code_sent(conn: &mut Conn, address: &str) -> Result<Option<i64>, sqlx::Error> {
    let row = sqlx::query("SELECT sent_at FROM code_sends WHERE address = $1")
        .bind(address)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|r| r.try_get("sent_at")).transpose()
}

pub(super) async fn record_code_sent(conn: &mut Conn, address: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO code_sends (address, sent_at) VALUES ($1, $2) \
         ON CONFLICT (address) DO UPDATE SET sent_at = excluded.sent_at",
    )
    .bind(address)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(super) async fn forget_code_sent(conn: &mut Conn, address: &str, sent_at: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM code_sends WHERE address = $1 AND sent_at = $2")
        .bind(address)
        .bind(sent_at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
