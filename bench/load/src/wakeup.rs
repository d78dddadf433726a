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
use crate::mailbox::{self, Mailbox};
use crate::stats::Stats;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// How long a run waits for its event before it counts as an error.
const PATIENCE: Duration = Duration::from_secs(10);

/// Where the client waits and where its link is confirmed.
pub struct Nodes<'a> {
    pub waiting: &'a str,
    pub confirming: &'a str,
}

/// One run; answers the wake-up time.
pub async fn run(nodes: &Nodes<'_>, sink: &Mailbox, email: &str, http: &reqwest::Client) -> Result<Duration, Failure> {
    let mut client = Client::default();
    let created =
        client.call(http, "create", nodes.waiting, "/v1/client/sign_ups", &json!({ "email_address": email })).await?;
    let id =
        created["response"]["id"].as_str().ok_or_else(|| failure("create unexpected answer", &created))?.to_owned();
    let prepare = json!({ "strategy": "email_link", "redirect_url": format!("{}/done", nodes.waiting) });
    client
        .call(http, "prepare", nodes.waiting, &format!("/v1/client/sign_ups/{id}/prepare_verification"), &prepare)
        .await?;
    let token = client.token().unwrap_or_default().to_owned();
    let stream = http
        .get(format!("{}/v1/client/sign_ups/{id}/events", nodes.waiting))
        .header("Gatehouse-Token-Mode", "bearer")
        .bearer_auth(&token)
        .send()
        .await
        .map_err(|e| transport("events", &e))?;
    if stream.status() != 200 {
        return Err(Failure { kind: format!("events {}", stream.status().as_u16()), detail: String::new() });
    }
    let mut events = Events { answer: stream, buffer: Vec::new() };
    events.next(Instant::now() + PATIENCE).await?;
    let message = sink.take(email).await;
    let link = message
        .as_ref()
        .and_then(mailbox::link_token)
        .ok_or_else(|| Failure { kind: String::from("link missing"), detail: email.to_owned() })?;
    let confirm = http
        .post(format!("{}/v1/verify", nodes.confirming))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("token={link}"));
    let t0 = Instant::now();
    let posted = tokio::spawn(async move { confirm.send().await.map(|answer| answer.status().as_u16()) });
    let give_up = Instant::now() + PATIENCE;
    let t1 = loop {
        let event = events.next(give_up).await?;
        if event["response"]["verifications"]["email_address"]["status"] == "verified" {
            break Instant::now();
        }
    };
    match posted.await {
        Ok(Ok(303)) => Ok(t1 - t0),
        Ok(Ok(status)) => Err(Failure { kind: format!("verify {status}"), detail: String::new() }),
        Ok(Err(e)) => Err(transport("verify", &e)),
        Err(e) => Err(Failure { kind: String::from("verify task"), detail: e.to_string() }),
    }
}

fn failure(kind: &str, answer: &Value) -> Failure {
    Failure { kind: kind.to_owned(), detail: answer.to_string() }
}

/// The `sign_up` events of one stream, read chunk by chunk.
struct Events {
    answer: reqwest::Response,
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
            match tokio::time::timeout(left, self.answer.chunk()).await {
                Ok(Ok(Some(bytes))) => self.buffer.extend_from_slice(&bytes),
                Ok(Ok(None)) => return Err(Failure { kind: String::from("events ended"), detail: String::new() }),
                Ok(Err(e)) => return Err(transport("events", &e)),
                Err(_) => return Err(Failure { kind: String::from("events timed out"), detail: String::new() }),
            }
        }
    }
}

/// Runs `runs` measured runs after `warmup` unmeasured ones; the
/// wake-up times go under the step `wakeup`.
pub async fn measure(nodes: &Nodes<'_>, sink: &Mailbox, prefix: &str, runs: usize, warmup: usize) -> Stats {
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("an HTTP client");
    let mut stats = Stats::default();
    let always = crate::stats::Window::after(Duration::ZERO, Duration::from_secs(365 * 24 * 3600));
    for i in 0..runs + warmup {
        let email = format!("{prefix}-wake-{i}@example.com");
        match run(nodes, sink, &email, &http).await {
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
