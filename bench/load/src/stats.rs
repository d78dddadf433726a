//! What one run measured: latencies per step, counts, errors by kind, and
//! the measuring window they are counted in.
//!
//! A sample counts when it ends inside the window (after the warm-up, before
//! the end); nothing starts after the window, and what is still in flight
//! then is finished and dropped.

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// The measured window of a run.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    pub start: Instant,
    pub end: Instant,
}

impl Window {
    /// A window opening after `warmup` and lasting `duration`, from now.
    pub fn after(warmup: Duration, duration: Duration) -> Window {
        let start = Instant::now() + warmup;
        Window { start, end: start + duration }
    }

    pub fn inside(&self, t: Instant) -> bool {
        t >= self.start && t <= self.end
    }

    /// Whether a new flow may start.
    pub fn open(&self) -> bool {
        Instant::now() < self.end
    }

    pub fn seconds(&self) -> f64 {
        (self.end - self.start).as_secs_f64()
    }
}

/// Latencies (microseconds) by step, completed units, errors by kind.
#[derive(Debug, Default)]
pub struct Stats {
    pub latencies: BTreeMap<&'static str, Vec<u64>>,
    pub done: u64,
    pub errors: BTreeMap<String, u64>,
    pub examples: Vec<String>,
}

impl Stats {
    /// Records a step that ran from `from` to `to`, if it ended in the window.
    pub fn step(&mut self, window: &Window, step: &'static str, from: Instant, to: Instant) {
        if window.inside(to) {
            let micros = u64::try_from((to - from).as_micros()).unwrap_or(u64::MAX);
            self.latencies.entry(step).or_default().push(micros);
        }
    }

    /// Counts one completed unit (a flow, a request) ending at `to`.
    pub fn completed(&mut self, window: &Window, to: Instant) {
        if window.inside(to) {
            self.done += 1;
        }
    }

    /// Counts an error of `kind` (e.g. `create 429`) if it happened in the
    /// window; keeps the first few details.
    pub fn error(&mut self, window: &Window, kind: String, detail: String) {
        if !window.inside(Instant::now()) {
            return;
        }
        if self.examples.len() < 5 {
            self.examples.push(format!("{kind}: {}", detail.chars().take(300).collect::<String>()));
        }
        *self.errors.entry(kind).or_default() += 1;
    }

    pub fn merge(&mut self, other: Stats) {
        for (step, mut values) in other.latencies {
            self.latencies.entry(step).or_default().append(&mut values);
        }
        self.done += other.done;
        for (kind, n) in other.errors {
            *self.errors.entry(kind).or_default() += n;
        }
        let room = 5usize.saturating_sub(self.examples.len());
        self.examples.extend(other.examples.into_iter().take(room));
    }

    /// Each step's count and percentiles, as JSON.
    pub fn steps_json(&self) -> Value {
        let steps: serde_json::Map<String, Value> =
            self.latencies.iter().map(|(step, values)| ((*step).to_owned(), summary(values))).collect();
        Value::Object(steps)
    }
}

/// n, mean, p50, p95, p99 and max of microsecond samples, in milliseconds.
pub fn summary(values: &[u64]) -> Value {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let mean = sorted.iter().sum::<u64>() as f64 / sorted.len().max(1) as f64 / 1000.0;
    json!({
        "n": sorted.len(),
        "mean_ms": mean,
        "p50_ms": quantile(&sorted, 0.50),
        "p95_ms": quantile(&sorted, 0.95),
        "p99_ms": quantile(&sorted, 0.99),
        "max_ms": quantile(&sorted, 1.0),
    })
}

/// Linear interpolation between closest ranks, in milliseconds; `None` when empty.
pub fn quantile(sorted: &[u64], q: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let at = last as f64 * q;
    let (lo, hi) = (at.floor() as usize, at.ceil() as usize);
    let (a, b) = (sorted[lo] as f64, sorted[hi] as f64);
    Some((a + (b - a) * (at - lo as f64)) / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_between_closest_ranks() {
        let sorted: Vec<u64> = (1..=5).map(|ms| ms * 1000).collect();
        assert_eq!(quantile(&sorted, 0.5), Some(3.0));
        assert_eq!(quantile(&sorted, 0.99), Some(4.96));
        assert_eq!(quantile(&sorted, 1.0), Some(5.0));
        assert_eq!(quantile(&[], 0.5), None);
    }

    #[test]
    fn samples_outside_the_window_are_dropped() {
        let window = Window::after(Duration::from_secs(60), Duration::from_secs(1));
        let mut stats = Stats::default();
        let now = Instant::now();
        stats.step(&window, "create", now, now);
        stats.completed(&window, now);
        stats.step(&window, "create", now, window.start);
        assert_eq!((stats.latencies["create"].len(), stats.done), (1, 0));
    }
}
