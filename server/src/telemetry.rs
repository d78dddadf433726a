//! Prometheus metrics: the names, the one-line hooks the flows call, the
//! request middleware, and the text a scrape of `GET /metrics` answers.
//!
//! The counters live in the `metrics` crate's process-wide recorder,
//! installed once by [`install`] (`metrics-exporter-prometheus`): a hook
//! is a lock-free atomic add after the crate's sharded key lookup, so the
//! flows call them inline. Every label value comes from a fixed set (the
//! route's template, never the raw path; the method folded to the known
//! ones), so no request can make a new time series. Gauges that describe
//! the state of the node (open event streams, the mail queue) are read
//! at scrape time instead ([`render`]), which costs the hot path nothing.
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `gatehouse_http_requests_total` | counter | `method`, `route`, `status` |
//! | `gatehouse_http_request_duration_seconds` | histogram | `method`, `route` |
//! | `gatehouse_sign_ups_started_total` | counter | |
//! | `gatehouse_sign_ups_completed_total` | counter | |
//! | `gatehouse_messages_total` | counter | `channel` (`email`, `sms`), `kind` (`code`, `link`, `other`), `result` |
//! | `gatehouse_rate_limited_total` | counter | `limit` |
//! | `gatehouse_event_streams_open` | gauge | |
//! | `gatehouse_mail_queue_depth` | gauge | |
//! | `gatehouse_password_hash_wait_seconds` | histogram | |
//! | `gatehouse_webhook_deliveries_total` | counter | `result` (`delivered`, `retrying`, `failed`) |

use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use gatehouse_protocol::wire::Channel;
use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The histogram buckets, in seconds: 1 ms to 10 s.
const BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// How often idle histogram samples are folded in (the exporter asks its
/// owner to do it when it serves no HTTP listener of its own).
const UPKEEP: Duration = Duration::from_secs(5);

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The recorder of this process, installed on the first call. Several apps
/// in one process (the tests) share it, as they share the process.
pub fn install() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix(String::from("_seconds")), BUCKETS)
                .expect("the buckets are not empty")
                .build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("another metrics recorder is installed: /metrics stays empty");
            }
            let upkeep = handle.clone();
            let spawned = std::thread::Builder::new().name(String::from("metrics-upkeep")).spawn(move || {
                loop {
                    std::thread::sleep(UPKEEP);
                    upkeep.run_upkeep();
                }
            });
            if let Err(error) = spawned {
                tracing::warn!(%error, "cannot start the metrics upkeep thread");
            }
            describe();
            handle
        })
        .clone()
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!("gatehouse_http_requests_total", "HTTP requests answered, by route template and status");
    describe_histogram!("gatehouse_http_request_duration_seconds", Unit::Seconds, "Time to answer, by route template");
    describe_counter!("gatehouse_sign_ups_started_total", "Sign-ups created");
    describe_counter!("gatehouse_sign_ups_completed_total", "Sign-ups that made a user");
    describe_counter!("gatehouse_messages_total", "Codes and links sent, by channel and result");
    describe_counter!("gatehouse_rate_limited_total", "Requests answered 429, by the limit they hit");
    describe_counter!("gatehouse_webhook_deliveries_total", "Webhook tries, by result");
    describe_gauge!("gatehouse_event_streams_open", "Sign-up event streams open on this node");
    describe_gauge!("gatehouse_mail_queue_depth", "Messages waiting in the mail queue or in flight");
    describe_histogram!(
        "gatehouse_password_hash_wait_seconds",
        Unit::Seconds,
        "Time a password hash or check waited for a hashing slot"
    );
}

/// The Prometheus text of every metric, with the node's gauges read now.
pub fn render(open_streams: usize, mail_queue: usize) -> String {
    let handle = install();
    gauge!("gatehouse_event_streams_open").set(open_streams as f64);
    gauge!("gatehouse_mail_queue_depth").set(mail_queue as f64);
    handle.render()
}

/// A sign-up was saved: `started` when it is new, `completed` when this
/// change made its user. Called after the commit, so a change that rolled
/// back counts for nothing.
pub fn sign_up_saved(started: bool, completed: bool) {
    if started {
        counter!("gatehouse_sign_ups_started_total").increment(1);
    }
    if completed {
        counter!("gatehouse_sign_ups_completed_total").increment(1);
    }
}

/// What became of one message (a code or a link, or another email).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sent {
    /// The mail server (or SMS provider) took it.
    Delivered,
    /// Kept by the dev outbox or the bench sink only.
    Kept,
    /// Every try failed; it was given up.
    Failed,
    /// The queue was full: the request answered 429.
    Refused,
    /// Nothing could deliver it (no sender configured).
    Dropped,
    /// Not sent: over its per-user cap (the "new sign-in" email,
    /// `[sign_in] max_new_sign_in_emails`).
    Capped,
}

