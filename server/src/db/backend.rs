//! The backend seam: everything that differs between SQLite and PostgreSQL
//! is in this file, but for what only a SQLite file has (`inline`, its
//! connections, whose statements run on the calling thread; `writer.rs`,
//! its writers' queue; `checkpoint.rs`, its WAL checkpoints).
//!
//! Every query in `db/` is written once, as a query of sqlx's `Any` driver
//! ([`Db`]), run on a [`Conn`] (or the [`Pool`]): both are sqlx executors
//! of `Any`. Behind them, per backend:
//! - PostgreSQL (and an in-memory SQLite database): sqlx's own pool,
//!   connections and transactions;
//! - a SQLite file: `inline`'s pool of `rusqlite` connections, which run
//!   each statement where it is awaited, without sqlx's worker thread per
//!   connection (the statements, the arguments and the `AnyRow`s are the
//!   same; see `inline` for the trade-off).
//!
//! What is left to choose per backend:
//! - how a pool is opened ([`open`]): SQLite's file (mode 0600, WAL,
//!   `synchronous = NORMAL`, no automatic checkpoint), PostgreSQL's pool
//!   size, statement timeout and connect retries (`DatabaseSettings`);
//! - the migrations (`server/migrations/sqlite`, `server/migrations/postgres`),
//!   run by sqlx's migrator on both (on a SQLite file through a sqlx
//!   connection of its own, closed before the server's pool opens);
//! - how a write transaction begins ([`Backend::begin_statement`]);
//! - how many rows a budget's minute is spread over
//!   ([`Backend::bucket_shards`]);
//! - the `FOR UPDATE` suffix of a read that locks what it reads
//!   ([`Backend::for_update`]);
//! - reading a BOOLEAN column ([`flag`]): through `Any`, SQLite's BOOLEAN
//!   columns cannot be read as they are (sqlx refuses their declared type),
//!   so queries select them as `CAST(column AS INTEGER)`, which both
//!   backends answer with an integer.

use super::inline::{self, Inline, Released, SqlitePool};
use super::writer::{WriteGate, WriteTurn};
use crate::config::DatabaseSettings;
use anyhow::Context;
use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt as _, TryFutureExt as _};
use sqlx::Row as _;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::any::{AnyQueryResult, AnyRow, AnyStatement, AnyTypeInfo};
use sqlx::migrate::Migrator;
use sqlx::{Either, Execute, Executor, SqlStr};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// The database the server runs on: either backend, chosen by the URL.
pub type Db = sqlx::Any;
/// One row of a query's answer.
pub type DbRow = sqlx::any::AnyRow;

/// One connection, on which the queries of `db/` run (`&mut Conn` is a
/// sqlx executor of the `Any` driver).
#[derive(Debug)]
pub enum Conn {
    /// A pooled sqlx connection (PostgreSQL, in-memory SQLite).
    Pooled(sqlx::pool::PoolConnection<Db>),
    /// A sqlx transaction (PostgreSQL, in-memory SQLite): rolled back if
    /// dropped before its commit.
    Tx(sqlx::Transaction<'static, Db>),
    /// A SQLite file's connection, its statements run on the calling
    /// thread (`inline`).
    Sqlite(Inline),
}

/// The pool of connections.
#[derive(Clone, Debug)]
pub(super) enum Pool {
    /// sqlx's pool: PostgreSQL, and an in-memory SQLite database (one
    /// connection, which must outlive the migrations run on it).
    Sqlx(sqlx::Pool<Db>),
    /// A SQLite file's pool (`inline`).
    Sqlite(SqlitePool),
}

impl Pool {
    /// A connection, once one is free.
    pub(super) async fn acquire(&self) -> Result<Conn, sqlx::Error> {
        Ok(match self {
            Pool::Sqlx(pool) => Conn::Pooled(pool.acquire().await?),
            Pool::Sqlite(pool) => Conn::Sqlite(pool.acquire().await?),
        })
    }

