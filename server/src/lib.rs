//! `gatehouse-server`: the Gatehouse frontend API over SQLite.
//!
//! The binary (`main.rs`) only reads the command line and the config, then
//! calls [`build_app`] and [`App::serve`]; tests do the same on port 0.
//!
//! Layout, from the edge inwards (each layer imports only the ones below
//! it; `tests/api/imports.rs` fails on any import circle):
//! - [`cli`], [`config`]: the command line and the TOML instance settings;
//! - [`app`]: the router and its layers, and [`connections`]: the HTTP/1.1
//!   connections it is served on; [`trace`], [`origin`],
//!   [`rate_limit`], [`client`] are those layers; [`peer_ip`]: the
//!   client's IP, for the rate limit and the sign-in limits;
//! - [`extract`], [`error`]: JSON bodies in, the one error shape out;
//!   [`state`]: what every handler reaches; [`request_log`]: the dev
//!   tools' request count it holds;
//! - [`probes`]: `/healthz`, `/readyz` and `/metrics`; [`telemetry`]: the
//!   Prometheus metrics every layer counts into (bottom layer: it imports
//!   nothing of the crate);
//! - [`environment`], [`dev`], [`static_files`]: the small endpoints;
//! - [`sign_up`]: the sign-up flow (state machine, one file per operation,
//!   `view.rs` its wire form, `stream.rs` its event stream);
//! - [`sign_in`]: the sign-in flow, in the same shape (with its lockout);
//! - [`totp`]: the TOTP second factor and its backup codes: enrolment for
//!   a signed-in user, and the check a sign-in's second factor goes through;
//! - [`session`]: session JWTs, their signing keys and the JWKS, sign-out;
//! - [`admin`]: the admin API (synced users, invitations), behind the
//!   secret key; [`invitations`]: the invitations it manages;
//! - [`verify`]: `/v1/verify`, where an email link lands (HTML, not JSON);
//! - [`strategies`], [`verification`], [`codes`], [`password`],
//!   [`delivery`]: how fields are verified (codes and email links), codes
//!   made and checked, passwords hashed and checked and messages sent;
//!   [`limits`]: the rolling-window counts behind them (wrong codes,
//!   messages, wrong passwords);
//! - [`events`]: the hub that carries change notices to event streams;
//! - [`cleanup`]: the task that deletes stale rows, in batches;
//! - [`webhooks`]: the worker that delivers the outbox's events, signed;
//! - [`db`]: all the SQL, over the records of [`model`];
//! - [`model`]: the plain records (sign-ups, verifications, sign-ins,
//!   invitations, users, signing keys) and their pure rules;
//! - [`master_key`]: the key that seals the secrets the database keeps;
//!   [`ids`], [`clock`]: the basics.

#![forbid(unsafe_code)]

pub mod admin;
pub mod app;
pub mod cleanup;
pub mod cli;
pub mod client;
pub mod clock;
pub mod codes;
pub mod config;
pub mod connections;
pub mod db;
pub mod delivery;
pub mod dev;
pub mod device;
pub mod environment;
pub mod error;
pub mod events;
pub mod extract;
pub mod ids;
pub mod invitations;
pub mod limits;
pub mod logging;
pub mod mail;
pub mod master_key;
pub mod model;
pub mod openapi;
pub mod origin;
pub mod password;
pub mod peer_ip;
pub mod probes;
pub mod rate_limit;
pub mod request_log;
pub mod session;
pub mod sign_in;
pub mod sign_up;
pub mod state;
pub mod static_files;
pub mod strategies;
pub mod telemetry;
pub mod totp;
pub mod trace;
pub mod verification;
pub mod verify;
pub mod webhooks;

use anyhow::Context;
use axum::Router;
use axum::serve::ListenerExt;
use clock::Clock;
use config::{Config, Secret};
use delivery::Sender;
use events::Hub;
use state::AppState;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::TcpListener;

