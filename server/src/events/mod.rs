//! Sign-up change notices, for the event streams of
//! `GET /v1/client/sign_ups/{id}/events`.
//!
//! A write tells a [`Notify`] which sign-up changed, after its transaction
//! commits; every stream subscribed to that sign-up then re-reads it and
//! sends it if it differs from what it last sent. A notice carries no data,
//! so a missed or doubled one costs nothing but a read, and each new stream
//! starts from the stored state.
//!
//! [`Hub`] is the in-process fan-out: one `watch` channel per sign-up that
//! has a stream, removed when its last stream ends. A deployment of several
//! nodes puts a publisher in front (PostgreSQL `NOTIFY`, a later issue) that
//! calls [`Notify::changed`] on each node's hub; writes only see the trait.
//! [`stream`] turns a subscription into the `text/event-stream` body.

pub mod stream;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::watch;

/// Where writes announce that a sign-up changed.
pub trait Notify: Send + Sync + 'static {
    /// Sign-up `sign_up_id` changed; its transaction has committed.
    fn changed(&self, sign_up_id: &str);
}

/// The streams of this process, by sign-up.
#[derive(Clone, Default)]
pub struct Hub {
    inner: Arc<Inner>,
}

struct Inner {
    /// One channel per sign-up with at least one stream; the value counts changes.
    channels: Mutex<HashMap<String, watch::Sender<u64>>>,
    /// Bumped to end every open stream.
    close_all: watch::Sender<u64>,
    open: AtomicUsize,
}

impl Default for Inner {
    fn default() -> Self {
        Inner { channels: Mutex::default(), close_all: watch::channel(0).0, open: AtomicUsize::new(0) }
    }
}

impl Inner {
    fn channels(&self) -> MutexGuard<'_, HashMap<String, watch::Sender<u64>>> {
        self.channels.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Hub {
    /// Starts listening for changes to a sign-up. Subscribe before reading
    /// the sign-up, so no change falls between the read and the listening.
    pub fn subscribe(&self, sign_up_id: &str) -> Subscription {
        let changes = {
            let mut channels = self.inner.channels();
            let sender = channels.entry(String::from(sign_up_id)).or_insert_with(|| watch::channel(0).0);
            sender.subscribe()
        };
        self.inner.open.fetch_add(1, Ordering::SeqCst);
        Subscription {
            sign_up_id: String::from(sign_up_id),
            changes,
            closed: self.inner.close_all.subscribe(),
            hub: self.inner.clone(),
        }
    }

    /// Ends every open stream (dev tools, shutdown); answers how many were open.
    pub fn close_all(&self) -> usize {
        self.inner.close_all.send_modify(|generation| *generation += 1);
        self.open_streams()
    }

    /// How many streams are open.
    pub fn open_streams(&self) -> usize {
        self.inner.open.load(Ordering::SeqCst)
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
        self.hub.open.fetch_sub(1, Ordering::SeqCst);
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

    #[tokio::test]
    async fn a_change_wakes_every_stream_of_its_sign_up_only() {
        let hub = Hub::default();
        let (mut a1, mut a2, mut b) = (hub.subscribe("su_a"), hub.subscribe("su_a"), hub.subscribe("su_b"));
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
    async fn the_last_subscription_removes_its_channel() {
        let hub = Hub::default();
        let (a1, a2) = (hub.subscribe("su_a"), hub.subscribe("su_a"));
        drop(a1);
        assert_eq!((hub.open_streams(), hub.channels()), (1, 1));
        drop(a2);
        assert_eq!((hub.open_streams(), hub.channels()), (0, 0));
    }

    #[tokio::test]
    async fn close_all_ends_every_stream() {
        let hub = Hub::default();
        let (mut a, mut b) = (hub.subscribe("su_a"), hub.subscribe("su_b"));
        hub.changed("su_a");
        assert_eq!(hub.close_all(), 2);
        // Closing wins over a pending change.
        assert_eq!(timeout(SHORT, a.next()).await.unwrap(), Wake::Closed);
        assert_eq!(timeout(SHORT, b.next()).await.unwrap(), Wake::Closed);
        // A stream opened afterwards is not closed by the earlier call.
        let mut c = hub.subscribe("su_c");
        assert!(timeout(SHORT, c.next()).await.is_err());
    }
}
