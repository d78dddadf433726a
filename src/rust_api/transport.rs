//! The Rust API's one HTTP helper, over `gloo-net`: the frontend API's
//! requests as [`crate::flow`] and [`crate::sign_in`] build them, with the
//! token mode's credentials, read into the serde wire types.
//!
//! As the JS SDK's `fetch.rs`: in cookie mode every request says
//! `credentials: "include"` (the browser sends the client cookie and the
//! page's `Origin`, which the server checks against `allowed_origins`); in
//! bearer mode it says `Gatehouse-Token-Mode: bearer`, sends the kept
//! token and keeps the one an answer's `Gatehouse-Client` hands out. Every
//! write says JSON. A `client_token_replaced` answer (another tab's request
//! replaced the token a moment ago) is sent again once, after 80 ms.

use super::{Error, Result};
use crate::fetch::Method;
use crate::flow::Request;
use gatehouse_protocol::wire::ErrorBody;
use gatehouse_protocol::ErrorCode;
use gloo_net::http::{Request as Http, RequestBuilder};
use gloo_timers::future::TimeoutFuture;
use serde::de::DeserializeOwned;
use std::cell::RefCell;
use web_sys::{AbortSignal, RequestCredentials};

/// How long to wait before sending again: the replacing answer is arriving.
const PAUSE_MS: u32 = 80;

/// Where the API is and how this browser proves who it is.
pub(super) struct Transport {
    /// `frontend_api` without a trailing slash.
    base: String,
    bearer: bool,
    /// Bearer mode: the client token from the last `Gatehouse-Client`.
    token: RefCell<Option<String>>,
}

impl Transport {
    pub fn new(base: &str, bearer: bool) -> Self {
        Transport { base: base.trim_end_matches('/').into(), bearer, token: RefCell::new(None) }
    }

    /// Sends `request` (aborted by `signal`) and reads its 2xx answer as
    /// `T`, or its error.
    pub async fn send<T: DeserializeOwned>(&self, request: &Request, signal: Option<&AbortSignal>) -> Result<T> {
        match self.send_once(request, signal).await {
            Err(e) if e.code == ErrorCode::ClientTokenReplaced => {
                TimeoutFuture::new(PAUSE_MS).await;
                self.send_once(request, signal).await
            }
            answer => answer,
        }
    }

    async fn send_once<T: DeserializeOwned>(&self, request: &Request, signal: Option<&AbortSignal>) -> Result<T> {
        let url = format!("{}{}", self.base, request.path);
        let mut builder = match request.method {
            Method::Get => Http::get(&url),
            Method::Post => Http::post(&url),
            Method::Patch => Http::patch(&url),
            Method::Delete => Http::delete(&url),
        }
        .abort_signal(signal);
        if request.method != Method::Get {
            builder = builder.header("Content-Type", "application/json");
        }
        builder = self.authorize(builder);
        let built = match &request.body {
            Some(body) => builder.body(crate::bindings::stringify(body)),
            None => builder.build(),
        };
        let response = built.map_err(|_| Error::network())?.send().await.map_err(|_| Error::network())?;
        let (status, headers) = (response.status(), response.headers());
        if let Some(token) = headers.get("Gatehouse-Client").filter(|_| self.bearer) {
            *self.token.borrow_mut() = Some(token);
        }
        let retry_after = headers.get("Retry-After").and_then(|s| s.trim().parse().ok());
        let text = response.text().await.map_err(|_| Error::network())?;
        let invalid = || Error::response_invalid(status, retry_after);
        if (200..300).contains(&status) {
            return serde_json::from_str(&text).map_err(|_| invalid());
        }
        let body = serde_json::from_str::<ErrorBody>(&text).ok().filter(|_| status >= 400);
        Err(body.and_then(|b| Error::from_body(b, status, retry_after)).unwrap_or_else(invalid))
    }

    /// The token mode's credentials on a request.
    fn authorize(&self, builder: RequestBuilder) -> RequestBuilder {
        if !self.bearer {
            return builder.credentials(RequestCredentials::Include);
        }
        let builder = builder.credentials(RequestCredentials::Omit).header("Gatehouse-Token-Mode", "bearer");
        match self.token.borrow().as_deref() {
            Some(token) => builder.header("Authorization", &format!("Bearer {token}")),
            None => builder,
        }
    }
}
