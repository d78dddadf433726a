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

use super::sqlite_error::error;
use super::writer::WriteTurn;
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
const WRITER_CACHE_KIB: i64 = 32 * 1024;

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
        Ok(Inline { conn: Some(conn), busy_off: false, pool: self.0.clone(), role: Role::Pooled(permit) })
    }

    /// The writers' connection, for a writer in its turn (`turn`, so one at
    /// a time), opened at the first write with a [`WRITER_CACHE_KIB`] page
    /// cache. `PoolClosed` once the pool is closed.
    pub(super) fn acquire_writer(&self, _turn: &WriteTurn) -> Result<Inline, sqlx::Error> {
        if self.is_closed() {
            return Err(sqlx::Error::PoolClosed);
        }
        let kept = self.0.writer.lock().expect("the pool's lock is never poisoned").take();
        let conn = match kept {
            Some(conn) => conn,
            None => {
                let conn = connect(&self.0.path)?;
                conn.pragma_update(None, "cache_size", -WRITER_CACHE_KIB).map_err(error)?;
                conn
            }
        };
        Ok(Inline { conn: Some(conn), busy_off: false, pool: self.0.clone(), role: Role::Writer })
    }

    /// Closes the pool: later acquires fail at once. Waits for the
    /// connections in use to come back, then closes them all (the last
    /// close checkpoints the WAL, as SQLite does).
    pub(super) async fn close(&self) {
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
        if !conn.is_autocommit() {
            // A transaction dropped without COMMIT: it ends here, before its
            // writer's turn (`writer`) is handed on.
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

    /// Runs a statement without arguments or rows (`BEGIN IMMEDIATE`, `COMMIT`).
    pub(super) fn command(&mut self, sql: &str) -> Result<(), sqlx::Error> {
        self.conn().prepare_cached(sql).and_then(|mut s| s.raw_execute()).map(drop).map_err(error)
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
mod tests {
    use super::*;
    use sqlx::Row as _;

    fn pool(dir: &tempfile::TempDir) -> SqlitePool {
        SqlitePool::open(&dir.path().join("t.db"), 2).unwrap()
    }

    #[tokio::test]
    async fn every_writer_gets_the_same_connection_with_its_larger_cache_and_readers_others() {
        let dir = tempfile::tempdir().unwrap();
        let pool = pool(&dir);
        let gate = super::super::writer::WriteGate::for_database(super::super::Backend::Sqlite, true);
        let cache_size =
            |conn: &Inline| conn.conn().query_row("PRAGMA cache_size", [], |r| r.get::<_, i64>(0)).unwrap();
        {
            let turn = gate.wait_turn().await.unwrap();
            let mut writer = pool.acquire_writer(&turn).unwrap();
            assert_eq!(cache_size(&writer), -WRITER_CACHE_KIB);
            // A TEMP table lives on its connection only: it shows which one a writer gets.
            writer.run(sqlx::query("CREATE TEMP TABLE mark (n BIGINT)"), false).unwrap();
        }
        {
            let turn = gate.wait_turn().await.unwrap();
            let mut writer = pool.acquire_writer(&turn).unwrap();
            writer.run(sqlx::query("SELECT n FROM mark"), false).expect("the same connection as the last writer");
            writer.begin("BEGIN IMMEDIATE").await.unwrap();
            writer.run(sqlx::query("INSERT INTO mark (n) VALUES (1)"), false).unwrap();
            // Dropped inside its transaction: rolled back, and the connection kept.
        }
        let reader = pool.acquire().await.unwrap();
        assert_eq!(cache_size(&reader), -2000, "SQLite's default for the pooled ones");
        assert!(reader.conn().prepare("SELECT n FROM mark").is_err(), "a reader is another connection");
        drop(reader);
        {
            let turn = gate.wait_turn().await.unwrap();
            let mut writer = pool.acquire_writer(&turn).unwrap();
            assert!(writer.conn().is_autocommit());
            let rows = writer.run(sqlx::query("SELECT n FROM mark"), false).unwrap();
            assert_eq!(rows.len(), 1, "the dropped transaction's row is gone: only the count is answered");
        }
        pool.close().await;
        let turn = gate.wait_turn().await.unwrap();
        assert!(matches!(pool.acquire_writer(&turn), Err(sqlx::Error::PoolClosed)));
    }

    #[tokio::test]
    async fn queries_bind_and_read_as_sqlx_any_does() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = pool(&dir).acquire().await.unwrap();
        conn.run(sqlx::query("CREATE TABLE t (id TEXT PRIMARY KEY, n BIGINT, f BOOLEAN, x REAL, b BLOB)"), false)
            .unwrap();
        let insert = "INSERT INTO t (id, n, f, x, b) VALUES ($1, $2, $3, $4, $5)";
        let done = conn
            .run(sqlx::query(insert).bind("a").bind(7_i64).bind(true).bind(1.5_f64).bind(vec![1_u8, 2]), false)
            .unwrap();
        assert!(matches!(done.last(), Some(Either::Left(r)) if r.rows_affected == 1));
        conn.run(
            sqlx::query(insert).bind("b").bind(None::<i64>).bind(false).bind(0.0_f64).bind(Vec::<u8>::new()),
            false,
        )
        .unwrap();
        // `$1` twice is one argument; the rows come in order, then the count.
        let answer = conn
            .run(
                sqlx::query(
                    "SELECT id, n, CAST(f AS INTEGER) AS f, x, b FROM t WHERE id = $1 OR id < $1 OR $2 = 0 ORDER BY id",
                )
                .bind("b")
                .bind(0_i32),
                false,
            )
            .unwrap();
        let rows: Vec<&AnyRow> = answer.iter().filter_map(|s| s.as_ref().right()).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].try_get::<String, _>("id").unwrap(), "a");
        assert_eq!(rows[0].try_get::<i64, _>("n").unwrap(), 7);
        assert_eq!(rows[0].try_get::<i32, _>("n").unwrap(), 7);
        assert_eq!(rows[0].try_get::<i64, _>("f").unwrap(), 1);
        assert_eq!(rows[0].try_get::<f64, _>("x").unwrap(), 1.5);
        assert_eq!(rows[0].try_get::<Vec<u8>, _>("b").unwrap(), vec![1, 2]);
        assert_eq!(rows[1].try_get::<Option<i64>, _>("n").unwrap(), None);
        assert_eq!(rows[1].try_get::<i64, _>(2).unwrap(), 0);
        assert!(rows[1].try_get::<i64, _>("missing").is_err());
        assert!(matches!(answer.last(), Some(Either::Left(r)) if r.rows_affected == 0), "a read changes nothing");
        let first = conn.run(sqlx::query("SELECT id FROM t ORDER BY id"), true).unwrap();
        assert_eq!(first.iter().filter(|s| s.is_right()).count(), 1);
        // Several statements without arguments (`raw_sql`).
        conn.run(sqlx::raw_sql("UPDATE t SET n = 1; UPDATE t SET n = n + 1"), false).unwrap();
        let n = conn.run(sqlx::query("SELECT SUM(n) AS s FROM t"), true).unwrap();
        assert_eq!(n[0].as_ref().right().unwrap().try_get::<i64, _>("s").unwrap(), 4);
    }

    #[tokio::test]
    async fn a_unique_violation_is_reported_as_sqlx_reports_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = pool(&dir).acquire().await.unwrap();
        conn.run(sqlx::query("CREATE TABLE u (id TEXT PRIMARY KEY, email_address TEXT UNIQUE)"), false).unwrap();
        let insert = || sqlx::query("INSERT INTO u (id, email_address) VALUES ($1, $2)");
        conn.run(insert().bind("1").bind("a@x"), false).unwrap();
        match conn.run(insert().bind("2").bind("a@x"), false) {
            Err(sqlx::Error::Database(e)) => {
                assert!(e.is_unique_violation(), "{e}");
                assert!(e.message().contains("u.email_address"), "{}", e.message());
            }
            other => panic!("not a unique violation: {:?}", other.err()),
        }
        match conn.run(sqlx::query("SELECT nothing FROM u"), false) {
            Err(sqlx::Error::Database(e)) => assert_eq!(e.kind(), sqlx::error::ErrorKind::Other),
            other => panic!("not a database error: {:?}", other.err()),
        }
    }

    #[tokio::test]
    async fn a_transaction_dropped_without_commit_is_rolled_back() {
        let dir = tempfile::tempdir().unwrap();
        let pool = pool(&dir);
        {
            let mut conn = pool.acquire().await.unwrap();
            conn.command("CREATE TABLE t (n BIGINT)").unwrap();
            conn.command("BEGIN IMMEDIATE").unwrap();
            conn.command("INSERT INTO t (n) VALUES (1)").unwrap();
        }
        {
            let mut conn = pool.acquire().await.unwrap();
            conn.command("BEGIN IMMEDIATE").unwrap();
            conn.command("INSERT INTO t (n) VALUES (2)").unwrap();
            conn.command("COMMIT").unwrap();
        }
        let mut a = pool.acquire().await.unwrap();
        let _b = pool.acquire().await.unwrap();
        let rows = a.run(sqlx::query("SELECT n FROM t"), false).unwrap();
        let values: Vec<i64> = rows.iter().filter_map(|s| s.as_ref().right()).map(|r| r.get("n")).collect();
        assert_eq!(values, [2], "the dropped transaction's row is gone, the committed one stays");
        // Both connections are in use: a third waits until one comes back.
        let waiting = tokio::spawn({
            let pool = pool.clone();
            async move { pool.acquire().await.map(drop) }
        });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished());
        drop(a);
        waiting.await.unwrap().unwrap();
        drop(_b);
        pool.close().await;
        assert!(pool.is_closed());
        assert!(matches!(pool.acquire().await, Err(sqlx::Error::PoolClosed)));
    }
}
