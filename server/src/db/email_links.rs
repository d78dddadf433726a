//! Email link tokens, by the SHA-256 of the token.

use super::Conn;
use sqlx::Row;

/// One link as stored, with the client that owns its sign-up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailLink {
    pub sign_up_id: String,
    /// The client of the sign-up (not of whoever opens the link).
    pub client_id: String,
    pub email_address: String,
    pub redirect_url: String,
    pub expire_at: i64,
    /// Used, or replaced by a newer prepare.
    pub spent_at: Option<i64>,
}

/// A link about to be stored.
#[derive(Debug)]
pub struct NewEmailLink<'a> {
    pub token_hash: &'a str,
    pub sign_up_id: &'a str,
    pub email_address: &'a str,
    pub redirect_url: &'a str,
    pub created_at: i64,
    pub expire_at: i64,
}

pub(super) async fn by_hash(conn: &mut Conn, token_hash: &str) -> Result<Option<EmailLink>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT l.sign_up_id, s.client_id, l.email_address, l.redirect_url, l.expire_at, l.spent_at \
         FROM email_links l JOIN sign_ups s ON s.id = l.sign_up_id WHERE l.token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(EmailLink {
        sign_up_id: row.try_get("sign_up_id")?,
        client_id: row.try_get("client_id")?,
        email_address: row.try_get("email_address")?,
        redirect_url: row.try_get("redirect_url")?,
        expire_at: row.try_get("expire_at")?,
        spent_at: row.try_get("spent_at")?,
    }))
}

pub(super) async fn insert(conn: &mut Conn, link: &NewEmailLink<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO email_links (token_hash, sign_up_id, email_address, redirect_url, created_at, expire_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(link.token_hash)
    .bind(link.sign_up_id)
    .bind(link.email_address)
    .bind(link.redirect_url)
    .bind(link.created_at)
    .bind(link.expire_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Marks one link spent, if it is still live; answers whether it was.
pub(super) async fn spend(conn: &mut Conn, token_hash: &str, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE email_links SET spent_at = $2 WHERE token_hash = $1 AND spent_at IS NULL")
        .bind(token_hash)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks every live link of a sign-up spent (a newer prepare replaces them).
pub(super) async fn spend_all(conn: &mut Conn, sign_up_id: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE email_links SET spent_at = $2 WHERE sign_up_id = $1 AND spent_at IS NULL")
        .bind(sign_up_id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Forgets links that expired before `before`.
pub(super) async fn purge(conn: &mut Conn, before: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM email_links WHERE expire_at < $1").bind(before).execute(&mut *conn).await?;
    Ok(())
}
