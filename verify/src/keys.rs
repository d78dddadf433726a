//! The server's key set, cached.
//!
//! A key set is kept for [`CacheOptions::max_age`] (the server's JWKS says
//! `Cache-Control: max-age=300`). A token that names a key the set lacks
//! (a rotation happened) fetches it again, and so does a stale set; but
//! never more than once per [`CacheOptions::refetch_cooldown`] after the
//! last attempt, so a flood of tokens with made-up `kid`s costs the
//! server at most one request per cooldown. Concurrent verifications that
//! need a fetch share one.
//!
//! When a fetch fails, a stale set goes on being used (its keys are still
//! the server's); with no set at all, or for a key the stale set lacks,
//! the answer is [`Error::KeysUnavailable`]. The server publishes a new
//! key well before it signs with it (`rotate-signing-key --delay`, 10
//! minutes by default), so an unknown `kid` within the cooldown is
//! refused as invalid.

use crate::Error;
use crate::fetch::{self, KeySet};
use jsonwebtoken::DecodingKey;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// How long a key set is kept, and how often it may be fetched.
#[derive(Clone, Debug)]
pub struct CacheOptions {
    /// A set older than this is fetched again before use (default 5 minutes).
    pub max_age: Duration,
    /// At most one fetch per this long (default 10 s).
    pub refetch_cooldown: Duration,
    /// How long one fetch may take (default 5 s).
    pub fetch_timeout: Duration,
}

impl Default for CacheOptions {
    fn default() -> Self {
        CacheOptions {
            max_age: Duration::from_secs(300),
            refetch_cooldown: Duration::from_secs(10),
            fetch_timeout: Duration::from_secs(5),
        }
    }
}

/// What the cache holds at one moment.
#[derive(Clone, Default)]
struct Snapshot {
    keys: Arc<KeySet>,
    /// When the set was last fetched successfully.
    fetched_at: Option<Instant>,
    /// When a fetch was last tried, and whether it failed.
    attempted_at: Option<Instant>,
    failed: bool,
    /// Counts attempts, so a caller that waited knows one happened.
    attempts: u64,
}

/// The key set of one JWKS URL.
pub(crate) struct KeyCache {
    url: String,
    options: CacheOptions,
    client: fetch::Client,
    state: RwLock<Snapshot>,
    /// Held while fetching: one fetch at a time.
    fetching: tokio::sync::Mutex<()>,
}

impl KeyCache {
    pub(crate) fn new(url: String, options: CacheOptions) -> Self {
        KeyCache {
            url,
            options,
            client: fetch::client(),
            state: RwLock::default(),
            fetching: tokio::sync::Mutex::new(()),
        }
    }

    fn snapshot(&self) -> Snapshot {
        self.state.read().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    /// The key named `kid`, fetching the set when it is stale or lacks it.
    pub(crate) async fn key(&self, kid: &str) -> Result<Arc<DecodingKey>, Error> {
        let seen = self.snapshot();
        let fresh = seen.fetched_at.is_some_and(|at| at.elapsed() < self.options.max_age);
        if let (true, Some(key)) = (fresh, seen.keys.get(kid)) {
            return Ok(key.clone());
        }
        let now = self.refresh(seen.attempts).await;
        match now.keys.get(kid) {
            Some(key) => Ok(key.clone()),
            None if now.fetched_at.is_none() || now.failed => {
                Err(Error::KeysUnavailable(String::from("the key set could not be fetched")))
            }
            None => Err(Error::Invalid(String::from("the token names a key the server does not publish"))),
        }
    }

    /// Fetches the set, unless a fetch was tried since `seen_attempts` or
    /// within the cooldown; answers the cache as it then stands.
    async fn refresh(&self, seen_attempts: u64) -> Snapshot {
        let _one_at_a_time = self.fetching.lock().await;
        let current = self.snapshot();
        let cooling = current.attempted_at.is_some_and(|at| at.elapsed() < self.options.refetch_cooldown);
        if current.attempts != seen_attempts || cooling {
            return current;
        }
        let fetched = fetch::key_set(&self.client, &self.url, self.options.fetch_timeout).await;
        let mut state = self.state.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        state.attempted_at = Some(Instant::now());
        state.attempts += 1;
        state.failed = fetched.is_err();
        if let Ok(keys) = fetched {
            state.keys = Arc::new(keys);
            state.fetched_at = state.attempted_at;
        }
        state.clone()
    }
}
