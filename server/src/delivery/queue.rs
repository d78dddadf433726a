//! The outgoing message queue: requests put messages in, a worker sends
//! them (email over SMTP, texts through the SMS provider), retrying with
//! backoff, so no request ever waits on a mail server.
//!
//! - A text's first try is made by the request itself (`super::Sender`),
//!   so a refusal can be answered; only a text whose first try failed for
//!   now (a 5xx, no answer) comes here, with that try counted
//!   ([`Queue::push_retry`]). A later refusal (4xx) ends it at once.
//!
//! - At most `[delivery] queue_capacity` messages wait or are in flight;
//!   past that a send is refused ([`QueueFull`], answered 429
//!   `rate_limited`) and its resend record undone.
//! - Each message gets `attempts` tries, `retry_backoff` apart, doubling.
//!   A message that fails them all is logged (an error, without the
//!   address) and dropped.
//! - A code's resend record is undone when its message is given up (the
//!   [`Undo`]): the person was told "sent" but got nothing, and may ask
//!   again at once instead of waiting out the resend interval. The undo
//!   removes only that send's record, so a later send is never forgotten.
//!
//! [`Queue::idle`] resolves once nothing waits or is in flight: shutdown and
//! tests wait on it instead of sleeping.

use super::Message;
use super::sms::{SmsError, SmsSender};
use super::smtp::SmtpMailer;
use crate::config::DeliverySettings;
use crate::db::Store;
use crate::error::ApiError;
use crate::telemetry::{self, Sent};
use gatehouse_protocol::ErrorCode;
use gatehouse_protocol::wire::Channel;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, mpsc};

/// Messages sent at the same time, at most.
const CONCURRENT_SENDS: usize = 4;

/// The resend record a message's failure takes back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Undo {
    pub throttle_key: String,
    pub sent_at: i64,
}

/// The queue has no room: too many messages wait.
#[derive(Debug, PartialEq, Eq)]
pub struct QueueFull;

impl From<QueueFull> for ApiError {
    fn from(_: QueueFull) -> Self {
        tracing::error!("the mail queue is full: a message was refused");
        telemetry::limited(telemetry::Limit::MailQueue);
        ApiError::RetryAfter { code: ErrorCode::RateLimited, seconds: 60 }
    }
}

struct Job {
    message: Message,
    undo: Option<Undo>,
    /// Tries already made (by the request, for a text).
    tried: u32,
    /// One place of the capacity, given back when the job is done.
    _place: OwnedSemaphorePermit,
}

/// Where sends put their messages; cheap to share.
pub struct Queue {
    jobs: mpsc::Sender<Job>,
    store: Store,
    places: Arc<Semaphore>,
    capacity: usize,
    done: Arc<Notify>,
}

impl Queue {
    /// Starts the worker that sends email through `smtp` and texts through `sms`.
    pub fn start(
        smtp: Option<Arc<SmtpMailer>>,
        sms: Option<Arc<dyn SmsSender>>,
        store: Store,
        settings: DeliverySettings,
    ) -> Queue {
        let capacity = usize::try_from(settings.queue_capacity).unwrap_or(usize::MAX).max(1);
        let (jobs, mut waiting) = mpsc::channel::<Job>(capacity);
        let done = Arc::new(Notify::new());
        let worker = Worker { smtp, sms, store: store.clone(), settings, done: done.clone() };
        tokio::spawn(async move {
            let sending = Arc::new(Semaphore::new(CONCURRENT_SENDS));
            while let Some(job) = waiting.recv().await {
                let Ok(slot) = sending.clone().acquire_owned().await else { break };
                let worker = worker.clone();
                tokio::spawn(async move {
                    worker.deliver(job).await;
                    drop(slot);
                    worker.done.notify_waiters();
                });
            }
        });
        Queue { jobs, store, places: Arc::new(Semaphore::new(capacity)), capacity, done }
    }

