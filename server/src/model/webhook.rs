//! Webhooks as the server keeps them: the kinds of event it tells the
//! operator's endpoints about, the body of one (the payload shape Standard
//! Webhooks recommends), and one delivery of an event to one endpoint.

use serde_json::Value;

/// A kind of event sent to webhook endpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebhookEvent {
    /// A user was made (a sign-up completed, or the admin API synced a new one).
    UserCreated,
    /// A session began (sign-up or sign-in).
    SessionCreated,
    /// A session ended (sign-out, or revoked through the admin API).
    SessionEnded,
    /// An invitation was accepted by the sign-up its ticket started.
    InvitationAccepted,
    /// A sign-up met its last requirement and made its user.
    SignUpCompleted,
}

impl WebhookEvent {
    pub const ALL: [WebhookEvent; 5] = [
        WebhookEvent::UserCreated,
        WebhookEvent::SessionCreated,
        WebhookEvent::SessionEnded,
        WebhookEvent::InvitationAccepted,
        WebhookEvent::SignUpCompleted,
    ];

    /// Its name on the wire (the payload's `type`).
    pub const fn as_str(self) -> &'static str {
        match self {
            WebhookEvent::UserCreated => "user.created",
            WebhookEvent::SessionCreated => "session.created",
            WebhookEvent::SessionEnded => "session.ended",
            WebhookEvent::InvitationAccepted => "invitation.accepted",
            WebhookEvent::SignUpCompleted => "sign_up.completed",
        }
    }

    pub fn parse(name: &str) -> Option<WebhookEvent> {
        WebhookEvent::ALL.into_iter().find(|e| e.as_str() == name)
    }
}

/// Where a delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Not sent yet, or to be tried again at `next_attempt_at`.
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// Every try failed until the retry window closed (or the endpoint is
    /// no longer configured).
    Failed,
}

impl DeliveryStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }

    pub fn parse(name: &str) -> Option<DeliveryStatus> {
        [DeliveryStatus::Pending, DeliveryStatus::Delivered, DeliveryStatus::Failed]
            .into_iter()
            .find(|s| s.as_str() == name)
    }
}

/// One event for one endpoint, as stored in the outbox. Its `id` is the
/// `webhook-id` every try of it carries, so a receiver can drop repeats.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookDelivery {
    pub id: String,
    /// The endpoint's name in the config (`[webhooks.endpoints.<name>]`).
    pub endpoint: String,
    pub event_type: String,
    /// The exact body sent (and signed).
    pub payload: String,
    pub status: DeliveryStatus,
    /// Tries made since it was (re)scheduled.
    pub attempts: i64,
    pub next_attempt_at: i64,
    /// When its retry window opened: its creation, or its last redelivery.
    pub scheduled_from: i64,
    /// The HTTP status of the last try (`None`: no answer, or no try yet).
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub delivered_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The body of an event: `{"type", "timestamp", "data"}`, the timestamp in
/// RFC 3339 (UTC, milliseconds) as Standard Webhooks recommends.
pub fn payload(event: WebhookEvent, data: Value, now_ms: i64) -> String {
    let timestamp = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(now_ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default();
    let mut body = serde_json::Map::new();
    body.insert(String::from("type"), Value::from(event.as_str()));
    body.insert(String::from("timestamp"), Value::from(timestamp));
    body.insert(String::from("data"), data);
    Value::Object(body).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back() {
        for event in WebhookEvent::ALL {
            assert_eq!(WebhookEvent::parse(event.as_str()), Some(event));
        }
        assert_eq!(WebhookEvent::parse("user.deleted"), None);
        assert_eq!(DeliveryStatus::parse("failed"), Some(DeliveryStatus::Failed));
    }

    #[test]
    fn a_payload_has_type_timestamp_and_data() {
        let body = payload(WebhookEvent::UserCreated, serde_json::json!({ "id": "user_1" }), 1_700_000_000_123);
        let parsed: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(parsed["type"], "user.created");
        assert_eq!(parsed["timestamp"], "2023-11-14T22:13:20.123Z");
        assert_eq!(parsed["data"]["id"], "user_1");
    }
}
