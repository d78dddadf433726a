//! SQLite statements run on the calling thread (a SQLite file).
//!
//! sqlx's SQLite driver gives each connection a worker thread and sends it
//! every statement, and every row back, over a channel: at least two thread
//! wake-ups per statement, for statements that themselves take a few
//! microseconds (the profile in docs/BENCHMARKS.md, "Making the server
//! fast": ~35 statements per sign-up flow, most of its CPU time). Here a
//! connection is a plain `rusqlite::Connection`, and a statement is bound,
//! stepped and read to the end right where the query is awaited: on the
//! async worker thread, with no hand-off.
//!
//! The queries stay sqlx queries (`sqlx::query(..).bind(..)`, the `Any`
//! driver's arguments and rows): [`Inline::run`] takes their SQL and
//! arguments and answers `AnyRow`s, valued the way sqlx's own SQLite→Any
//! mapping values them (by each value's storage class: INTEGER as
//! `BigInt`, REAL as `Double`, TEXT, BLOB, NULL), so every `try_get` in
//! `db/` decodes as it did. Statements are prepared once per connection
//! (rusqlite's statement cache, [`STATEMENT_CACHE`]).
//!
//! The trade-off: a statement now blocks the async worker for as long as it
//! runs. With WAL, one writer at a time in this process (`writer`) and
//! checkpoints on their own task (`checkpoint`), that is microseconds: reads
//! never wait for the writer, and a writer of this process finds the lock
//! free. A writer in *another* process (a second server on the same file,
//! the CLI) may hold the write lock: a transaction's `BEGIN IMMEDIATE`
//! then waits for it on the timer ([`Inline::begin`]), as its task, but a
//! write outside a transaction (the few `Store` methods that write one
//! statement, such as `touch_session`) waits in SQLite's busy handler, up
//! to [`BUSY_TIMEOUT`], and that wait blocks the worker thread and the
//! requests queued on it, not only its task. The server is meant to be the
//! file's one writer; the CLI's writes are single short transactions.
//!
//! The pool ([`SqlitePool`]): at most `max` connections, opened on demand
//! with the pragmas of `backend::open`, taken in turn (a fair semaphore) and
//! handed back on drop; a connection handed back inside a transaction (a
//! `Tx` dropped without commit) is rolled back first. Beside them, one
//! more connection for this process's writers ([`SqlitePool::acquire_writer`]),
//! taken only in a writer's turn (`writer`), so one at a time: SQLite
//! empties a connection's page cache when it finds that another
//! connection changed the file, so with every write on the same
//! connection, its cache ([`WRITER_CACHE_KIB`]) stays valid from one write
//! to the next, and a write reads its pages from memory, not back from the
//! file (the write lock is held meanwhile, so that is time every other
//! writer waits).

