//! Group commit: a SQLite file's write transactions that queue one behind
//! another commit together.
//!
//! Every commit appends each page its transaction changed to the WAL, one
//! frame (and two `pwrite`s) a page, and takes and drops SQLite's locks
//! (`fcntl`s); a sign-up flow's three transactions wrote about 44 frames.
//! Transactions one after another change many of the same pages (the last
//! leaf of each table, the inner pages of each index, the rate-limit
//! buckets), so while writers queue (`writer`), their transactions share
//! one: the first opens it (`BEGIN IMMEDIATE`), each writer after it runs
//! inside a savepoint, and a writer that is done either commits the group
//! or, if another writer is queued and the group has room ([`MAX_MEMBERS`]),
//! leaves it open for that one and waits for the commit. So a group's
//! shared pages are written once, and its locks taken once. A writer that
//! finds no one queued at its commit first lets the tasks ready on its
//! async worker run once (`writer::WriteTurn::gather`): with one worker,
//! a transaction otherwise runs from its turn to its commit without
//! yielding, and no writer would ever queue behind it.
//!
//! What a request sees does not change:
//! - No member answers before its group has committed
//!   ([`Pending::committed`]): what it wrote is durable (as durable as
//!   `synchronous = NORMAL` makes any commit) and visible to every reader
//!   when its request answers, as before.
//! - A member that fails rolls back to its savepoint and loses only its
//!   own writes; the first member, which has no savepoint, is alone in
//!   the group (nobody joins before it is done) and rolls the whole
//!   transaction back.
//! - A group that fails to commit (an I/O error, a full disk) is rolled
//!   back, and every member is told: each request fails as its own commit
//!   would have. Members later in a group may have read what earlier ones
//!   wrote, so they fail together, never apart.
//! - A write outside a transaction (`Store` methods of one statement), the
//!   checkpointer's restart and the pool's close commit the open group
//!   first (`inline::SqlitePool::acquire_writer`): their own statements
//!   run outside it.
//! - A member left waiting by a writer that gave up its place in the queue
//!   (its request cancelled) commits the group itself after
//!   [`LEFT_OPEN_WAIT`]: it takes a turn, as any writer outside a
//!   transaction would.

use super::writer::WriteGate;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

/// The most transactions in one group: each member waits for those after
/// it, so this bounds what a write's commit waits for (about a tenth of a
/// millisecond each).
pub(super) const MAX_MEMBERS: usize = 16;

/// How long a member waits for its group's commit before committing it
/// itself (when the writer it was left open for never came).
const LEFT_OPEN_WAIT: Duration = Duration::from_millis(20);

/// The savepoint a member after the first runs in.
pub(super) const SAVEPOINT: &str = "SAVEPOINT group_member";
const RELEASE: &str = "RELEASE group_member";
const ROLLBACK_MEMBER: &str = "ROLLBACK TO group_member";

/// Why a member's group did not commit, as each member is told.
type Outcome = Result<(), Arc<str>>;

/// The members of the open group that are done and wait for its commit.
#[derive(Debug, Default)]
pub(super) struct Group {
    waiting: Mutex<Vec<oneshot::Sender<Outcome>>>,
}

/// Which part of a group a writers' connection's transaction is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Member {
    /// Not in a group (a write outside a transaction).
    None,
    /// The member that opened the group's transaction.
    First,
    /// A member after it, in its savepoint.
    Later,
}

/// A member done with its transaction, waiting for its group to commit.
#[derive(Debug)]
pub(super) struct Pending {
    outcome: oneshot::Receiver<Outcome>,
}

impl Group {
    /// How many members wait for the open group's commit.
    pub(super) fn waiting(&self) -> usize {
        self.waiting.lock().expect("the group's lock is never poisoned").len()
    }

    /// Leaves the open group to the next writer: the caller waits for its
    /// commit.
    pub(super) fn wait_for_commit(&self) -> Pending {
        let (tell, outcome) = oneshot::channel();
        self.waiting.lock().expect("the group's lock is never poisoned").push(tell);
        Pending { outcome }
    }

    /// Commits the open group (if one is open on `conn`) and tells its
    /// waiting members. A commit that fails is rolled back; its error is
    /// every member's, and the caller's.
    pub(super) fn commit(&self, conn: &rusqlite::Connection) -> Result<(), sqlx::Error> {
        if conn.is_autocommit() {
            // SQLite rolled it back itself (after an I/O error or a full disk).
            return self.tell(Err("the database rolled the transaction back".into()));
        }
        match conn.execute_batch("COMMIT") {
            Ok(()) => self.tell(Ok(())),
            Err(e) => {
                // A commit that fails may leave its transaction open (a deferred constraint).
                if !conn.is_autocommit() {
                    let _ = conn.execute_batch("ROLLBACK");
                }
                let error = super::sqlite_error::error(e);
                let _ = self.tell(Err(error.to_string().into()));
                Err(error)
            }
        }
    }

    /// Ends a member that is dropped without committing: it loses its own
    /// writes. A later member rolls back to its savepoint, and the group it
    /// leaves is committed for those waiting on it; the first is alone in
    /// its group and rolls it all back.
    pub(super) fn abandon(&self, conn: &rusqlite::Connection, member: Member) -> rusqlite::Result<()> {
        match member {
            Member::None => Ok(()),
            Member::First => {
                if !conn.is_autocommit() {
                    conn.execute_batch("ROLLBACK")?;
                }
                Ok(())
            }
            Member::Later => {
                if !conn.is_autocommit() {
                    conn.execute_batch(ROLLBACK_MEMBER)?;
                    conn.execute_batch(RELEASE)?;
                }
                if let Err(e) = self.commit(conn) {
                    tracing::warn!(error = %e, "committing a group after one of its members failed");
                }
                Ok(())
            }
        }
    }

    /// Tells every waiting member `outcome`; answers the caller's share
    /// of it.
    fn tell(&self, outcome: Outcome) -> Result<(), sqlx::Error> {
        let waiting = std::mem::take(&mut *self.waiting.lock().expect("the group's lock is never poisoned"));
        for member in waiting {
            let _ = member.send(outcome.clone());
        }
        outcome.map_err(lost)
    }
}

/// A member done: `RELEASE` for a later one (the first has no savepoint).
pub(super) fn release(conn: &rusqlite::Connection, member: Member) -> rusqlite::Result<()> {
    match member {
        Member::Later => conn.execute_batch(RELEASE),
        Member::None | Member::First => Ok(()),
    }
}

impl Pending {
    /// Waits until the group has committed, and answers how it went. If
    /// nobody has committed it after [`LEFT_OPEN_WAIT`] (the writer it was
    /// left for gave up), takes a turn and commits it: taking the writers'
    /// connection outside a transaction commits the open group
    /// (`flush_group`).
    pub(super) async fn committed(
        mut self,
        gate: &WriteGate,
        flush_group: impl FnOnce(&super::writer::WriteTurn) -> Result<(), sqlx::Error>,
    ) -> Result<(), sqlx::Error> {
        let outcome = match tokio::time::timeout(LEFT_OPEN_WAIT, &mut self.outcome).await {
            Ok(outcome) => outcome,
            Err(_) => {
                let turn = gate.wait_turn().await?;
                flush_group(&turn)?;
                drop(turn);
                self.outcome.await
            }
        };
        outcome.unwrap_or_else(|_| Err("the group's transaction was dropped".into())).map_err(lost)
    }
}

/// A group that did not commit, as one member's error.
fn lost(why: Arc<str>) -> sqlx::Error {
    sqlx::Error::Io(std::io::Error::other(format!("a group commit failed: {why}")))
}
