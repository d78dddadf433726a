//! The `gatehouse-server` binary: command line and config in, then serve.

use anyhow::Context;
use clap::Parser;
use gatehouse_server::Options;
use gatehouse_server::cli::{Cli, Command, RotateArgs};
use gatehouse_server::clock::{Clock, SystemClock};
use gatehouse_server::config::{Config, DatabaseSettings};
use gatehouse_server::db::{Backend, Store};
use gatehouse_server::master_key::MasterKey;
use gatehouse_server::session::keys;
use std::process::ExitCode;
use std::sync::Arc;

/// mimalloc in place of glibc's malloc: a request allocates and frees
/// many small objects across the worker threads (docs/BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    gatehouse_server::logging::init(cli.log_format);
    match start(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("gatehouse-server: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the command, or serves on a runtime of
/// [`HttpSettings::worker_threads`](gatehouse_server::config::HttpSettings::worker_threads)
/// workers.
fn start(mut cli: Cli) -> anyhow::Result<()> {
    let secrets = cli.read_secret_files()?;
    match &cli.command {
        Some(Command::RotateSigningKey(args)) => {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            return runtime.block_on(rotate(&cli.database_url, secrets.master_key, args));
        }
        Some(Command::CheckConfig) => return check_config(&cli),
        None => {}
    }
    let config = resolve_config(&cli)?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let on_sqlite = matches!(Backend::of_url(&cli.database_url), Ok(Backend::Sqlite));
    let workers = config.http.worker_threads(on_sqlite, cores);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(workers).enable_all().build()?;
    runtime.block_on(serve(cli, secrets.master_key, config, workers))
}

/// Serves until Ctrl-C or SIGTERM, with the metrics listener if asked for.
async fn serve(cli: Cli, master_key: Option<MasterKey>, config: Config, workers: usize) -> anyhow::Result<()> {
    let listener =
        tokio::net::TcpListener::bind(cli.listen).await.with_context(|| format!("cannot listen on {}", cli.listen))?;
    let addr = listener.local_addr()?;
    let options = Options { listen: Some(addr), master_key, ..cli.options() };
    let app = gatehouse_server::build_app(config, &cli.database_url, options, Arc::new(SystemClock)).await?;
    if let Some(metrics_addr) = cli.metrics_listen {
        let metrics = tokio::net::TcpListener::bind(metrics_addr)
            .await
            .with_context(|| format!("cannot listen on {metrics_addr} for metrics"))?;
        let metrics_addr = metrics.local_addr()?;
        let router = app.metrics_router();
        tokio::spawn(async move {
            if let Err(error) = axum::serve(metrics, router).await {
                tracing::error!(%error, "the metrics listener stopped");
            }
        });
        tracing::info!("metrics on http://{metrics_addr}/metrics");
    }
    if cli.dev {
        tracing::info!("dev mode: messages go to the outbox at /v1/dev/outbox");
    }
    tracing::info!(public_origin = app.public_origin(), workers, "listening on http://{addr}");
    app.serve(listener, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

/// The config file (if any) over the defaults, under the environment.
fn resolve_config(cli: &Cli) -> anyhow::Result<Config> {
    Ok(match &cli.config {
        Some(path) => Config::load(path)?,
        None => Config::from_environment()?,
    })
}

/// `check-config`: the resolved settings, validated, printed with secrets masked.
fn check_config(cli: &Cli) -> anyhow::Result<()> {
    let mut config = resolve_config(cli)?;
    if let Some(origin) = &cli.public_origin {
        config.public_origin = Some(origin.clone());
        config.validate()?;
    }
    // The mail templates too: an override folder's files must parse and render.
    gatehouse_server::mail::Templates::load(&config.mail)?;
    let shown = gatehouse_server::config::shown(&config).context("printing the config")?;
    let source = cli.config.as_ref().map_or(String::from("the defaults"), |p| p.display().to_string());
    println!("# valid: {source}, under the GATEHOUSE_* variables; secrets shown as ***");
    print!("{shown}");
    Ok(())
}

/// `rotate-signing-key`: a running server picks the new key up from the
/// database; nothing needs a restart.
async fn rotate(database_url: &str, master_key: Option<MasterKey>, args: &RotateArgs) -> anyhow::Result<()> {
    let store = Store::connect_with(database_url, master_key, DatabaseSettings::default()).await?;
    let delay_ms = i64::try_from(args.delay.saturating_mul(1000)).unwrap_or(i64::MAX);
    let key = keys::rotate(&store, SystemClock.now_ms(), delay_ms, args.compromised).await?;
    if args.compromised {
        println!("new signing key {}: signs now; the old keys left the JWKS", key.kid);
    } else {
        println!("new signing key {}: in the JWKS now, signs in {} s", key.kid, args.delay);
    }
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!("cannot listen for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
