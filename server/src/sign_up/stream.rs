//! The `text/event-stream` body of one sign-up's events.
//!
//! Chunks, each ending in a blank line:
//! - `event: sign_up` and `data: <SignUpEvent JSON>` at once, then whenever
//!   the sign-up as the API shows it differs from the last one sent: after
//!   a write (a notice from the [`Hub`](crate::events::Hub)), and when a code or
//!   link expires or the sign-up is abandoned (a timer);
//! - `: keep-alive`, a comment, when the keep-alive interval passes.
//!
//! An event's data is what `GET` of the sign-up would answer then: the
//! sign-up and its client (`wire::SignUpEvent`), so the SDK that waits
//! for an email link resolves from the event, without a reload. The stream
//! is its client's own request, so the client tells it nothing new, as
//! long as the token it was opened with is still the client's: a replaced
//! token sees nothing. When the client's token is due for replacement (a
//! session was created: the link was confirmed in another browser), the
//! stream does what that `GET` would: in bearer mode it replaces the token
//! and sends the new one as `client_token`; in cookie mode it cannot set a
//! cookie on an answer already under way, so it leaves `client` out, and
//! the SDK's reload gets the new cookie.
//!
//! **A link confirmed in the browser that signed up** (cookie mode) needs
//! no reload. A cookie-mode stream sets a cookie of its own as it opens,
//! `__gh_wait` (`__Secure-gh_wait` over https; a random value, HttpOnly,
//! `Path=/v1/verify`, for the stream's lifetime), and keeps its hash. The
//! confirmation from that browser carries the client cookie and this one:
//! it replaces the client's token in its own transaction, sets the new
//! cookie on its 303, and records the `__gh_wait` hash with the
//! replacement (`clients.replaced_for_wait`). This stream's token is then
//! the old one, but the browser that proved it holds both the link and the
//! stream's cookie has the new token, and the stream is that browser's: it
//! shows the client. Anyone else holding the old token (a planted cookie:
//! fixation) has a stream with another `__gh_wait`, which sees nothing, and
//! every request with the old token answers 409 `client_token_replaced`,
//! then finds nothing.
//!
//! Only a change notice, or a change to send, reads the database. A timer
//! or a keep-alive shows the last sign-up read again at the current time
//! (expiry and abandonment are a matter of time alone), so an idle stream
//! costs no query.
//!
//! The stream ends after it sent a `complete` or `abandoned` sign-up, when
//! it has lived `[events] max_lifetime_seconds` (the SDK reopens a stream
//! that ends after its first event), when the hub ends every stream, or
//! when the database fails (logged); a client that reconnects starts again
//! from the current state.

use crate::client::{self, CurrentClient};
use crate::error::ApiError;
use crate::events::{Subscription, Wake};
use crate::ids;
use crate::model::SignUpRecord;
use crate::origin::PublicOrigin;
use crate::state::AppState;
use axum::body::{Body, Bytes};
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use gatehouse_protocol::SignUpStatus;
use gatehouse_protocol::wire::{Client, SignUpEvent};
use std::convert::Infallible;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::Duration;
use tokio::time::{Instant, Interval, MissedTickBehavior};

/// The name of the events that carry a sign-up.
pub const EVENT: &str = "sign_up";
/// The keep-alive comment, a chunk of its own.
pub const KEEP_ALIVE: &[u8] = b": keep-alive\n\n";
/// The longest a timer sleeps before the sign-up is looked at again anyway.
const MAX_SLEEP: Duration = Duration::from_secs(24 * 60 * 60);

