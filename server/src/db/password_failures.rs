//! Wrong passwords per account, for the sign-in limit (`crate::lockout`).

use super::{Store, Tx};
use sqlx::Row;

impl Tx {
    /// When the user's wrong passwords since `since` happened, oldest first.
    pub async fn password_failures_since(&mut self, user_id: &str, since: i64) -> Result<Vec<i64>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT failed_at FROM password_failures WHERE user_id = $1 AND failed_at > $2 ORDER BY failed_at",
        )
        .bind(user_id)
        .bind(since)
        .fetch_all(&mut *self.tx)
        .await?;
        rows.iter().map(|r| r.try_get("failed_at")).collect()
    }

    /// Counts one wrong password (before it is known to be wrong).
    pub async fn record_password_failure(&mut self, id: &str, user_id: &str, at: i64) -> Result<(), sqlx::Error> {
        sqlx::query("INSERT INTO password_failures (id, user_id, failed_at) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(user_id)
            .bind(at)
            .execute(&mut *self.tx)
            .await?;
        // Rows older than any window are of no use: drop the user's old ones.
        sqlx::query("DELETE FROM password_failures WHERE user_id = $1 AND failed_at < $2")
            .bind(user_id)
            .bind(at.saturating_sub(SEVEN_DAYS_MS))
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
}

const SEVEN_DAYS_MS: i64 = 7 * 24 * 60 * 60 * 1000;

impl Store {
    /// Takes back a counted failure: the password was right after all.
    pub async fn forget_password_failure(&self, id: &str) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM password_failures WHERE id = $1")
            .bind(id)
            .execute(&mut *self.pool.acquire().await?)
            .await?;
        Ok(())
    }
}
