//! Delivery of codes and links: one [`Sender`], in front of the dev outbox
//! and SMTP.
//!
//! - With `--dev`, every message (email and SMS) goes to the [`Outbox`],
//!   which `GET /v1/dev/outbox` lists; email also goes to SMTP when it is
//!   configured, and an SMTP failure is then only a warning.
//! - Without `--dev`, email goes to SMTP, and a failure is an error the
//!   request reports as `internal_error`.
//! - Gatehouse has no SMS provider yet: outside dev mode an SMS is dropped
//!   with a warning (the server also warns at start when `phone_code` is on).
//!   The same holds for email when no SMTP is configured.

mod outbox;
mod smtp;

pub use outbox::Outbox;
pub use smtp::SmtpMailer;

use crate::clock::Clock;
use crate::config::Config;
use gatehouse_protocol::wire::Channel;
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

/// Sends messages wherever this instance delivers them.
pub struct Sender {
    outbox: Option<Outbox>,
    smtp: Option<SmtpMailer>,
    clock: Arc<dyn Clock>,
}

impl Sender {
    /// The sender for these settings; `dev` turns the outbox on.
    pub fn new(config: &Config, dev: bool, clock: Arc<dyn Clock>) -> anyhow::Result<Sender> {
        let smtp = config.smtp.as_ref().map(SmtpMailer::new).transpose()?;
        let outbox = dev.then(Outbox::default);
        if !dev && smtp.is_none() {
            tracing::warn!("no [smtp] in the config and not in dev mode: email codes cannot be delivered");
        }
        let phone = &config.attributes.phone_number;
        if !dev && phone.enabled && !phone.verification_strategies.is_empty() {
            tracing::warn!("phone_code is on but Gatehouse has no SMS provider yet: SMS codes will be dropped");
        }
        Ok(Sender { outbox, smtp, clock })
    }

    /// The dev outbox, when the server runs with `--dev`.
    pub fn outbox(&self) -> Option<&Outbox> {
        self.outbox.as_ref()
    }

    /// Delivers a message. Fails only when nothing could take it.
    pub async fn send(&self, message: Message) -> anyhow::Result<()> {
        let in_outbox = self.outbox.as_ref().map(|o| o.push(&message, self.clock.now_ms())).is_some();
        match (message.channel, &self.smtp) {
            (Channel::Email, Some(smtp)) => match smtp.send(&message).await {
                Ok(()) => {}
                Err(e) if in_outbox => tracing::warn!(error = format!("{e:#}"), "SMTP failed; the message is in the outbox"),
                Err(e) => return Err(e),
            },
            (channel, _) if !in_outbox => {
                tracing::warn!(?channel, "no way to deliver this message: dropped");
            }
            _ => {}
        }
        Ok(())
    }
}
