//! The command line: flags, their `GATEHOUSE_*` twins, and the binary
//! itself (database created, `listening on`, graceful stop, the admin key
//! kept out of the log, `rotate-signing-key`).

use clap::Parser;
use gatehouse_server::cli::Cli;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};

const VARS: [&str; 11] = [
    "GATEHOUSE_LISTEN",
    "GATEHOUSE_MASTER_KEY",
    "GATEHOUSE_PUBLIC_ORIGIN",
    "GATEHOUSE_DEV_ALLOW_REMOTE",
    "GATEHOUSE_DATABASE_URL",
    "GATEHOUSE_CONFIG",
    "GATEHOUSE_DEV",
    "GATEHOUSE_WWW",
    "GATEHOUSE_PKG",
    "GATEHOUSE_SECRET_KEY",
    "GATEHOUSE_HTTP__WORKERS",
];

#[test]
fn flags_parse() {
    let cli = Cli::try_parse_from([
        "gatehouse-server",
        "--listen",
        "127.0.0.1:9000",
        "--database-url",
        "sqlite://x.db",
        "--config",
        "g.toml",
        "--dev",
        "--www",
        "www",
        "--pkg",
        "pkg",
    ])
    .unwrap();
    assert_eq!(cli.listen.to_string(), "127.0.0.1:9000");
    assert_eq!(cli.database_url, "sqlite://x.db");
    assert_eq!(cli.config.as_deref(), Some(std::path::Path::new("g.toml")));
    assert!(cli.dev);
    let options = cli.options();
    assert_eq!(options.www.as_deref(), Some(std::path::Path::new("www")));
    assert_eq!(options.pkg.as_deref(), Some(std::path::Path::new("pkg")));
    assert!(Cli::try_parse_from(["gatehouse-server", "--listen", "nowhere"]).is_err());
    assert!(Cli::try_parse_from(["gatehouse-server", "--bogus"]).is_err());
}

#[test]
fn defaults_apply_when_no_variable_is_set() {
    // The variables may be set by whoever runs the tests; only check the
    // defaults they leave alone.
    let cli = Cli::try_parse_from(["gatehouse-server"]).unwrap();
    if std::env::var_os("GATEHOUSE_LISTEN").is_none() {
        assert_eq!(cli.listen.to_string(), "127.0.0.1:8080");
    }
    if std::env::var_os("GATEHOUSE_DATABASE_URL").is_none() {
        assert_eq!(cli.database_url, "sqlite://gatehouse.db");
    }
    if std::env::var_os("GATEHOUSE_DEV").is_none() {
        assert!(!cli.dev);
    }
}

/// Starts the real binary with these arguments and variables (and none of
/// the runner's own `GATEHOUSE_*`); answers it and the address it listens on.
pub(crate) async fn start_binary(args: &[&str], vars: &[(&str, String)]) -> (tokio::process::Child, String) {
    let (child, line) = start_until_listening(args, vars).await;
    let addr = line.split("listening on http://").nth(1).unwrap().split_whitespace().next().unwrap().to_owned();
    (child, addr)
}

/// Starts the real binary as [`start_binary`] does; answers it and its
/// `listening on` log line.
async fn start_until_listening(args: &[&str], vars: &[(&str, String)]) -> (tokio::process::Child, String) {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_gatehouse-server"));
    command.args(args);
    for var in VARS {
        command.env_remove(var);
    }
    command.envs(vars.iter().map(|(k, v)| (*k, v.as_str())));
    command.env("RUST_LOG", "info").stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true);
    let mut child = command.spawn().expect("the binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if line.contains("listening on http://") {
                return line;
            }
        }
        panic!("the server stopped without listening");
    })
    .await
    .expect("`listening on` within 20 s");
    // Keep draining stdout so the server never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, line)
}

