//! Password hashing: argon2id with the OWASP parameters (m = 19 MiB, t = 2,
//! p = 1), on a blocking thread so a hash never stalls the async workers.
//!
//! Every hash and check goes through one [`Hasher`]: a pool of
//! `[password_hashing] max_concurrent` threads (by default one per core),
//! each with its own argon2 memory, taking jobs from one queue in turn.
//! Each hash takes 19 MiB and a core for a while, so without a bound a burst
//! of sign-ups could take all the memory of the machine. A thread that ends
//! a hash takes the next job itself: the next hash starts at once, not
//! after the async workers have run the waiting request again (which left
//! the cores idle between hashes: docs/BENCHMARKS.md). A request whose job
//! no thread has taken within `max_wait_ms` gives it up and answers 503
//! `server_busy` with `Retry-After`.
//!
//! Hashes imported from other systems (admin API `password_digest`) are
//! verified as they are: bcrypt `$2a$`, `$2b$`, `$2y$`, and argon2 PHC
//! strings with their own parameters, within the bounds of
//! [`parse_digest`] (a digest asking for more would let one sign-in take a
//! second of CPU or a gigabyte). [`needs_rehash`] tells sign-in to replace
//! them with the server's own after the first success.

use crate::config::PasswordHashing;
use crate::error::ApiError;
use crate::ids;
use anyhow::Context;
use argon2::password_hash::PasswordVerifier;
use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use gatehouse_protocol::ErrorCode;
use std::cell::Cell;
use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;
use tokio::sync::oneshot;

/// The start of every hash the server makes itself.
const OWN_PREFIX: &str = "$argon2id$v=19$m=19456,t=2,p=1$";
/// The highest bcrypt cost an imported digest may have (2^14 rounds, about
/// a second of CPU per check).
const MAX_IMPORTED_BCRYPT_COST: u32 = 14;
/// The most memory an imported argon2 hash may ask for, in KiB (256 MiB).
const MAX_IMPORTED_M_COST: u32 = 256 * 1024;
/// The most passes an imported argon2 hash may ask for.
const MAX_IMPORTED_T_COST: u32 = 10;
/// The most lanes an imported argon2 hash may ask for.
const MAX_IMPORTED_P_COST: u32 = 4;

/// The server's own argon2 memory cost, in KiB (19 MiB).
const OWN_M_COST: u32 = 19_456;

fn own_params() -> Params {
    Params::new(OWN_M_COST, 2, 1, None).expect("the OWASP argon2 parameters are valid")
}

fn argon2() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, own_params())
}

/// The gate in front of every password hash and check: its pool of
/// hashing threads, which stop when the last clone is dropped.
#[derive(Clone, Debug)]
pub struct Hasher {
    pool: Arc<Pool>,
    max_wait: Duration,
}

/// The hashing threads' side: the queue of jobs no thread has taken yet.
#[derive(Debug)]
struct Pool {
    shared: Arc<Shared>,
    threads: usize,
}

#[derive(Debug, Default)]
struct Shared {
    queue: Mutex<Queue>,
    /// Wakes an idle thread: a job came, or the pool closed.
    wake: Condvar,
}

#[derive(Default)]
struct Queue {
    jobs: VecDeque<Job>,
    closed: bool,
}

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queue").field("jobs", &self.jobs.len()).field("closed", &self.closed).finish()
    }
}

/// One hash or check to run, with the ticket its request waits on.
struct Job {
    ticket: Arc<Ticket>,
    queued: Instant,
    work: Box<dyn FnOnce(&mut Memory) + Send>,
}

/// Whether a thread took a job, or its request gave it up first.
#[derive(Default)]
struct Ticket {
    state: AtomicU8,
}

impl Ticket {
    /// Gives the job up if no thread has taken it; whether it did.
    fn give_up(&self) -> bool {
        self.state.compare_exchange(WAITING, GIVEN_UP, Ordering::AcqRel, Ordering::Acquire).is_ok()
    }
}

/// A waiting request's ticket: gives its job up when the request is dropped
/// before a thread took it.
struct Abandoned(Arc<Ticket>);

impl Drop for Abandoned {
    fn drop(&mut self) {
        self.0.give_up();
    }
}

const WAITING: u8 = 0;
const TAKEN: u8 = 1;
const GIVEN_UP: u8 = 2;

impl Drop for Pool {
    fn drop(&mut self) {
        if let Ok(mut queue) = self.shared.queue.lock() {
            queue.closed = true;
        }
        self.shared.wake.notify_all();
    }
}

