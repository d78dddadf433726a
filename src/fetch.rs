//! The one HTTP helper: sends a request to the frontend API with the token
//! mode's credentials, keeps the bearer token, and turns the answer into
//! its parsed JSON or an [`Error`].
//!
//! Built on `web-sys` `fetch` (the global one, so it also runs in workers);
//! a later `AbortSignal` plugs into [`RequestInit::set_signal`].

use alloc::string::String;
use crate::decode;
use crate::params::join;
use crate::error::{Error, Result};
use core::cell::RefCell;
use js_sys::{Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestCredentials, RequestInit, Response};

#[wasm_bindgen]
extern "C" {
    /// `globalThis.fetch`, looked up at call time.
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(url: &str, init: &RequestInit) -> Promise;
}

/// The HTTP methods the frontend API uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Patch,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
        }
    }
}

/// Where the API is and how this browser proves who it is.
#[derive(Debug)]
pub struct Transport {
    /// `frontendApi` without a trailing slash.
    base: String,
    /// Bearer mode: send the kept token; cookie mode: send cookies.
    bearer: bool,
    /// The client token from the last `Gatehouse-Client` header (bearer mode).
    token: RefCell<Option<String>>,
}

impl Transport {
    pub fn new(base: &str, bearer: bool) -> Self {
        let mut base = String::from(base);
        while base.ends_with('/') {
            base.pop();
        }
        Transport { base, bearer, token: RefCell::new(None) }
    }

    /// Sends one request; answers the status and parsed JSON of a 2xx
    /// answer, or the error the answer carries.
    pub async fn send(&self, method: Method, path: &str, body: Option<String>) -> Result<(u16, JsValue)> {
        let init = RequestInit::new();
        init.set_method(method.as_str());
        let headers = JsValue::from(Object::new());
        if let Some(body) = body {
            decode::set(&headers, "Content-Type", &"application/json".into());
            init.set_body(&JsValue::from_str(&body));
        }
        if self.bearer {
            init.set_credentials(RequestCredentials::Omit);
            if let Some(token) = self.token.borrow().as_deref() {
                decode::set(&headers, "Authorization", &join(&["Bearer ", token]).into());
            }
        } else {
            init.set_credentials(RequestCredentials::Include);
        }
        init.set_headers(&headers);

        let url = join(&[&self.base, path]);
        let answer = JsFuture::from(global_fetch(&url, &init)).await.map_err(|_| Error::network())?;
        let response: Response = answer.dyn_into().map_err(|_| Error::network())?;
        let status = response.status();
        let headers = response.headers();
        if self.bearer {
            if let Ok(Some(token)) = headers.get("Gatehouse-Client") {
                *self.token.borrow_mut() = Some(token);
            }
        }
        let retry_after = headers.get("Retry-After").ok().flatten().and_then(|s| s.trim().parse::<u32>().ok());
        let json = match response.json() {
            Ok(promise) => JsFuture::from(promise).await.ok(),
            Err(_) => None,
        };
        match json {
            Some(json) if (200..300).contains(&status) => Ok((status, json)),
            Some(json) if status >= 400 => Err(match decode::error_items(&json) {
                Some(errors) => Error { errors, status, retry_after },
                None => Error::response_invalid(status, retry_after),
            }),
            _ => Err(Error::response_invalid(status, retry_after)),
        }
    }
}
