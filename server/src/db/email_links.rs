//! Email link tokens, by the SHA-256 of the token. A link is a sign-up's
//! (it verifies the address) or a sign-in's (a password reset): its
//! [`LinkOwner`].

use super::{Conn, flag};
use sqlx::Row;

/// Whose a link is: exactly one sign-up or one sign-in (the table's CHECK).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkOwner {
    SignUp(String),
    SignIn(String),
}

impl LinkOwner {
    /// The owner's id.
    pub fn id(&self) -> &str {
        match self {
            LinkOwner::SignUp(id) | LinkOwner::SignIn(id) => id,
        }
    }

    /// The column that holds it.
    const fn column(&self) -> &'static str {
        match self {
            LinkOwner::SignUp(_) => "sign_up_id",
            LinkOwner::SignIn(_) => "sign_in_id",
        }
    }
}

/// One link as stored, with the client that owns its sign-up or sign-in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailLink {
    pub owner: LinkOwner,
    /// The client of the owner (not of whoever opens the link).
    pub client_id: String,
    pub email_address: String,
    pub redirect_url: String,
    pub created_at: i64,
    pub expire_at: i64,
    /// Used, or replaced by a newer prepare.
    pub spent_at: Option<i64>,
    /// Where a sign-in's link was asked for (`User-Agent`, IP); a sign-up
    /// keeps its own.
    pub requested_user_agent: Option<String>,
    pub requested_ip: Option<String>,
    /// Asked for in bearer mode (a sign-in's only): its page hands the
    /// token to the app rather than confirming it (`crate::verify`).
    pub bearer: bool,
}

/// A link about to be stored.
#[derive(Debug)]
pub struct NewEmailLink<'a> {
    pub token_hash: &'a str,
    pub owner: LinkOwner,
    pub email_address: &'a str,
    pub redirect_url: &'a str,
    pub created_at: i64,
    pub expire_at: i64,
    pub requested_user_agent: Option<&'a str>,
    pub requested_ip: Option<&'a str>,
    pub bearer: bool,
}

/// The live link of an owner, as an app's attempt with its token reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveLink {
    pub token_hash: String,
    pub expire_at: i64,
    pub bearer: bool,
}

pub(super) async fn by_hash(conn: &mut Conn, token_hash: &str) -> Result<Option<EmailLink>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT l.sign_up_id, l.sign_in_id, COALESCE(s.client_id, i.client_id) AS client_id, l.email_address, \
         l.redirect_url, l.created_at, l.expire_at, l.spent_at, l.requested_user_agent, l.requested_ip, \
         CAST(l.bearer AS INTEGER) AS bearer \
         FROM email_links l LEFT JOIN sign_ups s ON s.id = l.sign_up_id LEFT JOIN sign_ins i ON i.id = l.sign_in_id \
         WHERE l.token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let sign_up_id: Option<String> = row.try_get("sign_up_id")?;
    let sign_in_id: Option<String> = row.try_get("sign_in_id")?;
    let owner = match (sign_up_id, sign_in_id) {
        (Some(id), None) => LinkOwner::SignUp(id),
        (None, Some(id)) => LinkOwner::SignIn(id),
        _ => return Err(super::corrupt("email link owner", token_hash)),
    };
    Ok(Some(EmailLink {
        owner,
        client_id: row.try_get("client_id")?,
        email_address: row.try_get("email_address")?,
        redirect_url: row.try_get("redirect_url")?,
        created_at: row.try_get("created_at")?,
        expire_at: row.try_get("expire_at")?,
        spent_at: row.try_get("spent_at")?,
        requested_user_agent: row.try_get("requested_user_agent")?,
        requested_ip: row.try_get("requested_ip")?,
        bearer: flag(&row, "bearer")?,
    }))
}

/// The owner's live link: the one not spent (a new link spends the
/// earlier ones, so there is at most one), expired or not.
pub(super) async fn live(conn: &mut Conn, owner: &LinkOwner) -> Result<Option<LiveLink>, sqlx::Error> {
    let column = owner.column();
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT token_hash, expire_at, CAST(bearer AS INTEGER) AS bearer FROM email_links \
         WHERE {column} = $1 AND spent_at IS NULL ORDER BY created_at DESC LIMIT 1"
    )))
    .bind(owner.id())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(LiveLink {
        token_hash: row.try_get("token_hash")?,
        expire_at: row.try_get("expire_at")?,
        bearer: flag(&row, "bearer")?,
    }))
}

pub(super) async fn insert(conn: &mut Conn, link: &NewEmailLink<'_>) -> Result<(), sqlx::Error> {
    let (sign_up_id, sign_in_id) = match &link.owner {
        LinkOwner::SignUp(id) => (Some(id.as_str()), None),
        LinkOwner::SignIn(id) => (None, Some(id.as_str())),
    };
    sqlx::query(
        "INSERT INTO email_links (token_hash, sign_up_id, sign_in_id, email_address, redirect_url, created_at, \
         expire_at, requested_user_agent, requested_ip, bearer) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(link.token_hash)
    .bind(sign_up_id)
    .bind(sign_in_id)
    .bind(link.email_address)
    .bind(link.redirect_url)
    .bind(link.created_at)
    .bind(link.expire_at)
    .bind(link.requested_user_agent)
    .bind(link.requested_ip)
    .bind(link.bearer)
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

/// Marks every live link of a sign-up or sign-in spent (a newer prepare
/// replaces them).
pub(super) async fn spend_all(conn: &mut Conn, owner: &LinkOwner, now: i64) -> Result<(), sqlx::Error> {
    let column = owner.column();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE email_links SET spent_at = $2 WHERE {column} = $1 AND spent_at IS NULL"
    )))
    .bind(owner.id())
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
