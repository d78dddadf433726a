//! The HTTP ceiling: one `GET` (`/healthz`) after another on each of
//! `concurrency` keep-alive connections, closed loop.

use crate::stats::{Stats, Window};
use std::sync::Arc;
use std::time::Instant;

/// Runs one worker until the window closes.
pub async fn worker(url: Arc<String>, window: Window, http: reqwest::Client) -> Stats {
    let mut stats = Stats::default();
    while window.open() {
        let started = Instant::now();
        match http.get(url.as_str()).send().await {
            Ok(answer) if answer.status() == 200 => match answer.bytes().await {
                Ok(_) => {
                    let end = Instant::now();
                    stats.step(&window, "get", started, end);
                    stats.completed(&window, end);
                }
                Err(e) => stats.error(&window, String::from("get transport"), e.to_string()),
            },
            Ok(answer) => stats.error(&window, format!("get {}", answer.status().as_u16()), String::new()),
            Err(e) => stats.error(&window, String::from("get transport"), e.to_string()),
        }
    }
    stats
}
