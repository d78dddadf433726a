//! What every handler can reach: settings, storage, delivery and time.

use crate::clock::Clock;
use crate::codes::CodeKey;
use crate::config::Config;
use crate::db::Store;
use crate::delivery::Sender;
use std::sync::Arc;

/// The shared state of the app, cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub store: Store,
    pub sender: Arc<Sender>,
    pub code_key: Arc<CodeKey>,
    pub clock: Arc<dyn Clock>,
    /// `--dev`: the outbox is on and the environment says so.
    pub dev: bool,
}

impl AppState {
    /// The current time, in epoch milliseconds.
    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }
}
