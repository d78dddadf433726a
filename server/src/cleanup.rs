//! The cleanup task: deletes, in batches, what no request needs any more,
//! so no table grows without bound.
//!
//! [`PURGES`] names each kind of stale row, how old is stale (a cutoff
//! from the settings and the clock) and its SQL (`crate::db::cleanup`).
//! [`run_once`] runs every purge, batch after batch, until a batch comes
//! back short; [`spawn`] runs a pass every `[cleanup] interval_seconds`.
//! A pass that fails is logged and tried again at the next interval.
//!
//! Adding a purge: one `Purge` line here, and its statements beside the
//! others in `db/cleanup.rs`.

use crate::clock::Clock;
use crate::clock::seconds_to_ms;
use crate::config::Config;
use crate::db::{Store, cleanup as sql};
use std::sync::Arc;

const HOUR_MS: i64 = 60 * 60 * 1000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// How long a sign-up or sign-in stays after it was abandoned (`GET` shows
/// it as abandoned meanwhile; then it is gone, 404).
pub const ABANDONED_GRACE_MS: i64 = DAY_MS;
/// How long a delivered or failed webhook delivery is kept (the admin API lists it).
pub const WEBHOOK_DELIVERY_KEEP_MS: i64 = 30 * DAY_MS;
/// How long an email link is kept after it expired (as `sign_up::prepare` does).
pub const EXPIRED_LINK_KEEP_MS: i64 = 7 * DAY_MS;

/// One kind of stale row.
pub struct Purge {
    /// For the log.
    pub name: &'static str,
    /// Rows older than this go (epoch ms), from the settings and now.
    pub cutoff: fn(&Config, i64) -> i64,
    /// The SQL of one batch (`crate::db::cleanup`).
    pub statements: &'static [&'static str],
}

/// Every purge, in the order a pass runs them: the sign-ups, sign-ins and
/// sessions go before the clients they would keep alive.
pub const PURGES: &[Purge] = &[
    Purge {
        name: "abandoned sign-ups",
        cutoff: |_, now| now - ABANDONED_GRACE_MS,
        statements: sql::ABANDONED_SIGN_UPS,
    },
    Purge {
        name: "abandoned sign-ins",
        cutoff: |_, now| now - ABANDONED_GRACE_MS,
        statements: sql::ABANDONED_SIGN_INS,
    },
    Purge { name: "expired sessions", cutoff: |_, now| now, statements: sql::EXPIRED_SESSIONS },
    Purge { name: "expired clients", cutoff: client_idle_cutoff, statements: sql::EXPIRED_CLIENTS },
    Purge { name: "stale code sends", cutoff: resend_window, statements: sql::STALE_CODE_SENDS },
    Purge { name: "stale limit events", cutoff: longest_limit_window, statements: sql::STALE_LIMIT_EVENTS },
    Purge { name: "stale limit locks", cutoff: longest_limit_window, statements: sql::STALE_LIMIT_LOCKS },
    Purge { name: "stale limit buckets", cutoff: oldest_bucket, statements: sql::STALE_LIMIT_BUCKETS },
    Purge {
        name: "expired email links",
        cutoff: |_, now| now - EXPIRED_LINK_KEEP_MS,
        statements: sql::EXPIRED_EMAIL_LINKS,
    },
    Purge { name: "expired sign-in alerts", cutoff: |_, now| now, statements: sql::EXPIRED_SIGN_IN_ALERTS },
    Purge {
        name: "old webhook deliveries",
        cutoff: |_, now| now - WEBHOOK_DELIVERY_KEEP_MS,
        statements: sql::OLD_WEBHOOK_DELIVERIES,
    },
];

fn client_idle_cutoff(config: &Config, now: i64) -> i64 {
    now.saturating_sub(seconds_to_ms(config.client.idle_timeout_seconds))
}

fn resend_window(config: &Config, now: i64) -> i64 {
    now.saturating_sub(seconds_to_ms(config.verification.code_resend_seconds))
}

/// Before the start of the longest window any limit counts in (the
/// instance's message budget counts per hour).
/// A budget's bucket counts while its minute overlaps the window.
fn oldest_bucket(config: &Config, now: i64) -> i64 {
    longest_limit_window(config, now).saturating_sub(crate::db::BUCKET_MS)
}

fn longest_limit_window(config: &Config, now: i64) -> i64 {
    let (v, s) = (&config.verification, &config.sign_in);
    let windows = [
        v.failed_attempt_window_seconds,
        v.send_window_seconds,
        60 * 60,
        s.failed_password_window_seconds,
        s.account_window_seconds,
        s.ip_window_seconds,
    ];
    now.saturating_sub(seconds_to_ms(windows.into_iter().max().unwrap_or(0)))
}

/// What one pass deleted, by purge name.
pub type Report = Vec<(&'static str, u64)>;

/// One pass: every purge, batch after batch, at `now`.
pub async fn run_once(store: &Store, config: &Config, now: i64) -> Result<Report, sqlx::Error> {
    let batch_size = config.cleanup.batch_size;
    let mut report = Vec::with_capacity(PURGES.len());
    for purge in PURGES {
        let cutoff = (purge.cutoff)(config, now);
        let mut total = 0;
        loop {
            let deleted = store.purge_batch(purge.statements, cutoff, batch_size).await?;
            total += deleted;
            if deleted < u64::from(batch_size) {
                break;
            }
            // Let requests in between batches.
            tokio::task::yield_now().await;
        }
        report.push((purge.name, total));
    }
    Ok(report)
}

/// Runs a pass every `[cleanup] interval_seconds`, the first one an interval after start.
pub fn spawn(store: Store, config: Arc<Config>, clock: Arc<dyn Clock>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let every = config.cleanup.interval;
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match run_once(&store, &config, clock.now_ms()).await {
                Ok(report) => {
                    let deleted: Vec<_> = report.into_iter().filter(|(_, n)| *n > 0).collect();
                    if !deleted.is_empty() {
                        tracing::info!(?deleted, "cleanup");
                    }
                }
                Err(e) => tracing::error!(error = %e, "cleanup pass failed; trying again at the next interval"),
            }
        }
    })
}
