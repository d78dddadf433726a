//! Complete email-code sign-ups, closed loop: each of `concurrency`
//! workers runs one flow after another, each flow a fresh client:
//!
//! 1. `create`: `POST /v1/client/sign_ups` with an unused address (and a
//!    password in password mode: one argon2id hash on the server);
//! 2. `prepare`: `prepare_verification` with `email_code`;
//! 3. `code`: the code read from the delivery sink's file;
//! 4. `attempt`: `attempt_verification` with it, which must answer the
//!    sign-up `complete` (a user and a session made).
//!
//! With several nodes, a flow's requests alternate between them (the
//! first one rotating from flow to flow), as a load balancer without
//! affinity would send them.

use crate::api::{Client, Failure};
use crate::mailbox::{self, Mailbox};
use crate::stats::{Stats, Window};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Instant;

/// The password of password mode: long enough for the default rules.
pub const PASSWORD: &str = "correct horse battery staple 42";

/// What every worker needs.
pub struct Plan {
    pub bases: Vec<String>,
    /// The delivery sink's messages.
    pub mailbox: Mailbox,
    pub password: bool,
    /// Makes this run's addresses unused in the database.
    pub prefix: String,
    pub window: Window,
}

/// Runs one worker until the window closes.
pub async fn worker(id: usize, plan: Arc<Plan>, http: reqwest::Client) -> Stats {
    let mut stats = Stats::default();
    let mut n = 0usize;
    while plan.window.open() {
        n += 1;
        let email = format!("{}-{id}-{n}@example.com", plan.prefix);
        let first_node = id + n;
        let started = Instant::now();
        match flow(&plan, &http, &email, first_node, &mut stats).await {
            Ok(()) => {
                let end = Instant::now();
                stats.step(&plan.window, "flow", started, end);
                stats.completed(&plan.window, end);
            }
            Err(failure) => stats.error(&plan.window, failure.kind, failure.detail),
        }
    }
    stats
}

async fn flow(
    plan: &Plan,
    http: &reqwest::Client,
    email: &str,
    first_node: usize,
    stats: &mut Stats,
) -> Result<(), Failure> {
    let node = |step: usize| plan.bases[(first_node + step) % plan.bases.len()].as_str();
    let mut client = Client::default();
    let mut create = json!({ "email_address": email });
    if plan.password {
        create["password"] = Value::from(PASSWORD);
    }
    let t0 = Instant::now();
    let created = client.call(http, "create", node(0), "/v1/client/sign_ups", &create).await?;
    let t1 = Instant::now();
    stats.step(&plan.window, "create", t0, t1);
    let id = created["response"]["id"].as_str().ok_or_else(|| unexpected("create", &created))?.to_owned();
    let prepare = json!({ "strategy": "email_code" });
    let path = format!("/v1/client/sign_ups/{id}/prepare_verification");
    client.call(http, "prepare", node(1), &path, &prepare).await?;
    let t2 = Instant::now();
    stats.step(&plan.window, "prepare", t1, t2);
    let message = plan.mailbox.take(email).await;
    let code = message
        .as_ref()
        .and_then(mailbox::code)
        .ok_or_else(|| Failure { kind: String::from("code missing"), detail: email.to_owned() })?;
    let t3 = Instant::now();
    stats.step(&plan.window, "code", t2, t3);
    let attempt = json!({ "strategy": "email_code", "code": code });
    let path = format!("/v1/client/sign_ups/{id}/attempt_verification");
    let done = client.call(http, "attempt", node(2), &path, &attempt).await?;
    let t4 = Instant::now();
    stats.step(&plan.window, "attempt", t3, t4);
    if done["response"]["status"] != "complete" {
        return Err(unexpected("attempt", &done));
    }
    Ok(())
}

fn unexpected(step: &str, answer: &Value) -> Failure {
    Failure { kind: format!("{step} unexpected answer"), detail: answer.to_string() }
}
