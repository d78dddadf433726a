//! The email link's wake-up: a client waits on one node's event stream
//! (`GET /v1/client/sign_ups/{id}/events`) while its link is confirmed
//! through another node (or the same one): the time from just before the
//! confirming `POST /v1/verify` to the event that shows the address
//! verified.
//!
//! Each run, one after another: a fresh client creates a sign-up on the
//! waiting node and prepares an `email_link`; the stream is opened and its
//! first event (the current state) read, so the wait is in place; the link
//! is read from the delivery sink; then the POST goes to the confirming
//! node while the stream is read until the event arrives.

use crate::api::{Client, Failure, transport};
use crate::conn::{Conn, Node};
use crate::mailbox::{self, Mailbox};
use crate::stats::Stats;
use http_body_util::BodyExt;
use hyper::Method;
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// How long a run waits for its event before it counts as an error.
const PATIENCE: Duration = Duration::from_secs(10);

/// Where the client waits and where its link is confirmed.
pub struct Nodes {
    pub waiting: Node,
    pub confirming: Node,
}

/// The connections a run uses: to each node, kept from run to run, so
/// the confirming `POST` finds its connection open, as a browser's would be.
struct Conns {
    waiting: Conn,
    confirming: Conn,
}

/// One run; answers the wake-up time.
async fn run(nodes: &Nodes, conns: &mut Conns, sink: &Mailbox, email: &str) -> Result<Duration, Failure> {
    let Conns { waiting, confirming } = conns;
    let mut client = Client::default();
    let created = client.call(waiting, "create", "/v1/client/sign_ups", &json!({ "email_address": email })).await?;
    let id =
        created["response"]["id"].as_str().ok_or_else(|| failure("create unexpected answer", &created))?.to_owned();
    let prepare = json!({ "strategy": "email_link", "redirect_url": format!("{}/done", nodes.waiting.base()) });
    client.call(waiting, "prepare", &format!("/v1/client/sign_ups/{id}/prepare_verification"), &prepare).await?;
    let token = client.token().unwrap_or_default().to_owned();
    // The stream holds a connection of its own until the run ends.
    let mut stream = Conn::new(nodes.waiting.clone());
    let open = stream
        .request(Method::GET, &format!("/v1/client/sign_ups/{id}/events"))
        .header("Gatehouse-Token-Mode", "bearer")
        .header(AUTHORIZATION, format!("Bearer {token}"));
    let (status, _, body) = stream.open(open, Vec::new()).await.map_err(|e| transport("events", e))?;
    if status != 200 {
        return Err(Failure { kind: format!("events {status}"), detail: String::new() });
    }
    let mut events = Events { body, buffer: Vec::new() };
    events.next(Instant::now() + PATIENCE).await?;
    let message = sink.take(email).await;
    let link = message
        .as_ref()
        .and_then(mailbox::link_token)
        .ok_or_else(|| Failure { kind: String::from("link missing"), detail: email.to_owned() })?;
    let confirm =
        confirming.request(Method::POST, "/v1/verify").header(CONTENT_TYPE, "application/x-www-form-urlencoded");
    let t0 = Instant::now();
    let give_up = t0 + PATIENCE;
    let woke = async {
        loop {
            let event = events.next(give_up).await?;
            if event["response"]["verifications"]["email_address"]["status"] == "verified" {
                break Ok::<_, Failure>(Instant::now());
            }
        }
    };
    let (posted, woke) = tokio::join!(confirming.send(confirm, format!("token={link}").into_bytes()), woke);
    let t1 = woke?;
    match posted {
        Ok(answer) if answer.status == 303 => Ok(t1 - t0),
        Ok(answer) => Err(Failure { kind: format!("verify {}", answer.status), detail: String::new() }),
        Err(e) => Err(transport("verify", e)),
    }
}

fn failure(kind: &str, answer: &Value) -> Failure {
    Failure { kind: kind.to_owned(), detail: answer.to_string() }
}

/// The `sign_up` events of one stream, read chunk by chunk.
struct Events {
    body: Incoming,
    buffer: Vec<u8>,
}

impl Events {
    /// The data of the next event the stream sends (`{ response, client }`;
    /// keep-alive comments skipped).
    async fn next(&mut self, give_up: Instant) -> Result<Value, Failure> {
        loop {
            if let Some(end) = self.buffer.windows(2).position(|w| w == b"\n\n") {
                let block: Vec<u8> = self.buffer.drain(..end + 2).collect();
                let text = String::from_utf8_lossy(&block);
                if let Some(data) = text.lines().find_map(|line| line.strip_prefix("data: ")) {
                    return serde_json::from_str(data)
                        .map_err(|_| Failure { kind: String::from("events not JSON"), detail: data.to_owned() });
                }
                continue;
            }
            let left = give_up.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.body.frame()).await {
                Ok(Some(Ok(frame))) => {
                    if let Some(bytes) = frame.data_ref() {
                        self.buffer.extend_from_slice(bytes);
                    }
                }
                Ok(None) => return Err(Failure { kind: String::from("events ended"), detail: String::new() }),
                Ok(Some(Err(e))) => return Err(transport("events", e)),
                Err(_) => return Err(Failure { kind: String::from("events timed out"), detail: String::new() }),
            }
        }
    }
}

/// Runs `runs` measured runs after `warmup` unmeasured ones; the
/// wake-up times go under the step `wakeup`.
pub async fn measure(nodes: &Nodes, sink: &Mailbox, prefix: &str, runs: usize, warmup: usize) -> Stats {
    let mut stats = Stats::default();
    let mut conns =
        Conns { waiting: Conn::new(nodes.waiting.clone()), confirming: Conn::new(nodes.confirming.clone()) };
    let always = crate::stats::Window::after(Duration::ZERO, Duration::from_secs(365 * 24 * 3600));
    for i in 0..runs + warmup {
        let email = format!("{prefix}-wake-{i}@example.com");
        match run(nodes, &mut conns, sink, &email).await {
            Ok(took) if i >= warmup => {
                let now = Instant::now();
                stats.step(&always, "wakeup", now - took, now);
                stats.completed(&always, now);
            }
            Ok(_) => {}
            Err(failure) => stats.error(&always, failure.kind, failure.detail),
        }
    }
    stats
}
