//! The requests the server saw (`--dev` only), kept for the dev tools'
//! `GET /v1/dev/requests` (`crate::dev`), so a test can prove that none
//! reached the server. It lives below `crate::state`, which holds one.

use serde::Serialize;
use std::collections::VecDeque;
use std::sync::Mutex;

/// The requests the server saw, newest last.
#[derive(Debug, Default)]
pub struct RequestLog {
    seen: Mutex<VecDeque<String>>,
}

impl RequestLog {
    /// How many it keeps; older ones are forgotten.
    pub const CAPACITY: usize = 10_000;
    /// How many of the latest matching requests an answer lists.
    const LISTED: usize = 20;

    pub fn push(&self, request: String) {
        let mut seen = self.seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if seen.len() == Self::CAPACITY {
            seen.pop_front();
        }
        seen.push_back(request);
    }

    /// The count of requests whose path starts with `prefix`, and the latest of them.
    pub fn matching(&self, prefix: &str) -> RequestCount {
        let seen = self.seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let matching: Vec<&String> =
            seen.iter().filter(|r| r.split_once(' ').is_some_and(|(_, path)| path.starts_with(prefix))).collect();
        let recent = matching.iter().rev().take(Self::LISTED).rev().map(|r| (*r).clone()).collect();
        RequestCount { count: matching.len(), recent }
    }

    pub fn clear(&self) {
        self.seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clear();
    }
}

#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct RequestCount {
    /// How many requests matched.
    count: usize,
    /// The latest matching requests, `METHOD /path`, oldest first.
    recent: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_path_prefix_and_forgets_the_oldest() {
        let log = RequestLog::default();
        for i in 0..RequestLog::CAPACITY + 5 {
            log.push(format!("GET /v1/client/sign_ups/su_{i}"));
        }
        log.push(String::from("POST /v1/client/sign_ups"));
        log.push(String::from("GET /v1/environment"));
        assert_eq!(log.matching("").count, RequestLog::CAPACITY);
        let sign_ups = log.matching("/v1/client/sign_ups/");
        assert_eq!(sign_ups.count, RequestLog::CAPACITY - 2);
        assert_eq!(sign_ups.recent.len(), 20);
        assert_eq!(
            sign_ups.recent.last().map(String::as_str),
            Some(format!("GET /v1/client/sign_ups/su_{}", RequestLog::CAPACITY + 4).as_str())
        );
        assert_eq!(log.matching("/v1/environment").recent, vec![String::from("GET /v1/environment")]);
        log.clear();
        assert_eq!(log.matching("").count, 0);
    }
}
