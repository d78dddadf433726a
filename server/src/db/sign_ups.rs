//! Sign-ups and their verifications.

use super::{Conn, DbRow, corrupt, flag};
use crate::model::{SignUpRecord, VerificationRecord};
use gatehouse_protocol::{Field, SignUpStatus, Strategy, VerificationStatus};
use sqlx::Row;

/// The sign-up's columns (its BOOLEAN read as an integer: `super::flag`).
const SIGN_UP_COLUMNS: &str = "s.id, s.client_id, s.status, s.email_address, s.phone_number, s.username, \
     s.web3_wallet, s.first_name, s.last_name, s.password_hash, \
     CAST(s.legal_accepted AS INTEGER) AS legal_accepted, s.unsafe_metadata, s.created_user_id, \
     s.created_session_id, s.created_at, s.abandon_at, s.ticket_hash, s.created_user_agent, s.created_ip, \
     s.cancelled_at, s.locale";

/// A verification's columns (`v_...`).
const VERIFICATION_COLUMNS: &str = "v.field AS v_field, v.status AS v_status, v.strategy AS v_strategy, \
     v.attempts AS v_attempts, v.code_hash AS v_code_hash, v.expire_at AS v_expire_at, \
     v.verified_at_client AS v_verified_at_client";

/// Loads a sign-up and its verifications. `lock`: `Backend::for_update`
/// to lock the sign-up's row for the rest of the transaction, or "".
///
/// Without a lock (SQLite, whose write transactions do not overlap, and
/// reads), one statement: the sign-up joined with its verifications (a
/// row each, or one row of NULLs without any). With one (PostgreSQL), two:
/// the locked row first, then its verifications in a statement of their
/// own, whose snapshot is taken after the lock was granted, so it sees
/// what the transaction that held the lock committed (a joined statement
/// would re-read only the locked row and keep its older verifications).
pub(super) async fn load(
    conn: &mut Conn,
    id: &str,
    client_id: &str,
    lock: &'static str,
) -> Result<Option<SignUpRecord>, sqlx::Error> {
    let (rows, verifications) = if lock.is_empty() {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SIGN_UP_COLUMNS}, {VERIFICATION_COLUMNS} FROM sign_ups s \
             LEFT JOIN verifications v ON v.sign_up_id = s.id WHERE s.id = $1 AND s.client_id = $2"
        )))
        .bind(id)
        .bind(client_id)
        .fetch_all(&mut *conn)
        .await?;
        (rows, None)
    } else {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SIGN_UP_COLUMNS} FROM sign_ups s WHERE s.id = $1 AND s.client_id = $2{lock}"
        )))
        .bind(id)
        .bind(client_id)
        .fetch_all(&mut *conn)
        .await?;
        if rows.is_empty() {
            return Ok(None);
        }
        let verifications = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {VERIFICATION_COLUMNS} FROM verifications v WHERE v.sign_up_id = $1"
        )))
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        (rows, Some(verifications))
    };
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let mut sign_up = from_row(first)?;
    for row in verifications.as_ref().unwrap_or(&rows) {
        let Some(field) = row.try_get::<Option<String>, _>("v_field")? else { continue };
        let field = Field::parse(&field).ok_or_else(|| corrupt("field", &field))?;
        if let Some(slot) = sign_up.verification_slot(field) {
            *slot = Some(verification_from_row(row)?);
        }
    }
    Ok(Some(sign_up))
}

fn from_row(row: &DbRow) -> Result<SignUpRecord, sqlx::Error> {
    let status: String = row.try_get("status")?;
    let metadata: String = row.try_get("unsafe_metadata")?;
    Ok(SignUpRecord {
        id: row.try_get("id")?,
        client_id: row.try_get("client_id")?,
        status: SignUpStatus::parse(&status).ok_or_else(|| corrupt("status", &status))?,
        email_address: row.try_get("email_address")?,
        phone_number: row.try_get("phone_number")?,
        username: row.try_get("username")?,
        web3_wallet: row.try_get("web3_wallet")?,
        first_name: row.try_get("first_name")?,
        last_name: row.try_get("last_name")?,
        password_hash: row.try_get("password_hash")?,
        legal_accepted: flag(row, "legal_accepted")?,
        unsafe_metadata: serde_json::from_str(&metadata).map_err(|_| corrupt("metadata", &metadata))?,
        created_user_id: row.try_get("created_user_id")?,
        created_session_id: row.try_get("created_session_id")?,
        created_at: row.try_get("created_at")?,
        abandon_at: row.try_get("abandon_at")?,
        ticket_hash: row.try_get("ticket_hash")?,
        email_verification: None,
        phone_verification: None,
        created_user_agent: row.try_get("created_user_agent")?,
        created_ip: row.try_get("created_ip")?,
        cancelled_at: row.try_get("cancelled_at")?,
        locale: row.try_get("locale")?,
    })
}

