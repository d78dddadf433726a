//! `gatehouse-load`: the load generator of the server benchmark
//! (`bench/server.sh`, in `make bench`). Each subcommand measures one
//! thing against servers already running, prints a line to stderr, and
//! appends one JSON object to `--out`:
//!
//! - `flows`: complete email-code sign-ups, closed loop ([`flows`]);
//! - `get`: the HTTP ceiling, `GET /healthz` closed loop ([`get`]);
//! - `wakeup`: the email link's wake-up across nodes ([`wakeup`]);
//! - `argon2`: the hashing ceiling on every core ([`argon2_ceiling`]).
//!
//! The generator runs on one thread (a current-thread tokio runtime),
//! like the peer's driver, so it takes at most one core from the server.

mod api;
mod argon2_ceiling;
mod conn;
mod flows;
mod get;
mod mailbox;
mod stats;
mod wakeup;

use clap::{Args, Parser, Subcommand};
use conn::Node;
use serde_json::{Value, json};
use stats::{Stats, Window};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// mimalloc, as the server has: glibc's malloc was a tenth of the
/// generator's CPU, which comes out of the machine the server is measured on.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(about = "The Gatehouse server load benchmark's generator")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Email-code sign-up flows, each a fresh client.
    Flows {
        /// A node's base URL; give it again for each node.
        #[arg(long = "base", required = true)]
        bases: Vec<String>,
        /// The server's `[delivery] sink_dir` (its `messages.jsonl` is read).
        #[arg(long)]
        sink: PathBuf,
        /// Send a password with each sign-up (one argon2id hash each).
        #[arg(long)]
        password: bool,
        #[command(flatten)]
        load: Load,
    },
    /// `GET` one path, closed loop (the HTTP ceiling).
    Get {
        #[arg(long)]
        base: String,
        #[arg(long, default_value = "/healthz")]
        path: String,
        #[command(flatten)]
        load: Load,
    },
    /// The email link's wake-up: wait on `--waiting`, confirm through `--confirming`.
    Wakeup {
        #[arg(long)]
        waiting: String,
        #[arg(long)]
        confirming: String,
        #[arg(long)]
        sink: PathBuf,
        #[arg(long, default_value_t = 200)]
        runs: usize,
        #[arg(long, default_value_t = 5)]
        warmup_runs: usize,
        #[command(flatten)]
        out: Out,
    },
    /// argon2id hashes per second with the server's parameters.
    Argon2 {
        /// Threads; 0: one per core.
        #[arg(long, default_value_t = 0)]
        threads: usize,
        #[arg(short, long, default_value_t = 10.0)]
        duration: f64,
        #[command(flatten)]
        out: Out,
    },
}

/// A closed-loop load's shape.
#[derive(Args)]
struct Load {
    /// Workers, each running one flow (or request) after another.
    #[arg(short, long, default_value_t = 1)]
    concurrency: usize,
    /// The measured seconds.
    #[arg(short, long, default_value_t = 30.0)]
    duration: f64,
    /// Seconds run before the measured window, not counted.
    #[arg(long, default_value_t = 3.0)]
    warmup: f64,
    #[command(flatten)]
    out: Out,
}

/// Where the result goes.
#[derive(Args)]
struct Out {
    /// A name for the run, carried into the result.
    #[arg(long, default_value = "")]
    label: String,
    /// A file the result is appended to, one JSON object a line.
    #[arg(long)]
    out: Option<PathBuf>,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let (out, result) = runtime.block_on(run(cli.command))?;
    if let Some(path) = &out.out {
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
        writeln!(file, "{result}")?;
    }
    println!("{result}");
    Ok(())
}

