//! The server secrets (the key that hashes codes), sealed with the master
//! key, and the resend-limit records.

use super::{Conn, flag};
use crate::codes::CodeKey;
use crate::ids;
use crate::master_key::MasterKey;
use anyhow::Context;
use sqlx::Row;

const CODE_KEY: &str = "code_hmac_key";

/// The associated data a secret is sealed under: its table and name.
fn sealed_name(name: &str) -> String {
    format!("server_secrets/{name}")
}

/// Reads the code key, making it first if this database has none. Two
/// nodes starting at once agree: the first insert wins, both read it back.
pub(super) async fn code_key(conn: &mut Conn, master: &MasterKey) -> anyhow::Result<CodeKey> {
    let fresh = master.seal(&sealed_name(CODE_KEY), ids::hex(&ids::random_bytes::<32>()).as_bytes());
    sqlx::query("INSERT INTO server_secrets (name, value, sealed) VALUES ($1, $2, TRUE) ON CONFLICT (name) DO NOTHING")
        .bind(CODE_KEY)
        .bind(&fresh)
        .execute(&mut *conn)
        .await?;
    let row = sqlx::query("SELECT value, CAST(sealed AS INTEGER) AS sealed FROM server_secrets WHERE name = $1")
        .bind(CODE_KEY)
        .fetch_one(&mut *conn)
        .await?;
    let (stored, sealed): (String, bool) = (row.try_get("value")?, flag(&row, "sealed")?);
    anyhow::ensure!(sealed, "server_secrets.{CODE_KEY} is stored in the clear");
    let opened = master.open(&sealed_name(CODE_KEY), &stored)?;
    let bytes: [u8; 32] = std::str::from_utf8(&opened)
        .ok()
        .and_then(ids::unhex)
        .and_then(|b| b.try_into().ok())
        .context("server_secrets.code_hmac_key is not 32 bytes of hex")?;
    Ok(CodeKey::new(bytes))
}

/// Seals every secret still stored in the clear; answers how many.
pub(super) async fn seal_plaintext(conn: &mut Conn, master: &MasterKey) -> anyhow::Result<usize> {
    let rows = sqlx::query("SELECT name, value FROM server_secrets WHERE sealed = FALSE").fetch_all(&mut *conn).await?;
    for row in &rows {
        let (name, value): (String, String) = (row.try_get("name")?, row.try_get("value")?);
        sqlx::query("UPDATE server_secrets SET value = $2, sealed = TRUE WHERE name = $1")
            .bind(&name)
            .bind(master.seal(&sealed_name(&name), value.as_bytes()))
            .execute(&mut *conn)
            .await?;
    }
    Ok(rows.len())
}

/// Claims the right to send a code to `address` now: one conditional
/// upsert, so that of two requests racing for one address (on one node or
/// two) exactly one wins. The row is written only if the last send is at
/// least `resend_ms` old; PostgreSQL re-checks that condition on the row's
/// latest version after waiting for a concurrent writer's commit. Answers
/// `None` when claimed, else how long (ms) until the address may be sent to.
pub(super) async fn claim_code_send(
    conn: &mut Conn,
    address: &str,
    now: i64,
    resend_ms: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let claimed = sqlx::query(
        "INSERT INTO code_sends (address, sent_at) VALUES ($1, $2) \
         ON CONFLICT (address) DO UPDATE SET sent_at = excluded.sent_at WHERE code_sends.sent_at <= $3 \
         RETURNING sent_at",
    )
    .bind(address)
    .bind(now)
    .bind(now.saturating_sub(resend_ms))
    .fetch_optional(&mut *conn)
    .await?;
    if claimed.is_some() {
        return Ok(None);
    }
    let last: i64 = sqlx::query("SELECT sent_at FROM code_sends WHERE address = $1")
        .bind(address)
        .fetch_one(&mut *conn)
        .await?
        .try_get("sent_at")?;
    Ok(Some(last.saturating_add(resend_ms).saturating_sub(now).max(1)))
}

pub(super) async fn forget_code_sent(conn: &mut Conn, address: &str, sent_at: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM code_sends WHERE address = $1 AND sent_at = $2")
        .bind(address)
        .bind(sent_at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
