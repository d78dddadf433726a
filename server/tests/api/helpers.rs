//! `spawn_app()` and a typed test client (zero2prod style).
//!
//! Each app gets its own database (a temporary SQLite file, or with
//! `GATEHOUSE_TEST_BACKEND=postgres` a fresh PostgreSQL database, see
//! [`crate::backend`]), a [`ManualClock`] the test moves forward, and port 0
//! on 127.0.0.1. A [`TestClient`] plays one
//! browser (cookie mode) or one bearer-mode SDK, keeping its client token
//! the way the SDK does.

use gatehouse_server::clock::{Clock, ManualClock};
use gatehouse_server::config::{Config, Secret};
use gatehouse_server::db::Store;
use gatehouse_server::{Options, build_app};
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use crate::backend::{Backend, TestDatabase};
pub use crate::sse::{EventStream, Sse};

/// A running server.
pub struct TestApp {
    pub addr: SocketAddr,
    pub base: String,
    pub clock: Arc<ManualClock>,
    /// The SQLite file (on PostgreSQL, a path that does not exist: tests
    /// that read the file are SQLite-only).
    pub db_path: std::path::PathBuf,
    /// The app's shared state (its settings, sender, hub), to wait on or inspect.
    pub state: gatehouse_server::state::AppState,
    /// Shared by every node over the same database.
    database: Arc<TestDatabase>,
}

/// The admin key of [`spawn_admin_app`].
pub const SECRET_KEY: &str = "test-secret-key-0123456789abcdef-0123456789";

/// Whether this run's apps are on SQLite; if not, says the test (which
/// reads SQLite's file) is skipped on this backend.
pub fn on_sqlite(test: &str) -> bool {
    let sqlite = crate::backend::backend() == Backend::Sqlite;
    if !sqlite {
        eprintln!("{test}: SQLite only (it reads the database file), skipped on PostgreSQL");
    }
    sqlite
}

/// A dev-mode app with the default settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(Config::default(), dev()).await
}

/// A dev-mode app with the admin API on ([`SECRET_KEY`]).
pub async fn spawn_admin_app() -> TestApp {
    spawn_admin_app_with(Config::default()).await
}

/// A dev-mode app with the admin API on and these settings.
pub async fn spawn_admin_app_with(config: Config) -> TestApp {
    spawn_app_with(config, admin_options()).await
}

/// `--dev` alone.
pub fn dev() -> Options {
    Options { dev: true, ..Options::default() }
}

/// Settings where nothing needs verifying, so fields alone complete a sign-up.
pub fn no_verification() -> Config {
    let mut config = Config::default();
    config.attributes.email_address.verify_at_sign_up = false;
    config.attributes.phone_number.verify_at_sign_up = false;
    config
}

/// `--dev` and the admin key.
pub fn admin_options() -> Options {
    Options { dev: true, secret_key: Some(Secret::new(String::from(SECRET_KEY))), ..Options::default() }
}

/// An app with these settings and options.
pub async fn spawn_app_with(config: Config, options: Options) -> TestApp {
    let database = Arc::new(TestDatabase::create().await);
    let clock = Arc::new(ManualClock::starting_now());
    serve(config, options, database, clock).await
}

/// Builds and serves an app over the database in `dir`. The port is bound
/// first: in dev mode without `public_origin`, `http://` + that address
/// is the public origin every link points to.
async fn serve(config: Config, options: Options, database: Arc<TestDatabase>, clock: Arc<ManualClock>) -> TestApp {
    let db_path = database.sqlite_path();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let addr = listener.local_addr().unwrap();
    let mut options = Options { listen: Some(addr), ..options };
    // Outside dev mode a deployment must name its public origin: here, the
    // address the test reaches it at.
    if !options.dev && config.public_origin.is_none() && options.public_origin.is_none() {
        options.public_origin = Some(format!("http://{addr}"));
    }
    if options.master_key.is_none() {
        options.master_key = database.master_key();
    }
    let app = build_app(config, &database.url, options, clock.clone()).await.expect("the app builds");
    let state = app.state().clone();
    tokio::spawn(app.serve(listener, std::future::pending()));
    TestApp { addr, base: format!("http://{addr}"), clock, db_path, state, database }
}

