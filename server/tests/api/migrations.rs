//! Nodes that start at once over one new database: each runs the
//! migrations at start, and they must not race. On PostgreSQL sqlx's
//! migrator holds an advisory lock (`pg_advisory_lock`) while it applies
//! them, so the first node migrates and the others find the work done; on
//! SQLite, where it locks nothing, the server holds a file lock
//! (`<database>-migrate-lock`) while it migrates.

use crate::backend::{TEST_MASTER_KEY, TestDatabase};
use gatehouse_server::config::DatabaseSettings;
use gatehouse_server::db::Store;
use gatehouse_server::master_key::MasterKey;

/// Nodes started at once in the test.
const NODES: usize = 6;

#[tokio::test]
async fn nodes_starting_at_once_over_a_new_database_apply_each_migration_once() {
    let database = TestDatabase::create().await;
    // Each node starts on a thread and a runtime of its own, as a process
    // would: a node waiting on the database blocks only its own thread.
    // (On one runtime, a node waiting in SQLite's busy handler for a lock
    // would also stop the node holding that lock from ever releasing it.)
    let everyone_ready = std::sync::Arc::new(std::sync::Barrier::new(NODES));
    let nodes: Vec<_> = (0..NODES)
        .map(|_| {
            let (url, everyone_ready) = (database.url.clone(), everyone_ready.clone());
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
                everyone_ready.wait();
                runtime.block_on(async {
                    let key = MasterKey::parse(TEST_MASTER_KEY, "test")?;
                    let store = Store::connect_with(&url, Some(key), DatabaseSettings::default()).await?;
                    // The first start's other shared step: the code key, made once.
                    store.code_key().await?;
                    store.close().await;
                    anyhow::Ok(())
                })
            })
        })
        .collect();
    for node in nodes {
        let started = node.join().expect("a node's thread panicked");
        started.unwrap_or_else(|e| panic!("a node failed to start: {e:#}"));
    }
    let mut db = {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        sqlx::AnyConnection::connect(&database.url).await.unwrap()
    };
    let (applied, versions): (i64, i64) =
        sqlx::query_as("SELECT COUNT(*), COUNT(DISTINCT version) FROM _sqlx_migrations WHERE success")
            .fetch_one(&mut db)
            .await
            .unwrap();
    let expected = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite")).unwrap().count();
    assert_eq!((applied, versions), (expected as i64, expected as i64), "each migration applied once");
    let keys: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM server_secrets WHERE name = 'code_hmac_key'")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(keys, 1, "one code key for all nodes");
}