/// What the command line adds to the config.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Dev mode: the outbox and the `/v1/dev/` tools.
    pub dev: bool,
    /// Dev mode on an address other hosts can reach (the outbox shows
    /// every code to anyone who asks): refused unless this is set.
    pub dev_allow_remote: bool,
    /// The address the server listens on (bound before the app is built):
    /// dev mode's public origin without one configured, and the check
    /// that dev mode stays on loopback.
    pub listen: Option<SocketAddr>,
    /// `--public-origin`: wins over the config's `public_origin`.
    pub public_origin: Option<String>,
    /// The demo page, served at `/`.
    pub www: Option<PathBuf>,
    /// The npm package, served at `/pkg/`.
    pub pkg: Option<PathBuf>,
    /// The admin API key; `None` turns the admin API off.
    pub secret_key: Option<Secret>,
    /// The key that seals the database's secrets; `None`: from
    /// `GATEHOUSE_MASTER_KEY` or the key file beside the database
    /// (`master_key`).
    pub master_key: Option<master_key::MasterKey>,
    /// `--metrics-listen`: `/metrics` has a listener of its own
    /// ([`App::metrics_router`]), so the public one does not serve it.
    pub metrics_apart: bool,
}

/// A built app, ready to serve.
pub struct App {
    router: Router,
    state: AppState,
    /// On PostgreSQL, the task feeding the hub every node's change notices
    /// (`events::listen`); it stops when the app (or its `serve`) ends.
    _listening: Option<AbortOnDrop>,
}