    /// A connection for a writer in its `turn`: a SQLite file's writers'
    /// connection (`inline`), any pooled one otherwise.
    pub(super) async fn acquire_writer(&self, turn: &WriteTurn) -> Result<Conn, sqlx::Error> {
        Ok(match self {
            Pool::Sqlx(pool) => Conn::Pooled(pool.acquire().await?),
            Pool::Sqlite(pool) => Conn::Sqlite(pool.acquire_writer(turn)?),
        })
    }

    /// The writer's connection (as [`Pool::acquire_writer`]) inside a
    /// transaction begun with `statement`.
    pub(super) async fn begin_with(&self, statement: &'static str, turn: &WriteTurn) -> Result<Conn, sqlx::Error> {
        Ok(match self {
            Pool::Sqlx(pool) => Conn::Tx(pool.begin_with(statement).await?),
            Pool::Sqlite(pool) => Conn::Sqlite(pool.join_group(turn).await?),
        })
    }

    /// Closes the pool: every later query fails at once. Waits for the
    /// connections in use to come back (a SQLite file's open group commit,
    /// `group`, is committed first, in a writer's turn at `gate`).
    pub(super) async fn close(&self, gate: &WriteGate) {
        match self {
            Pool::Sqlx(pool) => pool.close().await,
            Pool::Sqlite(pool) => pool.close(gate).await,
        }
    }
}

impl Conn {
    /// Commits the transaction this connection is in (from
    /// [`Pool::begin_with`]); a SQLite file's may wait for its group
    /// (`keep_open`: another writer is queued, see `group`).
    pub(super) async fn commit(self, keep_open: bool) -> Result<Released, sqlx::Error> {
        match self {
            Conn::Tx(tx) => tx.commit().await.map(|()| Released::committed_alone()),
            Conn::Sqlite(conn) => conn.release(keep_open),
            Conn::Pooled(_) => Err(sqlx::Error::Protocol("commit without a transaction".into())),
        }
    }
}

impl<'c> Executor<'c> for &'c mut Conn {
    type Database = Db;

    fn fetch_many<'e, 'q: 'e, E>(self, query: E) -> BoxStream<'e, Result<Either<AnyQueryResult, AnyRow>, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Db>,
    {
        match self {
            Conn::Pooled(conn) => (&mut **conn).fetch_many(query),
            Conn::Tx(tx) => (&mut **tx).fetch_many(query),
            Conn::Sqlite(conn) => answer_stream(conn.run(query, false)),
        }
    }

    fn fetch_optional<'e, 'q: 'e, E>(self, query: E) -> BoxFuture<'e, Result<Option<AnyRow>, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Db>,
    {
        match self {
            Conn::Pooled(conn) => (&mut **conn).fetch_optional(query),
            Conn::Tx(tx) => (&mut **tx).fetch_optional(query),
            Conn::Sqlite(conn) => Box::pin(std::future::ready(conn.run(query, true).map(first_row))),
        }
    }

    fn prepare_with<'e>(
        self,
        sql: SqlStr,
        parameters: &'e [AnyTypeInfo],
    ) -> BoxFuture<'e, Result<AnyStatement, sqlx::Error>>
    where
        'c: 'e,
    {
        match self {
            Conn::Pooled(conn) => (&mut **conn).prepare_with(sql, parameters),
            Conn::Tx(tx) => (&mut **tx).prepare_with(sql, parameters),
            Conn::Sqlite(_) => Box::pin(std::future::ready(Err(unprepared()))),
        }
    }

    fn describe<'e>(self, sql: SqlStr) -> BoxFuture<'e, Result<sqlx::Describe<Db>, sqlx::Error>>
    where
        'c: 'e,
    {
        match self {
            Conn::Pooled(conn) => (&mut **conn).describe(sql),
            Conn::Tx(tx) => (&mut **tx).describe(sql),
            Conn::Sqlite(_) => Box::pin(std::future::ready(Err(unprepared()))),
        }
    }
}

