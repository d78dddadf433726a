//! SQLite's WAL checkpoints, on a task of their own.
//!
//! In WAL mode every commit appends pages to the `-wal` file, and a
//! checkpoint copies them back into the database file, with an `fsync` of
//! each (the only syncs `synchronous = NORMAL` makes). By default SQLite
//! runs one inside whichever commit finds the WAL past 1,000 pages: that
//! request then waits for the copy and both syncs, tens of milliseconds on
//! a busy disk, while every writer queued behind it waits too (the write
//! lock is held through it). So the pool's connections turn the automatic
//! checkpoint off (`PRAGMA wal_autocheckpoint = 0`, in `inline::connect`)
//! and this task runs a `PASSIVE` checkpoint every [`EVERY`] on a pooled
//! connection, on tokio's blocking threads (the pool's other statements run
//! inline, `inline`; a checkpoint's copy and syncs must not hold an async
//! worker): it takes no lock that writers wait on, and copies what no
//! reader still needs. Closing the last connection checkpoints what is
//! left, as SQLite always does, so a process that opens the database
//! without this task (a test, the CLI) leaves no WAL behind either.

use super::inline::SqlitePool;
use std::time::Duration;

/// How often the WAL is checkpointed.
const EVERY: Duration = Duration::from_millis(250);

/// The running task; stopped when the last clone is dropped.
#[derive(Debug)]
pub(super) struct Checkpoints(tokio::task::JoinHandle<()>);

impl Drop for Checkpoints {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Starts checkpointing the pool's database until the pool closes or the
/// answer is dropped.
pub(super) fn start(pool: SqlitePool) -> Checkpoints {
    Checkpoints(tokio::spawn(async move {
        let mut every = tokio::time::interval(EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if pool.is_closed() {
                return;
            }
            if let Err(e) = pool.run_blocking("PRAGMA wal_checkpoint(PASSIVE)").await {
                if pool.is_closed() {
                    return;
                }
                tracing::warn!(error = %e, "checkpointing the SQLite WAL failed; trying again");
            }
        }
    }))
}