#[tokio::test]
async fn the_binary_reads_its_environment_twins_and_stops_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sub.db");
    let config = dir.path().join("gatehouse.toml");
    std::fs::write(&config, "[password]\nmin_length = 11\n").unwrap();
    let (mut child, addr) = start_binary(
        &[],
        &[
            ("GATEHOUSE_LISTEN", String::from("127.0.0.1:0")),
            ("GATEHOUSE_DATABASE_URL", format!("sqlite://{}", db.display())),
            ("GATEHOUSE_CONFIG", config.display().to_string()),
            ("GATEHOUSE_DEV", String::from("1")),
        ],
    )
    .await;
    assert!(db.exists(), "the database file is created on start");
    let http = reqwest::Client::new();
    let health = http.get(format!("http://{addr}/healthz")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
    let env: serde_json::Value =
        http.get(format!("http://{addr}/v1/environment")).send().await.unwrap().json().await.unwrap();
    assert_eq!(env["dev_mode"], true, "GATEHOUSE_DEV=1");
    assert_eq!(env["password_settings"]["min_length"], 11, "GATEHOUSE_CONFIG");
    let outbox = http.get(format!("http://{addr}/v1/dev/outbox")).send().await.unwrap();
    assert_eq!(outbox.status().as_u16(), 200);

    let pid = libc::pid_t::try_from(child.id().unwrap()).unwrap();
    // SAFETY: `kill` only sends a signal to the child this test started.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait()).await.expect("stops on SIGTERM").unwrap();
    assert!(status.success(), "graceful stop exits 0: {status:?}");
}

#[tokio::test]
async fn a_flag_wins_over_its_variable_and_a_bad_config_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("g.db").display());
    // The flag wins: the variable's value is not even an address.
    let (mut child, addr) = start_binary(
        &["--listen", "127.0.0.1:0"],
        &[
            ("GATEHOUSE_LISTEN", String::from("nowhere")),
            ("GATEHOUSE_DATABASE_URL", db.clone()),
            ("GATEHOUSE_DEV", String::from("false")),
            ("GATEHOUSE_PUBLIC_ORIGIN", String::from("https://auth.example.com")),
        ],
    )
    .await;
    let answer = reqwest::get(format!("http://{addr}/v1/dev/outbox")).await.unwrap();
    assert_eq!(answer.status().as_u16(), 404, "GATEHOUSE_DEV=false");
    child.kill().await.unwrap();

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[attributes.email_address]\nverification_strategies = [\"fax\"]\n").unwrap();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_gatehouse-server"))
        .args(["--listen", "127.0.0.1:0", "--database-url", &db, "--config"])
        .arg(&bad)
        .env_remove("GATEHOUSE_CONFIG")
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bad.toml") && stderr.contains("fax"), "{stderr}");
}

#[test]
fn the_secret_key_and_the_rotate_subcommand_parse() {
    use gatehouse_server::cli::{Command, RotateArgs};
    let cli = Cli::try_parse_from(["gatehouse-server", "--secret-key", "k".repeat(40).as_str()]).unwrap();
    assert_eq!(cli.options().secret_key.unwrap().expose(), "k".repeat(40));
    assert!(!format!("{cli:?}").contains(&"k".repeat(40)), "Debug hides the key");
    let rotate =
        Cli::try_parse_from(["gatehouse-server", "rotate-signing-key", "--database-url", "sqlite://x.db"]).unwrap();
    assert_eq!(rotate.database_url, "sqlite://x.db");
    assert_eq!(rotate.command, Some(Command::RotateSigningKey(RotateArgs { delay: 600, compromised: false })));
    let now = Cli::try_parse_from(["gatehouse-server", "rotate-signing-key", "--compromised", "--delay", "0"]).unwrap();
    assert_eq!(now.command, Some(Command::RotateSigningKey(RotateArgs { delay: 0, compromised: true })));
}

