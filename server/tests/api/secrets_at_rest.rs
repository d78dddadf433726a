//! Secrets at rest: the database's secrets are sealed with a master key
//! kept outside it, so a copy of the database alone mints no JWT. A server
//! given another master key refuses the database; the files are private.
//! (That the file holds no key in the clear is `db::tests`.)

use crate::helpers::{dev, on_sqlite, spawn_app};
use gatehouse_server::Options;
use gatehouse_server::build_app;
use gatehouse_server::clock::ManualClock;
use gatehouse_server::config::Config;
use gatehouse_server::master_key::{MasterKey, key_file};
use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).permissions().mode() & 0o777
}

#[tokio::test]
async fn the_database_and_its_master_key_file_are_private() {
    if !on_sqlite("the_database_and_its_master_key_file_are_private") {
        return;
    }
    let app = spawn_app().await;
    app.client().create_sign_up(serde_json::json!({ "email_address": "cersei@example.com" })).await.response();
    let mut wal = app.db_path.as_os_str().to_owned();
    wal.push("-wal");
    for file in [app.db_path.clone(), key_file(&app.db_path), wal.into()] {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
}

#[tokio::test]
async fn a_server_with_another_master_key_refuses_the_database() {
    if !on_sqlite("a_server_with_another_master_key_refuses_the_database") {
        return;
    }
    let app = spawn_app().await;
    let url = format!("sqlite://{}", app.db_path.display());
    let clock = Arc::new(ManualClock::starting_now());
    let wrong =
        Options { master_key: Some(MasterKey::generate("GATEHOUSE_MASTER_KEY")), listen: Some(app.addr), ..dev() };
    let refused = build_app(Config::default(), &url, wrong, clock.clone()).await.err().expect("the start is refused");
    let message = format!("{refused:#}");
    let names_the_key = message.contains("GATEHOUSE_MASTER_KEY");
    assert!(names_the_key && message.contains("not the key this database was sealed with"), "{message}");

    // The real binary says so and exits non-zero.
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_gatehouse-server"))
        .args(["--dev", "--listen", "127.0.0.1:0", "--database-url", &url])
        .env("GATEHOUSE_MASTER_KEY", "ab".repeat(32))
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr).into_owned() + &String::from_utf8_lossy(&output.stdout);
    assert!(said.contains("not the key this database was sealed with"), "{said}");

    // The key that sealed it still opens it.
    let text = std::fs::read_to_string(key_file(&app.db_path)).unwrap();
    let right =
        Options { master_key: Some(MasterKey::parse(&text, "the key file").unwrap()), listen: Some(app.addr), ..dev() };
    build_app(Config::default(), &url, right, clock).await.expect("the right key opens the database");
}

#[tokio::test]
async fn a_master_key_that_is_not_32_bytes_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("g.db").display());
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_gatehouse-server"))
        .args(["--dev", "--listen", "127.0.0.1:0", "--database-url", &url])
        .env("GATEHOUSE_MASTER_KEY", "too short")
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr).into_owned() + &String::from_utf8_lossy(&output.stdout);
    assert!(said.contains("GATEHOUSE_MASTER_KEY") && said.contains("32 bytes"), "{said}");
}

/// PostgreSQL has no file to keep a master key beside: without
/// `GATEHOUSE_MASTER_KEY` the server refuses to start, rather than seal the
/// secrets with a key that dies with the process. (It says so before it
/// connects: no PostgreSQL is needed here.)
#[tokio::test]
async fn postgres_without_a_master_key_stops_the_start() {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_gatehouse-server"))
        .args(["--dev", "--listen", "127.0.0.1:0", "--database-url", "postgres://gatehouse@127.0.0.1:1/gatehouse"])
        .env_remove("GATEHOUSE_MASTER_KEY")
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr).into_owned() + &String::from_utf8_lossy(&output.stdout);
    assert!(said.contains("PostgreSQL database needs the master key in GATEHOUSE_MASTER_KEY"), "{said}");
}