/// Opens (creating and migrating) the database and builds the app.
///
/// Refuses to build without a public origin outside dev mode, and refuses
/// dev mode with `[smtp]` or `[sms]` or on a non-loopback address (see [`dev_guard`]).
pub async fn build_app(
    mut config: Config,
    database_url: &str,
    options: Options,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<App> {
    if let Some(origin) = &options.public_origin {
        config.public_origin = Some(origin.clone());
    }
    config.validate().context("invalid config")?;
    environment::without_unsendable_phone(&mut config, options.dev)?;
    if let Some(key) = &options.secret_key
        && key.expose().chars().count() < admin::auth::MIN_KEY_LEN
    {
        anyhow::bail!(
            "the secret key must be at least {} characters (try `openssl rand -hex 32`)",
            admin::auth::MIN_KEY_LEN
        );
    }
    let public_origin = origin::PublicOrigin::resolve(config.public_origin.as_deref(), options.dev, options.listen)?;
    config.public_origin = Some(public_origin.0.clone());
    dev_guard(&config, &options)?;
    telemetry::install();
    let hub = Hub::new(events::StreamLimits::of(&config.events));
    let store = db::Store::connect_with(database_url, options.master_key.clone(), config.database)
        .await?
        .announcing_to(Arc::new(hub.clone()))
        .with_webhooks(subscriptions(&config));
    // Every node listens for every node's notices; listening before the app
    // answers, so no notice committed after it is built is missed.
    let listening = match store.backend() {
        db::Backend::Postgres => Some(AbortOnDrop(
            events::listen::spawn(database_url, hub.clone()).await.context("listening for change notices")?,
        )),
        db::Backend::Sqlite => None,
    };
    let code_key = store.code_key().await.context("reading the server secret")?;
    session::keys::ensure(&store, clock.now_ms()).await.context("preparing the session signing key")?;
    let sender = Sender::new(&config, options.dev, clock.clone(), store.clone())?;
    let mail = mail::Templates::load(&config.mail)?;
    let hasher = password::Hasher::new(config.password_hashing);
    hasher.warm_up().await;
    let state = AppState::new(state::Parts {
        config: Arc::new(config),
        store,
        sender: Arc::new(sender),
        mail: Arc::new(mail),
        code_key: Arc::new(code_key),
        hasher,
        clock,
        hub,
        dev: options.dev,
        requests: Arc::default(),
    });
    Ok(App { router: app::router(state.clone(), &options), state, _listening: listening })
}

/// The endpoints of `[webhooks]`, as the store records events for them.
fn subscriptions(config: &Config) -> Vec<db::Subscription> {
    let endpoints = config.webhooks.endpoints.iter();
    endpoints.map(|(name, e)| db::Subscription { endpoint: name.clone(), events: e.event_filter() }).collect()
}

/// Dev mode publishes every code at `GET /v1/dev/outbox`, with no key: it
/// must not send real mail (then the outbox would show real people's
/// codes), nor listen where other hosts can ask, unless the operator says
/// so (`--dev-allow-remote`). It warns loudly when it starts.
fn dev_guard(config: &Config, options: &Options) -> anyhow::Result<()> {
    if !options.dev {
        return Ok(());
    }
    if config.smtp.is_some() {
        anyhow::bail!(
            "--dev with [smtp] configured: dev mode publishes every code at /v1/dev/outbox; remove [smtp] or --dev"
        );
    }
    if config.sms.is_some() {
        anyhow::bail!(
            "--dev with [sms] configured: dev mode publishes every code at /v1/dev/outbox; remove [sms] or --dev"
        );
    }
    let remote = options.listen.is_some_and(|addr| !addr.ip().is_loopback());
    if remote && !options.dev_allow_remote {
        anyhow::bail!(
            "--dev on a non-loopback address ({}): anyone who reaches it can read every code at /v1/dev/outbox; \
             listen on 127.0.0.1, or add --dev-allow-remote (GATEHOUSE_DEV_ALLOW_REMOTE)",
            options.listen.map(|a| a.to_string()).unwrap_or_default()
        );
    }
    tracing::warn!("**************************************************************************");
    tracing::warn!("DEV MODE: every code and link is readable at /v1/dev/outbox, without a key.");
    tracing::warn!("Never run dev mode where real people sign up.");
    tracing::warn!("**************************************************************************");
    Ok(())
}

impl App {
    /// The router, for tests that call it without a socket.
    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// The router of the metrics listener (`--metrics-listen`): `GET /metrics` alone.
    pub fn metrics_router(&self) -> Router {
        probes::metrics_only(self.state.clone())
    }

    /// The shared state.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The public origin every link and redirect check uses.
    pub fn public_origin(&self) -> &str {
        self.state.config.public_origin.as_deref().unwrap_or_default()
    }

    /// Serves until `shutdown` resolves, then ends the event streams (they
    /// would never finish by themselves) and lets other requests in flight
    /// finish. The cleanup task and the webhook worker run meanwhile. Last, the mail queue gets
    /// [`MAIL_DRAIN`] to send what waits.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let state = self.state.clone();
        let cleanup = cleanup::spawn(state.store.clone(), state.config.clone(), state.clock.clone());
        let _stop_cleanup = AbortOnDrop(cleanup);
        let _stop_webhooks = match state.config.webhooks.endpoints.is_empty() {
            true => None,
            false => {
                let settings = state.config.webhooks.clone();
                let worker = webhooks::spawn(state.store.clone(), settings, state.clock.clone())
                    .map_err(|e| std::io::Error::other(format!("{e:#}")))?;
                Some(AbortOnDrop(worker))
            }
        };
        let hub = self.state.hub.clone();
        let shutdown = async move {
            shutdown.await;
            hub.close_all();
        };
        // Each write goes out at once. With Nagle's algorithm, a body
        // written after its head waits for the peer's delayed ACK: tens of
        // milliseconds for a static file or an answer in two writes.
        let listener = listener.tap_io(|tcp| {
            if let Err(error) = tcp.set_nodelay(true) {
                tracing::warn!(%error, "cannot set TCP_NODELAY on a connection");
            }
        });
        connections::serve(listener, self.router, shutdown).await;
        if tokio::time::timeout(MAIL_DRAIN, state.sender.idle()).await.is_err() {
            tracing::error!(unsent = state.sender.pending(), "stopping with mail still queued: it is lost");
        }
        Ok(())
    }
}

/// How long a stopping server waits for its mail queue.
pub const MAIL_DRAIN: std::time::Duration = std::time::Duration::from_secs(10);

/// Ends a background task when its owner goes.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
