//! `/healthz`, the environment, the dev outbox, the static directories and
//! paths that do not exist.

use crate::helpers::{Backend, Mode, TestClient, spawn_app, spawn_app_with};
use gatehouse_server::Options;
use gatehouse_server::config::Config;

#[tokio::test]
async fn healthz_answers_ok() {
    let app = spawn_app().await;
    let answer = app.client().get("/healthz").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, serde_json::json!({ "status": "ok" }));
}

/// `/readyz` asks the database: 200 while it answers, 503 JSON while it
/// does not (on PostgreSQL: the database refuses connections and the
/// node's are cut; on SQLite, which has no server to lose, the node's pool
/// is closed), and `/healthz` stays 200 throughout.
#[tokio::test]
async fn readyz_answers_503_while_the_database_does_not_answer() {
    let app = spawn_app().await;
    let client = app.client();
    let ready = client.get("/readyz").await;
    assert_eq!((ready.status, &ready.body), (200, &serde_json::json!({ "status": "ready" })));
    // On PostgreSQL, from the maintenance database: the app's own may not
    // refuse connections while one is connected to it.
    let mut admin = None;
    match app.backend() {
        Backend::Postgres => {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&crate::backend::admin_url()).await.unwrap();
            let database = app.database_name();
            let refuse = format!("ALTER DATABASE \"{database}\" WITH ALLOW_CONNECTIONS false");
            sqlx::raw_sql(sqlx::AssertSqlSafe(refuse)).execute(&mut conn).await.unwrap();
            sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1")
                .bind(&database)
                .execute(&mut conn)
                .await
                .unwrap();
            admin = Some(conn);
        }
        Backend::Sqlite => app.state.store.close().await,
    }
    // A pooled connection cut under it may fail once more: the first
    // answer may already be the new connection's refusal.
    for _ in 0..2 {
        let down = client.get("/readyz").await;
        assert_eq!(down.status, 503, "{}", down.text);
        assert_eq!(down.header("content-type").as_deref(), Some("application/json"));
        assert_eq!(
            (down.body["status"].as_str(), down.body["database"].as_str()),
            (Some("unavailable"), Some("error"))
        );
    }
    assert_eq!(client.get("/healthz").await.status, 200, "the process itself is alive");
    if let Some(mut conn) = admin {
        let allow = format!("ALTER DATABASE \"{}\" WITH ALLOW_CONNECTIONS true", app.database_name());
        sqlx::raw_sql(sqlx::AssertSqlSafe(allow)).execute(&mut conn).await.unwrap();
        assert_eq!(client.get("/readyz").await.status, 200, "ready again once the database answers");
    }
}

#[tokio::test]
async fn the_environment_shows_the_default_settings() {
    let app = spawn_app().await;
    let answer = app.client().get("/v1/environment").await;
    assert_eq!(answer.status, 200);
    let env = &answer.body;
    assert_eq!(env["object"], "environment");
    assert_eq!(env["dev_mode"], true);
    assert_eq!(env["sign_up"]["mode"], "public");
    let attrs = &env["sign_up"]["attributes"];
    assert_eq!(attrs["email_address"]["required"], true);
    assert_eq!(attrs["email_address"]["verify_at_sign_up"], true);
    assert_eq!(attrs["email_address"]["verification_strategies"], serde_json::json!(["email_code", "email_link"]));
    assert_eq!(attrs["phone_number"]["enabled"], true);
    assert_eq!(attrs["phone_number"]["required"], false);
    assert_eq!(attrs["phone_number"]["verification_strategies"], serde_json::json!(["phone_code"]));
    assert_eq!(attrs["password"]["required"], true);
    assert_eq!(attrs["first_name"]["enabled"], true);
    assert_eq!(attrs["first_name"]["required"], false);
    for off in ["username", "legal_accepted", "web3_wallet"] {
        assert_eq!(attrs[off]["enabled"], false, "{off}");
    }
    assert_eq!(env["password_settings"], serde_json::json!({ "min_length": 8, "max_length": 256 }));
    assert_eq!(env["username_settings"], serde_json::json!({ "min_length": 3, "max_length": 64 }));
}

#[tokio::test]
async fn the_outbox_exists_only_in_dev_mode() {
    let dev = spawn_app().await;
    assert_eq!(dev.outbox().await, Vec::<serde_json::Value>::new());

    let prod = spawn_app_with(Config::default(), Options::default()).await;
    let client = prod.client();
    client.get("/v1/dev/outbox").await.assert_error(404, "resource_not_found");
    assert_eq!(client.get("/v1/environment").await.body["dev_mode"], false);
}

