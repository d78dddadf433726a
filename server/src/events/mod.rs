//! Sign-up change notices, for the event streams of
//! `GET /v1/client/sign_ups/{id}/events`.
//!
//! A write's transaction tells a [`Notify`] which sign-up changed, once it
//! commits (`crate::db::Tx::commit`); every stream subscribed to that sign-up then re-reads it and
//! sends it if it differs from what it last sent. A notice carries no data,
//! so a missed or doubled one costs nothing but a read, and each new stream
//! starts from the stored state.
//!
//! [`Hub`] is the in-process fan-out: one `watch` channel per sign-up that
//! has a stream, removed when its last stream ends. On SQLite the store
//! calls it after each commit; on PostgreSQL the notices travel through the
//! database (`pg_notify`), and each node's [`listen`] task feeds its hub.
//! `crate::sign_up::stream` turns a subscription into the
//! `text/event-stream` body of a sign-up; the hub knows no flow.
//!
//! The hub also bounds how many streams are open: per client, per IP (an
//! IPv6 address counts by its /64, as the rate limit keys it) and on this
//! node as a whole ([`StreamLimits`]). A subscription past a cap is refused
//! ([`Full`]), and the caller answers 429.

pub mod listen;

use crate::config::EventSettings;
use crate::error::ApiError;
use gatehouse_protocol::ErrorCode;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::watch;

/// The answer to a stream past a cap: 429 `rate_limited`. Streams end by
/// themselves, at the latest after `max_lifetime`; a few seconds is the
/// wait a person would not notice.
pub fn refusal(full: Full) -> ApiError {
    tracing::info!(cap = ?full, "event stream refused: too many open");
    crate::telemetry::limited(crate::telemetry::Limit::EventStreams);
    ApiError::RetryAfter { code: ErrorCode::RateLimited, seconds: RETRY_AFTER_SECONDS }
}

/// The `Retry-After` of a refused stream.
pub const RETRY_AFTER_SECONDS: u64 = 5;

/// Where committed writes announce that a sign-up changed (defined in
/// `db/`, which cannot see the hub).
pub use crate::db::Notify;

/// The streams of this process, by sign-up.
#[derive(Clone, Default)]
pub struct Hub {
    inner: Arc<Inner>,
}

/// How many streams may be open at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamLimits {
    pub per_client: u32,
    pub per_ip: u32,
    pub per_node: u32,
}

impl StreamLimits {
    pub fn of(settings: &EventSettings) -> StreamLimits {
        StreamLimits {
            per_client: settings.max_per_client,
            per_ip: settings.max_per_ip,
            per_node: settings.max_per_node,
        }
    }
}

impl Default for StreamLimits {
    fn default() -> Self {
        StreamLimits::of(&crate::config::Config::default().events)
    }
}

/// Who opens a stream, for the caps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opener {
    pub client_id: String,
    /// The rate limit's key (`crate::rate_limit::rate_key`); `None` when unknown.
    pub ip: Option<IpAddr>,
}

/// Which cap refused a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Full {
    Client,
    Ip,
    Node,
}

struct Inner {
    /// One channel per sign-up with at least one stream; the value counts changes.
    channels: Mutex<HashMap<String, watch::Sender<u64>>>,
    /// Bumped to end every open stream.
    close_all: watch::Sender<u64>,
    limits: StreamLimits,
    open: Mutex<OpenStreams>,
}

/// The streams open now, counted the ways the caps need.
#[derive(Default)]
struct OpenStreams {
    total: u32,
    by_client: HashMap<String, u32>,
    by_ip: HashMap<IpAddr, u32>,
}

impl OpenStreams {
    fn admit(&mut self, opener: &Opener, limits: StreamLimits) -> Result<(), Full> {
        if self.total >= limits.per_node {
            return Err(Full::Node);
        }
        if self.by_client.get(&opener.client_id).copied().unwrap_or(0) >= limits.per_client {
            return Err(Full::Client);
        }
        if let Some(ip) = opener.ip
            && self.by_ip.get(&ip).copied().unwrap_or(0) >= limits.per_ip
        {
            return Err(Full::Ip);
        }
        self.total += 1;
        *self.by_client.entry(opener.client_id.clone()).or_default() += 1;
        if let Some(ip) = opener.ip {
            *self.by_ip.entry(ip).or_default() += 1;
        }
        Ok(())
    }

