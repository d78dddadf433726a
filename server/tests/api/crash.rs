//! The crash test (issue 9): real server processes under load, one of them
//! killed with SIGKILL at random moments and started again, twenty times.
//! Afterwards the database itself is read: every sign-up the load saw
//! complete is there with its user and its session, and nothing is half
//! written (a user without a session, a complete sign-up without its user).
//!
//! On SQLite the one node is killed, and each restart opens a file whose
//! last writer died mid-transaction (WAL recovery). On PostgreSQL a second
//! node, never killed, serves its own share of the load the whole time and
//! must not fail once.
//!
//! The seed of the kill moments is printed; `GATEHOUSE_CRASH_SEED=<seed>`
//! replays them (the load's own timing is not replayed: it is real).

use crate::backend::{TEST_MASTER_KEY, TestDatabase};
use crate::cli::start_binary;
use crate::helpers::Backend;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tokio::process::Child;
use tokio::sync::watch;

/// Sign-up flows running at once, over all nodes.
const FLOWS: usize = 32;
/// Of those, on PostgreSQL, the flows on the node that is never killed.
const STEADY_FLOWS: usize = 8;
/// How many times the node is killed.
const KILLS: u32 = 20;
/// The pause before each kill is drawn from this range (milliseconds):
/// long enough, on a loaded machine, for flows to complete between kills.
const KILL_AFTER_MS: std::ops::RangeInclusive<u64> = 1000..=4000;

/// Settings for a load from one IP: the per-IP and instance-wide limits
/// raised (a real deployment sees many IPs), no check turned off. No
/// password, so a flow is database writes rather than argon2. The request
/// timeout is raised too: on a loaded test machine a slow answer is not
/// what this test is about, and would count as a failure.
const CONFIG: &str = "\
[attributes.password]
required = false

[rate_limit]
per_second = 100000
burst = 1000000
sensitive_per_minute = 1000000
sensitive_burst = 1000000

[verification]
max_messages_per_hour = 100000000

[http]
request_timeout_seconds = 120
";

/// One server process.
struct Node {
    child: Child,
    base: String,
}

/// Starts the real binary over `database` with [`CONFIG`].
async fn start_node(database: &TestDatabase, config: &std::path::Path) -> Node {
    let config = config.display().to_string();
    let args = ["--dev", "--listen", "127.0.0.1:0", "--database-url", &database.url, "--config", &config];
    let mut vars = Vec::new();
    if database.backend == Backend::Postgres {
        vars.push(("GATEHOUSE_MASTER_KEY", String::from(TEST_MASTER_KEY)));
    }
    let (child, addr) = start_binary(&args, &vars).await;
    Node { child, base: format!("http://{addr}") }
}

/// Where the killed node is now, and how many times it was killed.
#[derive(Clone, Debug)]
struct Target {
    base: String,
    /// Incremented just before each kill.
    kills: u64,
    up: bool,
}

/// What a sign-up that completed created, as its last answer said.
#[derive(Clone, Debug)]
struct Completed {
    sign_up_id: String,
    user_id: String,
    session_id: String,
}

/// What the flows of one node saw.
#[derive(Default)]
struct Tally {
    completed: std::sync::Mutex<Vec<Completed>>,
    /// Flows that failed while a kill happened during them.
    cut_off: AtomicU64,
    /// Flows that failed with no kill to blame: each is a bug.
    failures: std::sync::Mutex<Vec<String>>,
    /// Flows completed by the node of each restart (index: kills before it).
    completed_after: std::sync::Mutex<HashMap<u64, u64>>,
}

/// One bearer-mode SDK client of one node, that never panics: a refused
/// connection or an unexpected answer is an `Err` for the flow to judge.
struct Client {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl Client {
    fn new(base: &str) -> Client {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(180)).build().expect("a client");
        Client { http, base: String::from(base), token: None }
    }