/// A hashing thread held by [`Hasher::slot`] until this is dropped.
#[derive(Debug)]
pub struct HeldSlot {
    _release: std::sync::mpsc::Sender<()>,
}

impl Hasher {
    /// A pool of `settings.max_concurrent` threads (0: one per core).
    pub fn new(settings: PasswordHashing) -> Hasher {
        let threads = match settings.max_concurrent {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => usize::try_from(n).unwrap_or(usize::MAX),
        };
        let shared = Arc::new(Shared::default());
        for i in 0..threads {
            let shared = shared.clone();
            let spawned = std::thread::Builder::new().name(format!("argon2-{i}")).spawn(move || work(&shared));
            if let Err(e) = spawned {
                tracing::error!(error = %e, "a password hashing thread could not start");
            }
        }
        Hasher { pool: Arc::new(Pool { shared, threads }), max_wait: Duration::from_millis(settings.max_wait_ms) }
    }

    /// Queues `work` and answers its ticket. Nothing wakes the request when
    /// a thread takes the job: it waits for the job's own answer, and only
    /// at `max_wait` asks whether a thread took it ([`Hasher::wait`]).
    fn queue(&self, work: Box<dyn FnOnce(&mut Memory) + Send>) -> Result<Arc<Ticket>, ApiError> {
        let ticket = Arc::new(Ticket::default());
        {
            let mut queue = self.pool.shared.queue.lock().map_err(|_| poisoned())?;
            queue.jobs.push_back(Job { ticket: ticket.clone(), queued: Instant::now(), work });
        }
        self.pool.shared.wake.notify_one();
        Ok(ticket)
    }

    /// Waits for the answer of the job behind `ticket`. If no thread took
    /// the job within `max_wait`, gives it up (no thread will run it) and
    /// answers `server_busy`; a job taken in time is waited for to its end.
    /// A request dropped while its job waits (its client went away) gives
    /// the job up too.
    async fn wait<T>(&self, ticket: Arc<Ticket>, mut answered: oneshot::Receiver<T>) -> Result<T, ApiError> {
        let ticket = Abandoned(ticket);
        let answer = match tokio::time::timeout(self.max_wait, &mut answered).await {
            Ok(answer) => answer,
            Err(_) => {
                if ticket.0.give_up() {
                    crate::telemetry::hash_waited(self.max_wait);
                    tracing::warn!(
                        wait_ms = self.max_wait.as_millis(),
                        "every password hashing thread is busy: answering 503"
                    );
                    return Err(ApiError::RetryAfter {
                        code: ErrorCode::ServerBusy,
                        seconds: self.max_wait.as_secs().max(1),
                    });
                }
                // Taken in time: it is running, or has just ended.
                answered.await
            }
        };
        answer.context("the password hashing job failed").map_err(ApiError::Internal)
    }

    /// Holds one hashing thread until the answer is dropped, waiting for it
    /// as a hash would (`server_busy` after `max_wait`). For tests that
    /// need every thread busy.
    pub async fn slot(&self) -> Result<HeldSlot, ApiError> {
        let (release, held) = std::sync::mpsc::channel::<()>();
        let (taken, answered) = oneshot::channel();
        let ticket = self.queue(Box::new(move |_| {
            let _ = taken.send(());
            // Returns when the `HeldSlot` (the sender) is dropped.
            let _ = held.recv();
        }))?;
        self.wait(ticket, answered).await?;
        Ok(HeldSlot { _release: release })
    }

    /// The number of hashing threads.
    pub fn threads(&self) -> usize {
        self.pool.threads
    }

    /// Runs `job` on a hashing thread, with that thread's argon2 memory.
    async fn run<T: Send + 'static>(&self, job: impl FnOnce(&mut Memory) -> T + Send + 'static) -> Result<T, ApiError> {
        let (answer, answered) = oneshot::channel();
        let ticket = self.queue(Box::new(move |memory| {
            let _ = answer.send(job(memory));
        }))?;
        self.wait(ticket, answered).await
    }

    /// Hashes a password to a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$...`).
    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        self.run(move |memory| hash_now(&password, memory)).await?.map_err(ApiError::Internal)
    }

    /// Whether `password` matches a stored hash (ours or an imported one).
    pub async fn verify(&self, password: String, stored: String) -> Result<bool, ApiError> {
        self.run(move |memory| verify_now(&password, &stored, memory)).await?.map_err(ApiError::Internal)
    }

    /// Spends the time of one check for a password that has no account to
    /// check against, so an unknown identifier answers as slowly as a known one.
    pub async fn verify_dummy(&self, password: String) -> Result<(), ApiError> {
        DUMMY_CHECKS.with(|count| count.set(count.get() + 1));
        self.run(move |memory| {
            let dummy = dummy_hash(memory);
            let _ = verify_now(&password, dummy, memory);
        })
        .await
    }

    /// Makes the dummy hash ahead of the first sign-in (at start), so even
    /// the first unknown identifier takes as long as a known one.
    pub async fn warm_up(&self) {
        if let Err(e) = self.run(|memory| dummy_hash(memory).len()).await {
            tracing::error!(error = ?e, "making the dummy password hash failed");
        }
    }
}