#[tokio::test]
async fn the_admin_key_comes_from_its_variable_and_never_reaches_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let key = "env-secret-key-0123456789abcdef0123456789";
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_gatehouse-server"));
    for var in VARS {
        command.env_remove(var);
    }
    let mut child = command
        .args(["--listen", "127.0.0.1:0", "--database-url"])
        .arg(format!("sqlite://{}", dir.path().join("g.db").display()))
        .env("GATEHOUSE_SECRET_KEY", key)
        .env("GATEHOUSE_PUBLIC_ORIGIN", "https://auth.example.com")
        .env("RUST_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut log = String::new();
    // Bounded: a server that neither listens nor exits fails the test, not hangs it.
    let addr = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let line = lines.next_line().await.unwrap().expect("the server listens");
            log.push_str(&line);
            if let Some(rest) = line.split("listening on http://").nth(1) {
                break rest.split_whitespace().next().unwrap().to_owned();
            }
        }
    })
    .await
    .expect("`listening on` within 20 s");
    let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
    let users = |key: &str| http.get(format!("http://{addr}/v1/admin/users")).bearer_auth(key).send();
    assert_eq!(users(key).await.unwrap().status().as_u16(), 200);
    assert_eq!(users("wrong").await.unwrap().status().as_u16(), 401);
    child.kill().await.unwrap();
    let rest = async {
        while let Ok(Some(line)) = lines.next_line().await {
            log.push_str(&line);
        }
    };
    tokio::time::timeout(Duration::from_secs(10), rest).await.expect("the log ends once the server is killed");
    assert!(log.contains("/v1/admin/users"), "the requests are logged: {log}");
    assert!(!log.contains(key), "the key is not: {log}");
}

#[tokio::test]
async fn rotate_signing_key_adds_a_key_the_running_server_publishes() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("g.db").display());
    let (mut child, addr) = start_binary(
        &["--listen", "127.0.0.1:0", "--database-url", &db, "--public-origin", "https://auth.example.com"],
        &[],
    )
    .await;
    let jwks = || async {
        reqwest::get(format!("http://{addr}/.well-known/jwks.json"))
            .await
            .unwrap()
            .json::<serde_json::Value>()
            .await
            .unwrap()
    };
    let first = jwks().await["keys"][0]["kid"].as_str().unwrap().to_owned();
    let rotate = tokio::process::Command::new(env!("CARGO_BIN_EXE_gatehouse-server"))
        .args(["rotate-signing-key", "--database-url", &db])
        .env_remove("GATEHOUSE_DATABASE_URL")
        .kill_on_drop(true)
        .output();
    let output =
        tokio::time::timeout(Duration::from_secs(20), rotate).await.expect("rotating ends within 20 s").unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("signs in 600 s"), "{stdout}");
    let kids: Vec<String> =
        jwks().await["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap().to_owned()).collect();
    assert_eq!(kids.len(), 2, "published without a restart");
    assert_eq!(kids[0], first);
    assert!(stdout.contains(&kids[1]), "{stdout}");
    child.kill().await.unwrap();
}

/// Runs the binary to its end (it must not start); answers its exit
/// status and stderr.
async fn run_to_refusal(args: &[&str], vars: &[(&str, &str)]) -> (std::process::ExitStatus, String) {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_gatehouse-server"));
    for var in VARS {
        command.env_remove(var);
    }
    command.args(args).envs(vars.iter().copied()).kill_on_drop(true);
    let output = tokio::time::timeout(Duration::from_secs(20), command.output())
        .await
        .expect("the server refuses within 20 s instead of serving")
        .unwrap();
    (output.status, String::from_utf8_lossy(&output.stderr).into_owned())
}

#[tokio::test]
async fn outside_dev_mode_the_server_refuses_to_start_without_a_public_origin() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("g.db").display());
    let (status, stderr) = run_to_refusal(&["--listen", "127.0.0.1:0", "--database-url", &db], &[]).await;
    assert!(!status.success(), "{stderr}");
    assert!(stderr.contains("public_origin") && stderr.contains("GATEHOUSE_PUBLIC_ORIGIN"), "{stderr}");

    // Given by its variable, it starts, and says where links point.
    let (mut child, addr) = start_binary(
        &[],
        &[
            ("GATEHOUSE_LISTEN", String::from("127.0.0.1:0")),
            ("GATEHOUSE_DATABASE_URL", db.clone()),
            ("GATEHOUSE_PUBLIC_ORIGIN", String::from("https://auth.example.com")),
        ],
    )
    .await;
    assert_eq!(reqwest::get(format!("http://{addr}/healthz")).await.unwrap().status().as_u16(), 200);
    child.kill().await.unwrap();
    // One that is not an origin is refused.
    let (status, stderr) = run_to_refusal(
        &["--listen", "127.0.0.1:0", "--database-url", &db, "--public-origin", "https://a.com/path"],
        &[],
    )
    .await;
    assert!(!status.success() && stderr.contains("public_origin"), "{stderr}");
}