    fn release(&mut self, opener: &Opener) {
        self.total = self.total.saturating_sub(1);
        decrement(&mut self.by_client, &opener.client_id);
        if let Some(ip) = opener.ip {
            decrement(&mut self.by_ip, &ip);
        }
    }
}

/// Counts one down, forgetting the key at zero (so the maps stay small).
fn decrement<K: std::hash::Hash + Eq + Clone>(counts: &mut HashMap<K, u32>, key: &K) {
    if let Some(count) = counts.get_mut(key) {
        *count = count.saturating_sub(1);
        if *count == 0 {
            counts.remove(key);
        }
    }
}

impl Default for Inner {
    fn default() -> Self {
        Inner::new(StreamLimits::default())
    }
}

impl Inner {
    fn new(limits: StreamLimits) -> Self {
        Inner { channels: Mutex::default(), close_all: watch::channel(0).0, limits, open: Mutex::default() }
    }

    fn channels(&self) -> MutexGuard<'_, HashMap<String, watch::Sender<u64>>> {
        self.channels.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn open(&self) -> MutexGuard<'_, OpenStreams> {
        self.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Hub {
    /// A hub under these caps.
    pub fn new(limits: StreamLimits) -> Hub {
        Hub { inner: Arc::new(Inner::new(limits)) }
    }

    /// Starts listening for changes to a sign-up, unless a cap is reached.
    /// Subscribe before reading the sign-up, so no change falls between the
    /// read and the listening.
    pub fn subscribe(&self, sign_up_id: &str, opener: Opener) -> Result<Subscription, Full> {
        self.inner.open().admit(&opener, self.inner.limits)?;
        let changes = {
            let mut channels = self.inner.channels();
            let sender = channels.entry(String::from(sign_up_id)).or_insert_with(|| watch::channel(0).0);
            sender.subscribe()
        };
        Ok(Subscription {
            sign_up_id: String::from(sign_up_id),
            opener,
            changes,
            closed: self.inner.close_all.subscribe(),
            hub: self.inner.clone(),
        })
    }

    /// Ends every open stream (dev tools, shutdown); answers how many were open.
    pub fn close_all(&self) -> usize {
        self.inner.close_all.send_modify(|generation| *generation += 1);
        self.open_streams()
    }

    /// Wakes every open stream once, as if each sign-up had changed: after
    /// notices may have been lost (see [`listen`]), each stream re-reads.
    pub fn wake_all(&self) {
        for sender in self.inner.channels().values() {
            sender.send_modify(|count| *count += 1);
        }
    }

    /// How many streams are open.
    pub fn open_streams(&self) -> usize {
        self.inner.open().total as usize
    }

    /// How many sign-ups have a channel (for tests of the cleanup).
    pub fn channels(&self) -> usize {
        self.inner.channels().len()
    }
}

impl Notify for Hub {
    fn changed(&self, sign_up_id: &str) {
        if let Some(sender) = self.inner.channels().get(sign_up_id) {
            sender.send_modify(|count| *count += 1);
        }
    }
}

/// One stream's interest in one sign-up; dropping it unsubscribes.
pub struct Subscription {
    sign_up_id: String,
    opener: Opener,
    changes: watch::Receiver<u64>,
    closed: watch::Receiver<u64>,
    hub: Arc<Inner>,
}

/// Why a [`Subscription`] woke.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wake {
    /// The sign-up changed (at least once since the last wake).
    Changed,
    /// The hub ends every stream.
    Closed,
}

