//! The webhook outbox (`webhook_deliveries`): a row per event and endpoint.
//!
//! [`Tx::record_event`] writes the rows inside the transaction of the change
//! they tell of: committed with it, or rolled back with it. The endpoints
//! an event goes to are the [`Subscription`]s the store was built with
//! ([`Store::with_webhooks`]), so no flow chooses them. A commit that
//! recorded an event wakes this node's delivery worker ([`Outbox::woken`]);
//! other nodes find the rows when they next look.
//!
//! The worker takes due rows with [`Store::claim_webhook_deliveries`]: a
//! conditional update per row (`claimed_until <= now`) whose row count is
//! checked, so of two nodes (or two passes) exactly one claims a row, for a
//! lease; a worker that dies mid-send leaves the row to be claimed again
//! once the lease ends (a receiver may then see one event twice, with the
//! same `webhook-id`).

use super::{Conn, DbRow, Store, Tx, corrupt};
use crate::ids;
use crate::model::webhook::{self, DeliveryStatus, WebhookDelivery, WebhookEvent};
use sqlx::Row;
use std::sync::Arc;
use tokio::sync::Notify;

/// An endpoint, by its name in the config, and the events it takes
/// (`None`: all of them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    pub endpoint: String,
    pub events: Option<Vec<WebhookEvent>>,
}

impl Subscription {
    fn takes(&self, event: WebhookEvent) -> bool {
        self.events.as_ref().is_none_or(|events| events.contains(&event))
    }
}

/// The endpoints events go to, and the signal that wakes the worker.
#[derive(Clone, Debug, Default)]
pub struct Outbox {
    subscriptions: Arc<[Subscription]>,
    wake: Arc<Notify>,
}

impl Outbox {
    /// Resolves once a commit has recorded an event (or a redelivery was
    /// asked) since the last call.
    pub async fn woken(&self) {
        self.wake.notified().await;
    }

    pub(super) fn wake(&self) {
        self.wake.notify_one();
    }
}

/// What one try of a delivery came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    /// `Delivered`, `Pending` (to be tried again at `next_attempt_at`) or `Failed`.
    pub status: DeliveryStatus,
    pub http_status: Option<u16>,
    pub error: Option<String>,
    pub next_attempt_at: i64,
    pub now: i64,
}

/// The rows a list shows, newest last within a page (id order).
#[derive(Clone, Debug, Default)]
pub struct DeliveryFilter<'a> {
    pub status: Option<DeliveryStatus>,
    pub event: Option<WebhookEvent>,
    pub after: Option<&'a str>,
    pub limit: u32,
}

/// `SELECT` with a delivery's columns, then the rest of the query.
macro_rules! select_deliveries {
    ($rest:literal) => {
        concat!(
            "SELECT id, endpoint, event_type, payload, status, attempts, next_attempt_at, scheduled_from, \
             last_status, last_error, delivered_at, created_at, updated_at FROM webhook_deliveries ",
            $rest
        )
    };
}

