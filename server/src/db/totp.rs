//! `user_totp` and `backup_codes`: a user's TOTP second factor, its secret
//! sealed with the master key under the user's id (a sealed secret moved
//! to another user's row does not open), and its backup codes' HMACs.

use super::{Conn, Tx, flag};
use crate::ids;
use crate::master_key::MasterKey;
use crate::model::TotpRecord;
use sqlx::Row;

/// The associated data a user's TOTP secret is sealed under.
fn sealed_name(user_id: &str) -> String {
    format!("user_totp/{user_id}")
}

async fn load(
    conn: &mut Conn,
    master: &MasterKey,
    user_id: &str,
    lock: &'static str,
) -> Result<Option<TotpRecord>, sqlx::Error> {
    let select = "SELECT user_id, secret, CAST(verified AS INTEGER) AS verified, last_used_step, created_at, \
                  updated_at FROM user_totp WHERE user_id = $1";
    let row =
        sqlx::query(sqlx::AssertSqlSafe(format!("{select}{lock}"))).bind(user_id).fetch_optional(&mut *conn).await?;
    let Some(row) = row else { return Ok(None) };
    let sealed: String = row.try_get("secret")?;
    let secret = master.open(&sealed_name(user_id), &sealed).map_err(|e| sqlx::Error::Decode(e.into()))?;
    Ok(Some(TotpRecord {
        user_id: row.try_get("user_id")?,
        secret,
        verified: flag(&row, "verified")?,
        last_used_step: row.try_get("last_used_step")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    }))
}

impl Tx {
    /// The user's TOTP, locked for the rest of the transaction (PostgreSQL;
    /// SQLite's write lock gives the same), so two codes of one step racing
    /// cannot both be accepted.
    pub async fn totp(&mut self, user_id: &str) -> Result<Option<TotpRecord>, sqlx::Error> {
        load(&mut self.tx, &self.master, user_id, self.backend.for_update()).await
    }

    /// Whether the user has a verified TOTP: one read by key, without the
    /// lock and the unsealing of [`Tx::totp`].
    pub async fn totp_enabled(&mut self, user_id: &str) -> Result<bool, sqlx::Error> {
        let row = sqlx::query("SELECT 1 AS found FROM user_totp WHERE user_id = $1 AND verified")
            .bind(user_id)
            .fetch_optional(&mut self.tx)
            .await?;
        Ok(row.is_some())
    }

    /// Writes the user's TOTP (a new one replaces any earlier), its secret sealed.
    pub async fn save_totp(&mut self, totp: &TotpRecord) -> Result<(), sqlx::Error> {
        let sealed = self.master.seal(&sealed_name(&totp.user_id), &totp.secret);
        sqlx::query(
            "INSERT INTO user_totp (user_id, secret, verified, last_used_step, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, \
             verified = excluded.verified, last_used_step = excluded.last_used_step, \
             created_at = excluded.created_at, updated_at = excluded.updated_at",
        )
        .bind(&totp.user_id)
        .bind(sealed)
        .bind(totp.verified)
        .bind(totp.last_used_step)
        .bind(totp.created_at)
        .bind(totp.updated_at)
        .execute(&mut self.tx)
        .await?;
        Ok(())
    }

    /// Removes the user's TOTP and backup codes; `false` if there was none.
    pub async fn delete_totp(&mut self, user_id: &str) -> Result<bool, sqlx::Error> {
        sqlx::query("DELETE FROM backup_codes WHERE user_id = $1").bind(user_id).execute(&mut self.tx).await?;
        let done = sqlx::query("DELETE FROM user_totp WHERE user_id = $1").bind(user_id).execute(&mut self.tx).await?;
        Ok(done.rows_affected() > 0)
    }

    /// Replaces the user's backup codes with these hashes.
    pub async fn replace_backup_codes(&mut self, user_id: &str, hashes: &[String]) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM backup_codes WHERE user_id = $1").bind(user_id).execute(&mut self.tx).await?;
        for hash in hashes {
            sqlx::query("INSERT INTO backup_codes (id, user_id, code_hash, used_at) VALUES ($1, $2, $3, NULL)")
                .bind(ids::new_id("bkc"))
                .bind(user_id)
                .bind(hash)
                .execute(&mut self.tx)
                .await?;
        }
        Ok(())
    }

    /// The user's backup codes not spent yet: `(id, hash)`.
    pub async fn unspent_backup_codes(&mut self, user_id: &str) -> Result<Vec<(String, String)>, sqlx::Error> {
        let rows = sqlx::query("SELECT id, code_hash FROM backup_codes WHERE user_id = $1 AND used_at IS NULL")
            .bind(user_id)
            .fetch_all(&mut self.tx)
            .await?;
        rows.iter().map(|r| Ok((r.try_get("id")?, r.try_get("code_hash")?))).collect()
    }

    /// Spends a backup code; `false` if it was spent already.
    pub async fn spend_backup_code(&mut self, id: &str, now: i64) -> Result<bool, sqlx::Error> {
        let done = sqlx::query("UPDATE backup_codes SET used_at = $2 WHERE id = $1 AND used_at IS NULL")
            .bind(id)
            .bind(now)
            .execute(&mut self.tx)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}