impl Subscription {
    /// Waits for the next change, or for the hub to end every stream.
    pub async fn next(&mut self) -> Wake {
        tokio::select! {
            biased;
            _ = self.closed.changed() => Wake::Closed,
            // The channel is ours until we drop, so this cannot fail.
            _ = self.changes.changed() => Wake::Changed,
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.hub.open().release(&self.opener);
        let mut channels = self.hub.channels();
        // Our receiver still counts: remove the channel if it is the last one.
        if channels.get(&self.sign_up_id).is_some_and(|sender| sender.receiver_count() <= 1) {
            channels.remove(&self.sign_up_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::time::timeout;

    const SHORT: Duration = Duration::from_millis(50);

    fn opener(client_id: &str, ip: &str) -> Opener {
        Opener { client_id: String::from(client_id), ip: Some(ip.parse().unwrap()) }
    }

    /// A subscription of its own client and IP, away from every cap.
    fn subscribe(hub: &Hub, sign_up_id: &str) -> Subscription {
        let n = hub.open_streams();
        hub.subscribe(sign_up_id, opener(&format!("client_{n}"), &format!("10.0.{}.{}", n / 250, n % 250))).unwrap()
    }

    #[tokio::test]
    async fn a_change_wakes_every_stream_of_its_sign_up_only() {
        let hub = Hub::default();
        let (mut a1, mut a2, mut b) = (subscribe(&hub, "su_a"), subscribe(&hub, "su_a"), subscribe(&hub, "su_b"));
        assert_eq!((hub.open_streams(), hub.channels()), (3, 2));
        hub.changed("su_a");
        hub.changed("su_a");
        assert_eq!(timeout(SHORT, a1.next()).await.unwrap(), Wake::Changed);
        assert_eq!(timeout(SHORT, a2.next()).await.unwrap(), Wake::Changed);
        assert!(timeout(SHORT, b.next()).await.is_err());
        // Two changes before a wake are seen once, then nothing until the next.
        assert!(timeout(SHORT, a1.next()).await.is_err());
        hub.changed("su_nobody");
    }

    #[tokio::test]
    async fn wake_all_wakes_every_stream_once() {
        let hub = Hub::default();
        let (mut a, mut b) = (subscribe(&hub, "su_a"), subscribe(&hub, "su_b"));
        hub.wake_all();
        assert_eq!(timeout(SHORT, a.next()).await.unwrap(), Wake::Changed);
        assert_eq!(timeout(SHORT, b.next()).await.unwrap(), Wake::Changed);
        assert!(timeout(SHORT, a.next()).await.is_err());
    }

    #[tokio::test]
    async fn the_last_subscription_removes_its_channel() {
        let hub = Hub::default();
        let (a1, a2) = (subscribe(&hub, "su_a"), subscribe(&hub, "su_a"));
        drop(a1);
        assert_eq!((hub.open_streams(), hub.channels()), (1, 1));
        drop(a2);
        assert_eq!((hub.open_streams(), hub.channels()), (0, 0));
    }

    #[tokio::test]
    async fn close_all_ends_every_stream() {
        let hub = Hub::default();
        let (mut a, mut b) = (subscribe(&hub, "su_a"), subscribe(&hub, "su_b"));
        hub.changed("su_a");
        assert_eq!(hub.close_all(), 2);
        // Closing wins over a pending change.
        assert_eq!(timeout(SHORT, a.next()).await.unwrap(), Wake::Closed);
        assert_eq!(timeout(SHORT, b.next()).await.unwrap(), Wake::Closed);
        // A stream opened afterwards is not closed by the earlier call.
        let mut c = subscribe(&hub, "su_c");
        assert!(timeout(SHORT, c.next()).await.is_err());
    }

    #[test]
    fn each_cap_refuses_past_its_number_and_a_closed_stream_frees_its_place() {
        let hub = Hub::new(StreamLimits { per_client: 2, per_ip: 3, per_node: 4 });
        let a1 = hub.subscribe("su_a", opener("client_a", "10.0.0.1")).unwrap();
        let _a2 = hub.subscribe("su_a", opener("client_a", "10.0.0.1")).unwrap();
        assert_eq!(hub.subscribe("su_a", opener("client_a", "10.0.0.2")).err(), Some(Full::Client));
        let _b1 = hub.subscribe("su_b", opener("client_b", "10.0.0.1")).unwrap();
        assert_eq!(hub.subscribe("su_b", opener("client_b", "10.0.0.1")).err(), Some(Full::Ip));
        let _c1 = hub.subscribe("su_c", opener("client_c", "10.0.0.9")).unwrap();
        assert_eq!(hub.subscribe("su_d", opener("client_d", "10.0.0.8")).err(), Some(Full::Node));
        assert_eq!(hub.open_streams(), 4);
        drop(a1);
        let _a3 = hub.subscribe("su_a", opener("client_a", "10.0.0.1")).unwrap();
        // Refusals leave no trace: the counts are those of the open streams.
        assert_eq!(hub.open_streams(), 4);
        let open = hub.inner.open();
        assert_eq!((open.by_client.len(), open.by_ip.len()), (3, 2));
    }

    #[test]
    fn counts_are_forgotten_when_the_last_stream_of_a_key_ends() {
        let hub = Hub::default();
        drop(hub.subscribe("su_a", opener("client_a", "10.0.0.1")).unwrap());
        let open = hub.inner.open();
        assert_eq!((open.total, open.by_client.len(), open.by_ip.len()), (0, 0, 0));
    }
}
