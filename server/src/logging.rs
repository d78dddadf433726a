//! The log: `tracing` lines on stdout, as text (the default) or one JSON
//! object per line (`--log-format json`, `GATEHOUSE_LOG_FORMAT=json`).
//!
//! Text is the default everywhere, on a terminal (with colours) and off
//! one (without): it is what journald and `docker logs` show people, and
//! what existing scripts read. A log stack asks for JSON. Each JSON line
//! has `timestamp`, `level`, `target`, the event's fields (`message` and
//! the rest) at the top, and the request's span as `span` (`method`,
//! `uri`, `trace_id`: the request id). `RUST_LOG` picks the levels
//! (default `info,sqlx=warn`).

use crate::cli::LogFormat;
use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber; call once, first thing.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Text => builder.with_ansi(std::io::stdout().is_terminal()).init(),
        LogFormat::Json => {
            builder.json().flatten_event(true).with_current_span(true).with_span_list(false).init();
        }
    }
}
