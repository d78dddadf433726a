//! Webhook delivery: the worker that sends the outbox's due rows
//! (`crate::db` writes them in the transaction of each change) to the
//! operator's endpoints, signed the Standard Webhooks way ([`sign`]).
//!
//! - Each node runs one worker ([`spawn`]). It wakes when a commit on this
//!   node recorded an event, and every `poll_interval_ms` (for retries,
//!   and for events recorded on other nodes), claims due rows for a lease
//!   (`Store::claim_webhook_deliveries`: of several nodes on PostgreSQL,
//!   one claims each row) and sends each on a task of its own, at most
//!   [`CONCURRENT_SENDS`] at once: a slow or failing endpoint holds only
//!   its own rows.
//! - A 2xx answer delivers. Anything else (another status, no answer in
//!   `timeout_seconds`, no connection) is tried again after
//!   `first_retry_ms`, doubling, at most `max_retry_interval_seconds`
//!   apart ([`next_try`]), until `retry_for_seconds` after the row was
//!   (re)scheduled: then it is `failed`. A row whose endpoint is no longer
//!   configured fails at once.
//! - Every try is counted in `gatehouse_webhook_deliveries_total` by result.

pub mod sign;

use crate::clock::Clock;
use crate::config::{WebhookSettings, webhook_secret_key};
use crate::db::{Attempt, Store};
use crate::delivery::sms::HttpClient;
use crate::model::webhook::{DeliveryStatus, WebhookDelivery};
use crate::telemetry;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// A wire value as an event's `data` (the wire types always serialize).
pub fn data(value: &impl serde::Serialize) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

/// A session as the `data` of `session.ended`: the session, and what ended
/// it (`sign_out`, `admin`, `password_change`).
pub fn ended_session(session: &impl serde::Serialize, ended_by: &str) -> serde_json::Value {
    let mut value = data(session);
    if let Some(fields) = value.as_object_mut() {
        fields.insert(String::from("ended_by"), serde_json::Value::from(ended_by));
    }
    value
}

/// Deliveries in flight on one node, at most.
pub const CONCURRENT_SENDS: usize = 16;

/// An endpoint as the worker uses it.
struct Target {
    url: String,
    key: Vec<u8>,
}

/// What the worker needs, shared by its send tasks.
struct Worker {
    store: Store,
    settings: WebhookSettings,
    clock: Arc<dyn Clock>,
    client: HttpClient,
    targets: BTreeMap<String, Target>,
}

/// Starts this node's worker; it runs until the handle is aborted.
pub fn spawn(
    store: Store,
    settings: WebhookSettings,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let client = HttpClient::new(Duration::from_secs(settings.timeout_seconds))?;
    let mut targets = BTreeMap::new();
    for (name, endpoint) in &settings.endpoints {
        let key =
            webhook_secret_key(endpoint.secret.expose()).map_err(|why| anyhow::anyhow!("webhook {name}: {why}"))?;
        targets.insert(name.clone(), Target { url: endpoint.url.clone(), key });
    }
    let worker = Arc::new(Worker { store, settings, clock, client, targets });
    Ok(tokio::spawn(worker.run()))
}

impl Worker {
    async fn run(self: Arc<Self>) {
        let slots = Arc::new(Semaphore::new(CONCURRENT_SENDS));
        let poll = Duration::from_millis(self.settings.poll_interval_ms);
        loop {
            let free = slots.available_permits();
            if free > 0 {
                let now = self.clock.now_ms();
                match self.store.claim_webhook_deliveries(now, now + self.lease_ms(), free as u32).await {
                    Ok(claimed) => {
                        for delivery in claimed {
                            let Ok(slot) = slots.clone().try_acquire_owned() else { break };
                            let worker = self.clone();
                            tokio::spawn(async move {
                                worker.deliver(delivery).await;
                                drop(slot);
                            });
                        }
                    }
                    Err(error) => tracing::error!(%error, "cannot read the webhook outbox"),
                }
            }
            let _ = tokio::time::timeout(poll, self.store.outbox().woken()).await;
        }
    }

    /// How long a claim holds: a try's timeout and a margin.
    fn lease_ms(&self) -> i64 {
        i64::try_from(self.settings.timeout_seconds).unwrap_or(60).saturating_add(30) * 1000
    }

