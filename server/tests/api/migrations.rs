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
    // One task polls every start at once: each has its own pool, so their
    // migrations overlap as those of separate processes would.
    let starts = (0..NODES).map(|_| async {
        let key = MasterKey::parse(TEST_MASTER_KEY, "test").unwrap();
        let store = Store::connect_with(&database.url, Some(key), DatabaseSettings::default()).await?;
        // The first start's other shared step: the code key, made once.
        store.code_key().await?;
        anyhow::Ok(store)
    });
    for started in futures_util::future::join_all(starts).await {
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
