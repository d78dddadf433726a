//! `[http]`: every request but the event streams, and the async workers
//! that serve them.

use super::durations;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Every request but the event streams.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpSettings {
    /// How long a request may take before it answers 503 `request_timeout`.
    #[serde(rename = "request_timeout_seconds", with = "durations::seconds")]
    pub request_timeout: Duration,
    /// The async worker threads that serve requests; 0: chosen at start
    /// from the cores and the database ([`HttpSettings::worker_threads`]).
    pub workers: u32,
}

impl HttpSettings {
    /// How many async worker threads serve requests on `cores` cores:
    /// `workers` when set. Otherwise one per core on PostgreSQL, whose
    /// statements run in its own processes while a worker waits on the
    /// network. On SQLite, half the cores (at least one): every write goes
    /// one at a time through this process's one writing connection, and on
    /// two cores a second worker cost more in wake-ups between the two
    /// than it served (docs/BENCHMARKS.md, "One async worker on SQLite").
    pub fn worker_threads(&self, on_sqlite: bool, cores: usize) -> usize {
        match self.workers {
            0 if on_sqlite => (cores / 2).max(1),
            0 => cores.max(1),
            n => n as usize,
        }
    }
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings { request_timeout: Duration::from_secs(10), workers: 0 }
    }
}