    /// One try of one delivery, and its record.
    async fn deliver(&self, delivery: WebhookDelivery) {
        let (http_status, error) = match self.targets.get(&delivery.endpoint) {
            Some(target) => self.send(target, &delivery).await,
            None => (None, Some(String::from("the endpoint is no longer configured"))),
        };
        let now = self.clock.now_ms();
        let ok = http_status.is_some_and(|s| (200..300).contains(&s));
        let next = next_try(&self.settings, &delivery, now);
        let status = match (ok, next, self.targets.contains_key(&delivery.endpoint)) {
            (true, _, _) => DeliveryStatus::Delivered,
            (false, Some(_), true) => DeliveryStatus::Pending,
            _ => DeliveryStatus::Failed,
        };
        let error = if ok { None } else { error.or_else(|| http_status.map(|s| format!("answered {s}"))) };
        telemetry::webhook_delivery(match status {
            DeliveryStatus::Delivered => telemetry::WebhookResult::Delivered,
            DeliveryStatus::Pending => telemetry::WebhookResult::Retrying,
            DeliveryStatus::Failed => telemetry::WebhookResult::Failed,
        });
        if status == DeliveryStatus::Failed {
            tracing::warn!(id = %delivery.id, endpoint = %delivery.endpoint, error = ?error, "a webhook delivery failed for good");
        }
        let attempt = Attempt { status, http_status, error, next_attempt_at: next.unwrap_or(now), now };
        if let Err(error) = self.store.finish_webhook_delivery(&delivery.id, &attempt).await {
            tracing::error!(%error, id = %delivery.id, "cannot record a webhook try: it will be sent again");
        }
    }

    /// POSTs the payload, signed; answers the status, or why there was none.
    async fn send(&self, target: &Target, delivery: &WebhookDelivery) -> (Option<u16>, Option<String>) {
        let timestamp = self.clock.now_ms() / 1000;
        let signed = sign::sign(&target.key, &delivery.id, timestamp, delivery.payload.as_bytes());
        let headers = [
            ("content-type", String::from("application/json")),
            ("user-agent", String::from("Gatehouse-Webhooks")),
            ("webhook-id", signed.id),
            ("webhook-timestamp", signed.timestamp.to_string()),
            ("webhook-signature", signed.signature),
        ];
        match self.client.post_status(&target.url, &headers, delivery.payload.clone().into_bytes()).await {
            Ok(status) => (Some(status), None),
            Err(error) => (None, Some(format!("{error:#}"))),
        }
    }
}

/// When a delivery that just failed at `now` is tried next, or `None` when
/// its retry window has closed: `first_retry_ms` after its first try,
/// doubling with each, at most `max_retry_interval_seconds` apart, the last
/// one at the window's end.
pub fn next_try(settings: &WebhookSettings, delivery: &WebhookDelivery, now: i64) -> Option<i64> {
    let deadline = delivery.scheduled_from.saturating_add(secs_to_ms(settings.retry_for_seconds));
    if now >= deadline {
        return None;
    }
    let doublings = u32::try_from(delivery.attempts).unwrap_or(u32::MAX).min(40);
    let first = i64::try_from(settings.first_retry_ms).unwrap_or(i64::MAX);
    let wait = first.saturating_mul(1i64 << doublings.min(62)).min(secs_to_ms(settings.max_retry_interval_seconds));
    Some(now.saturating_add(wait).min(deadline))
}

fn secs_to_ms(seconds: u64) -> i64 {
    i64::try_from(seconds).unwrap_or(i64::MAX / 1000).saturating_mul(1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivery(attempts: i64) -> WebhookDelivery {
        WebhookDelivery {
            id: String::from("msg_1"),
            endpoint: String::from("a"),
            event_type: String::from("user.created"),
            payload: String::from("{}"),
            status: DeliveryStatus::Pending,
            attempts,
            next_attempt_at: 0,
            scheduled_from: 0,
            last_status: None,
            last_error: None,
            delivered_at: None,
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn retries_double_up_to_the_cap_and_stop_after_the_window() {
        let settings = WebhookSettings::default();
        assert_eq!(next_try(&settings, &delivery(0), 1000), Some(6000));
        assert_eq!(next_try(&settings, &delivery(1), 1000), Some(11_000));
        assert_eq!(next_try(&settings, &delivery(30), 1000), Some(1000 + 3_600_000), "capped");
        let day = 24 * 3_600_000;
        assert_eq!(next_try(&settings, &delivery(30), day - 10), Some(day), "the last try at the window's end");
        assert_eq!(next_try(&settings, &delivery(31), day), None);
    }
}