#[tokio::test]
async fn dev_mode_refuses_a_non_loopback_address_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("g.db").display());
    let (status, stderr) = run_to_refusal(&["--dev", "--listen", "0.0.0.0:0", "--database-url", &db], &[]).await;
    assert!(!status.success(), "{stderr}");
    assert!(stderr.contains("--dev-allow-remote") && stderr.contains("non-loopback"), "{stderr}");

    // The operator says so: it starts, and warns.
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_gatehouse-server"));
    for var in VARS {
        command.env_remove(var);
    }
    let mut child = command
        .args(["--dev", "--listen", "0.0.0.0:0", "--database-url", &db])
        .env("GATEHOUSE_DEV_ALLOW_REMOTE", "1")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let log = tokio::time::timeout(Duration::from_secs(20), async {
        let mut log = String::new();
        while let Some(line) = lines.next_line().await.unwrap() {
            log.push_str(&line);
            log.push('\n');
            if line.contains("listening on http://") {
                return log;
            }
        }
        panic!("the server stopped without listening: {log}");
    })
    .await
    .expect("`listening on` within 20 s");
    assert!(log.contains("WARN") && log.contains("DEV MODE"), "a warning banner: {log}");
    child.kill().await.unwrap();
}

#[tokio::test]
async fn dev_mode_with_smtp_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("g.db").display());
    let config = dir.path().join("smtp.toml");
    std::fs::write(&config, "[smtp]\nhost = \"smtp.example.com\"\nfrom = \"a@example.com\"\n").unwrap();
    let config = config.display().to_string();
    let (status, stderr) =
        run_to_refusal(&["--dev", "--listen", "127.0.0.1:0", "--database-url", &db, "--config", &config], &[]).await;
    assert!(!status.success(), "{stderr}");
    assert!(stderr.contains("[smtp]") && stderr.contains("--dev"), "{stderr}");
}

#[test]
fn the_new_flags_parse_with_their_twins() {
    let cli = Cli::try_parse_from(["gatehouse-server", "--public-origin", "https://a.example", "--dev-allow-remote"])
        .unwrap();
    let options = cli.options();
    assert_eq!(options.public_origin.as_deref(), Some("https://a.example"));
    assert!(options.dev_allow_remote);
}

/// The `listening on` line of the binary started with these variables.
async fn listening_line(vars: &[(&str, String)]) -> String {
    let (mut child, line) = start_until_listening(&[], vars).await;
    child.kill().await.unwrap();
    line
}

#[tokio::test]
async fn the_binary_serves_on_half_the_cores_on_sqlite_unless_http_workers_says() {
    let dir = tempfile::tempdir().unwrap();
    let vars = |workers: Option<&str>| {
        let mut vars = vec![
            ("GATEHOUSE_LISTEN", String::from("127.0.0.1:0")),
            ("GATEHOUSE_DATABASE_URL", format!("sqlite://{}", dir.path().join("w.db").display())),
            ("GATEHOUSE_DEV", String::from("1")),
        ];
        vars.extend(workers.map(|w| ("GATEHOUSE_HTTP__WORKERS", String::from(w))));
        vars
    };
    let cores = std::thread::available_parallelism().unwrap().get();
    let default = listening_line(&vars(None)).await;
    assert!(default.ends_with(&format!("workers={}", (cores / 2).max(1))), "{default}");
    let set = listening_line(&vars(Some("3"))).await;
    assert!(set.ends_with("workers=3"), "{set}");
}
