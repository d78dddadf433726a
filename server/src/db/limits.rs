//! The events counted by the rolling-window limits (`crate::limits`), and
//! the per-key row that makes counting them atomic.

use super::{Store, Tx};
use sqlx::Row;

impl Tx {
    /// Takes `key`'s row for the rest of the transaction (an upsert: on
    /// PostgreSQL another transaction writing it waits for our commit), so
    /// that what this transaction counts of the key stays true until then.
    /// On SQLite there is nothing to take: every write transaction holds
    /// the database's one write lock from its `BEGIN IMMEDIATE`, so no
    /// other can count the key before this one ends.
    pub async fn lock_limit(&mut self, key: &str, now: i64) -> Result<(), sqlx::Error> {
        if self.backend == super::Backend::Sqlite {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO limit_locks (limit_key, touched_at) VALUES ($1, $2) \
             ON CONFLICT (limit_key) DO UPDATE SET touched_at = excluded.touched_at",
        )
        .bind(key)
        .bind(now)
        .execute(&mut self.tx)
        .await?;
        Ok(())
    }

    /// How many of `key`'s events happened after `since`.
    pub async fn count_limit_events(&mut self, key: &str, since: i64) -> Result<u64, sqlx::Error> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM limit_events WHERE limit_key = $1 AND at > $2")
            .bind(key)
            .bind(since)
            .fetch_one(&mut self.tx)
            .await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// When the `nth` (from 0, oldest first) of `key`'s events after `since` happened.
    pub async fn nth_limit_event(&mut self, key: &str, since: i64, nth: u64) -> Result<Option<i64>, sqlx::Error> {
        let row =
            sqlx::query("SELECT at FROM limit_events WHERE limit_key = $1 AND at > $2 ORDER BY at LIMIT 1 OFFSET $3")
                .bind(key)
                .bind(since)
                .bind(i64::try_from(nth).unwrap_or(i64::MAX))
                .fetch_optional(&mut self.tx)
                .await?;
        row.map(|r| r.try_get("at")).transpose()
    }

    /// Counts one event of `key`, and drops its events from before `stale_before`.
    pub async fn record_limit_event(
        &mut self,
        id: &str,
        key: &str,
        at: i64,
        stale_before: i64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query("INSERT INTO limit_events (id, limit_key, at) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(key)
            .bind(at)
            .execute(&mut self.tx)
            .await?;
        sqlx::query("DELETE FROM limit_events WHERE limit_key = $1 AND at <= $2")
            .bind(key)
            .bind(stale_before)
            .execute(&mut self.tx)
            .await?;
        Ok(())
    }
}

impl Store {
    /// Takes back counted events (a password that was right after all).
    pub async fn forget_limit_events(&self, ids: &[String]) -> Result<(), sqlx::Error> {
        // A write: it takes this process's turn (`writer`), as every write
        // does, so a SQLite statement never waits for the lock inline.
        let turn = self.gate.wait_turn().await?;
        let mut conn = self.pool.acquire_writer(&turn).await?;
        for id in ids {
            sqlx::query("DELETE FROM limit_events WHERE id = $1").bind(id).execute(&mut conn).await?;
        }
        Ok(())
    }
}
