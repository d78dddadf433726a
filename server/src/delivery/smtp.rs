//! Email over SMTP, through lettre: `multipart/alternative` (plain text
//! and HTML) when the message has HTML, else plain text.

use super::Message;
use crate::config::{Smtp, SmtpTls};
use anyhow::Context;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::time::Duration;

/// An SMTP relay and the sender address.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    /// A mailer for `[smtp]`; it connects on each send.
    pub fn new(config: &Smtp) -> anyhow::Result<SmtpMailer> {
        let host = config.host.as_str();
        let builder = match config.tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
            SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)?,
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)?,
        };
        let mut builder = builder.port(config.port).timeout(Some(Duration::from_secs(10)));
        if let (Some(user), Some(password)) = (&config.username, &config.password) {
            builder = builder.credentials(Credentials::new(user.clone(), String::from(password.expose())));
        }
        let from = config.from.parse().context("smtp.from")?;
        Ok(SmtpMailer { transport: builder.build(), from })
    }

    /// Connects, greets and quits: whether the relay answers (`/readyz`).
    pub async fn check(&self) -> anyhow::Result<()> {
        match self.transport.test_connection().await.context("SMTP")? {
            true => Ok(()),
            false => anyhow::bail!("the SMTP server did not answer NOOP"),
        }
    }

    /// Sends one email.
    pub async fn send(&self, message: &Message) -> anyhow::Result<()> {
        let to: Mailbox = message.to.parse().context("recipient address")?;
        let builder = lettre::Message::builder().from(self.from.clone()).to(to).subject(message.subject.as_str());
        let email = match &message.html {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(message.body.clone(), html.clone())),
            None => builder.header(ContentType::TEXT_PLAIN).body(message.body.clone()),
        }
        .context("building the email")?;
        self.transport.send(email).await.context("SMTP")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mailer_builds_for_every_tls_mode() {
        for (tls, port) in [(SmtpTls::None, 25), (SmtpTls::Starttls, 587), (SmtpTls::Tls, 465)] {
            let config = Smtp {
                host: String::from("mail.example.com"),
                port,
                from: String::from("Gatehouse <no-reply@example.com>"),
                tls,
                username: Some(String::from("user")),
                password: Some(crate::config::Secret::new(String::from("pw"))),
            };
            assert!(SmtpMailer::new(&config).is_ok(), "{tls:?}");
        }
    }
}
