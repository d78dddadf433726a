//! Delivery of codes and links: one [`Sender`], in front of the dev outbox,
//! SMTP and the SMS provider. A request never waits on a mail server: it
//! puts the message in the [`Queue`], whose worker sends it, with retries.
//!
//! - With `--dev`, every message (email and SMS) goes to the [`Outbox`],
//!   which `GET /v1/dev/outbox` lists, before the request answers; email
//!   also goes to SMTP when it is configured, and an SMTP failure is then
//!   only a warning.
//! - Without `--dev`, email goes to SMTP through the queue. A message that
//!   fails every try is logged and its code's resend record undone
//!   ([`queue`]); a full queue refuses the send (429).
//! - With `[delivery] sink_dir` (benchmarks only, off by default), every
//!   message is also written to a file there before the request answers
//!   ([`Sink`]).
//! - With `[sms]`, a text's first try is made before the request answers
//!   (it takes at most `[sms] timeout_seconds`): a provider's refusal (a
//!   4xx) is answered 422 `phone_delivery_failed` and its resend record
//!   undone; a failure for now (a 5xx, no answer) goes to the queue, which
//!   tries again after the backoff, and the request answers 200. Without
//!   `[sms]`, phone codes are off outside dev mode (`crate::environment`).
//! - Email without SMTP is dropped with a warning (the sink, when set,
//!   still has it).

mod outbox;
pub mod queue;
mod readiness;
pub mod sink;
pub mod sms;
mod smtp;

pub use outbox::Outbox;
pub use queue::{Queue, QueueFull, Undo};
pub use readiness::READINESS_TTL;
use readiness::Readiness;
pub use sink::Sink;
pub use smtp::SmtpMailer;

use crate::clock::Clock;
use crate::config::Config;
use crate::db::Store;
use crate::error::ApiError;
use crate::telemetry::{self, Sent};
use gatehouse_protocol::wire::{Channel, OutboxMessage};
use gatehouse_protocol::{ErrorCode, Field};
use sms::{SmsError, SmsSender};
use std::sync::Arc;

/// A message to one address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub to: String,
    pub channel: Channel,
    pub subject: String,
    /// The plain text (an email's `text/plain` part; a text message's
    /// words): what the dev outbox and the sink show.
    pub body: String,
    /// An email's `text/html` part (`crate::mail`); sent with the text as
    /// `multipart/alternative`.
    pub html: Option<String>,
    /// The code it carries, shown by the outbox.
    pub code: Option<String>,
    /// The link it carries, shown by the outbox.
    pub link: Option<String>,
}

impl Message {
    /// What it carries, as the metrics label it: `code`, `link` or `other` (an invitation).
    pub fn kind(&self) -> &'static str {
        match (&self.code, &self.link) {
            (Some(_), _) => "code",
            (None, Some(_)) => "link",
            (None, None) => "other",
        }
    }

    /// The copy the dev outbox and the bench sink keep, sent at `sent_at` (ms).
    pub fn kept(&self, sent_at: i64) -> OutboxMessage {
        OutboxMessage {
            to: self.to.clone(),
            channel: self.channel,
            subject: self.subject.clone(),
            body: self.body.clone(),
            code: self.code.clone(),
            link: self.link.clone(),
            sent_at,
        }
    }
}

/// Sends messages wherever this instance delivers them.
pub struct Sender {
    outbox: Option<Outbox>,
    sink: Option<Sink>,
    /// The worker behind SMTP and the SMS provider; `None` without either.
    queue: Option<Queue>,
    has_smtp: bool,
    sms: Option<Arc<dyn SmsSender>>,
    clock: Arc<dyn Clock>,
    /// `/readyz`'s view of the mail server, when there is one.
    mail_check: Option<Readiness>,
}

/// Why a message was not taken.
#[derive(Debug, PartialEq, Eq)]
pub enum NotSent {
    /// The queue is full (429 `rate_limited`).
    QueueFull,
    /// The SMS provider refused the text (422 `phone_delivery_failed`).
    PhoneRefused,
}

impl From<NotSent> for ApiError {
    fn from(not_sent: NotSent) -> Self {
        match not_sent {
            NotSent::QueueFull => QueueFull.into(),
            NotSent::PhoneRefused => ApiError::field(ErrorCode::PhoneDeliveryFailed, Field::PhoneNumber),
        }
    }
}