/// A hashing thread: takes the jobs no other has taken, in order, until the
/// pool closes. A job its request gave up is skipped.
fn work(shared: &Shared) {
    let mut memory: Option<Memory> = None;
    loop {
        let job = {
            let Ok(mut queue) = shared.queue.lock() else { return };
            loop {
                if let Some(job) = queue.jobs.pop_front() {
                    break job;
                }
                if queue.closed {
                    return;
                }
                queue = match shared.wake.wait(queue) {
                    Ok(queue) => queue,
                    Err(_) => return,
                };
            }
        };
        if job.ticket.state.compare_exchange(WAITING, TAKEN, Ordering::AcqRel, Ordering::Acquire).is_err() {
            continue;
        }
        crate::telemetry::hash_waited(job.queued.elapsed());
        let memory = memory.get_or_insert_with(new_memory);
        // A job that panics drops its answer (the request fails); the thread goes on.
        let _ = std::panic::catch_unwind(AssertUnwindSafe(|| (job.work)(memory)));
    }
}

fn poisoned() -> ApiError {
    ApiError::Internal(anyhow::anyhow!("the password hashing queue was poisoned"))
}

thread_local! {
    /// Dummy checks started on this thread (see [`dummy_checks_on_this_thread`]).
    static DUMMY_CHECKS: Cell<u64> = const { Cell::new(0) };
}

/// How many dummy checks were started on this thread. For tests: a test on
/// a current-thread runtime serves its app on that same thread, so this
/// counts its own requests' dummy checks and no other test's; that is how
/// the suite shows an unknown identifier pays for a check (not by timing).
pub fn dummy_checks_on_this_thread() -> u64 {
    DUMMY_CHECKS.with(Cell::get)
}

/// The working memory of one argon2 run with the server's own parameters
/// (19 MiB). Each hashing thread keeps its own and reuses it: allocating and freeing
/// 19 MiB per request fragments the heap until the process holds far more
/// than the slots ever use at once.
type Memory = Vec<Block>;

fn new_memory() -> Memory {
    vec![Block::default(); OWN_M_COST as usize]
}

fn hash_now(password: &str, memory: &mut Memory) -> anyhow::Result<String> {
    let salt = ids::random_bytes::<16>();
    let mut out = [0u8; 32];
    argon2()
        .hash_password_into_with_memory(password.as_bytes(), &salt, &mut out, memory.as_mut_slice())
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&own_params()).map_err(|e| anyhow::anyhow!("argon2 params: {e}"))?,
        salt: Some(Salt::new(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?),
        hash: Some(Output::new(&out).map_err(|e| anyhow::anyhow!("output: {e}"))?),
    };
    Ok(phc.to_string())
}

fn verify_now(password: &str, stored: &str, memory: &mut Memory) -> anyhow::Result<bool> {
    if is_bcrypt(stored) {
        return bcrypt::verify(password, stored).map_err(|e| anyhow::anyhow!("stored bcrypt hash: {e}"));
    }
    let parsed = PasswordHash::new(stored).map_err(|e| anyhow::anyhow!("stored hash: {e}"))?;
    match (stored.starts_with(OWN_PREFIX), &parsed.salt, &parsed.hash) {
        // Ours: in the slot's memory.
        (true, Some(salt), Some(expected)) => {
            let mut out = vec![0u8; expected.len()];
            argon2()
                .hash_password_into_with_memory(password.as_bytes(), salt.as_ref(), &mut out, memory.as_mut_slice())
                .map_err(|e| anyhow::anyhow!("argon2: {e}"))?;
            Ok(bool::from(out.as_slice().ct_eq(expected.as_bytes())))
        }
        // Imported, with its own parameters (within `parse_digest`'s bounds).
        _ => Ok(argon2().verify_password(password.as_bytes(), &parsed).is_ok()),
    }
}

/// A hash of no one's password, made once per process.
fn dummy_hash(memory: &mut Memory) -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_now("gatehouse dummy password", memory).unwrap_or_default())
}

