//! The queue of this process's SQLite writers.
//!
//! SQLite has one write lock per database. A `BEGIN IMMEDIATE` that finds
//! it taken does not queue: SQLite's busy handler sleeps and tries again,
//! with sleeps that grow to 100 ms, so under load writers wake to find the
//! lock taken again, and the unlucky ones wait far longer than the
//! transactions ahead of them took (the sign-up benchmark's p99). So each
//! write here first takes its turn at a [`WriteGate`]: a fair (first come,
//! first served) async queue of one, held until its transaction ends. The
//! lock is then free whenever a writer of this process asks for it, and
//! waiting writers hold no pooled connection, which stays free for reads
//! (WAL: reads never wait for the writer).
//!
//! With a SQLite file's statements run inline (`inline`), the turn is
//! also what keeps a write from blocking an async worker: a write that
//! skipped it and met the lock taken would sleep in SQLite's busy handler
//! on that thread, possibly the very thread the lock's holder needs to
//! reach its commit. So every write of a `Store` method takes its turn,
//! not only transactions.
//!
//! A writer in its turn knows whether others wait behind it
//! ([`WriteTurn::others_waiting`]): if so, it leaves its group commit open
//! for them (`group`). If not, it first lets the tasks ready on its worker
//! run once ([`WriteTurn::gather`]), so that the writers among them queue.
//!
//! Writers in another process (a second server on the same file, the
//! `gatehouse-server` CLI) still meet at SQLite's lock and its busy
//! handler, as before. PostgreSQL and an in-memory SQLite database (one
//! connection) have no gate.

use super::Backend;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long a writer waits for its turn before failing: sqlx's pool
/// acquire timeout (30 s), the longest a writer waited for a connection
/// before there was a queue (a writer then waited for its connection,
/// then up to SQLite's 5 s busy timeout for the lock).
const MAX_WAIT: Duration = Duration::from_secs(30);

/// The queue; `None` where there is nothing to queue for.
#[derive(Clone, Debug)]
pub(super) struct WriteGate(Option<Arc<Gate>>);

/// A gate's two places, each a fair (first come, first served) semaphore
/// of one. A writer waits in `queue` for its place at the head, then for
/// `lock`, and holds both until its turn ends. The checkpointer
/// ([`WriteGate::wait_turn_next`]) waits for `lock` alone: it goes after
/// the writer at the head, ahead of the rest of the queue.
#[derive(Debug)]
struct Gate {
    queue: Arc<Semaphore>,
    lock: Arc<Semaphore>,
    /// Writers waiting for their place in `queue` (a writer in its turn
    /// leaves its group commit open for them, `group`).
    queued: AtomicUsize,
}

/// One writer's turn, until dropped: the lock, and the place at the head
/// of the queue for a writer (none for a turn taken ahead of the queue).
#[derive(Debug)]
pub(super) struct WriteTurn {
    held: Option<(OwnedSemaphorePermit, Option<OwnedSemaphorePermit>)>,
    gate: Option<Arc<Gate>>,
}

/// A writer counted in [`Gate::queued`] until it has its place or gives up.
struct Queued<'a>(&'a AtomicUsize);

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl WriteGate {
    /// The gate of a database: one for a SQLite file, none otherwise.
    pub(super) fn for_database(backend: Backend, is_file: bool) -> WriteGate {
        WriteGate((backend == Backend::Sqlite && is_file).then(|| {
            Arc::new(Gate {
                queue: Arc::new(Semaphore::new(1)),
                lock: Arc::new(Semaphore::new(1)),
                queued: AtomicUsize::new(0),
            })
        }))
    }

    /// Waits for this writer's turn (tokio's semaphore is fair), at most
    /// [`MAX_WAIT`]; then answers the pool's timeout, as a busy database would.
    pub(super) async fn wait_turn(&self) -> Result<WriteTurn, sqlx::Error> {
        let Some(gate) = &self.0 else { return Ok(WriteTurn { held: None, gate: None }) };
        let turn = async {
            gate.queued.fetch_add(1, Ordering::SeqCst);
            let queued = Queued(&gate.queued);
            let place = gate.queue.clone().acquire_owned().await?;
            drop(queued);
            let lock = gate.lock.clone().acquire_owned().await?;
            Ok::<_, tokio::sync::AcquireError>(WriteTurn { held: Some((lock, Some(place))), gate: Some(gate.clone()) })
        };
        match tokio::time::timeout(MAX_WAIT, turn).await {
            Ok(Ok(turn)) => Ok(turn),
            Ok(Err(_)) | Err(_) => Err(sqlx::Error::PoolTimedOut),
        }
    }

    /// Waits for the turn after the writer now at the head of the queue,
    /// ahead of every other writer waiting, at most [`MAX_WAIT`]: for the
    /// checkpointer, which copies what the writers committed while they
    /// wait (`checkpoint`). Waiting behind the whole queue, it would then
    /// copy, with every writer held, all that the queue ahead of it wrote.
    pub(super) async fn wait_turn_next(&self) -> Result<WriteTurn, sqlx::Error> {
        let Some(gate) = &self.0 else { return Ok(WriteTurn { held: None, gate: None }) };
        match tokio::time::timeout(MAX_WAIT, gate.lock.clone().acquire_owned()).await {
            Ok(Ok(lock)) => Ok(WriteTurn { held: Some((lock, None)), gate: Some(gate.clone()) }),
            Ok(Err(_)) | Err(_) => Err(sqlx::Error::PoolTimedOut),
        }
    }
}

