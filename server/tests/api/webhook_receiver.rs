//! A local webhook receiver for the tests (axum on a free port): it answers
//! each request with the status its script says next, and keeps what it got;
//! and the settings and app that post to it (`webhooks`, `user_sessions`).

use crate::helpers::{TestApp, admin_options, spawn_app_with};
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use gatehouse_server::config::{Config, Secret, WebhookEndpoint};
use serde_json::Value;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request a receiver got.
#[derive(Clone, Debug)]
pub(crate) struct Received {
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
}

impl Received {
    pub(crate) fn header(&self, name: &str) -> String {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
    }

    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }

    pub(crate) fn event_type(&self) -> String {
        self.json()["type"].as_str().unwrap_or_default().to_owned()
    }
}

#[derive(Default)]
struct Inbox {
    got: Vec<Received>,
    /// Statuses to answer before the default, first first.
    script: VecDeque<u16>,
    /// What it answers once the script is spent.
    default: u16,
}

/// A local HTTP server playing the operator's endpoint.
#[derive(Clone)]
pub(crate) struct Receiver {
    pub(crate) url: String,
    inbox: Arc<Mutex<Inbox>>,
}

async fn receive(State(inbox): State<Arc<Mutex<Inbox>>>, headers: HeaderMap, body: String) -> StatusCode {
    let mut inbox = inbox.lock().unwrap();
    inbox.got.push(Received { headers, body });
    let status = inbox.script.pop_front().unwrap_or(inbox.default);
    StatusCode::from_u16(status).unwrap()
}

impl Receiver {
    /// A receiver that answers `default` (after the `script`).
    pub(crate) async fn start(default: u16, script: &[u16]) -> Receiver {
        let inbox =
            Arc::new(Mutex::new(Inbox { default, script: script.iter().copied().collect(), ..Inbox::default() }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks/gatehouse", listener.local_addr().unwrap());
        let router = Router::new().route("/hooks/gatehouse", axum::routing::post(receive)).with_state(inbox.clone());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Receiver { url, inbox }
    }

    pub(crate) fn got(&self) -> Vec<Received> {
        self.inbox.lock().unwrap().got.clone()
    }

    /// Waits (10 s at most) until it got `n` requests; answers them all.
    pub(crate) async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..1000 {
            let got = self.got();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("expected {n} webhook requests, got {:#?}", self.got());
    }

    /// The requests of one event type.
    pub(crate) fn of_type(&self, event: &str) -> Vec<Received> {
        self.got().into_iter().filter(|r| r.event_type() == event).collect()
    }
}

/// Settings for tests: quick polls, a 1 s first retry (on the test's clock).
pub(crate) fn config_with(base: Config, endpoints: &[(&str, &Receiver, &str, Option<&[&str]>)]) -> Config {
    let mut config = base;
    config.webhooks.poll_interval_ms = 20;
    config.webhooks.first_retry_ms = 1000;
    config.webhooks.timeout_seconds = 2;
    for (name, receiver, secret, events) in endpoints {
        config.webhooks.endpoints.insert(
            String::from(*name),
            WebhookEndpoint {
                url: receiver.url.clone(),
                secret: Secret::new(String::from(*secret)),
                events: events.map(|e| e.iter().map(|s| String::from(*s)).collect()),
            },
        );
    }
    config
}

pub(crate) async fn spawn_with_hooks(config: Config) -> TestApp {
    spawn_app_with(config, admin_options()).await
}