impl Sender {
    /// The sender for these settings; `dev` turns the outbox on. With SMTP,
    /// it starts the queue's worker (`store` is where it undoes a resend
    /// record). With `[delivery] sink_dir`, it makes that directory.
    pub fn new(config: &Config, dev: bool, clock: Arc<dyn Clock>, store: Store) -> anyhow::Result<Sender> {
        let mailer = config.smtp.as_ref().map(SmtpMailer::new).transpose()?.map(Arc::new);
        let has_smtp = mailer.is_some();
        let sms = config.sms.as_ref().map(sms::from_config).transpose()?;
        let queue = (mailer.is_some() || sms.is_some())
            .then(|| Queue::start(mailer.clone(), sms.clone(), store, config.delivery.clone()));
        let outbox = dev.then(Outbox::default);
        let sink = config.delivery.sink_dir.as_deref().map(Sink::open).transpose()?;
        if !dev && !has_smtp && sink.is_none() {
            tracing::warn!("no [smtp] in the config and not in dev mode: email codes cannot be delivered");
        }
        let mail_check = mailer.map(Readiness::new);
        Ok(Sender { outbox, sink, queue, has_smtp, sms, clock, mail_check })
    }

    /// The dev outbox, when the server runs with `--dev`.
    pub fn outbox(&self) -> Option<&Outbox> {
        self.outbox.as_ref()
    }

    /// Delivers a message: into the outbox at once (`--dev`), into the sink
    /// (`sink_dir`), and to SMTP (queued) or the SMS provider (first try
    /// now, retries queued). `undo` is the resend record to take back if
    /// the message never leaves. Fails only when nothing else took the
    /// message and the queue is full or the SMS provider refused it; the
    /// record is then undone at once.
    pub async fn send(&self, message: Message, undo: Option<Undo>) -> Result<(), NotSent> {
        let now = self.clock.now_ms();
        let kind = message.kind();
        let in_outbox = self.outbox.as_ref().map(|o| o.push(&message, now)).is_some();
        let in_sink = match &self.sink {
            Some(sink) => match sink.write(&message, now) {
                Ok(()) => true,
                Err(e) => {
                    tracing::error!(error = format!("{e:#}"), "the delivery sink could not keep a message");
                    false
                }
            },
            None => false,
        };
        let kept = in_outbox || in_sink;
        if kept {
            telemetry::message(message.channel, kind, Sent::Kept);
        }
        let queue = self.queue.as_ref();
        let channel = message.channel;
        let result = match (channel, queue, self.sms.as_deref()) {
            (Channel::Email, Some(queue), _) if self.has_smtp => {
                queue.push(message, undo.clone().filter(|_| !kept)).map_err(|_| NotSent::QueueFull)
            }
            (Channel::Sms, Some(queue), Some(sms)) => {
                self.text(sms, queue, message, kind, undo.clone().filter(|_| !kept)).await
            }
            (channel, _, _) => {
                if !kept {
                    tracing::warn!(?channel, "no way to deliver this message: dropped");
                    telemetry::message(channel, kind, Sent::Dropped);
                }
                Ok(())
            }
        };
        match result {
            // The outbox or the sink has it: the provider failing is only a warning.
            Err(not_sent) if kept => {
                tracing::warn!(?not_sent, "a message was not sent; the outbox or sink has it");
                Ok(())
            }
            Err(not_sent) => {
                if not_sent == NotSent::QueueFull {
                    telemetry::message(channel, kind, Sent::Refused);
                }
                if let (Some(undo), Some(queue)) = (undo, queue) {
                    queue.undo_now(&undo).await;
                }
                Err(not_sent)
            }
            Ok(()) => Ok(()),
        }
    }

    /// A text's first try, now; a failure for now goes to the queue with
    /// that try counted. A text the provider takes or refuses here is
    /// counted here (`channel="sms"`); one that goes to the queue is
    /// counted by the worker.
    async fn text(
        &self,
        sms: &dyn SmsSender,
        queue: &Queue,
        message: Message,
        kind: &'static str,
        undo: Option<Undo>,
    ) -> Result<(), NotSent> {
        match sms.send(&message.to, &message.body).await {
            Ok(()) => {
                telemetry::message(Channel::Sms, kind, Sent::Delivered);
                Ok(())
            }
            Err(SmsError::Refused(status)) => {
                tracing::warn!(status, "the SMS provider refused a text: answered phone_delivery_failed");
                telemetry::message(Channel::Sms, kind, Sent::Failed);
                Err(NotSent::PhoneRefused)
            }
            Err(SmsError::Failed(e)) => {
                tracing::warn!(
                    error = format!("{e:#}"),
                    attempt = 1,
                    "an SMS send failed; trying again from the queue"
                );
                queue.push_retry(message, undo, 1).map_err(|_| NotSent::QueueFull)
            }
        }
    }

    /// Whether the mail server answers (`/readyz`); `None` without SMTP.
    /// The answer is kept [`READINESS_TTL`], so probes cannot make the
    /// server open a connection per request.
    pub async fn mail_ready(&self) -> Option<Result<(), String>> {
        Some(self.mail_check.as_ref()?.check().await)
    }

    /// How many messages wait in the mail queue or are in flight.
    pub fn pending(&self) -> usize {
        self.queue.as_ref().map_or(0, Queue::pending)
    }

    /// Resolves when no message waits in the mail queue or is in flight.
    pub async fn idle(&self) {
        if let Some(queue) = &self.queue {
            queue.idle().await;
        }
    }
}