impl WriteTurn {
    /// Whether another writer waits for its turn behind this one.
    pub(super) fn others_waiting(&self) -> bool {
        self.gate.as_ref().is_some_and(|gate| gate.queued.load(Ordering::SeqCst) > 0)
    }

    /// Lets the tasks ready to run on this worker run first, once, when no
    /// writer waits behind this one yet: a request among them that writes
    /// queues behind this writer, which then leaves its group commit open
    /// for it (`group`). Without this, one async worker runs each
    /// transaction from its turn to its commit without yielding, so no
    /// writer is ever queued at a commit and every group has one member.
    pub(super) async fn gather(&self) {
        if self.held.as_ref().is_some_and(|(_, place)| place.is_some()) && !self.others_waiting() {
            tokio::task::yield_now().await;
        }
    }

    /// Ends this turn and lets the next writer in the queue run before
    /// the rest of this task does. The next writer's task was woken onto
    /// this worker thread, where it would otherwise wait (tokio runs a task
    /// woken by another next, once that one yields) while this task goes on
    /// to answer its request, and the write lock would stand idle meanwhile.
    pub(super) async fn hand_on(self) {
        let queued = self.held.is_some();
        drop(self);
        if queued {
            tokio::task::yield_now().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer of its own task, waiting for its turn at `gate`.
    fn queue_writer(gate: &WriteGate) -> tokio::task::JoinHandle<Result<(), sqlx::Error>> {
        let gate = gate.clone();
        tokio::spawn(async move { gate.wait_turn().await.map(drop) })
    }

    #[tokio::test]
    async fn writers_of_a_sqlite_file_take_turns_and_others_pass() {
        let gate = WriteGate::for_database(Backend::Sqlite, true);
        let first = gate.wait_turn().await.unwrap();
        let second = queue_writer(&gate);
        tokio::task::yield_now().await;
        assert!(!second.is_finished(), "the second writer waits while the first holds its turn");
        drop(first);
        second.await.unwrap().unwrap();
        for (backend, is_file) in [(Backend::Postgres, false), (Backend::Sqlite, false)] {
            let gate = WriteGate::for_database(backend, is_file);
            let _a = gate.wait_turn().await.unwrap();
            let _b = gate.wait_turn().await.unwrap();
        }
    }

    /// The writer that hands its turn on lets the next one run before it
    /// goes on (to answer its request): the lock does not stand idle.
    #[tokio::test]
    async fn a_writer_handing_its_turn_on_lets_the_next_run_first() {
        let gate = WriteGate::for_database(Backend::Sqlite, true);
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let first = gate.wait_turn().await.unwrap();
        let next = tokio::spawn({
            let (gate, order) = (gate.clone(), order.clone());
            async move {
                let _turn = gate.wait_turn().await.unwrap();
                order.lock().unwrap().push("the next writer");
            }
        });
        tokio::task::yield_now().await;
        first.hand_on().await;
        order.lock().unwrap().push("the first writer goes on");
        next.await.unwrap();
        assert_eq!(*order.lock().unwrap(), ["the next writer", "the first writer goes on"]);
    }

    /// A writer about to commit with no one queued behind it lets the
    /// tasks ready on its worker run first: a writer among them queues
    /// behind it, so the first leaves its group commit open for it.
    #[tokio::test]
    async fn a_writer_gathering_lets_a_ready_writer_queue_behind_it() {
        let gate = WriteGate::for_database(Backend::Sqlite, true);
        let first = gate.wait_turn().await.unwrap();
        let next = queue_writer(&gate);
        assert!(!first.others_waiting(), "the next writer has not run yet");
        first.gather().await;
        assert!(first.others_waiting(), "the next writer ran, and waits behind the first");
        first.hand_on().await;
        next.await.unwrap().unwrap();
    }

    /// The checkpointer's turn comes right after the writer holding the
    /// lock, before the writers queued behind that one.
    #[tokio::test]
    async fn the_next_turn_goes_ahead_of_the_queue_but_after_the_writer_at_work() {
        let gate = WriteGate::for_database(Backend::Sqlite, true);
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let at_work = gate.wait_turn().await.unwrap();
        let spawn = |name: &'static str, next: bool| {
            let (gate, order) = (gate.clone(), order.clone());
            tokio::spawn(async move {
                let turn = if next { gate.wait_turn_next().await } else { gate.wait_turn().await }.unwrap();
                order.lock().unwrap().push(name);
                tokio::task::yield_now().await;
                drop(turn);
            })
        };
        let queued = [spawn("first queued", false), spawn("second queued", false)];
        tokio::task::yield_now().await;
        let checkpointer = spawn("checkpointer", true);
        tokio::task::yield_now().await;
        assert!(order.lock().unwrap().is_empty(), "everyone waits while a writer is at work");
        drop(at_work);
        checkpointer.await.unwrap();
        for writer in queued {
            writer.await.unwrap();
        }
        assert_eq!(*order.lock().unwrap(), ["checkpointer", "first queued", "second queued"]);
        for (backend, is_file) in [(Backend::Postgres, false), (Backend::Sqlite, false)] {
            let gate = WriteGate::for_database(backend, is_file);
            let _a = gate.wait_turn().await.unwrap();
            let _b = gate.wait_turn_next().await.unwrap();
        }
    }
}
