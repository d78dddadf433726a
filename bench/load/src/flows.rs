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
use crate::conn::{Conn, Node};
use crate::mailbox::{self, Mailbox};
use crate::stats::{Stats, Window};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Instant;

/// The password of password mode: long enough for the default rules.
pub const PASSWORD: &str = "correct horse battery staple 42";

/// What every worker needs.
pub struct Plan {
    /// The nodes, each flow's requests alternating between them.
    pub nodes: Vec<Node>,
    /// The delivery sink's messages.
    pub mailbox: Mailbox,
    pub password: bool,
    /// Makes this run's addresses unused in the database.
    pub prefix: String,
    pub window: Window,
}

/// Runs one worker until the window closes, on a keep-alive connection
/// of its own to each node.
pub async fn worker(id: usize, plan: Arc<Plan>) -> Stats {
    let mut stats = Stats::default();
    let mut conns: Vec<Conn> = plan.nodes.iter().cloned().map(Conn::new).collect();
    let mut n = 0usize;
    while plan.window.open() {
        n += 1;
        let email = format!("{}-{id}-{n}@example.com", plan.prefix);
        let first_node = id + n;
        let started = Instant::now();
        match flow(&plan, &mut conns, &email, first_node, &mut stats).await {
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
    conns: &mut [Conn],
    email: &str,
    first_node: usize,
    stats: &mut Stats,
) -> Result<(), Failure> {
    let nodes = conns.len();
    let node = |step: usize| (first_node + step) % nodes;
    let mut client = Client::default();
    let mut create = json!({ "email_address": email });
    if plan.password {
        create["password"] = Value::from(PASSWORD);
    }
    let t0 = Instant::now();
    let created = client.call(&mut conns[node(0)], "create", "/v1/client/sign_ups", &create).await?;
    let t1 = Instant::now();
    stats.step(&plan.window, "create", t0, t1);
    let id = created["response"]["id"].as_str().ok_or_else(|| unexpected("create", &created))?.to_owned();
    let prepare = json!({ "strategy": "email_code" });
    let path = format!("/v1/client/sign_ups/{id}/prepare_verification");
    client.call(&mut conns[node(1)], "prepare", &path, &prepare).await?;
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
    let done = client.call(&mut conns[node(2)], "attempt", &path, &attempt).await?;
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