impl TestApp {
    /// A second server over the same database and clock, as a second node
    /// of one deployment would be.
    pub async fn another_node(&self) -> TestApp {
        serve(Config::default(), dev(), self.database.clone(), self.clock.clone()).await
    }

    /// The same database and clock served again, as after a restart.
    pub async fn restart(&self, config: Config, options: Options) -> TestApp {
        serve(config, options, self.database.clone(), self.clock.clone()).await
    }

    /// The operator's backend: the admin key in `Authorization`.
    pub fn admin(&self) -> TestClient {
        self.admin_with_key(SECRET_KEY)
    }

    /// An admin API caller presenting `key`.
    pub fn admin_with_key(&self, key: &str) -> TestClient {
        let client = TestClient::new(&self.base, Mode::Bearer);
        *client.token.lock().unwrap() = Some(key.to_owned());
        client
    }

    /// The app's storage, to read what is stored the way the server does.
    pub async fn store(&self) -> Store {
        let settings = gatehouse_server::config::DatabaseSettings::default();
        Store::connect_with(&self.database.url, self.database.master_key(), settings).await.unwrap()
    }

    /// The name of the app's PostgreSQL database (the last part of its URL).
    pub fn database_name(&self) -> String {
        let url = url::Url::parse(&self.database.url).expect("a database URL");
        url.path().trim_start_matches('/').to_owned()
    }

    /// Which backend the app runs on.
    pub fn backend(&self) -> Backend {
        self.database.backend
    }

    /// `GET /.well-known/jwks.json`.
    pub async fn jwks(&self) -> Value {
        let answer = TestClient::new(&self.base, Mode::Cookie).get("/.well-known/jwks.json").await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        answer.body
    }

    /// The last message sent to `to`.
    pub async fn last_message_to(&self, to: &str) -> Value {
        let outbox = self.outbox().await;
        outbox.iter().rev().find(|m| m["to"] == to).unwrap_or_else(|| panic!("no message to {to}")).clone()
    }

    /// A browser: the token travels in the `__gh_client` cookie.
    pub fn client(&self) -> TestClient {
        TestClient::new(&self.base, Mode::Cookie)
    }

    /// A browser on another machine: its requests leave from `local` (any
    /// 127.x.y.z address on Linux), so the server sees another peer IP.
    pub fn client_from(&self, local: &str) -> TestClient {
        let mut client = TestClient::new(&self.base, Mode::Cookie);
        client.http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .local_address(Some(local.parse().expect("an IP address")))
            .build()
            .unwrap();
        client
    }

    /// A bearer-mode SDK: the token travels in `Authorization`.
    pub fn bearer_client(&self) -> TestClient {
        TestClient::new(&self.base, Mode::Bearer)
    }

    /// Moves the server's clock forward.
    pub fn advance(&self, seconds: u64) {
        self.clock.advance(Duration::from_secs(seconds));
    }

    /// The server's current time, in epoch milliseconds.
    pub fn clock_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The dev outbox.
    pub async fn outbox(&self) -> Vec<Value> {
        let answer = TestClient::new(&self.base, Mode::Cookie).get("/v1/dev/outbox").await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.body.as_array().expect("the outbox is an array").clone()
    }

    /// The code in the last message sent to `to`.
    pub async fn last_code_to(&self, to: &str) -> String {
        self.last_message_to(to).await["code"].as_str().expect("the message has a code").to_owned()
    }

    /// The link in the last message sent to `to`.
    pub async fn last_link_to(&self, to: &str) -> String {
        self.last_message_to(to).await["link"].as_str().expect("the message has a link").to_owned()
    }