    /// Queues a message; refused when `queue_capacity` messages wait already.
    pub fn push(&self, message: Message, undo: Option<Undo>) -> Result<(), QueueFull> {
        self.push_retry(message, undo, 0)
    }

    /// Queues a message `tried` times tried already: the worker waits the
    /// backoff before its next try, and makes only the tries left.
    pub fn push_retry(&self, message: Message, undo: Option<Undo>, tried: u32) -> Result<(), QueueFull> {
        let place = self.places.clone().try_acquire_owned().map_err(|_| QueueFull)?;
        // A place is held for every job in the channel, so it has room.
        self.jobs.try_send(Job { message, undo, tried, _place: place }).map_err(|_| QueueFull)
    }

    /// Takes a resend record back now (its message was refused).
    pub async fn undo_now(&self, undo: &Undo) {
        if let Err(e) = self.store.forget_code_sent(&undo.throttle_key, undo.sent_at).await {
            tracing::error!(error = %e, "could not undo the resend record of a refused message");
        }
    }

    /// How many messages wait or are in flight.
    pub fn pending(&self) -> usize {
        self.capacity - self.places.available_permits()
    }

    /// Resolves when no message waits or is in flight.
    pub async fn idle(&self) {
        loop {
            let done = self.done.notified();
            tokio::pin!(done);
            done.as_mut().enable();
            if self.pending() == 0 {
                return;
            }
            done.await;
        }
    }
}

#[derive(Clone)]
struct Worker {
    smtp: Option<Arc<SmtpMailer>>,
    sms: Option<Arc<dyn SmsSender>>,
    store: Store,
    settings: DeliverySettings,
    done: Arc<Notify>,
}

impl Worker {
    /// Tries a job until it goes out, is refused, or its tries are spent.
    async fn deliver(&self, job: Job) {
        let attempts = self.settings.attempts;
        let mut wait = self.settings.retry_backoff;
        for _ in 1..job.tried {
            wait = doubled(wait);
        }
        let (channel, kind) = (job.message.channel, job.message.kind());
        for attempt in job.tried + 1..=attempts {
            if attempt > 1 {
                tokio::time::sleep(wait).await;
                wait = doubled(wait);
            }
            match self.try_once(&job.message).await {
                Ok(()) => return telemetry::message(channel, kind, Sent::Delivered),
                Err(SmsError::Refused(status)) => {
                    tracing::error!(status, attempt, "the SMS provider refused a text; it is dropped");
                    telemetry::message(channel, kind, Sent::Failed);
                    break;
                }
                Err(SmsError::Failed(e)) if attempt < attempts => {
                    tracing::warn!(error = format!("{e:#}"), attempt, ?channel, "a send failed; trying again");
                }
                Err(SmsError::Failed(e)) => {
                    tracing::error!(
                        error = format!("{e:#}"),
                        attempt,
                        ?channel,
                        "a send failed; the message is dropped"
                    );
                    telemetry::message(channel, kind, Sent::Failed);
                }
            }
        }
        if let Some(undo) = job.undo
            && let Err(e) = self.store.forget_code_sent(&undo.throttle_key, undo.sent_at).await
        {
            tracing::error!(error = %e, "could not undo the resend record of a message that was dropped");
        }
    }

    /// One try, through the message's channel.
    async fn try_once(&self, message: &Message) -> Result<(), SmsError> {
        match (message.channel, &self.smtp, &self.sms) {
            (Channel::Email, Some(smtp), _) => smtp.send(message).await.map_err(SmsError::Failed),
            (Channel::Sms, _, Some(sms)) => sms.send(&message.to, &message.body).await,
            (channel, _, _) => Err(SmsError::Failed(anyhow::anyhow!("no sender for {channel:?}"))),
        }
    }
}

/// The next wait: twice this one, at most ten minutes.
fn doubled(wait: Duration) -> Duration {
    wait.saturating_mul(2).min(Duration::from_secs(600))
}
