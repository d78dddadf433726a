//! The HTTP ceiling: one `GET` (`/healthz`) after another on each of
//! `concurrency` keep-alive connections, closed loop.

use crate::conn::{Conn, Node};
use crate::stats::{Stats, Window};
use hyper::Method;
use std::time::Instant;

/// Runs one worker until the window closes, on a connection of its own.
pub async fn worker(node: Node, path: String, window: Window) -> Stats {
    let mut stats = Stats::default();
    let mut conn = Conn::new(node);
    while window.open() {
        let started = Instant::now();
        match conn.send(conn.request(Method::GET, &path), Vec::new()).await {
            Ok(answer) if answer.status == 200 => {
                let end = Instant::now();
                stats.step(&window, "get", started, end);
                stats.completed(&window, end);
            }
            Ok(answer) => stats.error(&window, format!("get {}", answer.status), String::new()),
            Err(e) => stats.error(&window, String::from("get transport"), e),
        }
    }
    stats
}