use super::group::{self, Group, Member};
use super::sqlite_error::error;
use super::writer::{WriteGate, WriteTurn};
use rusqlite::types::{ToSqlOutput, ValueRef};
use sqlx::any::{AnyArguments, AnyQueryResult, AnyRow, AnyTypeInfo, AnyTypeInfoKind, AnyValue};
use sqlx::{Either, Execute};
use sqlx_core::any::{AnyColumn, AnyValueKind};
use sqlx_core::ext::ustr::UStr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long a statement waits for a lock held by another process (sqlx's
/// default, which the server had before).
pub(super) const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Prepared statements kept per connection: more than the server has
/// distinct statements, so each is compiled once per connection.
const STATEMENT_CACHE: usize = 256;

/// The most a WAL file keeps when it starts over (`journal_size_limit`):
/// one that grew past it (`checkpoint`) is cut back to it.
const KEPT_WAL_BYTES: i64 = 64 * 1024 * 1024;
/// How long a task waits for a connection before failing (sqlx's pool
/// acquire timeout, as before).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);
/// The writers' connection's page cache (`cache_size`), in KiB: SQLite's
/// default is 2,000 KiB; the pages a write touches (a leaf of each index,
/// at a random place for random ids) are read from it, not from the file.
/// Not larger: every commit passes over the cache (SQLite's
/// `pcache1TruncateUnsafe`: 5.7% of the server's CPU in the sign-up
/// benchmark at 32 MiB, 4.2% at 4 MiB), and at 4 MiB the benchmark ran
/// about 5% more flows than at 32 (docs/BENCHMARKS.md, "Session 16").
const WRITER_CACHE_KIB: i64 = 4 * 1024;

/// The connections to one SQLite file.
#[derive(Clone, Debug)]
pub struct SqlitePool(Arc<Shared>);

#[derive(Debug)]
struct Shared {
    path: PathBuf,
    max: u32,
    /// One permit per connection that may be in use.
    permits: Arc<Semaphore>,
    idle: Mutex<Vec<rusqlite::Connection>>,
    /// The writers' connection while no writer has it (none before the
    /// first write).
    writer: Mutex<Option<rusqlite::Connection>>,
    /// The writers' open group commit (`group`), on the writers' connection.
    group: Group,
    closed: AtomicBool,
}

impl SqlitePool {
    /// A pool of at most `max` connections to the file at `path`; one is
    /// opened now, so a file that cannot be opened fails here.
    pub(super) fn open(path: &Path, max: u32) -> Result<SqlitePool, sqlx::Error> {
        let first = connect(path)?;
        Ok(SqlitePool(Arc::new(Shared {
            path: path.to_owned(),
            max,
            permits: Arc::new(Semaphore::new(max as usize)),
            idle: Mutex::new(vec![first]),
            writer: Mutex::new(None),
            group: Group::default(),
            closed: AtomicBool::new(false),
        })))
    }

    /// A connection, once one is free: `PoolTimedOut` after
    /// [`ACQUIRE_TIMEOUT`], `PoolClosed` once the pool is closed.
    pub(super) async fn acquire(&self) -> Result<Inline, sqlx::Error> {
        let permit = match tokio::time::timeout(ACQUIRE_TIMEOUT, self.0.permits.clone().acquire_owned()).await {
            Ok(Ok(permit)) => permit,
            Ok(Err(_)) => return Err(sqlx::Error::PoolClosed),
            Err(_) => return Err(sqlx::Error::PoolTimedOut),
        };
        let idle = self.0.idle.lock().expect("the pool's lock is never poisoned").pop();
        let conn = match idle {
            Some(conn) => conn,
            None => connect(&self.0.path)?,
        };
        Ok(Inline {
            conn: Some(conn),
            busy_off: false,
            pool: self.0.clone(),
            role: Role::Pooled(permit),
            member: Member::None,
        })
    }

    /// The writers' connection, for a writer in its turn (`turn`, so one at
    /// a time) outside a transaction, opened at the first write with a
    /// [`WRITER_CACHE_KIB`] page cache. A group left open (`group`) is
    /// committed first: this writer's statements run outside it.
    /// `PoolClosed` once the pool is closed.
    pub(super) fn acquire_writer(&self, turn: &WriteTurn) -> Result<Inline, sqlx::Error> {
        let conn = self.writers_connection(turn)?;
        if (!conn.conn().is_autocommit() || self.0.group.waiting() > 0)
            && let Err(e) = self.0.group.commit(conn.conn())
        {
            tracing::warn!(error = %e, "a group commit failed; its members are told");
        }
        Ok(conn)
    }

    /// The writers' connection inside a transaction, for a writer in its
    /// turn: a new group's first member (`BEGIN IMMEDIATE`, see
    /// [`Inline::begin`]), or a later member of the open group, in its
    /// savepoint.
    pub(super) async fn join_group(&self, turn: &WriteTurn) -> Result<Inline, sqlx::Error> {
        let mut conn = self.writers_connection(turn)?;
        if conn.conn().is_autocommit() {
            conn.begin("BEGIN IMMEDIATE").await?;
            conn.member = Member::First;
        } else {
            conn.command(group::SAVEPOINT)?;
            conn.member = Member::Later;
        }
        Ok(conn)
    }

    fn writers_connection(&self, _turn: &WriteTurn) -> Result<Inline, sqlx::Error> {
        if self.is_closed() {
            return Err(sqlx::Error::PoolClosed);
        }
        let kept = self.0.writer.lock().expect("the pool's lock is never poisoned").take();
        let conn = match kept {
            Some(conn) => conn,
            None => {
                let conn = connect(&self.0.path)?;
                conn.pragma_update(None, "cache_size", -WRITER_CACHE_KIB).map_err(error)?;
                // A member's savepoint keeps the pages it changes in memory, never in a file.
                conn.pragma_update(None, "temp_store", "MEMORY").map_err(error)?;
                conn
            }
        };
        Ok(Inline { conn: Some(conn), busy_off: false, pool: self.0.clone(), role: Role::Writer, member: Member::None })
    }

    /// Closes the pool: later acquires fail at once. Waits for the
    /// connections in use to come back, then closes them all (the last
    /// close checkpoints the WAL, as SQLite does).
    pub(super) async fn close(&self, gate: &WriteGate) {
        // A group left open is committed, for the members waiting on it.
        if let Ok(turn) = gate.wait_turn().await {
            let _ = self.acquire_writer(&turn);
        }
        if let Ok(all) = self.0.permits.acquire_many(self.0.max).await {
            self.0.closed.store(true, Ordering::SeqCst);
            self.0.permits.close();
            drop(all);
        }
        self.0.closed.store(true, Ordering::SeqCst);
        let idle = std::mem::take(&mut *self.0.idle.lock().expect("the pool's lock is never poisoned"));
        drop(idle);
        drop(self.0.writer.lock().expect("the pool's lock is never poisoned").take());
    }

    pub(super) fn is_closed(&self) -> bool {
        self.0.closed.load(Ordering::SeqCst)
    }

    /// Runs `job` with a pooled connection on tokio's blocking threads, not
    /// inline: for a statement that may take long (a checkpoint copies
    /// pages and syncs the file).
    pub(super) async fn with_blocking<T: Send + 'static>(
        &self,
        job: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, sqlx::Error> {
        let conn = self.acquire().await?;
        match tokio::task::spawn_blocking(move || job(conn.conn()).map_err(error)).await {
            Ok(answer) => answer,
            Err(e) => Err(sqlx::Error::AnyDriverError(Box::new(e))),
        }
    }
}

/// Opens a connection the way the pool's connections are: WAL,
/// `synchronous = NORMAL`, no automatic checkpoint and a WAL cut back to
/// [`KEPT_WAL_BYTES`] when it starts over (`checkpoint`), foreign
/// keys enforced and a busy timeout (sqlx's defaults).
fn connect(path: &Path) -> Result<rusqlite::Connection, sqlx::Error> {
    use rusqlite::OpenFlags;
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = rusqlite::Connection::open_with_flags(path, flags).map_err(error)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(error)?;
    conn.execute_batch(
        "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
         PRAGMA wal_autocheckpoint = 0",
    )
    .map_err(error)?;
    conn.pragma_update_and_check(None, "journal_size_limit", KEPT_WAL_BYTES, |_| Ok(())).map_err(error)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

/// One connection taken from a [`SqlitePool`], until dropped.
#[derive(Debug)]
pub struct Inline {
    conn: Option<rusqlite::Connection>,
    /// Whether `begin` turned SQLite's busy handler off, until it ends.
    busy_off: bool,
    pool: Arc<Shared>,
    role: Role,
    /// The part of a group commit its transaction is (the writers' connection).
    member: Member,
}

/// Which of the pool's connections an [`Inline`] is, and where it goes back.
#[derive(Debug)]
enum Role {
    /// One of the `max`, with its place in the queue.
    Pooled(#[allow(dead_code)] OwnedSemaphorePermit),
    /// The writers' connection.
    Writer,
}

impl Drop for Inline {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        // Dropped while `begin` waited: the busy handler back on.
        if self.busy_off && conn.busy_timeout(BUSY_TIMEOUT).is_err() {
            return;
        }
        if self.member != Member::None {
            // A member dropped without its commit: it loses its own writes,
            // before its writer's turn (`writer`) is handed on.
            if let Err(e) = self.pool.group.abandon(&conn, self.member) {
                tracing::warn!(error = %e, "rolling back a SQLite transaction failed; closing its connection");
                // The whole group goes, and its members are told.
                let _ = conn.execute_batch("ROLLBACK");
                let _ = self.pool.group.commit(&conn);
                return;
            }
        } else if !conn.is_autocommit() && !self.is_open_group() {
            // A transaction dropped without COMMIT (other than a group left
            // open for the next writer): it ends here, before its writer's
            // turn (`writer`) is handed on.
            if let Err(e) = conn.execute_batch("ROLLBACK") {
                tracing::warn!(error = %e, "rolling back a SQLite transaction failed; closing its connection");
                return;
            }
        }
        if !self.pool.closed.load(Ordering::SeqCst) {
            match self.role {
                Role::Pooled(_) => self.pool.idle.lock().expect("the pool's lock is never poisoned").push(conn),
                Role::Writer => *self.pool.writer.lock().expect("the pool's lock is never poisoned") = Some(conn),
            }
        }
    }
}

/// What a query answers: its rows and, last, its count of changed rows.
pub(super) type Answer = Vec<Either<AnyQueryResult, AnyRow>>;

impl Inline {
    /// Whether this is the writers' connection with a group commit left
    /// open in it for the next writer (`group`).
    fn is_open_group(&self) -> bool {
        matches!(self.role, Role::Writer) && self.pool.group.waiting() > 0
    }

    fn conn(&self) -> &rusqlite::Connection {
        self.conn.as_ref().expect("a pooled connection is present until dropped")
    }

    /// Runs a query to its end (or to its first row, `first_only`): binds
    /// its arguments (`$N` names the N-th), steps it and reads its rows.
    pub(super) fn run<'q, E: Execute<'q, sqlx::Any>>(
        &mut self,
        mut query: E,
        first_only: bool,
    ) -> Result<Answer, sqlx::Error> {
        let arguments = query.take_arguments().map_err(sqlx::Error::Encode)?;
        let sql = query.sql();
        let conn = self.conn();
        let mut statement = match conn.prepare_cached(sql.as_str()) {
            Ok(statement) => statement,
            // `raw_sql` with several statements (`PRAGMA ...; PRAGMA ...`).
            Err(rusqlite::Error::MultipleStatement) if arguments.is_none() => {
                conn.execute_batch(sql.as_str()).map_err(error)?;
                return Ok(vec![Either::Left(AnyQueryResult { rows_affected: conn.changes(), last_insert_id: None })]);
            }
            Err(e) => return Err(error(e)),
        };
        let values = arguments.map(|a: AnyArguments| a.values.0).unwrap_or_default();
        for index in 1..=statement.parameter_count() {
            let n = match statement.parameter_name(index) {
                Some(name) => match name.strip_prefix(['$', '?']).and_then(|n| n.parse::<usize>().ok()) {
                    Some(n) => n,
                    None => return Err(sqlx::Error::Protocol(format!("unsupported SQL parameter {name}"))),
                },
                None => index,
            };
            // As sqlx: parameters past the arguments given stay NULL.
            let Some(value) = values.get(n.wrapping_sub(1)) else { break };
            statement.raw_bind_parameter(index, Bind(value)).map_err(error)?;
        }
        let columns: Vec<UStr> = statement.column_names().into_iter().map(UStr::new).collect();
        let names: Arc<sqlx_core::HashMap<UStr, usize>> =
            Arc::new(columns.iter().cloned().enumerate().map(|(i, name)| (name, i)).collect());
        let readonly = statement.readonly();
        let mut answer = Vec::new();
        let mut rows = statement.raw_query();
        while let Some(row) = rows.next().map_err(error)? {
            let mut any = AnyRow {
                column_names: names.clone(),
                columns: Vec::with_capacity(columns.len()),
                values: Vec::with_capacity(columns.len()),
            };
            for (ordinal, name) in columns.iter().enumerate() {
                let kind = match row.get_ref(ordinal).map_err(error)? {
                    ValueRef::Null => AnyValueKind::Null(AnyTypeInfoKind::Null),
                    ValueRef::Integer(i) => AnyValueKind::BigInt(i),
                    ValueRef::Real(f) => AnyValueKind::Double(f),
                    ValueRef::Text(text) => match std::str::from_utf8(text) {
                        Ok(text) => AnyValueKind::Text(Arc::new(text.to_owned())),
                        Err(e) => {
                            return Err(sqlx::Error::ColumnDecode { index: name.to_string(), source: Box::new(e) });
                        }
                    },
                    ValueRef::Blob(blob) => AnyValueKind::Blob(Arc::new(blob.to_vec())),
                };
                let type_info = AnyTypeInfo { kind: type_kind(&kind) };
                any.columns.push(AnyColumn { ordinal, name: name.clone(), type_info });
                any.values.push(AnyValue { kind });
            }
            answer.push(Either::Right(any));
            if first_only {
                break;
            }
        }
        drop(rows);
        let rows_affected = if readonly { 0 } else { conn.changes() };
        answer.push(Either::Left(AnyQueryResult { rows_affected, last_insert_id: None }));
        Ok(answer)
    }

    /// Begins a transaction (`BEGIN IMMEDIATE`), waiting for a write lock
    /// that another process holds *asynchronously*: SQLite's busy handler
    /// is off for this one statement, and a busy answer is tried again
    /// after a sleep on the timer (1 ms, doubling to 50 ms), up to
    /// [`BUSY_TIMEOUT`]. (This process's writers never find the lock taken:
    /// they take turns first, `writer`.) So a foreign writer makes this
    /// task wait, not the worker thread and every task queued on it.
    pub(super) async fn begin(&mut self, statement: &str) -> Result<(), sqlx::Error> {
        let deadline = tokio::time::Instant::now() + BUSY_TIMEOUT;
        let mut pause = Duration::from_millis(1);
        self.conn().busy_timeout(Duration::ZERO).map_err(error)?;
        self.busy_off = true;
        let begun = loop {
            match self.conn().prepare_cached(statement).and_then(|mut s| s.raw_execute()) {
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if e.code == rusqlite::ErrorCode::DatabaseBusy
                        && tokio::time::Instant::now() + pause < deadline =>
                {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                other => break other.map(drop).map_err(error),
            }
        };
        self.conn().busy_timeout(BUSY_TIMEOUT).map_err(error)?;
        self.busy_off = false;
        begun
    }

    /// Ends a group member's transaction (from [`SqlitePool::join_group`]):
    /// commits its group, or, with `keep_open` (another writer is queued)
    /// while the group has room, leaves the group open for the next writer
    /// and answers what to wait on (`group`).
    pub(super) fn release(mut self, keep_open: bool) -> Result<Released, sqlx::Error> {
        let member = std::mem::replace(&mut self.member, Member::None);
        let pool = self.pool.clone();
        let released = group::release(self.conn(), member);
        if let Err(e) = released {
            self.member = member;
            return Err(error(e));
        }
        if keep_open && pool.group.waiting() + 1 < group::MAX_MEMBERS {
            let pending = pool.group.wait_for_commit();
            drop(self);
            return Ok(Released(Some((pending, SqlitePool(pool)))));
        }
        pool.group.commit(self.conn())?;
        Ok(Released(None))
    }

    /// Runs a statement without arguments or rows (`BEGIN IMMEDIATE`, `COMMIT`).
    pub(super) fn command(&mut self, sql: &str) -> Result<(), sqlx::Error> {
        self.conn().prepare_cached(sql).and_then(|mut s| s.raw_execute()).map(drop).map_err(error)
    }
}

/// A write transaction done: committed, or waiting for its group's commit.
#[derive(Debug)]
pub struct Released(Option<(group::Pending, SqlitePool)>);

impl Released {
    /// A transaction committed on its own (PostgreSQL, in-memory SQLite).
    pub(super) fn committed_alone() -> Released {
        Released(None)
    }

    /// Waits for the commit; answers its error, if it failed.
    pub(super) async fn committed(self, gate: &WriteGate) -> Result<(), sqlx::Error> {
        let Some((pending, pool)) = self.0 else { return Ok(()) };
        pending.committed(gate, |turn| pool.acquire_writer(turn).map(drop)).await
    }
}

/// The type of a value read (the column's type is the value's, as sqlx's
/// mapping does).
fn type_kind(kind: &AnyValueKind) -> AnyTypeInfoKind {
    match kind {
        AnyValueKind::BigInt(_) => AnyTypeInfoKind::BigInt,
        AnyValueKind::Double(_) => AnyTypeInfoKind::Double,
        AnyValueKind::Text(_) => AnyTypeInfoKind::Text,
        AnyValueKind::Blob(_) => AnyTypeInfoKind::Blob,
        _ => AnyTypeInfoKind::Null,
    }
}

/// An argument, bound as sqlx's SQLite driver binds it (booleans and
/// integers as INTEGER, floats as REAL), without a copy.
struct Bind<'a>(&'a AnyValueKind);

impl rusqlite::ToSql for Bind<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self.0 {
            AnyValueKind::Null(_) => ValueRef::Null,
            AnyValueKind::Bool(b) => ValueRef::Integer(i64::from(*b)),
            AnyValueKind::SmallInt(i) => ValueRef::Integer(i64::from(*i)),
            AnyValueKind::Integer(i) => ValueRef::Integer(i64::from(*i)),
            AnyValueKind::BigInt(i) => ValueRef::Integer(*i),
            AnyValueKind::Real(f) => ValueRef::Real(f64::from(*f)),
            AnyValueKind::Double(f) => ValueRef::Real(*f),
            AnyValueKind::Text(t) => ValueRef::Text(t.as_bytes()),
            AnyValueKind::TextSlice(t) => ValueRef::Text(t.as_bytes()),
            AnyValueKind::Blob(b) => ValueRef::Blob(b),
            other => {
                return Err(rusqlite::Error::ToSqlConversionFailure(format!("no SQLite value for {other:?}").into()));
            }
        }))
    }
}

#[cfg(test)]
mod tests;