/// A query on the pool: on a connection taken for it.
impl<'p> Executor<'p> for &'p Pool {
    type Database = Db;

    fn fetch_many<'e, 'q: 'e, E>(self, query: E) -> BoxStream<'e, Result<Either<AnyQueryResult, AnyRow>, sqlx::Error>>
    where
        'p: 'e,
        E: 'q + Execute<'q, Db>,
    {
        match self {
            Pool::Sqlx(pool) => pool.fetch_many(query),
            Pool::Sqlite(pool) => {
                Box::pin(futures_util::stream::once(on_pool(pool, query, false)).flat_map(answer_stream))
            }
        }
    }

    fn fetch_optional<'e, 'q: 'e, E>(self, query: E) -> BoxFuture<'e, Result<Option<AnyRow>, sqlx::Error>>
    where
        'p: 'e,
        E: 'q + Execute<'q, Db>,
    {
        match self {
            Pool::Sqlx(pool) => pool.fetch_optional(query),
            Pool::Sqlite(pool) => Box::pin(on_pool(pool, query, true).map_ok(first_row)),
        }
    }

    fn prepare_with<'e>(
        self,
        sql: SqlStr,
        parameters: &'e [AnyTypeInfo],
    ) -> BoxFuture<'e, Result<AnyStatement, sqlx::Error>>
    where
        'p: 'e,
    {
        match self {
            Pool::Sqlx(pool) => pool.prepare_with(sql, parameters),
            Pool::Sqlite(_) => Box::pin(std::future::ready(Err(unprepared()))),
        }
    }

    fn describe<'e>(self, sql: SqlStr) -> BoxFuture<'e, Result<sqlx::Describe<Db>, sqlx::Error>>
    where
        'p: 'e,
    {
        match self {
            Pool::Sqlx(pool) => pool.describe(sql),
            Pool::Sqlite(_) => Box::pin(std::future::ready(Err(unprepared()))),
        }
    }
}

/// Runs `query` on a connection taken from `pool` for it (`one_row`: up to
/// its first row). The query's SQL and arguments are taken out at once, so
/// the work owns what it needs.
fn on_pool<'q, E: 'q + Execute<'q, Db>>(
    pool: &SqlitePool,
    mut query: E,
    one_row: bool,
) -> impl std::future::Future<Output = Result<inline::Answer, sqlx::Error>> + 'static {
    let pool = pool.clone();
    let arguments = query.take_arguments();
    let sql = query.sql();
    async move {
        let arguments = arguments.map_err(sqlx::Error::Encode)?;
        pool.acquire().await?.run((sql, arguments), one_row)
    }
}

/// The inline connections run every query from its SQL; nothing in `db/`
/// prepares a statement of its own.
fn unprepared() -> sqlx::Error {
    sqlx::Error::Protocol("statements are not prepared apart on an inline SQLite connection".into())
}

fn first_row(answer: inline::Answer) -> Option<AnyRow> {
    answer.into_iter().find_map(|step| step.right())
}

fn answer_stream<'e>(
    answer: Result<inline::Answer, sqlx::Error>,
) -> BoxStream<'e, Result<Either<AnyQueryResult, AnyRow>, sqlx::Error>> {
    match answer {
        Ok(steps) => Box::pin(futures_util::stream::iter(steps.into_iter().map(Ok))),
        Err(e) => Box::pin(futures_util::stream::once(std::future::ready(Err(e)))),
    }
}

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database a URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend of a `sqlite:` or `postgres://` (`postgresql://`) URL.
    pub fn of_url(url: &str) -> anyhow::Result<Backend> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            anyhow::bail!("unsupported database URL {url:?}: use sqlite://FILE or postgres://...")
        }
    }

    /// The statement that opens a write transaction. SQLite's `BEGIN
    /// IMMEDIATE` takes the single write lock up front, so two writers queue
    /// instead of failing half-way, and every write transaction is
    /// serialized. PostgreSQL runs READ COMMITTED: concurrent writers
    /// proceed, and the operations that must not interleave say so
    /// themselves (row locks, conditional updates; see `Tx`).
    pub(super) fn begin_statement(self) -> &'static str {
        match self {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        }
    }

    /// Appended to a `SELECT` that loads rows to change them: on PostgreSQL
    /// it locks them until the transaction ends, so a second transaction
    /// loading the same rows waits for the first to commit and then reads
    /// what it wrote. SQLite needs nothing: its write transactions do not
    /// overlap.
    pub(super) fn for_update(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }

    /// How many rows one minute's count of a budget is spread over
    /// (`limit_buckets`). SQLite runs one write transaction at a time, so
    /// one row never makes a writer wait; on PostgreSQL each writer holds
    /// its row's lock to the commit, so a minute is spread over 16 rows.
    pub(super) fn bucket_shards(self) -> u32 {
        match self {
            Backend::Sqlite => 1,
            Backend::Postgres => 16,
        }
    }

    fn migrator(self) -> &'static Migrator {
        match self {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }
}

