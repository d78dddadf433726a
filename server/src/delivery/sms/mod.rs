//! Texts to phones: the [`SmsSender`] trait and its two providers, a
//! Twilio-compatible Messages API ([`twilio`]) and a signed JSON webhook
//! ([`webhook`]), both over one HTTP client ([`http_client`]).
//!
//! A send ends in one of three ways: sent; [`SmsError::Refused`], when the
//! provider answers 4xx (but 408 and 429): the number or the request is
//! wrong and trying again will not help, so the person is told
//! (`phone_delivery_failed`); or [`SmsError::Failed`] (a 5xx, 408, 429, a
//! timeout, no connection), which the queue retries.

pub mod twilio;
pub mod webhook;

use crate::config::{Sms, SmsProvider};
use anyhow::Context;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// Why a text did not go out.
#[derive(Debug)]
pub enum SmsError {
    /// The provider refused it for good (a 4xx); its status.
    Refused(u16),
    /// It may go out on a later try.
    Failed(anyhow::Error),
}

impl std::fmt::Display for SmsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SmsError::Refused(status) => write!(f, "the SMS provider refused the text ({status})"),
            SmsError::Failed(e) => write!(f, "{e:#}"),
        }
    }
}

/// The future a send answers.
pub type Sending<'a> = Pin<Box<dyn Future<Output = Result<(), SmsError>> + Send + 'a>>;

/// Something that texts `body` to the number `to`.
pub trait SmsSender: Send + Sync {
    fn send<'a>(&'a self, to: &'a str, body: &'a str) -> Sending<'a>;
}

/// The sender `[sms]` configures.
pub fn from_config(config: &Sms) -> anyhow::Result<Arc<dyn SmsSender>> {
    let client = http_client(Duration::from_secs(config.timeout_seconds))?;
    Ok(match &config.provider {
        SmsProvider::Twilio { base_url, account_sid, auth_token, from } => {
            Arc::new(twilio::Twilio::new(client, base_url, account_sid, auth_token.clone(), from.clone()))
        }
        SmsProvider::Webhook { url, signing_secret } => {
            Arc::new(webhook::Webhook::new(client, url, signing_secret.clone()))
        }
    })
}

/// An HTTP client for a provider: TLS through rustls with ring and the
/// webpki roots, no redirects followed (a provider's URL is the operator's
/// and stays the one called), `timeout` for the whole exchange.
pub fn http_client(timeout: Duration) -> anyhow::Result<reqwest::Client> {
    let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .context("TLS versions")?
        .with_root_certificates(roots)
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!("gatehouse/", env!("CARGO_PKG_VERSION")))
        .build()
        .context("building the SMS HTTP client")
}

/// What a provider's answer means: 2xx sent, 4xx (but 408 and 429)
/// refused, anything else worth another try.
pub fn outcome(response: Result<reqwest::Response, reqwest::Error>) -> Result<(), SmsError> {
    let response =
        response.map_err(|e| SmsError::Failed(anyhow::Error::new(e.without_url()).context("the SMS provider")))?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let code = status.as_u16();
    if status.is_client_error() && code != 408 && code != 429 {
        if matches!(code, 401 | 403 | 404) {
            tracing::error!(status = code, "the SMS provider refused our credentials or URL: check [sms]");
        }
        return Err(SmsError::Refused(code));
    }
    Err(SmsError::Failed(anyhow::anyhow!("the SMS provider answered {code}")))
}