#[tokio::test]
async fn unknown_paths_answer_json_404_and_wrong_methods_405_with_allow() {
    let app = spawn_app().await;
    let client = app.client();
    client.get("/v1/nothing/here").await.assert_error(404, "resource_not_found");
    client.get("/nothing").await.assert_error(404, "resource_not_found");
    let answer = client.send(reqwest::Method::DELETE, "/v1/environment", None).await;
    answer.assert_error(405, "method_not_allowed");
    assert_eq!(answer.header("allow").as_deref(), Some("GET,HEAD"));
    let answer = client.send(reqwest::Method::TRACE, "/v1/client/sign_ups", None).await;
    answer.assert_error(405, "method_not_allowed");
    assert_eq!(answer.header("allow").as_deref(), Some("POST"));
}

#[tokio::test]
async fn www_and_pkg_are_served_with_their_content_types() {
    let dir = tempfile::tempdir().unwrap();
    let (www, pkg) = (dir.path().join("www"), dir.path().join("pkg"));
    std::fs::create_dir_all(&www).unwrap();
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(www.join("index.html"), "<!doctype html><title>Gatehouse demo</title>").unwrap();
    std::fs::write(pkg.join("gatehouse.js"), "export default function init() {}").unwrap();
    std::fs::write(pkg.join("gatehouse_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    let options = Options { dev: true, www: Some(www), pkg: Some(pkg), ..Options::default() };
    let app = spawn_app_with(Config::default(), options).await;
    let client = TestClient::new(&app.base, Mode::Cookie);

    let page = client.get("/").await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("Gatehouse demo"));
    assert!(page.header("content-type").unwrap().starts_with("text/html"));

    let js = client.get("/pkg/gatehouse.js").await;
    assert_eq!(js.status, 200);
    assert!(js.header("content-type").unwrap().contains("javascript"));

    let wasm = client.get("/pkg/gatehouse_bg.wasm").await;
    assert_eq!(wasm.status, 200);
    assert_eq!(wasm.header("content-type").as_deref(), Some("application/wasm"));

    client.get("/pkg/missing.js").await.assert_error(404, "resource_not_found");
    // The API still wins over the static fallback.
    assert_eq!(client.get("/healthz").await.status, 200);
}

/// One keep-alive connection serves its requests however their bytes
/// arrive: a head in two parts with a pause between, a request after the
/// connection sat idle, a body that comes after its head, and two
/// requests in one write. (hyper, vendored, drops a connection's read
/// buffer whenever a read finds nothing and nothing is buffered, and
/// grows its head buffer as the heads need: `vendor/hyper/GATEHOUSE.md`.)
#[tokio::test]
async fn one_connection_serves_requests_however_their_bytes_arrive() {
    use tokio::io::{AsyncWriteExt, BufReader};
    let app = spawn_app().await;
    let mut conn = BufReader::new(tokio::net::TcpStream::connect(app.addr).await.unwrap());
    let pause = || tokio::time::sleep(std::time::Duration::from_millis(50));
    let health = format!("GET /healthz HTTP/1.1\r\nHost: {}\r\n\r\n", app.addr);
    let ok = (200, String::from(r#"{"status":"ok"}"#));

    let (head, end) = health.split_at(health.len() - 2);
    conn.get_mut().write_all(head.as_bytes()).await.unwrap();
    pause().await;
    conn.get_mut().write_all(end.as_bytes()).await.unwrap();
    assert_eq!(read_answer(&mut conn).await, ok);

    pause().await;
    conn.get_mut().write_all(health.as_bytes()).await.unwrap();
    assert_eq!(read_answer(&mut conn).await, ok);

    let body = r#"{"email_address":"pieces@example.com"}"#;
    let create = format!(
        "POST /v1/client/sign_ups HTTP/1.1\r\nHost: {}\r\nGatehouse-Token-Mode: bearer\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        app.addr,
        body.len()
    );
    conn.get_mut().write_all(create.as_bytes()).await.unwrap();
    pause().await;
    conn.get_mut().write_all(body.as_bytes()).await.unwrap();
    let (status, created) = read_answer(&mut conn).await;
    assert_eq!(status, 200, "{created}");
    let created: serde_json::Value = serde_json::from_str(&created).unwrap();
    assert_eq!(created["response"]["email_address"], "pieces@example.com");

    conn.get_mut().write_all(format!("{health}{health}").as_bytes()).await.unwrap();
    assert_eq!(read_answer(&mut conn).await, ok);
    assert_eq!(read_answer(&mut conn).await, ok);
}

/// Reads one answer with a `Content-Length` from `conn`: its status and body.
async fn read_answer(conn: &mut tokio::io::BufReader<tokio::net::TcpStream>) -> (u16, String) {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt};
    let mut line = String::new();
    conn.read_line(&mut line).await.unwrap();
    let status = line.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut length = None;
    loop {
        line.clear();
        conn.read_line(&mut line).await.unwrap();
        if line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length.expect("the answer has a Content-Length")];
    conn.read_exact(&mut body).await.unwrap();
    (status, String::from_utf8(body).unwrap())
}
