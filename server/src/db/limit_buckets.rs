//! The per-minute counts of the instance-wide budgets (`crate::limits::budget`):
//! one row per key, minute and shard, incremented with an upsert.

use super::Tx;
use sqlx::Row;

/// The width of one bucket: a minute.
pub const BUCKET_MS: i64 = 60_000;

/// The events of one bucket of a key (its shards summed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bucket {
    pub events: u64,
    /// When the last of them happened.
    pub last_at: i64,
}

impl Tx {
    /// `key`'s buckets whose last event happened after `since`, oldest first.
    pub async fn limit_buckets(&mut self, key: &str, since: i64) -> Result<Vec<Bucket>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT bucket_start, CAST(SUM(events) AS BIGINT) AS events, MAX(last_at) AS last_at FROM limit_buckets \
             WHERE limit_key = $1 AND bucket_start > $2 AND last_at > $3 \
             GROUP BY bucket_start ORDER BY bucket_start",
        )
        .bind(key)
        .bind(since.saturating_sub(BUCKET_MS))
        .bind(since)
        .fetch_all(&mut self.tx)
        .await?;
        rows.iter()
            .map(|row| {
                let events: i64 = row.try_get("events")?;
                Ok(Bucket { events: u64::try_from(events).unwrap_or(0), last_at: row.try_get("last_at")? })
            })
            .collect()
    }

    /// Counts one event of `key` at `at` in its minute's bucket, on this
    /// transaction's shard (one per transaction: a transaction takes at
    /// most one row of a bucket, so two never wait on each other in a
    /// circle over them).
    pub async fn count_in_bucket(&mut self, key: &str, at: i64) -> Result<(), sqlx::Error> {
        let shards = self.backend.bucket_shards();
        let shard = *self.bucket_shard.get_or_insert_with(|| getrandom::u32().unwrap_or(0) % shards);
        sqlx::query(
            "INSERT INTO limit_buckets (limit_key, bucket_start, shard, events, last_at) VALUES ($1, $2, $3, 1, $4) \
             ON CONFLICT (limit_key, bucket_start, shard) DO UPDATE SET events = limit_buckets.events + 1, \
             last_at = CASE WHEN excluded.last_at > limit_buckets.last_at \
             THEN excluded.last_at ELSE limit_buckets.last_at END",
        )
        .bind(key)
        .bind(at - at.rem_euclid(BUCKET_MS))
        .bind(i64::from(shard))
        .bind(at)
        .execute(&mut self.tx)
        .await?;
        Ok(())
    }
}