    /// A connection to the app's database, to check what is stored.
    pub async fn db(&self) -> sqlx::AnyConnection {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        sqlx::AnyConnection::connect(&self.database.url).await.unwrap()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Cookie,
    Bearer,
}

/// One client of the API.
pub struct TestClient {
    http: reqwest::Client,
    base: String,
    mode: Mode,
    token: Mutex<Option<String>>,
    /// The client cookie's name: `__Host-gh_client` once the server set
    /// that one (an https public origin).
    cookie_name: Mutex<&'static str>,
    /// The waiting stream's cookie (`__gh_wait` or `__Secure-gh_wait`,
    /// with its value), which a browser sends to `/v1/verify` only.
    wait_cookie: Mutex<Option<String>>,
    /// Extra headers sent with every request (`Origin`, ...).
    pub extra: Mutex<Vec<(String, String)>>,
}

/// An answer, with its body parsed as JSON (`Value::Null` if it is not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
    pub body: Value,
}

impl Answer {
    /// The `response` of a 200 envelope.
    pub fn response(&self) -> &Value {
        assert_eq!(self.status, 200, "expected 200, got {}: {}", self.status, self.text);
        &self.body["response"]
    }

    /// The first error's code.
    pub fn code(&self) -> &str {
        self.body["errors"][0]["code"].as_str().unwrap_or_else(|| panic!("not an error: {} {}", self.status, self.text))
    }

    /// The first error's `meta.param_name`.
    pub fn param(&self) -> Option<&str> {
        self.body["errors"][0]["meta"]["param_name"].as_str()
    }

    /// Asserts an error answer: its status, code and the full error shape.
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!((self.status, self.code()), (status, code), "{}", self.text);
        assert_eq!(self.header("content-type").as_deref(), Some("application/json"));
        let error = &self.body["errors"][0];
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()), "{}", self.text);
        assert!(error["long_message"].as_str().is_some_and(|m| !m.is_empty()), "{}", self.text);
        assert!(error["meta"].is_object(), "{}", self.text);
        // The request id: the answer's `x-request-id`, a UUID unless the request brought one.
        assert_eq!(self.body["trace_id"].as_str(), self.header("x-request-id").as_deref(), "{}", self.text);
        assert!(self.body["trace_id"].as_str().is_some_and(|id| !id.is_empty()), "{}", self.text);
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
    }
}

impl TestClient {
    pub fn new(base: &str, mode: Mode) -> TestClient {
        TestClient {
            // Redirects are answers to check, not to follow.
            http: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap(),
            base: base.to_owned(),
            mode,
            token: Mutex::new(None),
            cookie_name: Mutex::new("__gh_client"),
            wait_cookie: Mutex::new(None),
            extra: Mutex::new(Vec::new()),
        }
    }

    /// The client token it holds.
    pub fn token(&self) -> Option<String> {
        self.token.lock().unwrap().clone()
    }

    /// The token it holds, to set one it got another way (an event).
    pub fn token_slot(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        self.token.lock().unwrap()
    }

    /// The same client (its token) speaking to `app`: another node, or
    /// the same database after a restart.
    pub fn at(&self, app: &TestApp) -> TestClient {
        let client = TestClient::new(&app.base, self.mode);
        *client.token.lock().unwrap() = self.token();
        client
    }

    /// Sends a request with a raw JSON body.
    pub async fn send(&self, method: Method, path: &str, body: Option<String>) -> Answer {
        let json = body.map(|b| ("application/json", b));
        self.send_as(method, path, json).await
    }