fn from_row(row: &DbRow) -> Result<WebhookDelivery, sqlx::Error> {
    let status: String = row.try_get("status")?;
    Ok(WebhookDelivery {
        id: row.try_get("id")?,
        endpoint: row.try_get("endpoint")?,
        event_type: row.try_get("event_type")?,
        payload: row.try_get("payload")?,
        status: DeliveryStatus::parse(&status).ok_or_else(|| corrupt("delivery status", &status))?,
        attempts: row.try_get("attempts")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        scheduled_from: row.try_get("scheduled_from")?,
        last_status: row.try_get("last_status")?,
        last_error: row.try_get("last_error")?,
        delivered_at: row.try_get("delivered_at")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

async fn load(conn: &mut Conn, id: &str) -> Result<Option<WebhookDelivery>, sqlx::Error> {
    let row = sqlx::query(select_deliveries!("WHERE id = $1")).bind(id).fetch_optional(&mut *conn).await?;
    row.as_ref().map(from_row).transpose()
}

impl Store {
    /// This store, its transactions recording events for these endpoints.
    pub fn with_webhooks(self, subscriptions: Vec<Subscription>) -> Store {
        Store { outbox: Outbox { subscriptions: subscriptions.into(), wake: Arc::default() }, ..self }
    }

    /// The outbox's wake signal, for the delivery worker.
    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    /// Claims up to `limit` due deliveries until `lease_until`; answers the
    /// ones this call claimed (see the module's comment).
    pub async fn claim_webhook_deliveries(
        &self,
        now: i64,
        lease_until: i64,
        limit: u32,
    ) -> Result<Vec<WebhookDelivery>, sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        let due: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1 \
             AND claimed_until <= $1 ORDER BY next_attempt_at, id LIMIT $2",
        )
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(&mut conn)
        .await?;
        if due.is_empty() {
            return Ok(Vec::new());
        }
        // Only a poll that found work takes a SQLite write turn.
        drop(conn);
        let turn = self.gate.wait_turn().await?;
        let mut conn = self.pool.acquire_writer(&turn).await?;
        let mut claimed = Vec::with_capacity(due.len());
        for id in due {
            let done = sqlx::query(
                "UPDATE webhook_deliveries SET claimed_until = $2 \
                 WHERE id = $1 AND status = 'pending' AND claimed_until <= $3",
            )
            .bind(&id)
            .bind(lease_until)
            .bind(now)
            .execute(&mut conn)
            .await?;
            if done.rows_affected() == 1
                && let Some(delivery) = load(&mut conn, &id).await?
            {
                claimed.push(delivery);
            }
        }
        Ok(claimed)
    }

    /// Records a try of a claimed delivery and releases its claim.
    pub async fn finish_webhook_delivery(&self, id: &str, attempt: &Attempt) -> Result<(), sqlx::Error> {
        let turn = self.gate.wait_turn().await?;
        let delivered_at = (attempt.status == DeliveryStatus::Delivered).then_some(attempt.now);
        sqlx::query(
            "UPDATE webhook_deliveries SET status = $2, attempts = attempts + 1, last_status = $3, last_error = $4, \
             next_attempt_at = $5, claimed_until = 0, updated_at = $6, delivered_at = COALESCE($7, delivered_at) \
             WHERE id = $1",
        )
        .bind(id)
        .bind(attempt.status.as_str())
        .bind(attempt.http_status.map(i64::from))
        .bind(attempt.error.as_deref())
        .bind(attempt.next_attempt_at)
        .bind(attempt.now)
        .bind(delivered_at)
        .execute(&mut self.pool.acquire_writer(&turn).await?)
        .await?;
        Ok(())
    }

    /// One delivery, by id.
    pub async fn webhook_delivery(&self, id: &str) -> Result<Option<WebhookDelivery>, sqlx::Error> {
        load(&mut self.pool.acquire().await?, id).await
    }

    /// A page of deliveries in id order.
    pub async fn webhook_deliveries(&self, filter: &DeliveryFilter<'_>) -> Result<Vec<WebhookDelivery>, sqlx::Error> {
        let rows = sqlx::query(select_deliveries!(
            "WHERE ($1 IS NULL OR status = $1) AND ($2 IS NULL OR event_type = $2) \
             AND ($3 IS NULL OR id > $3) ORDER BY id LIMIT $4"
        ))
        .bind(filter.status.map(DeliveryStatus::as_str))
        .bind(filter.event.map(WebhookEvent::as_str))
        .bind(filter.after)
        .bind(i64::from(filter.limit))
        .fetch_all(&mut self.pool.acquire().await?)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Schedules a delivery again, now, with a fresh retry window and no
    /// tries counted; answers it, or `None` if there is no such delivery.
    pub async fn redeliver_webhook(&self, id: &str, now: i64) -> Result<Option<WebhookDelivery>, sqlx::Error> {
        let found = {
            let turn = self.gate.wait_turn().await?;
            let mut conn = self.pool.acquire_writer(&turn).await?;
            sqlx::query(
                "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = $2, \
                 scheduled_from = $2, claimed_until = 0, updated_at = $2 WHERE id = $1",
            )
            .bind(id)
            .bind(now)
            .execute(&mut conn)
            .await?;
            load(&mut conn, id).await?
        };
        if found.is_some() {
            self.outbox.wake();
        }
        Ok(found)
    }
}

impl Tx {
    /// Whether any endpoint takes `event`: a caller need not gather the
    /// data of an event that nothing records.
    pub fn records(&self, event: WebhookEvent) -> bool {
        self.outbox.subscriptions.iter().any(|s| s.takes(event))
    }

    /// Records `event` for every endpoint that takes it, in this
    /// transaction: the rows exist if and only if the change commits.
    pub async fn record_event(
        &mut self,
        event: WebhookEvent,
        data: serde_json::Value,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        let endpoints: Vec<String> =
            self.outbox.subscriptions.iter().filter(|s| s.takes(event)).map(|s| s.endpoint.clone()).collect();
        if endpoints.is_empty() {
            return Ok(());
        }
        let body = webhook::payload(event, data, now);
        for endpoint in endpoints {
            sqlx::query(
                "INSERT INTO webhook_deliveries (id, endpoint, event_type, payload, status, attempts, \
                 next_attempt_at, scheduled_from, claimed_until, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5, 0, $5, $5)",
            )
            .bind(ids::new_id("msg"))
            .bind(endpoint)
            .bind(event.as_str())
            .bind(&body)
            .bind(now)
            .execute(&mut self.tx)
            .await?;
        }
        self.recorded_events = true;
        Ok(())
    }
}
