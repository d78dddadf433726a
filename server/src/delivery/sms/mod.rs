//! Texts to phones: the [`SmsSender`] trait and its two providers, a
//! Twilio-compatible Messages API ([`twilio`]) and a signed JSON webhook
//! ([`webhook`]), both over one [`HttpClient`].
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
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::body::Bytes;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
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
    let client = HttpClient::new(Duration::from_secs(config.timeout_seconds))?;
    Ok(match &config.provider {
        SmsProvider::Twilio { base_url, account_sid, auth_token, from } => {
            Arc::new(twilio::Twilio::new(client, base_url, account_sid, auth_token.clone(), from.clone()))
        }
        SmsProvider::Webhook { url, signing_secret } => {
            Arc::new(webhook::Webhook::new(client, url, signing_secret.clone()))
        }
    })
}

/// The HTTP client both providers post with: HTTP/1.1 over rustls (ring,
/// the webpki roots) or plain HTTP, no redirects followed (a provider's URL
/// is the operator's and stays the one called), `timeout` for the whole
/// exchange.
#[derive(Clone)]
pub struct HttpClient {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
}

impl HttpClient {
    pub fn new(timeout: Duration) -> anyhow::Result<HttpClient> {
        let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .context("TLS versions")?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(timeout));
        let connector =
            HttpsConnectorBuilder::new().with_tls_config(tls).https_or_http().enable_http1().wrap_connector(http);
        Ok(HttpClient { client: Client::builder(TokioExecutor::new()).build(connector), timeout })
    }

    /// POSTs `body` to `url` with these headers, and classifies the answer.
    pub async fn post(&self, url: &str, headers: &[(&str, String)], body: Vec<u8>) -> Result<(), SmsError> {
        match self.post_status(url, headers, body).await {
            Ok(status) => outcome(status),
            Err(e) => Err(SmsError::Failed(e.context("the SMS provider"))),
        }
    }

    /// POSTs `body` to `url` with these headers; answers the status (the
    /// webhooks' worker classifies it itself), or why there was none.
    pub async fn post_status(&self, url: &str, headers: &[(&str, String)], body: Vec<u8>) -> anyhow::Result<u16> {
        let mut request = Request::post(url);
        for (name, value) in headers {
            request = request.header(*name, value.as_str());
        }
        let request = request.body(Full::new(Bytes::from(body)))?;
        let exchange = async {
            let response = self.client.request(request).await?;
            let status = response.status();
            // Read the (small) answer so the connection can be reused.
            let _ = http_body_util::Limited::new(response.into_body(), 64 * 1024).collect().await;
            anyhow::Ok(status.as_u16())
        };
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(answered) => answered,
            Err(_) => Err(anyhow::anyhow!("no answer in {:?}", self.timeout)),
        }
    }
}

/// What a provider's status means: 2xx sent, 4xx (but 408 and 429)
/// refused, anything else worth another try.
pub fn outcome(status: u16) -> Result<(), SmsError> {
    if (200..300).contains(&status) {
        return Ok(());
    }
    if (400..500).contains(&status) && status != 408 && status != 429 {
        if matches!(status, 401 | 403 | 404) {
            tracing::error!(status, "the SMS provider refused our credentials or URL: check [sms]");
        }
        return Err(SmsError::Refused(status));
    }
    Err(SmsError::Failed(anyhow::anyhow!("the SMS provider answered {status}")))
}
