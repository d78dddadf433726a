//! The database a test app runs on, by `GATEHOUSE_TEST_BACKEND`: unset or
//! `sqlite`, a file in a temporary directory; `postgres`, a fresh database
//! `gh_test_<pid>_<n>` on the PostgreSQL at `GATEHOUSE_TEST_POSTGRES_URL`
//! (default `postgres://postgres@127.0.0.1:5432/postgres`), dropped when
//! the last app over it is dropped.
//!
//! Tests that build their own `sqlite://` URL, or read the file itself
//! (`TestApp::db_path`), run on SQLite under either setting.

pub use gatehouse_server::db::Backend;
use gatehouse_server::master_key::MasterKey;
use sqlx::Connection;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use tempfile::TempDir;

/// Where the test databases are made, unless `GATEHOUSE_TEST_POSTGRES_URL` says.
const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
/// PostgreSQL has no file to keep a master key beside: tests give this one.
pub const TEST_MASTER_KEY: &str = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a";

/// The backend `GATEHOUSE_TEST_BACKEND` asks for.
pub fn backend() -> Backend {
    match std::env::var("GATEHOUSE_TEST_BACKEND").as_deref() {
        Err(_) | Ok("" | "sqlite") => Backend::Sqlite,
        Ok("postgres") => Backend::Postgres,
        Ok(other) => panic!("GATEHOUSE_TEST_BACKEND={other:?}: use sqlite or postgres"),
    }
}

/// The maintenance database tests make and drop theirs from.
pub fn admin_url() -> String {
    std::env::var("GATEHOUSE_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned())
}

/// One test database, shared by the nodes (and restarts) of one test.
pub struct TestDatabase {
    pub url: String,
    pub backend: Backend,
    dir: TempDir,
    /// The PostgreSQL database to drop at the end.
    postgres_name: Option<String>,
}

impl TestDatabase {
    pub async fn create() -> TestDatabase {
        let dir = tempfile::tempdir().expect("a temporary directory");
        match backend() {
            Backend::Sqlite => {
                let url = format!("sqlite://{}", dir.path().join("gatehouse-test.db").display());
                TestDatabase { url, backend: Backend::Sqlite, dir, postgres_name: None }
            }
            Backend::Postgres => {
                static NEXT: AtomicU32 = AtomicU32::new(0);
                let name = format!("gh_test_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
                let admin = admin_url();
                let mut conn = sqlx::PgConnection::connect(&admin).await.expect("PostgreSQL is reachable");
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                    .execute(&mut conn)
                    .await
                    .expect("dropping a leftover test database");
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await
                    .expect("creating the test database");
                let _ = conn.close().await;
                let mut url = url::Url::parse(&admin).expect("a PostgreSQL URL");
                url.set_path(&name);
                TestDatabase { url: url.to_string(), backend: Backend::Postgres, dir, postgres_name: Some(name) }
            }
        }
    }

    /// The SQLite file (on PostgreSQL, a path in an empty directory).
    pub fn sqlite_path(&self) -> PathBuf {
        self.dir.path().join("gatehouse-test.db")
    }

    /// The master key the app must be given (`None`: SQLite's key file).
    pub fn master_key(&self) -> Option<MasterKey> {
        (self.backend == Backend::Postgres).then(|| MasterKey::parse(TEST_MASTER_KEY, "test").unwrap())
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some(name) = self.postgres_name.take() else { return };
        // Drop runs inside the test's runtime: drop the database from a
        // thread with a runtime of its own. FORCE ends the app's connections.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async {
                let mut conn = sqlx::PgConnection::connect(&admin_url()).await?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                    .execute(&mut conn)
                    .await?;
                conn.close().await?;
                Ok::<_, anyhow::Error>(())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop a test database: {dropped:?}");
        }
    }
}
