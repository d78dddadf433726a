//! Sign-ins, with their first factor's verification inline.

use super::{Conn, Store, Tx, corrupt, flag};
use crate::model::SignInRecord;
use crate::model::VerificationRecord;
use crate::model::sign_in::PendingPassword;
use gatehouse_protocol::{FirstFactor, SignInStatus, Strategy, VerificationStatus};
use sqlx::Row;

/// Loads a sign-in. `lock`: `Backend::for_update` to lock its row for the
/// rest of the transaction, or "".
async fn load(
    conn: &mut Conn,
    id: &str,
    client_id: &str,
    lock: &'static str,
) -> Result<Option<SignInRecord>, sqlx::Error> {
    // Its BOOLEAN read as an integer: SQLite's BOOLEAN does not decode through `Any` (`flag`).
    let select = "SELECT id, client_id, user_id, identifier, status, supported_factors, safe_identifier, factor, \
                  factor_status, attempts, code_hash, expire_at, verified_at_client, created_session_id, created_at, \
                  abandon_at, new_password_hash, CAST(new_password_sign_out AS INTEGER) AS new_password_sign_out, \
                  new_password_locale FROM sign_ins WHERE id = $1 AND client_id = $2";
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{select}{lock}")))
        .bind(id)
        .bind(client_id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

fn from_row(row: &super::DbRow) -> Result<SignInRecord, sqlx::Error> {
    let status: String = row.try_get("status")?;
    let supported: String = row.try_get("supported_factors")?;
    let factor: Option<String> = row.try_get("factor")?;
    let factor = factor.map(|f| FirstFactor::parse(&f).ok_or_else(|| corrupt("factor", &f))).transpose()?;
    let factor_status: Option<String> = row.try_get("factor_status")?;
    let attempts: i64 = row.try_get("attempts")?;
    let verification = VerificationRecord {
        status: match factor_status {
            Some(s) => VerificationStatus::parse(&s).ok_or_else(|| corrupt("factor status", &s))?,
            None => VerificationStatus::Unverified,
        },
        strategy: match factor {
            None | Some(FirstFactor::Password) => None,
            Some(FirstFactor::ResetPasswordEmailLink) => Some(Strategy::EmailLink),
            Some(_) => Some(Strategy::EmailCode),
        },
        attempts: u32::try_from(attempts).map_err(|_| corrupt("attempts", &attempts.to_string()))?,
        code_hash: row.try_get("code_hash")?,
        expire_at: row.try_get("expire_at")?,
        verified_at_client: row.try_get("verified_at_client")?,
    };
    Ok(SignInRecord {
        id: row.try_get("id")?,
        client_id: row.try_get("client_id")?,
        user_id: row.try_get("user_id")?,
        identifier: row.try_get("identifier")?,
        status: SignInStatus::parse(&status).ok_or_else(|| corrupt("sign-in status", &status))?,
        supported: supported
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| FirstFactor::parse(s).ok_or_else(|| corrupt("factor", s)))
            .collect::<Result<_, _>>()?,
        safe_identifier: row.try_get("safe_identifier")?,
        factor,
        verification,
        created_session_id: row.try_get("created_session_id")?,
        created_at: row.try_get("created_at")?,
        abandon_at: row.try_get("abandon_at")?,
        new_password: match row.try_get::<Option<String>, _>("new_password_hash")? {
            Some(hash) => Some(PendingPassword {
                hash,
                sign_out_of_other_sessions: flag(row, "new_password_sign_out")?,
                locale: row.try_get("new_password_locale")?,
            }),
            None => None,
        },
    })
}

async fn save(conn: &mut Conn, s: &SignInRecord, is_new: bool) -> Result<(), sqlx::Error> {
    let statement = if is_new {
        "INSERT INTO sign_ins (id, client_id, user_id, identifier, status, supported_factors, \
         safe_identifier, factor, factor_status, attempts, code_hash, expire_at, verified_at_client, \
         created_session_id, created_at, abandon_at, new_password_hash, new_password_sign_out, \
         new_password_locale) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)"
    } else {
        "UPDATE sign_ins SET client_id = $2, user_id = $3, identifier = $4, status = $5, \
         supported_factors = $6, safe_identifier = $7, factor = $8, factor_status = $9, attempts = $10, \
         code_hash = $11, expire_at = $12, verified_at_client = $13, created_session_id = $14, \
         created_at = $15, abandon_at = $16, new_password_hash = $17, new_password_sign_out = $18, \
         new_password_locale = $19 WHERE id = $1"
    };
    let supported: Vec<&str> = s.supported.iter().map(|f| f.as_str()).collect();
    let v = &s.verification;
    sqlx::query(statement)
        .bind(&s.id)
        .bind(&s.client_id)
        .bind(&s.user_id)
        .bind(&s.identifier)
        .bind(s.status.as_str())
        .bind(supported.join(","))
        .bind(&s.safe_identifier)
        .bind(s.factor.map(FirstFactor::as_str))
        .bind(s.factor.map(|_| v.status.as_str()))
        .bind(i64::from(v.attempts))
        .bind(&v.code_hash)
        .bind(v.expire_at)
        .bind(&v.verified_at_client)
        .bind(&s.created_session_id)
        .bind(s.created_at)
        .bind(s.abandon_at)
        .bind(s.new_password.as_ref().map(|p| &p.hash))
        .bind(s.new_password.as_ref().is_some_and(|p| p.sign_out_of_other_sessions))
        .bind(s.new_password.as_ref().map(|p| &p.locale))
        .execute(&mut *conn)
        .await?;
    if is_new {
        sqlx::query("UPDATE clients SET sign_in_id = $2 WHERE id = $1")
            .bind(&s.client_id)
            .bind(&s.id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

impl Store {
    /// A sign-in of this client.
    pub async fn sign_in(&self, id: &str, client_id: &str) -> Result<Option<SignInRecord>, sqlx::Error> {
        load(&mut self.pool.acquire().await?, id, client_id, "").await
    }
}

impl Tx {
    /// Ends a sign-in at `now` (its `abandon_at`), if it was still open then:
    /// nothing can move it on afterwards.
    pub async fn abandon_sign_in(&mut self, id: &str, now: i64) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE sign_ins SET abandon_at = $2 WHERE id = $1 AND abandon_at > $2")
            .bind(id)
            .bind(now)
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }

    /// A sign-in of this client, to change: loaded for update. On
    /// PostgreSQL its row stays locked until this transaction ends, so two
    /// requests changing one sign-in take turns, the second seeing what the
    /// first wrote (SQLite's write lock gives the same).
    pub async fn sign_in(&mut self, id: &str, client_id: &str) -> Result<Option<SignInRecord>, sqlx::Error> {
        load(&mut self.tx, id, client_id, self.backend.for_update()).await
    }

    /// Writes a sign-in; a new one becomes its client's current sign-in.
    pub async fn save_sign_in(&mut self, sign_in: &SignInRecord, is_new: bool) -> Result<(), sqlx::Error> {
        save(&mut self.tx, sign_in, is_new).await
    }
}
