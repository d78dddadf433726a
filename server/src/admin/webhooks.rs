//! The HTTP handlers of `/v1/admin/webhook_deliveries`: the outbox as the
//! operator sees it (each event for each endpoint, its tries and where it
//! stands), and redelivery.

use super::query::ListQuery;
use crate::db::DeliveryFilter;
use crate::error::ApiError;
use crate::extract::ResourceId;
use crate::model::webhook::WebhookDelivery;
use crate::openapi::{AdminRead, AdminWrite};
use crate::state::AppState;
use axum::Json;
use axum::extract::{RawQuery, State};
use gatehouse_protocol::ErrorCode;
use gatehouse_protocol::wire::List;
use serde::Serialize;

/// A delivery on the wire.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Delivery {
    #[schema(value_type = String)]
    pub object: &'static str,
    /// The `webhook-id` its tries carry.
    pub id: String,
    pub endpoint: String,
    pub event_type: String,
    /// `pending`, `delivered` or `failed`.
    #[schema(value_type = String)]
    pub status: &'static str,
    pub attempts: i64,
    /// When it is tried next (a pending one).
    pub next_attempt_at: Option<i64>,
    /// The HTTP status of the last try; `null`: none yet, or no answer.
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub delivered_at: Option<i64>,
    /// The body sent, parsed.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    pub created_at: i64,
    pub updated_at: i64,
}

fn view(d: &WebhookDelivery) -> Delivery {
    Delivery {
        object: "webhook_delivery",
        id: d.id.clone(),
        endpoint: d.endpoint.clone(),
        event_type: d.event_type.clone(),
        status: d.status.as_str(),
        attempts: d.attempts,
        next_attempt_at: (d.status == crate::model::webhook::DeliveryStatus::Pending).then_some(d.next_attempt_at),
        last_status: d.last_status,
        last_error: d.last_error.clone(),
        delivered_at: d.delivered_at,
        payload: serde_json::from_str(&d.payload).unwrap_or(serde_json::Value::Null),
        created_at: d.created_at,
        updated_at: d.updated_at,
    }
}

fn not_found() -> ApiError {
    ApiError::Refused(ErrorCode::ResourceNotFound)
}

/// `GET /v1/admin/webhook_deliveries?status=&event=&limit=&after=`.
#[utoipa::path(
    get,
    path = "/admin/webhook_deliveries",
    operation_id = "list_webhook_deliveries",
    tag = "admin",
    summary = "Webhook deliveries (each event for each endpoint), in id order",
    params(("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Items per page (default 20)."), ("after" = Option<String>, Query, description = "The `next_after` of the previous page."), ("status" = Option<String>, Query, description = "Only deliveries in this state: `pending`, `delivered` or `failed`."), ("event" = Option<String>, Query, description = "Only this event type, such as `user.created`.")),
    security(("admin_key" = [])),
    responses((status = 200, description = "A page of deliveries.", body = List<Delivery>), AdminRead)
)]
pub async fn list(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Result<Json<List<Delivery>>, ApiError> {
    let q = ListQuery::parse(raw.as_deref(), &["delivery_status", "event"])?;
    let filter =
        DeliveryFilter { status: q.delivery_status, event: q.event, after: q.after.as_deref(), limit: q.fetch() };
    let deliveries = state.store.webhook_deliveries(&filter).await?;
    Ok(Json(q.page(deliveries, |d| &d.id, view)))
}

/// `GET /v1/admin/webhook_deliveries/{id}`.
#[utoipa::path(
    get,
    path = "/admin/webhook_deliveries/{id}",
    operation_id = "show_webhook_delivery",
    tag = "admin",
    summary = "One webhook delivery, with its payload and tries",
    params(("id" = String, Path, description = "The delivery's id (its `webhook-id`).")),
    security(("admin_key" = [])),
    responses((status = 200, description = "The delivery.", body = Delivery), AdminRead)
)]
pub async fn show(State(state): State<AppState>, ResourceId(id): ResourceId) -> Result<Json<Delivery>, ApiError> {
    let delivery = state.store.webhook_delivery(&id).await?.ok_or_else(not_found)?;
    Ok(Json(view(&delivery)))
}

/// `POST /v1/admin/webhook_deliveries/{id}/redeliver`: sends it again now,
/// whatever its status, with a fresh retry window (the same `webhook-id`).
#[utoipa::path(
    post,
    path = "/admin/webhook_deliveries/{id}/redeliver",
    operation_id = "redeliver_webhook",
    tag = "admin",
    summary = "Send a delivery again now, with a fresh retry window",
    params(("id" = String, Path, description = "The delivery's id (its `webhook-id`).")),
    security(("admin_key" = [])),
    responses((status = 200, description = "The delivery, pending again.", body = Delivery), AdminWrite)
)]
pub async fn redeliver(State(state): State<AppState>, ResourceId(id): ResourceId) -> Result<Json<Delivery>, ApiError> {
    let delivery = state.store.redeliver_webhook(&id, state.now()).await?.ok_or_else(not_found)?;
    Ok(Json(view(&delivery)))
}