    /// A request; `Ok` with the body of a 200 answer.
    async fn call(&mut self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value, String> {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        request = request.header("gatehouse-token-mode", "bearer");
        if let Some(token) = &self.token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.map_err(|e| format!("{path}: {e}"))?;
        if let Some(token) = response.headers().get("gatehouse-client").and_then(|v| v.to_str().ok()) {
            self.token = Some(String::from(token));
        }
        let status = response.status().as_u16();
        let text = response.text().await.map_err(|e| format!("{path}: {e}"))?;
        if status != 200 {
            return Err(format!("{path}: {status} {text}"));
        }
        serde_json::from_str(&text).map_err(|e| format!("{path}: {e}: {text}"))
    }

    /// The code of the newest message to `to` in this node's dev outbox.
    async fn code_sent_to(&mut self, to: &str) -> Result<String, String> {
        let outbox = self.call(reqwest::Method::GET, "/v1/dev/outbox", None).await?;
        let messages = outbox.as_array().ok_or("the outbox is not a list")?;
        let message = messages.iter().rev().find(|m| m["to"] == to).ok_or_else(|| format!("no code to {to}"))?;
        message["code"].as_str().map(String::from).ok_or_else(|| String::from("a message without a code"))
    }
}

/// One email-code sign-up: create, prepare a code, read it from the
/// outbox, attempt it. Answers what the completed sign-up created.
async fn sign_up(base: &str, email: &str) -> Result<Completed, String> {
    let mut client = Client::new(base);
    let post = reqwest::Method::POST;
    let created = client.call(post.clone(), "/v1/client/sign_ups", Some(json!({ "email_address": email }))).await?;
    let id = created["response"]["id"].as_str().ok_or("no sign-up id")?.to_owned();
    let path = format!("/v1/client/sign_ups/{id}");
    let prepare = json!({ "strategy": "email_code" });
    client.call(post.clone(), &format!("{path}/prepare_verification"), Some(prepare)).await?;
    let code = client.code_sent_to(email).await?;
    let attempt = json!({ "strategy": "email_code", "code": code });
    let done = client.call(post, &format!("{path}/attempt_verification"), Some(attempt)).await?;
    let sign_up = &done["response"];
    if sign_up["status"] != "complete" {
        return Err(format!("not complete after the code: {sign_up}"));
    }
    let field = |name: &str| sign_up[name].as_str().map(String::from).ok_or_else(|| format!("no {name}: {sign_up}"));
    Ok(Completed { sign_up_id: id, user_id: field("created_user_id")?, session_id: field("created_session_id")? })
}

/// Runs flows one after another until `stop`, on the node `target` names
/// (waiting while it is down). A failed flow is cut off by a kill if one
/// happened since it began; otherwise it is a failure.
async fn run_flows(worker: usize, run: u64, target: watch::Receiver<Target>, tally: Arc<Tally>, stop: Arc<AtomicBool>) {
    let mut target = target;
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        let Ok(now) = target.wait_for(|t| t.up).await.map(|t| t.clone()) else { return };
        n += 1;
        let email = format!("crash-{run}-w{worker}-{n}@example.com");
        let outcome = sign_up(&now.base, &email).await;
        let kills_since = target.borrow().kills - now.kills;
        match outcome {
            Ok(done) => {
                tally.completed.lock().unwrap().push(done);
                *tally.completed_after.lock().unwrap().entry(now.kills).or_default() += 1;
            }
            Err(_) if kills_since > 0 => {
                tally.cut_off.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => tally.failures.lock().unwrap().push(e),
        }
    }
}

/// What reading the database back found.
struct Checked {
    rows: u64,
    completed_unseen: u64,
}

/// Reads the database after the run: every sign-up in `seen` is complete
/// with its user and session, and no user, session or sign-up anywhere is
/// half written.
async fn check_database(url: &str, seen: &[Completed]) -> Checked {
    use sqlx::{Connection, Row};
    sqlx::any::install_default_drivers();
    let mut db = sqlx::AnyConnection::connect(url).await.expect("the database opens after the last kill");
    let rows = sqlx::query(
        "SELECT s.id, s.status, s.created_user_id, s.created_session_id, u.id AS user_id, \
         ss.user_id AS session_user_id, v.status AS email_status \
         FROM sign_ups s \
         LEFT JOIN users u ON u.id = s.created_user_id \
         LEFT JOIN sessions ss ON ss.id = s.created_session_id \
         LEFT JOIN verifications v ON v.sign_up_id = s.id AND v.field = 'email_address'",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    let text = |row: &sqlx::any::AnyRow, column: &str| row.try_get::<Option<String>, _>(column).unwrap();
    let mut complete = HashMap::new();
    for row in &rows {
        let id = text(row, "id").unwrap();
        if text(row, "status").as_deref() != Some("complete") {
            assert_eq!(text(row, "created_user_id"), None, "{id}: a user for a sign-up that is not complete");
            continue;
        }
        let user = text(row, "created_user_id");
        let session = text(row, "created_session_id");
        assert!(user.is_some() && text(row, "user_id") == user, "{id}: complete without its user");
        assert!(session.is_some() && text(row, "session_user_id") == user, "{id}: complete without its session");
        assert_eq!(text(row, "email_status").as_deref(), Some("verified"), "{id}: complete, its email not verified");
        complete.insert(id, (user.unwrap(), session.unwrap()));
    }
    for done in seen {
        let stored = complete.get(&done.sign_up_id);
        let expected = (done.user_id.clone(), done.session_id.clone());
        assert_eq!(stored, Some(&expected), "{}: seen complete, not so in the database", done.sign_up_id);
    }
    let count = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql);
    let users_without_session =
        count("SELECT COUNT(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.user_id = u.id)")
            .fetch_one(&mut db)
            .await
            .unwrap();
    assert_eq!(users_without_session, 0, "users without their session");
    let users_without_sign_up = count(
        "SELECT COUNT(*) FROM users u WHERE NOT EXISTS \
         (SELECT 1 FROM sign_ups s WHERE s.created_user_id = u.id AND s.status = 'complete')",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!(users_without_sign_up, 0, "users that no complete sign-up created");
    let users: i64 = count("SELECT COUNT(*) FROM users").fetch_one(&mut db).await.unwrap();
    let sessions: i64 = count("SELECT COUNT(*) FROM sessions").fetch_one(&mut db).await.unwrap();
    assert_eq!((users, sessions), (complete.len() as i64, complete.len() as i64), "one user and session per sign-up");
    let _ = db.close().await;
    let completed_unseen = complete.len().saturating_sub(seen.len()) as u64;
    Checked { rows: (rows.len() as u64) + users as u64 + sessions as u64, completed_unseen }
}

/// The seed of this run: `GATEHOUSE_CRASH_SEED`, or a new one.
fn seed() -> u64 {
    match std::env::var("GATEHOUSE_CRASH_SEED") {
        Ok(seed) => seed.parse().expect("GATEHOUSE_CRASH_SEED is a number"),
        Err(_) => fastrand::u64(..),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_ups_survive_twenty_kill_9s_under_load() {
    let seed = seed();
    let mut rng = fastrand::Rng::with_seed(seed);
    let database = TestDatabase::create().await;
    let backend = database.backend;
    eprintln!("crash test on {backend:?}: GATEHOUSE_CRASH_SEED={seed}");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("crash.toml");
    std::fs::write(&config, CONFIG).unwrap();

    let mut killed = start_node(&database, &config).await;
    // On PostgreSQL, the node that is never killed.
    let steady = match backend {
        Backend::Postgres => Some(start_node(&database, &config).await),
        Backend::Sqlite => None,
    };
    let (to_workers, target) = watch::channel(Target { base: killed.base.clone(), kills: 0, up: true });
    // The sender is kept: the steady node's flows run while it lives.
    let (_steady_sender, steady_target) = match &steady {
        Some(node) => watch::channel(Target { base: node.base.clone(), kills: 0, up: true }),
        None => watch::channel(Target { base: String::new(), kills: 0, up: false }),
    };
    let tally = Arc::new(Tally::default());
    let steady_tally = Arc::new(Tally::default());
    let stop = Arc::new(AtomicBool::new(false));
    let on_steady = if steady.is_some() { STEADY_FLOWS } else { 0 };
    let workers: Vec<_> = (0..FLOWS)
        .map(|worker| {
            let (watched, tally) = match worker < on_steady {
                true => (steady_target.clone(), steady_tally.clone()),
                false => (target.clone(), tally.clone()),
            };
            tokio::spawn(run_flows(worker, seed, watched, tally, stop.clone()))
        })
        .collect();

    let mut restarts = 0;
    for _ in 0..KILLS {
        tokio::time::sleep(Duration::from_millis(rng.u64(KILL_AFTER_MS))).await;
        to_workers.send_modify(|t| {
            t.up = false;
            t.kills += 1;
        });
        killed.child.kill().await.expect("SIGKILL reaches the node");
        killed = start_node(&database, &config).await;
        restarts += 1;
        to_workers.send_modify(|t| {
            t.base = killed.base.clone();
            t.up = true;
        });
    }
    // The node of the last restart serves for a while too.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.await.unwrap();
    }
    // The last node dies the same way: the check reads what a kill leaves.
    killed.child.kill().await.unwrap();
    if let Some(mut node) = steady {
        node.child.kill().await.unwrap();
    }

    let failures = tally.failures.lock().unwrap().clone();
    let mut seen = tally.completed.lock().unwrap().clone();
    let completed = seen.len();
    let cut_off = tally.cut_off.load(Ordering::Relaxed);
    let steady_failures = steady_tally.failures.lock().unwrap().clone();
    let steady_completed = steady_tally.completed.lock().unwrap().clone();
    seen.extend(steady_completed.iter().cloned());
    let checked = check_database(&database.url, &seen).await;
    let serving = tally.completed_after.lock().unwrap().len();
    eprintln!(
        "crash test on {backend:?} (seed {seed}): {KILLS} kills, {restarts} restarts; killed node: {completed} flows \
         completed, {cut_off} cut off by a kill, {} failed otherwise, {serving} of its {} lives completed \
         flows; steady node: {} completed, {} failed; \
         {} sign-ups complete in the database whose answer a kill cut off; {} rows checked",
        failures.len(),
        KILLS + 1,
        steady_completed.len(),
        steady_failures.len(),
        checked.completed_unseen,
        checked.rows,
    );
    assert!(failures.is_empty(), "flows failed with no kill to blame (seed {seed}): {failures:#?}");
    assert!(steady_failures.is_empty(), "the steady node failed during the kills (seed {seed}): {steady_failures:#?}");
    if backend == Backend::Postgres {
        assert!(!steady_completed.is_empty(), "the steady node served");
    }
    assert_eq!(restarts, KILLS);
    let after_last = tally.completed_after.lock().unwrap().get(&u64::from(KILLS)).copied().unwrap_or(0);
    assert!(after_last > 0, "the node of the last restart completes sign-ups");
    assert!(checked.completed_unseen <= cut_off, "no sign-up completes that no flow asked for");
}