/// Opens the pool for `url` and brings its schema up to date. A SQLite
/// file is created (mode 0600) if missing; its path is answered too (the
/// master key file lives beside it).
pub(super) async fn open(url: &str, settings: DatabaseSettings) -> anyhow::Result<(Pool, Backend, Option<PathBuf>)> {
    sqlx::any::install_default_drivers();
    let backend = Backend::of_url(url)?;
    let options = AnyConnectOptions::from_str(url).with_context(|| format!("bad database URL {url:?}"))?;
    let (pool_options, database_file) = match backend {
        Backend::Sqlite => {
            let sqlite = sqlx::sqlite::SqliteConnectOptions::from_str(url)
                .with_context(|| format!("bad database URL {url:?}"))?;
            // Each connection to `sqlite::memory:` is a database of its own: keep one.
            let in_memory = url.contains(":memory:") || url.contains("mode=memory");
            if in_memory {
                (AnyPoolOptions::new().max_connections(1), None)
            } else {
                let path = sqlite.get_filename().to_owned();
                create_private(&path)?;
                // This pool only migrates the file (sqlx's migrator); the
                // server's connections are `inline`'s, with the same pragmas.
                // With WAL, NORMAL syncs at checkpoints, not at every commit:
                // a power loss can take back the last commits but never
                // corrupts the database, and commits do not wait on fsync.
                // (FULL would make each sign-up step wait for the disk; the
                // default depends on how SQLite was built, so it is set here.)
                let pool = AnyPoolOptions::new().max_connections(1).after_connect(|conn, _| {
                    Box::pin(async move {
                        // Checkpoints run on a task of their own (`db::checkpoint`).
                        sqlx::raw_sql(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0",
                        )
                        .execute(conn)
                        .await?;
                        Ok(())
                    })
                });
                (pool, Some(path))
            }
        }
        Backend::Postgres => {
            let timeout = settings.statement_timeout_ms;
            let pool = AnyPoolOptions::new().max_connections(settings.max_connections).after_connect(move |conn, _| {
                Box::pin(async move {
                    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("SET statement_timeout = {timeout}")))
                        .execute(conn)
                        .await?;
                    Ok(())
                })
            });
            (pool, None)
        }
    };
    let mut tries = 0;
    let pool = loop {
        match pool_options.clone().connect_with(options.clone()).await {
            Ok(pool) => break pool,
            Err(e) if tries < settings.connect_retries && is_unreachable(&e) => {
                tries += 1;
                tracing::warn!(error = %e, tries, "the database is not reachable yet; trying again in 1 s");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(e) => return Err(e).with_context(|| format!("cannot open the database {}", redact(url))),
        }
    };
    migrate(&pool, backend, settings, database_file.as_deref()).await.context("migrating the database")?;
    let pool = match &database_file {
        // A SQLite file: its statements run inline (`inline`), up to 8
        // connections (reads go on while one writes).
        Some(path) => {
            pool.close().await;
            Pool::Sqlite(
                SqlitePool::open(path, 8).with_context(|| format!("cannot open the database {}", redact(url)))?,
            )
        }
        None => Pool::Sqlx(pool),
    };
    Ok((pool, backend, database_file))
}