impl Sent {
    const fn as_str(self) -> &'static str {
        match self {
            Sent::Delivered => "delivered",
            Sent::Kept => "kept",
            Sent::Failed => "failed",
            Sent::Refused => "refused",
            Sent::Dropped => "dropped",
            Sent::Capped => "capped",
        }
    }
}

/// One message (`kind`: `"code"`, `"link"` or `"other"`) sent on
/// `channel` with `result`.
pub fn message(channel: Channel, kind: &'static str, result: Sent) {
    let channel = match channel {
        Channel::Email => "email",
        Channel::Sms => "sms",
    };
    counter!("gatehouse_messages_total", "channel" => channel, "kind" => kind, "result" => result.as_str())
        .increment(1);
}

/// The limit behind a 429.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// `[rate_limit] per_second` / `burst`, per client IP.
    Ip,
    /// `[rate_limit] sensitive_per_minute`, per client IP.
    Sensitive,
    /// One code per address per resend interval, and sends per address.
    CodeSends,
    /// `[verification] max_messages_per_hour`, the whole instance.
    InstanceMessages,
    /// Wrong codes per address.
    CodeAttempts,
    /// Wrong passwords (`[sign_in]`).
    Passwords,
    /// Open event streams (`[events]` caps).
    EventStreams,
    /// The mail queue is full.
    MailQueue,
}

impl Limit {
    const fn as_str(self) -> &'static str {
        match self {
            Limit::Ip => "ip",
            Limit::Sensitive => "sensitive",
            Limit::CodeSends => "code_sends",
            Limit::InstanceMessages => "instance_messages",
            Limit::CodeAttempts => "code_attempts",
            Limit::Passwords => "passwords",
            Limit::EventStreams => "event_streams",
            Limit::MailQueue => "mail_queue",
        }
    }
}

/// A request answered 429 because of `limit`.
pub fn limited(limit: Limit) {
    counter!("gatehouse_rate_limited_total", "limit" => limit.as_str()).increment(1);
}

/// What one try of a webhook delivery came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebhookResult {
    /// The endpoint answered 2xx.
    Delivered,
    /// It failed; it will be tried again.
    Retrying,
    /// It failed, and its retry window is over: given up.
    Failed,
}

/// One webhook try ended with `result`.
pub fn webhook_delivery(result: WebhookResult) {
    let result = match result {
        WebhookResult::Delivered => "delivered",
        WebhookResult::Retrying => "retrying",
        WebhookResult::Failed => "failed",
    };
    counter!("gatehouse_webhook_deliveries_total", "result" => result).increment(1);
}

/// A password hash or check waited `waited` for its slot.
pub fn hash_waited(waited: Duration) {
    histogram!("gatehouse_password_hash_wait_seconds").record(waited.as_secs_f64());
}

/// The label of a request that no route matched: one value, whatever its path.
const UNMATCHED: &str = "unmatched";

/// Route middleware (`route_layer`): hands the matched route's template on
/// to [`track`] in the answer, where the outer layers cannot see it.
pub async fn tag_route(req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().cloned();
    let mut response = next.run(req).await;
    if let Some(route) = route
        && response.extensions().get::<MatchedPath>().is_none()
    {
        response.extensions_mut().insert(route);
    }
    response
}

/// Middleware, outermost: counts every answer by method, route template
/// and status, and times it.
pub async fn track(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(req.method());
    let response = next.run(req).await;
    let route = response.extensions().get::<MatchedPath>().map_or(UNMATCHED, |m| route_label(m.as_str()));
    let route = String::from(route);
    let status = response.status().as_u16().to_string();
    counter!("gatehouse_http_requests_total", "method" => method, "route" => route.clone(), "status" => status)
        .increment(1);
    histogram!("gatehouse_http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

/// A known method's name; any other (methods are open-ended) is `other`.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PATCH => "PATCH",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// A template as a label: a nested service's tail (`/pkg/{*...}`) keeps
/// only its prefix, `/pkg/*`.
fn route_label(template: &str) -> &str {
    match template.find("{*") {
        Some(at) => &template[..at],
        None => template,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_come_from_fixed_sets() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "other");
        assert_eq!(route_label("/v1/client/sign_ups/{id}"), "/v1/client/sign_ups/{id}");
        assert_eq!(route_label("/pkg/{*__private__axum_nest_tail_param}"), "/pkg/");
    }
}
