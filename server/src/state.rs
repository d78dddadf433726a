//! What every handler can reach: settings, storage, delivery, time, and
//! the notices that wake event streams.

use crate::clock::Clock;
use crate::codes::CodeKey;
use crate::config::Config;
use crate::db::Store;
use crate::delivery::Sender;
use crate::events::Hub;
use crate::mail::Templates;
use crate::password::Hasher;
use crate::request_log::RequestLog;
use axum::extract::FromRef;
use std::sync::Arc;

/// The shared state of the app: one pointer, so cloning it (axum does for
/// every handler and middleware that takes `State`) is one reference count,
/// not one per part (the parts' counts were about 2% of a sign-up's CPU).
#[derive(Clone)]
pub struct AppState(Arc<Parts>);

impl AppState {
    pub fn new(parts: Parts) -> AppState {
        AppState(Arc::new(parts))
    }
}

impl std::ops::Deref for AppState {
    type Target = Parts;

    fn deref(&self) -> &Parts {
        &self.0
    }
}

/// What an [`AppState`] holds.
pub struct Parts {
    pub config: Arc<Config>,
    pub store: Store,
    pub sender: Arc<Sender>,
    /// The words of every message (`[mail]`), loaded and checked at start.
    pub mail: Arc<Templates>,
    pub code_key: Arc<CodeKey>,
    /// The gate every password hash and check goes through.
    pub hasher: Hasher,
    pub clock: Arc<dyn Clock>,
    /// The event streams of this process, fed by the transactions that
    /// commit (see `crate::db::Tx::commit` and `crate::events::listen`).
    pub hub: Hub,
    /// `--dev`: the outbox is on and the environment says so.
    pub dev: bool,
    /// `--dev`: the requests the server saw (`GET /v1/dev/requests`).
    pub requests: Arc<RequestLog>,
}

/// The settings alone, for extractors that need no more
/// (`crate::origin::PublicOrigin`).
impl FromRef<AppState> for Arc<Config> {
    fn from_ref(state: &AppState) -> Arc<Config> {
        state.config.clone()
    }
}

impl AppState {
    /// The current time, in epoch milliseconds.
    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }
}
