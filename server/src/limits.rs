//! Rolling-window limits counted in the database, so that they hold across
//! restarts and nodes: wrong codes per address (`crate::verification`),
//! messages per address and per instance, wrong passwords per account and
//! IP, per account, and per IP (`crate::sign_in::lockout`), "new sign-in"
//! emails per user (`crate::session::alert`).
//!
//! A [`Limit`] allows `max` events of its key in any `window`. Checking and
//! counting happen in the caller's write transaction: [`wait`] first takes
//! each key's row (`Tx::lock_limit`), so no other transaction counts the
//! same key until this one commits, on SQLite (one writer at a time) as on
//! PostgreSQL under READ COMMITTED (the row lock). An event counted in the
//! transaction is committed with the change it belongs to, or not at all.
//!
//! That is exact, and cheap for keys that gather few events (an address,
//! an account, an IP). A key every request counts, instance-wide, is a
//! [`Budget`] instead: counted per minute, without the lock (see
//! [`budget`] for what that guarantees).
//!
//! No limit's lock is held across anything slow: the transactions that
//! take them commit before any message is delivered (the queue gets it
//! after the commit, `crate::verification::Outcome::finish`) and before
//! any password is hashed or checked (`crate::sign_in::lockout` counts in
//! a transaction of its own first; a new password is hashed before the
//! sign-up's transaction begins).

use crate::clock::seconds_to_ms;
use crate::db::Tx;
use crate::error::ApiError;
use crate::ids;
use gatehouse_protocol::ErrorCode;

pub mod budget;
pub use budget::Budget;

/// At most `max` events of `key` in any `window_ms`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limit {
    pub key: String,
    pub max: u32,
    pub window_ms: i64,
}

impl Limit {
    pub fn new(key: String, max: u32, window_seconds: u64) -> Limit {
        Limit { key, max, window_ms: seconds_to_ms(window_seconds) }
    }
}

/// Takes the limits' keys for the transaction, and answers how long until
/// each of them allows one more event (`None`: all allow one now). The
/// keys are taken in one order, so two transactions never wait on each
/// other in a circle; a caller taking keys in several calls takes them in
/// one order too.
pub async fn wait(tx: &mut Tx, limits: &[&Limit], now: i64) -> Result<Option<i64>, sqlx::Error> {
    let mut sorted: Vec<&Limit> = limits.to_vec();
    sorted.sort_by(|a, b| a.key.cmp(&b.key));
    let mut longest = None;
    for limit in sorted {
        tx.lock_limit(&limit.key, now).await?;
        let since = now.saturating_sub(limit.window_ms);
        let count = tx.count_limit_events(&limit.key, since).await?;
        let Some(over) = count.checked_sub(u64::from(limit.max)) else { continue };
        // The event whose leaving the window brings the count under `max`.
        let Some(at) = tx.nth_limit_event(&limit.key, since, over).await? else { continue };
        let wait = at.saturating_add(limit.window_ms).saturating_sub(now).max(1);
        longest = Some(longest.map_or(wait, |w: i64| w.max(wait)));
    }
    Ok(longest)
}

/// Counts one event against each limit (whose keys [`wait`] took), and
/// answers the events' ids.
pub async fn record(tx: &mut Tx, limits: &[&Limit], now: i64) -> Result<Vec<String>, sqlx::Error> {
    let mut ids = Vec::with_capacity(limits.len());
    for limit in limits {
        let id = ids::new_id("lev");
        tx.record_limit_event(&id, &limit.key, now, now.saturating_sub(limit.window_ms)).await?;
        ids.push(id);
    }
    Ok(ids)
}

/// The 429 for a wait of `wait_ms`, with `Retry-After` in whole seconds.
pub fn too_many(code: ErrorCode, wait_ms: i64) -> ApiError {
    let seconds = u64::try_from(wait_ms).unwrap_or(0).div_ceil(1000);
    ApiError::RetryAfter { code, seconds }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Store;

    #[tokio::test]
    async fn the_wait_ends_when_the_oldest_counted_event_leaves_the_window() {
        let store = Store::connect("sqlite::memory:").await.unwrap();
        let limit = Limit { key: String::from("k"), max: 3, window_ms: 1_000 };
        let other = Limit { key: String::from("other"), max: 1, window_ms: 500 };
        let mut tx = store.begin().await.unwrap();
        assert_eq!(wait(&mut tx, &[&limit, &other], 0).await.unwrap(), None);
        for at in [100, 200, 300] {
            record(&mut tx, &[&limit], at).await.unwrap();
        }
        assert_eq!(wait(&mut tx, &[&limit], 400).await.unwrap(), Some(100 + 1_000 - 400));
        // The longest wait of several limits wins.
        record(&mut tx, &[&other], 450).await.unwrap();
        assert_eq!(wait(&mut tx, &[&other, &limit], 460).await.unwrap(), Some(100 + 1_000 - 460));
        // Over the limit (counted elsewhere in parallel): wait until enough have left.
        record(&mut tx, &[&limit], 500).await.unwrap();
        assert_eq!(wait(&mut tx, &[&limit], 600).await.unwrap(), Some(200 + 1_000 - 600));
        assert_eq!(wait(&mut tx, &[&limit], 1_200).await.unwrap(), None, "two of four have left the window");
        tx.commit().await.unwrap();
        assert_eq!(too_many(ErrorCode::RateLimited, 1_001).code(), ErrorCode::RateLimited);
    }

    #[tokio::test]
    async fn old_events_are_dropped_and_taken_back_events_no_longer_count() {
        let store = Store::connect("sqlite::memory:").await.unwrap();
        let limit = Limit { key: String::from("k"), max: 1, window_ms: 1_000 };
        let mut tx = store.begin().await.unwrap();
        let taken_back = record(&mut tx, &[&limit], 0).await.unwrap();
        tx.commit().await.unwrap();
        store.forget_limit_events(&taken_back).await.unwrap();
        let mut tx = store.begin().await.unwrap();
        assert_eq!(wait(&mut tx, &[&limit], 10).await.unwrap(), None);
        record(&mut tx, &[&limit], 10).await.unwrap();
        assert_eq!(wait(&mut tx, &[&limit], 20).await.unwrap(), Some(990));
        tx.commit().await.unwrap();
        // A cleanup deletes what no window can see any more: the event. (SQLite
        // keeps no per-key lock row: its writers are one at a time already.)
        let purge = |before| {
            let store = store.clone();
            async move {
                let events = store.purge_batch(crate::db::cleanup::STALE_LIMIT_EVENTS, before, 10).await.unwrap();
                let locks = store.purge_batch(crate::db::cleanup::STALE_LIMIT_LOCKS, before, 10).await.unwrap();
                events + locks
            }
        };
        assert_eq!(purge(5).await, 0);
        assert_eq!(purge(2_000).await, 1);
    }
}
