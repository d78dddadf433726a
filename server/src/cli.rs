//! The command line, each flag with a `GATEHOUSE_*` environment twin.
//!
//! A flag given on the command line wins over its environment variable,
//! which wins over the default.

use crate::Options;
use clap::Parser;
use clap::builder::BoolishValueParser;
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
    #[arg(long, env = "GATEHOUSE_DATABASE_URL", default_value = "sqlite://gatehouse.db")]
    pub database_url: String,

    /// Instance settings (TOML). Without it, the defaults apply.
    #[arg(long, env = "GATEHOUSE_CONFIG")]
    pub config: Option<PathBuf>,

    /// Dev mode: messages also go to the outbox at GET /v1/dev/outbox, and
    /// the test tools under /v1/dev/ exist.
    /// The variable accepts true/false, 1/0, yes/no, on/off.
    #[arg(long, env = "GATEHOUSE_DEV", value_parser = BoolishValueParser::new())]
    pub dev: bool,

    /// Directory served at / (the demo page).
    #[arg(long, env = "GATEHOUSE_WWW")]
    pub www: Option<PathBuf>,

    /// Directory served at /pkg/ (the npm package built from the SDK).
    #[arg(long, env = "GATEHOUSE_PKG")]
    pub pkg: Option<PathBuf>,
}

impl Cli {
    /// What the app needs from the command line, beyond the config and database.
    pub fn options(&self) -> Options {
        Options { dev: self.dev, www: self.www.clone(), pkg: self.pkg.clone() }
    }
}
