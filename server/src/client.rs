//! The client: who is calling, by cookie or bearer token.
//!
//! [`resolve`] runs on every `/v1/client` route. It reads the token from
//! `Authorization: Bearer` (bearer mode) or the `__gh_client` cookie, and
//! makes a new client when there is none or the token is unknown. Every
//! answer carries the token in `Gatehouse-Client`; in cookie mode the
//! cookie is set again too (`Secure` when the request came over https, as
//! told by `X-Forwarded-Proto` from the proxy in front).

use crate::error::ApiError;
use crate::ids;
use crate::state::AppState;
use axum::Json;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use gatehouse_protocol::wire::{Client, Envelope};

/// The cookie that carries the client token.
pub const COOKIE: &str = "__gh_client";
/// The response header that carries the client token.
pub const HEADER: HeaderName = HeaderName::from_static("gatehouse-client");
const COOKIE_MAX_AGE_SECONDS: u32 = 365 * 24 * 60 * 60;

/// The client of the current request.
#[derive(Clone, Debug)]
pub struct CurrentClient {
    pub id: String,
    token: String,
    bearer: bool,
}

/// Middleware: finds or makes the client, and hands its token back.
pub async fn resolve(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let client = match find_or_create(&state, req.headers()).await {
        Ok(client) => client,
        Err(e) => return e.into_response(),
    };
    req.extensions_mut().insert(client.clone());
    let https = crate::origin::forwarded_https(req.headers());
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&client.token) {
        headers.insert(HEADER, value);
    }
    if !client.bearer {
        let secure = if https { "; Secure" } else { "" };
        let cookie = format!(
            "{COOKIE}={}; Path=/; Max-Age={COOKIE_MAX_AGE_SECONDS}; HttpOnly; SameSite=Lax{secure}",
            client.token
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            headers.append(header::SET_COOKIE, value);
        }
    }
    response
}

async fn find_or_create(state: &AppState, headers: &HeaderMap) -> Result<CurrentClient, ApiError> {
    let bearer = bearer_token(headers);
    let presented = bearer.or_else(|| cookie_token(headers));
    if let Some(token) = presented
        && let Some(id) = state.store.client_by_token(&ids::token_hash(token)).await?
    {
        return Ok(CurrentClient { id, token: String::from(token), bearer: bearer.is_some() });
    }
    let (id, token) = (ids::new_id("client"), ids::new_token());
    state.store.create_client(&id, &ids::token_hash(&token), state.now()).await?;
    Ok(CurrentClient { id, token, bearer: bearer.is_some() })
}

pub(crate) fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

fn cookie_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == COOKIE && !value.is_empty())
        .map(|(_, value)| value)
}

/// The client whose cookie a browser sent, without making one: a browser
/// that opens an email link may have none. A failed lookup counts as none.
pub async fn from_cookie(state: &AppState, headers: &HeaderMap) -> Option<String> {
    let token = cookie_token(headers)?;
    match state.store.client_by_token(&ids::token_hash(token)).await {
        Ok(id) => id,
        Err(e) => {
            tracing::error!(error = %e, "looking up the client of a cookie");
            None
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentClient {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<CurrentClient>()
            .cloned()
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("route without the client middleware")))
    }
}

/// Wraps a resource with the client, as every `/v1/client` answer is.
pub async fn envelope<T>(state: &AppState, client: &CurrentClient, response: T) -> Result<Json<Envelope<T>>, ApiError> {
    let client = state.store.client(&client.id, state.now()).await?;
    Ok(Json(Envelope { response, client }))
}

/// `GET /v1/client`.
pub async fn show(State(state): State<AppState>, client: CurrentClient) -> Result<Json<Envelope<Client>>, ApiError> {
    let resource = state.store.client(&client.id, state.now()).await?;
    Ok(Json(Envelope { response: resource.clone(), client: resource }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_read_from_bearer_then_cookie() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; __gh_client=tok123; b=2"));
        assert_eq!(cookie_token(&h), Some("tok123"));
        assert_eq!(bearer_token(&h), None);
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer  xyz "));
        assert_eq!(bearer_token(&h), Some("xyz"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic xyz"));
        assert_eq!(bearer_token(&h), None);
    }
}
