//! The command line, each flag with a `GATEHOUSE_*` environment twin.
//!
//! A flag given on the command line wins over its environment variable,
//! which wins over the default. Without a subcommand the server serves;
//! `rotate-signing-key` changes the key that signs session JWTs (see
//! `crate::session::keys`) and exits.

use crate::Options;
use crate::config::Secret;
use crate::master_key::MasterKey;
use clap::builder::BoolishValueParser;
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Gatehouse server: the frontend API for sign-ups, the dev outbox and the demo page.
#[derive(Clone, Debug, Parser, PartialEq)]
#[command(name = "gatehouse-server", version, about)]
pub struct Cli {
    /// Address and port to listen on.
    #[arg(long, env = "GATEHOUSE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// SQLite database URL; the file is created and migrated on start.
    #[arg(long, env = "GATEHOUSE_DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,

    /// Instance settings (TOML). Without it, the defaults apply. Either
    /// way, `GATEHOUSE_<SECTION>__<KEY>` variables win over it (see the
    /// README's configuration section).
    #[arg(long, env = "GATEHOUSE_CONFIG", global = true)]
    pub config: Option<PathBuf>,

    /// Dev mode: messages also go to the outbox at GET /v1/dev/outbox, and
    /// the test tools under /v1/dev/ exist.
    /// The variable accepts true/false, 1/0, yes/no, on/off.
    #[arg(long, env = "GATEHOUSE_DEV", value_parser = BoolishValueParser::new())]
    pub dev: bool,

    /// Lets dev mode listen on a non-loopback address, where anyone who
    /// reaches it can read every code in the outbox.
    #[arg(long, env = "GATEHOUSE_DEV_ALLOW_REMOTE", value_parser = BoolishValueParser::new())]
    pub dev_allow_remote: bool,

    /// The server's origin as people reach it (`https://auth.example.com`);
    /// wins over `public_origin` in the config. Required outside dev mode.
    #[arg(long, env = "GATEHOUSE_PUBLIC_ORIGIN")]
    pub public_origin: Option<String>,

    /// Directory served at / (the demo page).
    #[arg(long, env = "GATEHOUSE_WWW")]
    pub www: Option<PathBuf>,

    /// Directory served at /pkg/ (the npm package built from the SDK).
    #[arg(long, env = "GATEHOUSE_PKG")]
    pub pkg: Option<PathBuf>,

    /// The admin API key (at least 32 characters, e.g. `openssl rand -hex 32`).
    /// Without it the admin API (/v1/admin) is off. Prefer the variable: a
    /// flag shows in the process list. Never logged.
    #[arg(long, env = "GATEHOUSE_SECRET_KEY", hide_env_values = true, value_parser = parse_secret)]
    pub secret_key: Option<Secret>,

    /// A second address that serves only `GET /metrics` (Prometheus),
    /// without a key: bind it where only the scraper reaches. Without it,
    /// `/metrics` is on the main address behind the admin key
    /// (`--secret-key`), or off when there is none.
    #[arg(long, env = "GATEHOUSE_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,

    /// Log lines as `text` or `json` (one JSON object per line, with the
    /// request's trace id). Default: `text`.
    #[arg(long, env = "GATEHOUSE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines (colours on a terminal).
    Text,
    /// One JSON object per line, for a log stack.
    Json,
}

/// What to do instead of serving.
#[derive(Clone, Debug, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Makes a new key to sign session JWTs. The server picks it up without
    /// a restart; the JWKS lists it at once and keeps the old key until the
    /// tokens the old key signed have expired.
    RotateSigningKey(RotateArgs),
    /// Reads the config (`--config`, then the `GATEHOUSE_*` variables and
    /// `*_FILE` secrets), validates it, and prints what it resolved to as
    /// TOML, every secret as `***`. Exits 1, naming the key, when it is
    /// not valid.
    CheckConfig,
}

/// `rotate-signing-key`.
#[derive(Clone, Debug, PartialEq, Eq, Args)]
pub struct RotateArgs {
    /// Seconds before the new key starts signing, so verifiers that cache
    /// the JWKS (up to 5 minutes, its Cache-Control) see it first.
    #[arg(long, default_value_t = 600)]
    pub delay: u64,

    /// The old key may be known to someone else: the new key signs at
    /// once, and the old keys leave the JWKS at once (tokens they signed
    /// stop verifying; the SDK fetches new ones).
    #[arg(long)]
    pub compromised: bool,
}

/// The default of `--database-url`.
const DEFAULT_DATABASE_URL: &str = "sqlite://gatehouse.db";

/// The secrets the command line's variables may also take from files
/// (`GATEHOUSE_<NAME>_FILE`, for container secrets).
#[derive(Default)]
pub struct SecretFiles {
    /// From `GATEHOUSE_MASTER_KEY_FILE`.
    pub master_key: Option<MasterKey>,
}

impl Cli {
    /// Reads `GATEHOUSE_SECRET_KEY_FILE`, `GATEHOUSE_DATABASE_URL_FILE` and
    /// `GATEHOUSE_MASTER_KEY_FILE` (each file's text, one trailing newline
    /// left out). A flag wins over its file; a variable and its `_FILE`
    /// together are refused.
    pub fn read_secret_files(&mut self) -> anyhow::Result<SecretFiles> {
        if let Some(text) = secret_file("GATEHOUSE_SECRET_KEY")?
            && self.secret_key.is_none()
        {
            self.secret_key = Some(Secret::new(text));
        }
        if let Some(text) = secret_file("GATEHOUSE_DATABASE_URL")?
            && self.database_url == DEFAULT_DATABASE_URL
        {
            self.database_url = text;
        }
        let master_key = match secret_file(crate::master_key::ENV)? {
            Some(text) => Some(MasterKey::parse(&text, "GATEHOUSE_MASTER_KEY_FILE")?),
            None => None,
        };
        Ok(SecretFiles { master_key })
    }
}

/// The text of the file `<var>_FILE` names, if it is set.
fn secret_file(var: &str) -> anyhow::Result<Option<String>> {
    let file_var = format!("{var}_FILE");
    let Some(path) = std::env::var_os(&file_var) else { return Ok(None) };
    if std::env::var_os(var).is_some() {
        anyhow::bail!("{var} and {file_var} are both set: give one");
    }
    let text = std::fs::read_to_string(&path)
        .map_err(|e| anyhow::anyhow!("{file_var}: cannot read {}: {e}", path.to_string_lossy()))?;
    let text = text.strip_suffix('\n').map(|t| t.strip_suffix('\r').unwrap_or(t)).unwrap_or(&text);
    Ok(Some(String::from(text)))
}

fn parse_secret(value: &str) -> Result<Secret, String> {
    Ok(Secret::new(String::from(value)))
}

impl Cli {
    /// What the app needs from the command line, beyond the config and
    /// database (`listen` is left for the caller: the address once bound).
    pub fn options(&self) -> Options {
        Options {
            dev: self.dev,
            dev_allow_remote: self.dev_allow_remote,
            listen: None,
            public_origin: self.public_origin.clone(),
            www: self.www.clone(),
            pkg: self.pkg.clone(),
            secret_key: self.secret_key.clone(),
            // The master key comes from GATEHOUSE_MASTER_KEY or its file (`master_key`).
            master_key: None,
            metrics_apart: self.metrics_listen.is_some(),
        }
    }
}