/// The streaming answer for `sign_up`, read after `subscription` began.
pub fn response(state: AppState, client: CurrentClient, subscription: Subscription, sign_up: SignUpRecord) -> Response {
    let every = state.config.events.keep_alive;
    let max_lifetime = state.config.events.max_lifetime;
    let https = PublicOrigin::of(&state.config).is_https();
    let mut keep_alive = tokio::time::interval_at(Instant::now() + every, every);
    keep_alive.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let ends_at =
        state.now().saturating_add(i64::try_from(state.config.events.max_lifetime.as_millis()).unwrap_or(i64::MAX));
    // Cookie mode: the stream's own cookie, which a link confirmed in this
    // browser sends to `/v1/verify` (see the module's doc).
    let wait = (!client.bearer && client.stored).then(ids::new_token);
    let events = Events {
        sign_up_id: sign_up.id.clone(),
        wait_hash: wait.as_deref().map(ids::token_hash),
        client,
        state,
        subscription,
        first: true,
        last_read: sign_up,
        last_sent: None,
        deadline: None,
        ends_at,
        keep_alive,
        finished: false,
    };
    // Boxed: `unfold` keeps the state while no chunk is asked for, and the
    // pending `next` future while one is; an async fn's future holds its
    // argument twice (as passed, and as the body's binding), so a
    // by-value `Events` (1.1 KB) would take 2.2 KB of every waiting stream.
    let body = Body::from_stream(futures_util::stream::unfold(Box::new(events), Events::next));
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream")),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (HeaderName::from_static("x-accel-buffering"), HeaderValue::from_static("no")),
    ];
    let mut response = (headers, body).into_response();
    if let Some(wait) = wait {
        let max_age = max_lifetime.as_secs().max(1);
        if let Ok(value) = HeaderValue::from_str(&client::wait_cookie(&wait, https, max_age)) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

struct Events {
    state: AppState,
    subscription: Subscription,
    sign_up_id: String,
    /// Whose stream this is (the sign-up's client), and in which mode.
    client: CurrentClient,
    /// The hash of this stream's `__gh_wait` cookie (cookie mode).
    wait_hash: Option<String>,
    /// The first event is yet to be sent.
    first: bool,
    /// The sign-up as last read from the database.
    last_read: SignUpRecord,
    /// A hash of the sign-up JSON of the last event sent (a hash, not the
    /// JSON: with thousands of streams open, memory counts).
    last_sent: Option<u64>,
    /// When the sign-up next changes by time alone (clock ms).
    deadline: Option<i64>,
    /// When the stream has lived its time (clock ms).
    ends_at: i64,
    keep_alive: Interval,
    /// A complete or abandoned sign-up was sent: nothing more will come.
    finished: bool,
}

impl Events {
    /// The next chunk, or `None` to end the stream.
    async fn next(mut self: Box<Self>) -> Option<(Result<Bytes, Infallible>, Box<Events>)> {
        if self.finished {
            return None;
        }
        if self.first {
            self.first = false;
            let chunk = Box::pin(self.event_if_new()).await?;
            return Some((Ok(Bytes::from(chunk)), self));
        }
        loop {
            let wake_at = self.deadline.map_or(self.ends_at, |at| at.min(self.ends_at));
            let ms = u64::try_from(wake_at.saturating_sub(self.state.now()).saturating_add(1)).unwrap_or(0);
            let timer = Duration::from_millis(ms).min(MAX_SLEEP);
            let keep_alive = tokio::select! {
                wake = self.subscription.next() => match wake {
                    Wake::Closed => return None,
                    Wake::Changed => {
                        // Boxed: the stream keeps its future between chunks,
                        // and a query's future is large.
                        self.last_read = Box::pin(self.reread()).await?;
                        false
                    }
                },
                _ = self.keep_alive.tick() => true,
                () = tokio::time::sleep(timer) => false,
            };
            let lived = self.state.now() >= self.ends_at;
            // Boxed too: the sign-up's wire form and its JSON are held
            // across its await, and would otherwise widen every waiting
            // stream's future by their size.
            let mut chunk = Box::pin(self.event_if_new()).await?;
            if lived {
                // A last change is sent before the end.
                self.finished = true;
                return (!chunk.is_empty()).then(|| (Ok(Bytes::from(chunk)), self));
            }
            if keep_alive {
                chunk.extend_from_slice(KEEP_ALIVE);
            }
            if !chunk.is_empty() {
                return Some((Ok(Bytes::from(chunk)), self));
            }
        }
    }

    /// Reads the sign-up again after a change notice; `None` ends the
    /// stream (the sign-up is gone, or the database failed).
    async fn reread(&self) -> Option<SignUpRecord> {
        match self.state.store.sign_up(&self.sign_up_id, &self.client.id).await {
            Ok(found) => found,
            Err(e) => {
                tracing::error!(error = %e, sign_up_id = self.sign_up_id, "event stream: reading the sign-up failed");
                None
            }
        }
    }

    /// The event for the last sign-up read, as the API shows it now, unless
    /// that is what was sent last (empty then); `None` ends the stream (the
    /// database failed).
    async fn event_if_new(&mut self) -> Option<Vec<u8>> {
        let now = self.state.now();
        let sign_up = &self.last_read;
        let wire = super::view::sign_up(sign_up, &self.state.config, now);
        self.deadline = sign_up.next_deadline(now);
        self.finished = matches!(wire.status, SignUpStatus::Complete | SignUpStatus::Abandoned);
        let mut hasher = DefaultHasher::new();
        match serde_json::to_string(&wire) {
            Ok(json) => json.hash(&mut hasher),
            Err(e) => {
                tracing::error!(error = %e, "event stream: serializing the sign-up failed");
                return Some(Vec::new());
            }
        }
        let sent = Some(hasher.finish());
        if self.last_sent == sent {
            return Some(Vec::new());
        }
        let chunk = match Box::pin(self.client_part()).await {
            Ok((client, token)) => {
                let data = SignUpEvent { response: &wire, client: client.as_ref(), client_token: token.as_deref() };
                serde_json::to_string(&data).map(|json| frame(EVENT, &json))
            }
            Err(e) => {
                tracing::error!(error = ?e, sign_up_id = self.sign_up_id, "event stream: reading the client failed");
                return None;
            }
        };
        match chunk {
            Ok(chunk) => {
                self.last_sent = sent;
                Some(chunk)
            }
            Err(e) => {
                tracing::error!(error = %e, "event stream: serializing the event failed");
                Some(Vec::new())
            }
        }
    }

    /// The client for an event, as its `GET` would show it, to the token
    /// this stream was opened with only:
    /// - that token is still the client's: the client; if its replacement
    ///   is due (a session was created by a request not the client's own),
    ///   in bearer mode the stream replaces it and the new token comes too
    ///   (this stream then acts with the new one), in cookie mode it cannot
    ///   set a cookie and leaves the client out (the SDK's reload gets it);
    /// - another request replaced it: nothing (the old token sees nothing),
    ///   unless that was a link confirmed in this browser that sent this
    ///   stream's own `__gh_wait` cookie (`clients.replaced_for_wait`): that
    ///   browser got the new token on the confirmation's 303, and this
    ///   stream is its own, so it shows the client as that browser's `GET`
    ///   would.
    ///
    /// Left out too for a sign-up the owner of its address cancelled: its
    /// `GET` answers 410 `sign_up_cancelled_by_owner`, no client.
    async fn client_part(&mut self) -> Result<(Option<Client>, Option<String>), ApiError> {
        if self.last_read.cancelled_at.is_some() {
            return Ok((None, None));
        }
        let state = self.state.clone();
        let id = self.client.id.clone();
        let mut token = None;
        if self.client.stored {
            let Some(now) = state.store.client_token_state(&id).await? else { return Ok((None, None)) };
            let own = self.client.token_hash.as_deref() == Some(now.token_hash.as_str());
            if own && now.rotate_due {
                if !self.client.bearer {
                    return Ok((None, None));
                }
                token = client::rotate_if_due(&state, &id).await?;
                let Some(issued) = &token else { return Ok((None, None)) };
                self.client.token_hash = Some(ids::token_hash(issued));
            } else if !own {
                let named = self.wait_hash.is_some() && now.replaced_for_wait == self.wait_hash;
                if !named || now.rotate_due {
                    return Ok((None, None));
                }
            }
        }
        Ok((Some(state.store.client(&id, state.now()).await?), token))
    }
}

/// One event: `event: name`, `data: data`, a blank line. `data` must hold
/// no line break (JSON from serde_json holds none: it escapes them).
pub fn frame(name: &str, data: &str) -> Vec<u8> {
    format!("event: {name}\ndata: {data}\n\n").into_bytes()
}