async fn run(command: Command) -> anyhow::Result<(Out, Value)> {
    match command {
        Command::Flows { bases, sink, password, load } => {
            let window = window(&load);
            let prefix = format!("load{}-{}", std::process::id(), load.concurrency);
            let mailbox = mailbox::Mailbox::open(&sink)?;
            let nodes = bases.iter().map(|base| Node::parse(base)).collect::<anyhow::Result<Vec<_>>>()?;
            let plan = Arc::new(flows::Plan { nodes, mailbox, password, prefix, window });
            let stats = together(load.concurrency, |id| flows::worker(id, plan.clone())).await;
            let mode = if password { "password" } else { "no password" };
            let result = closed_loop("flows", &load, &window, &stats, json!({ "mode": mode, "nodes": bases.len() }));
            Ok((load.out, result))
        }
        Command::Get { base, path, load } => {
            let window = window(&load);
            let node = Node::parse(&base)?;
            let stats = together(load.concurrency, |_| get::worker(node.clone(), path.clone(), window)).await;
            let result = closed_loop("get", &load, &window, &stats, json!({ "path": path }));
            Ok((load.out, result))
        }
        Command::Wakeup { waiting, confirming, sink, runs, warmup_runs, out } => {
            let nodes = wakeup::Nodes { waiting: Node::parse(&waiting)?, confirming: Node::parse(&confirming)? };
            let prefix = format!("load{}", std::process::id());
            let mailbox = mailbox::Mailbox::open(&sink)?;
            let stats = wakeup::measure(&nodes, &mailbox, &prefix, runs, warmup_runs).await;
            let errors: u64 = stats.errors.values().sum();
            eprintln!(
                "[{}] wakeup runs={} errors={errors} {}",
                out.label,
                stats.done,
                line(&stats.steps_json()["wakeup"])
            );
            let result = json!({
                "kind": "wakeup", "label": out.label, "runs": stats.done, "same_node": waiting == confirming,
                "steps": stats.steps_json(), "errors": stats.errors, "error_examples": stats.examples,
            });
            Ok((out, result))
        }
        Command::Argon2 { threads, duration, out } => {
            let threads = match threads {
                0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
                n => n,
            };
            let (hashes, seconds) = tokio::task::spawn_blocking(move || {
                argon2_ceiling::measure(threads, Duration::from_secs_f64(duration))
            })
            .await?;
            let per_s = hashes as f64 / seconds;
            eprintln!("[{}] argon2id threads={threads} hashes={hashes} {per_s:.1}/s", out.label);
            let result = json!({
                "kind": "argon2", "label": out.label, "threads": threads, "hashes": hashes,
                "seconds": seconds, "per_s": per_s,
            });
            Ok((out, result))
        }
    }
}

fn window(load: &Load) -> Window {
    Window::after(Duration::from_secs_f64(load.warmup), Duration::from_secs_f64(load.duration))
}

/// Runs `concurrency` workers at once; answers their stats merged.
async fn together<F>(concurrency: usize, worker: impl Fn(usize) -> F) -> Stats
where
    F: Future<Output = Stats> + Send + 'static,
{
    let handles: Vec<_> = (0..concurrency).map(|id| tokio::spawn(worker(id))).collect();
    let mut stats = Stats::default();
    for handle in handles {
        match handle.await {
            Ok(part) => stats.merge(part),
            Err(e) => *stats.errors.entry(format!("worker failed: {e}")).or_default() += 1,
        }
    }
    stats
}

/// The JSON of a closed-loop run, and its line on stderr.
fn closed_loop(kind: &str, load: &Load, window: &Window, stats: &Stats, extra: Value) -> Value {
    let per_s = stats.done as f64 / window.seconds();
    let errors: u64 = stats.errors.values().sum();
    let steps = stats.steps_json();
    eprintln!("[{}] {kind} c={} done={} {per_s:.1}/s errors={errors}", load.out.label, load.concurrency, stats.done);
    if let Value::Object(map) = &steps {
        for (step, summary) in map {
            eprintln!("    {step:<8} {}", line(summary));
        }
    }
    for example in &stats.examples {
        eprintln!("    error: {example}");
    }
    let mut result = json!({
        "kind": kind, "label": load.out.label, "concurrency": load.concurrency,
        "duration_s": load.duration, "warmup_s": load.warmup, "done": stats.done, "per_s": per_s,
        "errors": stats.errors, "error_examples": stats.examples, "steps": steps,
    });
    if let (Value::Object(into), Value::Object(from)) = (&mut result, extra) {
        into.extend(from);
    }
    result
}

/// `n p50 p99 max` of one step's summary.
fn line(summary: &Value) -> String {
    let ms = |key: &str| summary[key].as_f64().map_or_else(|| String::from("-"), |v| format!("{v:.1}"));
    format!(
        "n={:<7} p50={:>7}ms p95={:>7}ms p99={:>7}ms max={:>7}ms",
        summary["n"],
        ms("p50_ms"),
        ms("p95_ms"),
        ms("p99_ms"),
        ms("max_ms")
    )
}
