//! The `text/event-stream` body of one sign-up's events.
//!
//! Chunks, each ending in a blank line:
//! - `event: sign_up` and `data: <the SignUp JSON>` at once, then whenever
//!   the sign-up as the API shows it differs from the last one sent: after
//!   a write (a notice from the [`Hub`](super::Hub)), and when a code or
//!   link expires or the sign-up is abandoned (a timer);
//! - `: keep-alive`, a comment, when the keep-alive interval passes; the
//!   sign-up is re-read then too, so no change waits longer than that.
//!
//! The stream ends after it sent a `complete` or `abandoned` sign-up, when
//! the hub ends every stream, or when the database fails (logged); a client
//! that reconnects starts again from the current state.

use super::{Subscription, Wake};
use crate::sign_up::record::SignUpRecord;
use crate::state::AppState;
use axum::body::{Body, Bytes};
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use gatehouse_protocol::SignUpStatus;
use std::convert::Infallible;
use std::time::Duration;
use tokio::time::{Instant, Interval, MissedTickBehavior};

/// The name of the events that carry a sign-up.
pub const EVENT: &str = "sign_up";
/// The keep-alive comment, a chunk of its own.
pub const KEEP_ALIVE: &[u8] = b": keep-alive\n\n";
/// The longest a timer sleeps before the sign-up is looked at again anyway.
const MAX_SLEEP: Duration = Duration::from_secs(24 * 60 * 60);

/// The streaming answer for `sign_up`, read after `subscription` began.
pub fn response(state: AppState, subscription: Subscription, sign_up: SignUpRecord) -> Response {
    let every = state.config.events.keep_alive;
    let mut keep_alive = tokio::time::interval_at(Instant::now() + every, every);
    keep_alive.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let events = Events {
        sign_up_id: sign_up.id.clone(),
        client_id: sign_up.client_id.clone(),
        state,
        subscription,
        first: Some(sign_up),
        last_sent: None,
        deadline: None,
        keep_alive,
        finished: false,
    };
    let body = Body::from_stream(futures_util::stream::unfold(events, Events::next));
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream")),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (HeaderName::from_static("x-accel-buffering"), HeaderValue::from_static("no")),
    ];
    (headers, body).into_response()
}

struct Events {
    state: AppState,
    subscription: Subscription,
    sign_up_id: String,
    client_id: String,
    /// The sign-up read when the stream began, sent first.
    first: Option<SignUpRecord>,
    /// The JSON of the last event sent.
    last_sent: Option<String>,
    /// When the sign-up next changes by time alone (clock ms).
    deadline: Option<i64>,
    keep_alive: Interval,
    /// A complete or abandoned sign-up was sent: nothing more will come.
    finished: bool,
}

impl Events {
    /// The next chunk, or `None` to end the stream.
    async fn next(mut self) -> Option<(Result<Bytes, Infallible>, Events)> {
        if self.finished {
            return None;
        }
        if let Some(first) = self.first.take() {
            let chunk = self.event_if_new(&first);
            return Some((Ok(Bytes::from(chunk)), self));
        }
        loop {
            let timer = self.deadline.map(|at| {
                let ms = u64::try_from(at.saturating_sub(self.state.now()).saturating_add(1)).unwrap_or(0);
                Duration::from_millis(ms).min(MAX_SLEEP)
            });
            let keep_alive = tokio::select! {
                wake = self.subscription.next() => match wake {
                    Wake::Closed => return None,
                    Wake::Changed => false,
                },
                _ = self.keep_alive.tick() => true,
                () = tokio::time::sleep(timer.unwrap_or(MAX_SLEEP)), if timer.is_some() => false,
            };
            let mut chunk = self.refresh().await?;
            if keep_alive {
                chunk.extend_from_slice(KEEP_ALIVE);
            }
            if !chunk.is_empty() {
                return Some((Ok(Bytes::from(chunk)), self));
            }
        }
    }

    /// Re-reads the sign-up: its event if it changed, empty if not; `None`
    /// ends the stream (the sign-up is gone, or the database failed).
    async fn refresh(&mut self) -> Option<Vec<u8>> {
        match self.state.store.sign_up(&self.sign_up_id, &self.client_id).await {
            Ok(Some(sign_up)) => Some(self.event_if_new(&sign_up)),
            Ok(None) => None,
            Err(e) => {
                tracing::error!(error = %e, sign_up_id = self.sign_up_id, "event stream: reading the sign-up failed");
                None
            }
        }
    }

    /// The event for `sign_up` as the API shows it now, unless that is what
    /// was sent last.
    fn event_if_new(&mut self, sign_up: &SignUpRecord) -> Vec<u8> {
        let now = self.state.now();
        let wire = sign_up.to_wire(&self.state.config, now);
        self.deadline = sign_up.next_deadline(now);
        self.finished = matches!(wire.status, SignUpStatus::Complete | SignUpStatus::Abandoned);
        let json = match serde_json::to_string(&wire) {
            Ok(json) => json,
            Err(e) => {
                tracing::error!(error = %e, "event stream: serializing the sign-up failed");
                return Vec::new();
            }
        };
        if self.last_sent.as_deref() == Some(json.as_str()) {
            return Vec::new();
        }
        let chunk = frame(EVENT, &json);
        self.last_sent = Some(json);
        chunk
    }
}

/// One event: `event: name`, `data: data`, a blank line. `data` must hold
/// no line break (JSON from serde_json holds none: it escapes them).
pub fn frame(name: &str, data: &str) -> Vec<u8> {
    format!("event: {name}\ndata: {data}\n\n").into_bytes()
}