/// Brings the schema up to date. On PostgreSQL, on one connection without
/// the statement timeout (a migration may rightly take longer than a
/// request's statement), which it gets back before it returns to the pool.
/// Processes starting at once take turns: on PostgreSQL sqlx's migrator
/// holds an advisory lock (`pg_advisory_lock`); on SQLite, where it locks
/// nothing, the file lock of [`lock_for_migration`].
async fn migrate(
    pool: &sqlx::Pool<Db>,
    backend: Backend,
    settings: DatabaseSettings,
    database_file: Option<&Path>,
) -> anyhow::Result<()> {
    match backend {
        Backend::Sqlite => {
            let _turn = match database_file {
                Some(path) => Some(lock_for_migration(path).await?),
                None => None,
            };
            backend.migrator().run(pool).await?
        }
        Backend::Postgres => {
            let mut conn = pool.acquire().await?;
            sqlx::raw_sql("SET statement_timeout = 0").execute(&mut *conn).await?;
            backend.migrator().run(&mut *conn).await?;
            let timeout = settings.statement_timeout_ms;
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("SET statement_timeout = {timeout}")))
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

/// Takes the exclusive lock (`flock`) of `<database>-migrate-lock`, made
/// beside the SQLite file, waiting while another process holds it; the
/// lock is released when the answered file is dropped. Without it, two
/// processes starting at once on a new file would both apply migration 1,
/// and one would fail. (The database file itself is not locked this way:
/// closing a second descriptor of it would drop SQLite's own locks.)
async fn lock_for_migration(database: &Path) -> anyhow::Result<std::fs::File> {
    let mut path = database.as_os_str().to_owned();
    path.push("-migrate-lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("opening {}", Path::new(&path).display()))?;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            // Polled, not blocking: the holder may be this process's runtime.
            Err(std::fs::TryLockError::WouldBlock) => tokio::time::sleep(Duration::from_millis(20)).await,
            Err(std::fs::TryLockError::Error(e)) => return Err(e).context("locking the database for migration"),
        }
    }
}

/// A failure that waiting may cure (the server is starting, the network is
/// not up yet), not a wrong URL or password.
fn is_unreachable(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut)
}

/// The URL without its password, for error messages.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            format!("{:?}", parsed.as_str())
        }
        _ => format!("{url:?}"),
    }
}

/// Makes the database file readable by its owner only: a new one is made
/// with mode 0600, an existing one more open is narrowed to it. SQLite
/// gives its `-wal` and `-shm` files the mode of the database file.
fn create_private(path: &Path) -> anyhow::Result<()> {
    match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => crate::master_key::restrict(path),
        Err(e) => Err(e).with_context(|| format!("creating the database file {}", path.display())),
    }
}

/// Reads a BOOLEAN column that the query selected as `CAST(col AS INTEGER)`.
pub(super) fn flag(row: &DbRow, column: &str) -> Result<bool, sqlx::Error> {
    Ok(row.try_get::<i64, _>(column)? != 0)
}

#[cfg(test)]
mod tests {
    use super::Backend;

    #[test]
    fn the_url_names_the_backend() {
        assert_eq!(Backend::of_url("sqlite://g.db").unwrap(), Backend::Sqlite);
        assert_eq!(Backend::of_url("sqlite::memory:").unwrap(), Backend::Sqlite);
        assert_eq!(Backend::of_url("postgres://gh@db/gatehouse").unwrap(), Backend::Postgres);
        assert_eq!(Backend::of_url("postgresql://gh@db/gatehouse").unwrap(), Backend::Postgres);
        let refused = Backend::of_url("mysql://gh@db/gatehouse").unwrap_err().to_string();
        assert!(refused.contains("unsupported database URL"), "{refused}");
    }

    #[test]
    fn only_postgres_locks_rows_and_only_sqlite_begins_immediate() {
        assert_eq!((Backend::Sqlite.for_update(), Backend::Postgres.for_update()), ("", " FOR UPDATE"));
        assert_eq!(Backend::Sqlite.begin_statement(), "BEGIN IMMEDIATE");
        assert_eq!(Backend::Postgres.begin_statement(), "BEGIN");
    }

    #[test]
    fn a_password_is_not_repeated_in_errors() {
        assert_eq!(super::redact("postgres://gh:hunter2@db/g"), "\"postgres://gh:***@db/g\"");
    }
}
