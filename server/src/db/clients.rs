//! Clients, users and sessions.

use super::Conn;
use gatehouse_protocol::Field;
use gatehouse_protocol::wire;
use sqlx::Row;

pub(super) async fn by_token(conn: &mut Conn, token_hash: &str) -> Result<Option<String>, sqlx::Error> {
    let row =
        sqlx::query("SELECT id FROM clients WHERE token_hash = $1").bind(token_hash).fetch_optional(&mut *conn).await?;
    row.map(|r| r.try_get("id")).transpose()
}

pub(super) async fn create(conn: &mut Conn, id: &str, token_hash: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO clients (id, token_hash, created_at, last_seen_at) VALUES ($1, $2, $3, $3)")
        .bind(id)
        .bind(token_hash)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub(super) async fn sign_up_id(conn: &mut Conn, client_id: &str) -> Result<Option<String>, sqlx::Error> {
    let row =
        sqlx::query("SELECT sign_up_id FROM clients WHERE id = $1").bind(client_id).fetch_optional(&mut *conn).await?;
    Ok(row.map(|r| r.try_get("sign_up_id")).transpose()?.flatten())
}

pub(super) async fn set_sign_up(conn: &mut Conn, client_id: &str, sign_up_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE clients SET sign_up_id = $2 WHERE id = $1")
        .bind(client_id)
        .bind(sign_up_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The client resource: its current sign-up and its live sessions at `now`
/// (`active`, and `pending` ones waiting for their user's second factor),
/// and whether its token is due for replacement. A client not stored yet
/// (a read without a known token) is empty. One statement: the client's
/// row joined with its live sessions (a row each, or one with no session),
/// each with whether its user has TOTP on (`user_totp` read by its key).
pub(super) async fn resource(conn: &mut Conn, id: &str, now: i64) -> Result<(wire::Client, bool), sqlx::Error> {
    let rows = sqlx::query(concat!(
        "SELECT c.sign_up_id, c.sign_in_id, c.last_active_session_id, c.token_rotate_due, \
         s.id, s.user_id, s.status, s.created_at, s.expire_at, ",
        super::sessions::totp_enabled_column!("s.user_id"),
        " FROM clients c LEFT JOIN sessions s \
         ON s.client_id = c.id AND s.status IN ('active', 'pending') AND s.expire_at > $2 \
         WHERE c.id = $1 ORDER BY s.created_at, s.id",
    ))
    .bind(id)
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;
    let Some(first) = rows.first() else {
        let empty = wire::Client {
            object: String::from("client"),
            id: String::from(id),
            sign_up_id: None,
            sign_in_id: None,
            last_active_session_id: None,
            sessions: Vec::new(),
        };
        return Ok((empty, false));
    };
    let mut sessions = Vec::with_capacity(rows.len());
    for row in &rows {
        if row.try_get::<Option<String>, _>("id")?.is_some() {
            sessions.push(super::sessions::from_row(row)?);
        }
    }
    let last_active: Option<String> = first.try_get("last_active_session_id")?;
    let rotate_due = first.try_get::<Option<i64>, _>("token_rotate_due")?.is_some();
    let client = wire::Client {
        object: String::from("client"),
        id: String::from(id),
        sign_up_id: first.try_get("sign_up_id")?,
        sign_in_id: first.try_get("sign_in_id")?,
        // Only a session that is still live can be the active one.
        last_active_session_id: last_active.filter(|l| sessions.iter().any(|s| &s.id == l)),
        sessions,
    };
    Ok((client, rotate_due))
}

/// The lookup of an identifier that must be unique among users.
fn identifier_query(field: Field) -> Option<&'static str> {
    match field {
        Field::EmailAddress => Some("SELECT 1 AS taken FROM users WHERE email_address = $1"),
        Field::PhoneNumber => Some("SELECT 1 AS taken FROM users WHERE phone_number = $1"),
        Field::Username => Some("SELECT 1 AS taken FROM users WHERE username = $1"),
        _ => None,
    }
}

pub(super) async fn identifier_taken(conn: &mut Conn, field: Field, value: &str) -> Result<bool, sqlx::Error> {
    let Some(query) = identifier_query(field) else { return Ok(false) };
    Ok(sqlx::query(query).bind(value).fetch_optional(&mut *conn).await?.is_some())
}

/// A user made from a completed sign-up.
#[derive(Debug)]
pub struct NewUser<'a> {
    pub id: &'a str,
    pub email_address: Option<&'a str>,
    pub phone_number: Option<&'a str>,
    pub username: Option<&'a str>,
    pub web3_wallet: Option<&'a str>,
    pub first_name: Option<&'a str>,
    pub last_name: Option<&'a str>,
    pub password_hash: Option<&'a str>,
    pub email_verified: bool,
    /// Admin metadata (JSON), from an accepted invitation.
    pub metadata: String,
    pub legal_accepted_at: Option<i64>,
    pub unsafe_metadata: String,
    pub created_at: i64,
}

/// Why a user could not be created.
#[derive(Debug)]
pub enum InsertUserError {
    /// Another user took this identifier in the meantime.
    Taken(Field),
    Database(sqlx::Error),
}

pub(super) async fn insert_user(conn: &mut Conn, u: &NewUser<'_>) -> Result<(), InsertUserError> {
    let result = sqlx::query(
        "INSERT INTO users (id, email_address, phone_number, username, web3_wallet, first_name, \
         last_name, password_hash, legal_accepted_at, unsafe_metadata, created_at, email_verified, \
         metadata, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(u.id)
    .bind(u.email_address)
    .bind(u.phone_number)
    .bind(u.username)
    .bind(u.web3_wallet)
    .bind(u.first_name)
    .bind(u.last_name)
    .bind(u.password_hash)
    .bind(u.legal_accepted_at)
    .bind(&u.unsafe_metadata)
    .bind(u.created_at)
    .bind(u.email_verified)
    .bind(&u.metadata)
    .bind(u.created_at)
    .execute(&mut *conn)
    .await;
    match result {
        Ok(_) => Ok(()),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            let message = e.message();
            let field = [Field::EmailAddress, Field::PhoneNumber, Field::Username]
                .into_iter()
                .find(|f| message.contains(f.as_str()))
                .unwrap_or(Field::EmailAddress);
            Err(InsertUserError::Taken(field))
        }
        Err(e) => Err(InsertUserError::Database(e)),
    }
}

/// Where a new session is signed in from, when the request that makes it
/// is its client's own: stored with the session, which is then recorded
/// (`crate::session::activity`) in the same commit.
#[derive(Clone, Copy, Debug)]
pub struct SessionDevice<'a> {
    pub user_agent: Option<&'a str>,
    pub ip: Option<&'a str>,
}

pub(super) async fn insert_session(
    conn: &mut Conn,
    s: &wire::Session,
    client_id: &str,
    device: Option<SessionDevice<'_>>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sessions (id, user_id, client_id, status, created_at, expire_at, user_agent, ip_address, \
         last_active_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&s.id)
    .bind(&s.user_id)
    .bind(client_id)
    .bind(&s.status)
    .bind(s.created_at)
    .bind(s.expire_at)
    .bind(device.and_then(|d| d.user_agent))
    .bind(device.and_then(|d| d.ip))
    .bind(device.map(|_| s.created_at))
    .execute(&mut *conn)
    .await?;
    // A new session: the client's token is replaced (`crate::client`), so
    // a token known before the sign-in never sees it.
    sqlx::query("UPDATE clients SET last_active_session_id = $2, token_rotate_due = $3 WHERE id = $1")
        .bind(client_id)
        .bind(&s.id)
        .bind(s.created_at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