/// A verification from the `v_...` columns of [`SELECT`].
fn verification_from_row(row: &DbRow) -> Result<VerificationRecord, sqlx::Error> {
    let status: String = row.try_get("v_status")?;
    let strategy: Option<String> = row.try_get("v_strategy")?;
    let attempts: i64 = row.try_get("v_attempts")?;
    Ok(VerificationRecord {
        status: VerificationStatus::parse(&status).ok_or_else(|| corrupt("verification status", &status))?,
        strategy: strategy.map(|s| Strategy::parse(&s).ok_or_else(|| corrupt("strategy", &s))).transpose()?,
        attempts: u32::try_from(attempts).map_err(|_| corrupt("attempts", &attempts.to_string()))?,
        code_hash: row.try_get("v_code_hash")?,
        expire_at: row.try_get("v_expire_at")?,
        verified_at_client: row.try_get("v_verified_at_client")?,
    })
}

/// Inserts or updates the sign-up row, then upserts its verifications.
pub(super) async fn save(conn: &mut Conn, s: &SignUpRecord, is_new: bool) -> Result<(), sqlx::Error> {
    let metadata = serde_json::Value::Object(s.unsafe_metadata.clone()).to_string();
    let query = if is_new {
        sqlx::query(
            "INSERT INTO sign_ups (id, status, email_address, phone_number, username, web3_wallet, first_name, \
             last_name, password_hash, legal_accepted, unsafe_metadata, created_user_id, created_session_id, \
             cancelled_at, locale, client_id, created_at, abandon_at, ticket_hash, created_user_agent, created_ip) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)",
        )
    } else {
        // What a sign-up is created with and never changes (its client, its
        // times, its ticket, where it began) stays out: SQLite rewrites an
        // index entry for every indexed column a `SET` names, even to the
        // same value, and `client_id` and `abandon_at` are indexed.
        sqlx::query(
            "UPDATE sign_ups SET status = $2, email_address = $3, phone_number = $4, username = $5, \
             web3_wallet = $6, first_name = $7, last_name = $8, password_hash = $9, legal_accepted = $10, \
             unsafe_metadata = $11, created_user_id = $12, created_session_id = $13, cancelled_at = $14, \
             locale = $15 WHERE id = $1",
        )
    };
    let query = query
        .bind(&s.id)
        .bind(s.status.as_str())
        .bind(&s.email_address)
        .bind(&s.phone_number)
        .bind(&s.username)
        .bind(&s.web3_wallet)
        .bind(&s.first_name)
        .bind(&s.last_name)
        .bind(&s.password_hash)
        .bind(s.legal_accepted)
        .bind(metadata)
        .bind(&s.created_user_id)
        .bind(&s.created_session_id)
        .bind(s.cancelled_at)
        .bind(&s.locale);
    let query = match is_new {
        true => query
            .bind(&s.client_id)
            .bind(s.created_at)
            .bind(s.abandon_at)
            .bind(&s.ticket_hash)
            .bind(&s.created_user_agent)
            .bind(&s.created_ip),
        false => query,
    };
    query.execute(&mut *conn).await?;
    for field in [Field::EmailAddress, Field::PhoneNumber] {
        if let Some(v) = s.verification(field) {
            save_verification(conn, &s.id, field, v).await?;
        }
    }
    Ok(())
}

async fn save_verification(
    conn: &mut Conn,
    sign_up_id: &str,
    field: Field,
    v: &VerificationRecord,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO verifications (sign_up_id, field, status, strategy, attempts, code_hash, \
         expire_at, verified_at_client) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (sign_up_id, field) DO UPDATE SET status = excluded.status, \
         strategy = excluded.strategy, attempts = excluded.attempts, code_hash = excluded.code_hash, \
         expire_at = excluded.expire_at, verified_at_client = excluded.verified_at_client",
    )
    .bind(sign_up_id)
    .bind(field.as_str())
    .bind(v.status.as_str())
    .bind(v.strategy.map(|s| s.as_str()))
    .bind(i64::from(v.attempts))
    .bind(&v.code_hash)
    .bind(v.expire_at)
    .bind(&v.verified_at_client)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