    /// Sends a request with a body of the given content type.
    pub async fn send_as(&self, method: Method, path: &str, body: Option<(&str, String)>) -> Answer {
        let response = self.request(method, path, body).send().await.expect("the server answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        self.keep_token(&headers);
        Answer { status, headers, body: serde_json::from_str(&text).unwrap_or(Value::Null), text }
    }

    /// A request with this client's token and extra headers. Bearer mode
    /// asks for it (`Gatehouse-Token-Mode`) as the SDK does; a write
    /// without a body still says JSON, as the SDK's do (a cookie-carrying
    /// write must).
    pub(crate) fn request(&self, method: Method, path: &str, body: Option<(&str, String)>) -> reqwest::RequestBuilder {
        let writes = !matches!(method, Method::GET | Method::HEAD);
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if self.mode == Mode::Bearer {
            request = request.header("gatehouse-token-mode", "bearer");
        }
        if writes && body.is_none() {
            request = request.header("content-type", "application/json");
        }
        let wait = self.wait_cookie.lock().unwrap().clone().filter(|_| path.starts_with("/v1/verify"));
        if let Some(token) = self.token() {
            request = match self.mode {
                Mode::Cookie => {
                    let cookie = format!("{}={token}", self.cookie_name.lock().unwrap());
                    request.header("cookie", wait.map_or(cookie.clone(), |w| format!("{cookie}; {w}")))
                }
                Mode::Bearer => request.header("authorization", format!("Bearer {token}")),
            };
        }
        for (name, value) in self.extra.lock().unwrap().iter() {
            request = request.header(name.as_str(), value.as_str());
        }
        if let Some((content_type, body)) = body {
            request = request.header("content-type", content_type).body(body);
        }
        request
    }

    /// Keeps the token the way the SDK does: from the cookie, or from the header.
    pub(crate) fn keep_token(&self, headers: &HeaderMap) {
        let token = match self.mode {
            Mode::Cookie => headers.get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).find_map(|c| {
                let (name, rest) = ["__Host-gh_client", "__gh_client"]
                    .into_iter()
                    .find_map(|n| Some((n, c.strip_prefix(n)?.strip_prefix('=')?)))?;
                *self.cookie_name.lock().unwrap() = name;
                rest.split(';').next().map(str::to_owned)
            }),
            Mode::Bearer => headers.get("gatehouse-client").and_then(|v| v.to_str().ok()).map(str::to_owned),
        };
        if let Some(token) = token {
            *self.token.lock().unwrap() = Some(token);
        }
        let wait = headers.get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).find_map(|c| {
            let pair = c.split(';').next()?;
            ["__Secure-gh_wait=", "__gh_wait="].iter().any(|n| pair.starts_with(n)).then(|| pair.to_owned())
        });
        if wait.is_some() {
            *self.wait_cookie.lock().unwrap() = wait;
        }
    }

    /// The waiting stream's cookie it holds (`name=value`), if any.
    pub fn wait_cookie(&self) -> Option<String> {
        self.wait_cookie.lock().unwrap().clone()
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.send(Method::POST, path, Some(body.to_string())).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Answer {
        self.send(Method::PATCH, path, Some(body.to_string())).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Answer {
        self.send(Method::PUT, path, Some(body.to_string())).await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.send(Method::DELETE, path, None).await
    }
}

/// A code other than `code`.
pub fn wrong(code: &str) -> String {
    let first = if code.starts_with('0') { '1' } else { '0' };
    format!("{first}{}", &code[1..])
}

/// The token of an email link.
pub fn token_of(link: &str) -> String {
    link.split_once("token=").map(|(_, t)| t.to_owned()).expect("a link with a token")
}

/// The ticket (`__gh_ticket`) in an invitation link.
pub fn ticket_of(url: &str) -> String {
    let url = url::Url::parse(url).unwrap();
    url.query_pairs().find(|(k, _)| k == "__gh_ticket").expect("a ticket in the link").1.into_owned()
}

/// The query of a `Location` as (key, value) pairs, in order.
pub fn query_of(location: &str) -> Vec<(String, String)> {
    let query = location.split_once('?').map_or("", |(_, q)| q);
    let query = query.split('#').next().unwrap_or("");
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_owned(), v.to_owned())
        })
        .collect()
}