/// Whether a stored hash is not one the server would make today.
pub fn needs_rehash(stored: &str) -> bool {
    !stored.starts_with(OWN_PREFIX)
}

fn is_bcrypt(digest: &str) -> bool {
    ["$2a$", "$2b$", "$2y$"].iter().any(|p| digest.starts_with(p))
}

/// Checks an imported digest; answers it as it will be stored, or why not.
/// Its cost must be within the bounds above: a digest is the cost of every
/// sign-in against it.
pub fn parse_digest(digest: &str) -> Result<String, &'static str> {
    let digest = digest.trim();
    if is_bcrypt(digest) {
        let parts: bcrypt::HashParts = digest.parse().map_err(|_| "This is not a valid bcrypt hash.")?;
        if !(4..=MAX_IMPORTED_BCRYPT_COST).contains(&parts.get_cost()) {
            return Err("The bcrypt cost must be between 4 and 14.");
        }
        return Ok(String::from(digest));
    }
    if digest.starts_with("$2") {
        return Err("Only the bcrypt versions $2a$, $2b$ and $2y$ are accepted.");
    }
    let parsed = PasswordHash::new(digest).map_err(|_| "Use a bcrypt hash or an argon2 PHC string.")?;
    if Algorithm::try_from(parsed.algorithm.as_str()).is_err() {
        return Err("Use a bcrypt hash or an argon2 PHC string.");
    }
    let params = Params::try_from(&parsed).map_err(|_| "The argon2 parameters are not valid.")?;
    if parsed.salt.is_none() || parsed.hash.is_none() {
        return Err("The argon2 string lacks its salt or hash.");
    }
    if params.m_cost() > MAX_IMPORTED_M_COST {
        return Err("The argon2 memory cost may be at most 256 MiB (m=262144).");
    }
    if params.t_cost() > MAX_IMPORTED_T_COST {
        return Err("The argon2 time cost may be at most 10 (t=10).");
    }
    if params.p_cost() > MAX_IMPORTED_P_COST {
        return Err("The argon2 parallelism may be at most 4 (p=4).");
    }
    Ok(String::from(digest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::PasswordHasher;

    fn hasher(max_concurrent: u32, max_wait_ms: u64) -> Hasher {
        Hasher::new(PasswordHashing { max_concurrent, max_wait_ms })
    }

    #[tokio::test]
    async fn hashes_with_argon2id_and_verifies() {
        let h = hasher(0, 2000);
        let phc = h.hash(String::from("correct horse")).await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(h.verify(String::from("correct horse"), phc.clone()).await.unwrap());
        assert!(!h.verify(String::from("wrong horse"), phc.clone()).await.unwrap());
        assert!(!needs_rehash(&phc));
        // The hash made in a slot's memory is the one argon2 itself checks.
        assert!(argon2().verify_password(b"correct horse", &PasswordHash::new(&phc).unwrap()).is_ok());
        let theirs = argon2().hash_password(b"correct horse").unwrap().to_string();
        assert!(h.verify(String::from("correct horse"), theirs.clone()).await.unwrap());
        assert!(!h.verify(String::from("wrong horse"), theirs).await.unwrap());
    }

    #[tokio::test]
    async fn imported_bcrypt_and_argon2_hashes_verify_and_need_a_rehash() {
        let h = hasher(0, 2000);
        let b = bcrypt::hash("C3rs3i#L4nnist3r", 4).unwrap();
        for version in ["$2a$", "$2b$", "$2y$"] {
            let digest = b.replacen("$2b$", version, 1);
            assert_eq!(parse_digest(&digest).unwrap(), digest);
            assert!(h.verify(String::from("C3rs3i#L4nnist3r"), digest.clone()).await.unwrap());
            assert!(!h.verify(String::from("c3rs3i#L4nnist3r"), digest.clone()).await.unwrap());
            assert!(needs_rehash(&digest));
        }
        let params = Params::new(8, 1, 1, None).unwrap();
        let light = Argon2::new(Algorithm::Argon2id, Version::V0x13, params).hash_password(b"pw-123456").unwrap();
        let light = light.to_string();
        assert_eq!(parse_digest(&light).unwrap(), light);
        assert!(h.verify(String::from("pw-123456"), light.clone()).await.unwrap());
        assert!(needs_rehash(&light));
    }

    #[test]
    fn malformed_digests_are_refused() {
        let b = bcrypt::hash("x", 4).unwrap();
        for bad in [
            String::from(""),
            String::from("plain text"),
            b.replacen("$2b$", "$2x$", 1),
            b[..50].to_owned(),
            b.replacen("$04$", "$99$", 1),
            String::from("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ"),
            String::from("$scrypt$ln=16,r=8,p=1$c2FsdA$aGFzaA"),
        ] {
            assert!(parse_digest(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn digests_beyond_the_cost_bounds_are_refused() {
        let tail = "$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
        let argon = |params: &str| format!("$argon2id$v=19${params}{tail}");
        assert!(parse_digest(&argon("m=262144,t=10,p=4")).is_ok());
        let over =
            [("m=262145,t=2,p=1", "256 MiB"), ("m=19456,t=11,p=1", "at most 10"), ("m=19456,t=2,p=5", "at most 4")];
        for (params, why) in over {
            assert!(parse_digest(&argon(params)).unwrap_err().contains(why), "{params}");
        }
        let b = bcrypt::hash("x", 4).unwrap();
        assert!(parse_digest(&b.replacen("$04$", "$14$", 1)).is_ok());
        assert_eq!(parse_digest(&b.replacen("$04$", "$15$", 1)), Err("The bcrypt cost must be between 4 and 14."));
    }

    #[tokio::test]
    async fn a_request_that_waits_too_long_for_a_thread_is_told_the_server_is_busy() {
        let h = hasher(2, 300);
        let (a, b) = (h.slot().await.unwrap(), h.slot().await.unwrap());
        // Both threads are held: the third waits the whole 300 ms, then
        // answers 503 with Retry-After (at least a second).
        match h.slot().await {
            Err(ApiError::RetryAfter { code: ErrorCode::ServerBusy, seconds: 1 }) => {}
            other => panic!("expected server_busy, got {other:?}"),
        }
        assert_eq!(ErrorCode::ServerBusy.http_status(), 503);
        // A thread freed within the wait takes the job waiting.
        let waiting = tokio::spawn({
            let h = h.clone();
            async move { h.slot().await.map(drop) }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        drop(a);
        assert!(waiting.await.unwrap().is_ok());
        drop(b);
    }

    #[tokio::test]
    async fn a_job_given_up_is_never_run_and_the_next_runs_at_once() {
        let h = hasher(1, 200);
        let held = h.slot().await.unwrap();
        let ran = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let given_up = h.run({
            let ran = ran.clone();
            move |_| ran.fetch_add(1, Ordering::SeqCst)
        });
        assert!(matches!(given_up.await, Err(ApiError::RetryAfter { code: ErrorCode::ServerBusy, .. })));
        drop(held);
        // The thread, freed, skips the job given up and takes this one.
        let next = h.run({
            let ran = ran.clone();
            move |_| ran.fetch_add(10, Ordering::SeqCst)
        });
        assert_eq!(next.await.unwrap(), 0, "the job given up never ran");
        assert_eq!(ran.load(Ordering::SeqCst), 10);
    }

    #[tokio::test]
    async fn the_job_of_a_request_dropped_while_it_waits_is_never_run() {
        let h = hasher(1, 5000);
        let held = h.slot().await.unwrap();
        let ran = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let waiting = tokio::spawn({
            let (h, ran) = (h.clone(), ran.clone());
            async move { h.run(move |_| ran.fetch_add(1, Ordering::SeqCst)).await }
        });
        // Its job queued behind the held thread, the request goes away (as
        // when its client disconnects).
        while h.pool.shared.queue.lock().unwrap().jobs.is_empty() {
            tokio::task::yield_now().await;
        }
        waiting.abort();
        assert!(waiting.await.unwrap_err().is_cancelled());
        drop(held);
        let next = h.run({
            let ran = ran.clone();
            move |_| ran.fetch_add(10, Ordering::SeqCst)
        });
        assert_eq!(next.await.unwrap(), 0, "the dropped request's job never ran");
        assert_eq!(ran.load(Ordering::SeqCst), 10);
    }

    #[test]
    fn the_threads_stop_when_the_last_hasher_is_dropped() {
        let h = hasher(2, 200);
        let weak = Arc::downgrade(&h.pool.shared);
        let copy = h.clone();
        drop(h);
        drop(copy);
        // Each thread holds the shared queue until it returns.
        let stopped = (0..200).any(|_| {
            std::thread::sleep(Duration::from_millis(10));
            weak.strong_count() == 0
        });
        assert!(stopped, "the hashing threads still run");
    }

    #[test]
    fn the_default_is_one_thread_per_core() {
        let cores = std::thread::available_parallelism().unwrap().get();
        assert_eq!(hasher(0, 2000).threads(), cores);
        assert_eq!(hasher(3, 2000).threads(), 3);
    }
}
