//! Delivery of codes and links: one [`Sender`], in front of the dev outbox
//! and SMTP. A request never waits on a mail server: it puts the message
//! in the [`Queue`], whose worker sends it, with retries.
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
//! - Gatehouse has no SMS provider yet: outside dev mode an SMS is dropped
//!   with a warning (the server also warns at start when `phone_code` is on).
//!   The same holds for email when no SMTP is configured (the sink, when
//!   set, still has it).

mod outbox;
pub mod queue;
mod readiness;
pub mod sink;
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
use crate::telemetry::{self, Sent};
use gatehouse_protocol::wire::{Channel, OutboxMessage};
use std::sync::Arc;

/// A message to one address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub to: String,
    pub channel: Channel,
    pub subject: String,
    pub body: String,
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
    smtp: Option<Queue>,
    clock: Arc<dyn Clock>,
    /// `/readyz`'s view of the mail server, when there is one.
    mail_check: Option<Readiness>,
}

impl Sender {
    /// The sender for these settings; `dev` turns the outbox on. With SMTP,
    /// it starts the queue's worker (`store` is where it undoes a resend
    /// record). With `[delivery] sink_dir`, it makes that directory.
    pub fn new(config: &Config, dev: bool, clock: Arc<dyn Clock>, store: Store) -> anyhow::Result<Sender> {
        let mailer = config.smtp.as_ref().map(SmtpMailer::new).transpose()?.map(Arc::new);
        let smtp = mailer.clone().map(|mailer| Queue::start(mailer, store, config.delivery.clone()));
        let outbox = dev.then(Outbox::default);
        let sink = config.delivery.sink_dir.as_deref().map(Sink::open).transpose()?;
        if !dev && smtp.is_none() && sink.is_none() {
            tracing::warn!("no [smtp] in the config and not in dev mode: email codes cannot be delivered");
        }
        let phone = &config.attributes.phone_number;
        if !dev && phone.enabled && !phone.verification_strategies.is_empty() {
            tracing::warn!("phone_code is on but Gatehouse has no SMS provider yet: SMS codes will be dropped");
        }
        let mail_check = mailer.map(Readiness::new);
        Ok(Sender { outbox, sink, smtp, clock, mail_check })
    }

    /// The dev outbox, when the server runs with `--dev`.
    pub fn outbox(&self) -> Option<&Outbox> {
        self.outbox.as_ref()
    }

    /// Delivers a message: into the outbox at once (`--dev`), into the sink
    /// (`sink_dir`), and into the mail queue. `undo` is the resend record to
    /// take back if the message never leaves. Fails only when the queue is
    /// full and nothing else took the message; the record is then undone at
    /// once.
    pub async fn send(&self, message: Message, undo: Option<Undo>) -> Result<(), QueueFull> {
        let now = self.clock.now_ms();
        let kind = message.kind();
        let in_outbox = self.outbox.as_ref().map(|o| o.push(&message, now)).is_some();
        let in_sink = match &self.sink {
            Some(sink) => match sink.write(&message, now).await {
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
        match (message.channel, &self.smtp) {
            // The outbox or the sink has it: SMTP failing is only a warning.
            (Channel::Email, Some(queue)) => match queue.push(message, undo.clone().filter(|_| !kept)) {
                Ok(()) => {}
                Err(QueueFull) if kept => tracing::warn!("the mail queue is full; the outbox or sink has the message"),
                Err(QueueFull) => {
                    telemetry::message(Channel::Email, kind, Sent::Refused);
                    if let Some(undo) = undo {
                        queue.undo_now(&undo).await;
                    }
                    return Err(QueueFull);
                }
            },
            (channel, _) if !kept => {
                tracing::warn!(?channel, "no way to deliver this message: dropped");
                telemetry::message(channel, kind, Sent::Dropped);
            }
            _ => {}
        }
        Ok(())
    }

    /// Whether the mail server answers (`/readyz`); `None` without SMTP.
    /// The answer is kept [`READINESS_TTL`], so probes cannot make the
    /// server open a connection per request.
    pub async fn mail_ready(&self) -> Option<Result<(), String>> {
        Some(self.mail_check.as_ref()?.check().await)
    }

    /// How many messages wait in the mail queue or are in flight.
    pub fn pending(&self) -> usize {
        self.smtp.as_ref().map_or(0, Queue::pending)
    }

    /// Resolves when no message waits in the mail queue or is in flight.
    pub async fn idle(&self) {
        if let Some(queue) = &self.smtp {
            queue.idle().await;
        }
    }
}
