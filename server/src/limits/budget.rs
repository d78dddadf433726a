//! Instance-wide budgets: at most `max` events of one key, from every
//! node, in any `window` — today the instance's message budget
//! (`outbound`, `[verification] max_messages_per_hour`).
//!
//! Such a key is counted by every send of every node, so it is not kept
//! like the per-address limits ([`super::Limit`]: one row per event,
//! counted under a row lock held to the commit), which made each send count
//! up to an hour of the whole instance's events while every other send
//! waited. A budget keeps one counter per minute (`limit_buckets`, an
//! upsert `events = events + 1`), so a check reads at most 61 rows
//! whatever the traffic, and it takes no lock before it reads.
//!
//! What it guarantees:
//! - an event counts until the last event of its minute leaves the window,
//!   so a full budget may refuse up to a minute longer than an exact count
//!   would, never shorter; `Retry-After` says when the budget allows again;
//! - on SQLite (one write transaction at a time) the budget is exact: never
//!   more than `max` events in any window;
//! - on PostgreSQL (READ COMMITTED, no lock before the check) a check does
//!   not see the sends of transactions not yet committed, so the budget may
//!   be overshot by at most the sends in flight at once: at most one per
//!   open transaction, so at most the nodes times `[database]
//!   max_connections`. That is acceptable for a budget that guards the
//!   instance's mail account against a flood, not a person against a
//!   guesser; the per-address limits stay exact.
//!
//! An event is counted in the caller's transaction, committed with the
//! send it belongs to or not at all. The counter row it increments (one of
//! 16 shards of the minute on PostgreSQL) is locked to that commit, which
//! comes before the message is delivered (`crate::verification`).

use crate::clock::seconds_to_ms;
use crate::db::Tx;

/// At most `max` events of `key` in any `window_ms`, counted per minute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Budget {
    pub key: String,
    pub max: u32,
    pub window_ms: i64,
}

impl Budget {
    pub fn new(key: String, max: u32, window_seconds: u64) -> Budget {
        Budget { key, max, window_ms: seconds_to_ms(window_seconds) }
    }

    /// How long until the budget allows one more event (`None`: now).
    pub async fn wait(&self, tx: &mut Tx, now: i64) -> Result<Option<i64>, sqlx::Error> {
        let buckets = tx.limit_buckets(&self.key, now.saturating_sub(self.window_ms)).await?;
        let total: u64 = buckets.iter().map(|b| b.events).sum();
        // How many must leave the window before one more fits.
        let Some(over) = total.checked_sub(u64::from(self.max)).map(|o| o + 1) else { return Ok(None) };
        let mut left = 0;
        for bucket in buckets {
            left += bucket.events;
            if left >= over {
                return Ok(Some(bucket.last_at.saturating_add(self.window_ms).saturating_sub(now).max(1)));
            }
        }
        Ok(None)
    }

    /// Counts one event (after [`Budget::wait`] said it fits).
    pub async fn spend(&self, tx: &mut Tx, now: i64) -> Result<(), sqlx::Error> {
        tx.count_in_bucket(&self.key, now).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{BUCKET_MS, Store};

    #[tokio::test]
    async fn a_full_budget_allows_again_when_its_oldest_minute_has_left_the_window() {
        let store = Store::connect("sqlite::memory:").await.unwrap();
        let budget = Budget { key: String::from("outbound"), max: 3, window_ms: 10 * BUCKET_MS };
        let minute = 1_000 * BUCKET_MS;
        let mut tx = store.begin().await.unwrap();
        assert_eq!(budget.wait(&mut tx, minute).await.unwrap(), None);
        // Two in one minute (the last at +30 s), one in the next.
        for at in [minute + 1_000, minute + 30_000, minute + BUCKET_MS + 5_000] {
            budget.spend(&mut tx, at).await.unwrap();
        }
        let now = minute + 2 * BUCKET_MS;
        // The first minute counts until its last event leaves the window.
        assert_eq!(budget.wait(&mut tx, now).await.unwrap(), Some(minute + 30_000 + 10 * BUCKET_MS - now));
        assert_eq!(budget.wait(&mut tx, minute + 30_000 + 10 * BUCKET_MS).await.unwrap(), None);
        // Over by more than one minute's events: both minutes must leave.
        let big = Budget { max: 1, ..budget.clone() };
        assert_eq!(big.wait(&mut tx, now).await.unwrap(), Some(minute + BUCKET_MS + 5_000 + 10 * BUCKET_MS - now));
        // Another key's events are its own.
        let other = Budget { key: String::from("other"), ..budget };
        assert_eq!(other.wait(&mut tx, now).await.unwrap(), None);
        tx.commit().await.unwrap();
        // A cleanup deletes the minutes no window can see any more.
        let purge = |before| {
            let store = store.clone();
            async move { store.purge_batch(crate::db::cleanup::STALE_LIMIT_BUCKETS, before, 10).await.unwrap() }
        };
        assert_eq!(purge(minute).await, 0);
        assert_eq!(purge(minute + 1).await, 1);
        assert_eq!(purge(minute + BUCKET_MS + 1).await, 1);
    }
}
