//! The client: who is calling, by cookie or bearer token.
//!
//! [`resolve`] runs on every `/v1/client` route. It reads the token from
//! `Authorization: Bearer` (bearer mode) or the client cookie, and finds
//! the client it belongs to, unless that client has expired: unused for
//! `[client] idle_timeout_seconds`, or older than `max_lifetime_seconds`.
//!
//! **Stored on first change.** A request without a known token gets a
//! client that is not stored (an empty one with a fresh id, for reads:
//! no sign-up, no sessions, and its id means nothing); only starting a
//! sign-up or a sign-in (`POST /v1/client/sign_ups`, `/sign_ins`) stores
//! it and issues its token. So `GET /v1/client` from anyone creates no row.
//! A sign-up stores it in the sign-up's own transaction ([`TokenSlot`]):
//! a create that fails stores no client and issues no token.
//!
//! **Where the token goes.** A token is handed out only when it is issued
//! (a new client, or a replacement), never echoed: answers racing a
//! replacement cannot put an old token back. In cookie mode it goes only in
//! the HttpOnly cookie; no header or body JavaScript can read carries it.
//! Only bearer-mode requests (`Authorization: Bearer`, or
//! `Gatehouse-Token-Mode: bearer` before the SDK has a token) get it in the
//! `Gatehouse-Client` header (or, on a bearer-mode event stream, in the
//! event that shows the completed sign-up: `crate::sign_up::stream`). The cookie is `__Host-gh_client` (`Secure`,
//! `Path=/`, no `Domain`) when the public origin is https, `__gh_client`
//! over plain http; https is decided by the configured public origin, never
//! a request header. A request that carries the cookie twice (a sibling
//! subdomain can plant a second one) answers 400 `client_cookie_duplicate`.
//!
//! **Replaced on sign-in and sign-out (no fixation).** Creating a session
//! (a sign-up or sign-in completes) and signing out mark the client's
//! token due for replacement (`clients.token_rotate_due`). The request that
//! did it replaces the token as it answers, so the old token never sees
//! the session (a sign-up's change replaces it in its own transaction,
//! committed with the session). An email link completes a sign-up in whatever browser
//! opened the link, a request that is not the client's own. Confirmed in
//! the browser that signed up (its client cookie is the sign-up's client),
//! the confirmation replaces the token in its own transaction and its 303
//! sets the new cookie, so the browser that holds the link gets it, not
//! whichever holder of the old token asks first (`crate::verify`; the
//! waiting stream's `__gh_wait` cookie, [`WAIT_COOKIE`], lets that
//! browser's stream show the session: `crate::sign_up::stream`). Confirmed
//! in another browser, the token is replaced at the client's next request
//! (the waiting tab's next poll), which gets the new token while the old
//! one finds nothing from then on. The replacement is a conditional
//! update, so of two racing requests exactly one issues the new token.
//!
//! **The other tab's old cookie.** Tabs share the cookie, so another tab's
//! request can be in flight with the old token while the replacing answer
//! sets the new one (the landing page of a link loads the client as the
//! waiting tab's reload replaces the token). Taken as an unknown token, it
//! would get an empty client, and that page would think it is signed out;
//! a start of a sign-up or sign-in would even store a new client and
//! overwrite the new cookie. So the client keeps the previous token's hash
//! and when it was replaced (`clients.previous_token_hash`,
//! `token_replaced_at`), and for [`REPLACED_TOKEN_WINDOW_MS`] a request
//! with that token answers 409 `client_token_replaced`, with no client in
//! it: the old token still sees nothing, and the SDK sends the request
//! again, with the cookie the browser has by then. After the window the old
//! token is unknown, like any other.

use crate::db::ClientToken;
use crate::device::Device;
use crate::error::ApiError;
use crate::ids;
use crate::openapi::ClientRead;
use crate::origin::PublicOrigin;
use crate::state::AppState;
use axum::Json;
use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use gatehouse_protocol::ErrorCode;
use gatehouse_protocol::wire::{Client, Envelope};

/// The cookie that carries the client token over plain http.
pub const COOKIE: &str = "__gh_client";
/// The cookie that carries it when the public origin is https.
pub const HOST_COOKIE: &str = "__Host-gh_client";
/// The cookie of a waiting event stream (cookie mode), over plain http: a
/// random value only `/v1/verify` is sent, with which a link confirmed in
/// the same browser names that stream (`crate::sign_up::stream`).
pub const WAIT_COOKIE: &str = "__gh_wait";
/// The same when the public origin is https.
pub const SECURE_WAIT_COOKIE: &str = "__Secure-gh_wait";
/// The path the wait cookie is sent to.
pub const WAIT_COOKIE_PATH: &str = "/v1/verify";
/// The response header that carries the client token (bearer mode only).
pub const HEADER: HeaderName = HeaderName::from_static("gatehouse-client");
/// The request header with which the SDK asks for bearer mode
/// (`Gatehouse-Token-Mode: bearer`).
pub const MODE_HEADER: HeaderName = HeaderName::from_static("gatehouse-token-mode");
/// How often `last_seen_at` is refreshed, at most.
const TOUCH_EVERY_MS: i64 = 60_000;
/// How long a replaced token answers 409 `client_token_replaced` rather
/// than being unknown: time enough for a request in flight when the token
/// was replaced to come back and be sent again.
pub const REPLACED_TOKEN_WINDOW_MS: i64 = 60_000;

/// The client of the current request.
#[derive(Clone, Debug)]
pub struct CurrentClient {
    pub id: String,
    /// Whether the client is stored (a request without a known token that
    /// does not start anything gets one that is not).
    pub stored: bool,
    /// Whether the request is in bearer mode: a token issued to it can go
    /// in a body (an event stream's, `crate::sign_up::stream`), not only in
    /// a cookie the browser keeps.
    pub bearer: bool,
    /// The request's `User-Agent` and IP (sessions record them).
    pub device: Device,
    /// What the request's own transaction does about the client's token
    /// (see [`TokenSlot`]).
    pub token: TokenSlot,
    /// The hash of the token this request acts with: the one it presented,
    /// or the one issued to it as it began (a replacement that was due).
    /// `None` for a client not stored yet. An event stream compares it with
    /// the client's current one: a replaced token sees nothing
    /// (`crate::sign_up::stream`).
    pub token_hash: Option<String>,
}

/// The client's token, as the request's own write transaction handles it.
///
/// A sign-up's change (`crate::sign_up::Operation::run_for`) stores a new
/// client and replaces a token that is due in its own transaction, rather
/// than in commits of their own before and after it: the middleware leaves
/// the client to be stored there (`to_store`), and hands out what the
/// transaction issued once it has committed. Other routes store the client
/// and replace its token in the middleware, as before.
#[derive(Clone, Debug, Default)]
pub struct TokenSlot(std::sync::Arc<std::sync::Mutex<Slot>>);

#[derive(Debug, Default)]
struct Slot {
    /// The token of a client not stored yet, which the transaction stores.
    to_store: Option<String>,
    /// The token the committed transaction issued (a new client's, or a
    /// replacement).
    issued: Option<String>,
    /// Whether the transaction already replaced the token if it was due.
    rotation_checked: bool,
}

impl TokenSlot {
    fn lock(&self) -> std::sync::MutexGuard<'_, Slot> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The token of a client the transaction must store, if any.
    pub fn to_store(&self) -> Option<String> {
        self.lock().to_store.clone()
    }

    /// After the commit: the transaction stored the client (`stored`) and
    /// replaced its token if due (`replaced`: the new one, if it did).
    pub fn committed(&self, stored: bool, replaced: Option<String>) {
        let mut slot = self.lock();
        if stored {
            slot.issued = slot.to_store.take();
        }
        if replaced.is_some() {
            slot.issued = replaced;
        }
        slot.rotation_checked = true;
    }
}

/// How this request carries its token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Cookie,
    Bearer,
}

/// Middleware: finds the client (or makes one, for a first change), and
/// hands out its token when one is issued.
pub async fn resolve(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let https = PublicOrigin::of(&state.config).is_https();
    let (mode, presented) = match presented_token(req.headers(), https) {
        Ok(found) => found,
        Err(e) => return e.into_response(),
    };
    let creates = starts_a_flow(&req);
    let (mut client, mut issued) = match find_or_create(&state, presented.as_deref(), creates).await {
        Ok(found) => found,
        Err(e) => return e.into_response(),
    };
    client.bearer = mode == Mode::Bearer;
    let (mut parts, body) = req.into_parts();
    client.device = Device::of(&mut parts, &state).await;
    let mut req = Request::from_parts(parts, body);
    let changes_state = !matches!(*req.method(), Method::GET | Method::HEAD);
    req.extensions_mut().insert(client.clone());
    let mut response = next.run(req).await;
    let (in_transaction, checked) = {
        let slot = client.token.lock();
        (slot.issued.clone(), slot.rotation_checked)
    };
    if in_transaction.is_some() {
        issued = in_transaction;
    }
    if client.stored && !checked && changes_state && response.status().is_success() {
        match rotate_if_due(&state, &client.id).await {
            Ok(Some(token)) => issued = Some(token),
            Ok(None) => {}
            Err(e) => return e.into_response(),
        }
    }
    if let Some(token) = issued {
        hand_out(response.headers_mut(), &token, mode, https, state.config.client.max_lifetime_seconds);
    }
    response
}

/// The mode and the token a request presents. Bearer mode reads only
/// `Authorization`; cookie mode only the cookie this origin's scheme uses.
fn presented_token(headers: &HeaderMap, https: bool) -> Result<(Mode, Option<String>), ApiError> {
    let asks_bearer =
        headers.get(MODE_HEADER).and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim().eq_ignore_ascii_case("bearer"));
    if let Some(token) = bearer_token(headers) {
        return Ok((Mode::Bearer, Some(String::from(token))));
    }
    if asks_bearer {
        return Ok((Mode::Bearer, None));
    }
    Ok((Mode::Cookie, cookie_token(headers, cookie_name(https))?.map(String::from)))
}

/// Whether this request starts a sign-up or a sign-in: the first change,
/// which stores a client that is not stored yet.
fn starts_a_flow(req: &Request) -> Creates {
    let path = req.extensions().get::<MatchedPath>().map_or("", MatchedPath::as_str);
    if *req.method() != Method::POST {
        Creates::No
    } else if path.ends_with("/client/sign_ups") {
        Creates::InTransaction
    } else if path.ends_with("/client/sign_ins") {
        Creates::Now
    } else {
        Creates::No
    }
}

/// Whether and where a request stores a client that is not stored yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Creates {
    No,
    /// Here, before the handler (a sign-in).
    Now,
    /// In the handler's own transaction (a sign-up: see [`TokenSlot`]).
    InTransaction,
}

/// The client of a token, if it is known and has not expired.
async fn live_client(state: &AppState, token: &str) -> Result<Option<ClientToken>, ApiError> {
    let Some(found) = state.store.client_token(&ids::token_hash(token)).await? else { return Ok(None) };
    let now = state.now();
    let settings = &state.config.client;
    let ms = |seconds: u64| i64::try_from(seconds.saturating_mul(1000)).unwrap_or(i64::MAX);
    let idle = now.saturating_sub(found.last_seen_at) >= ms(settings.idle_timeout_seconds);
    let old = now.saturating_sub(found.created_at) >= ms(settings.max_lifetime_seconds);
    Ok((!idle && !old).then_some(found))
}

/// Whether `token` is a client's previous token, replaced less than
/// [`REPLACED_TOKEN_WINDOW_MS`] ago.
async fn replaced_moments_ago(state: &AppState, token: &str) -> Result<bool, ApiError> {
    let since = state.now().saturating_sub(REPLACED_TOKEN_WINDOW_MS - 1);
    Ok(state.store.token_replaced_since(&ids::token_hash(token), since).await?)
}

/// The client, and the token issued to it by this request, if any.
async fn find_or_create(
    state: &AppState,
    presented: Option<&str>,
    creates: Creates,
) -> Result<(CurrentClient, Option<String>), ApiError> {
    let found = match presented {
        Some(token) => {
            let found = live_client(state, token).await?;
            if found.is_none() && replaced_moments_ago(state, token).await? {
                return Err(ApiError::Refused(ErrorCode::ClientTokenReplaced));
            }
            found
        }
        None => None,
    };
    if let Some(found) = found {
        let mut client = CurrentClient {
            id: found.id.clone(),
            stored: true,
            bearer: false,
            device: Device::default(),
            token: TokenSlot::default(),
            token_hash: presented.map(ids::token_hash),
        };
        // Due since a completion elsewhere (an email link): replace now.
        if found.rotate_due {
            let issued = rotate_if_due(state, &found.id).await?;
            if let Some(token) = &issued {
                client.token_hash = Some(ids::token_hash(token));
            }
            return Ok((client, issued));
        }
        if state.now().saturating_sub(found.last_seen_at) >= TOUCH_EVERY_MS {
            state.store.touch_client(&found.id, state.now()).await?;
        }
        return Ok((client, None));
    }
    let id = ids::new_id("client");
    match creates {
        Creates::No => Ok((
            CurrentClient {
                id,
                stored: false,
                bearer: false,
                device: Device::default(),
                token: TokenSlot::default(),
                token_hash: None,
            },
            None,
        )),
        Creates::InTransaction => {
            let token = TokenSlot::default();
            token.lock().to_store = Some(ids::new_token());
            Ok((
                CurrentClient { id, stored: false, bearer: false, device: Device::default(), token, token_hash: None },
                None,
            ))
        }
        Creates::Now => {
            let token = ids::new_token();
            state.store.create_client(&id, &ids::token_hash(&token), state.now()).await?;
            Ok((
                CurrentClient {
                    id,
                    stored: true,
                    bearer: false,
                    device: Device::default(),
                    token: TokenSlot::default(),
                    token_hash: Some(ids::token_hash(&token)),
                },
                Some(token),
            ))
        }
    }
}

/// Replaces the client's token if that is due; the new token, if this
/// request made it.
pub(crate) async fn rotate_if_due(state: &AppState, id: &str) -> Result<Option<String>, ApiError> {
    if !state.store.client_rotate_due(id).await? {
        return Ok(None);
    }
    let token = ids::new_token();
    let rotated = state.store.rotate_client_token(id, &ids::token_hash(&token), state.now()).await?;
    Ok(rotated.then_some(token))
}

/// Puts an issued token where this mode reads it.
fn hand_out(headers: &mut HeaderMap, token: &str, mode: Mode, https: bool, max_age_seconds: u64) {
    match mode {
        Mode::Bearer => {
            if let Ok(value) = HeaderValue::from_str(token) {
                headers.insert(HEADER, value);
            }
        }
        Mode::Cookie => {
            if let Ok(value) = HeaderValue::from_str(&set_cookie(token, https, max_age_seconds)) {
                headers.append(header::SET_COOKIE, value);
            }
        }
    }
}

/// The `Set-Cookie` value for a token.
fn set_cookie(token: &str, https: bool, max_age_seconds: u64) -> String {
    let name = cookie_name(https);
    let secure = if https { "; Secure" } else { "" };
    format!("{name}={token}; Path=/; Max-Age={max_age_seconds}; HttpOnly; SameSite=Lax{secure}")
}

/// Sets the client cookie with a token issued outside `/v1/client` (a link
/// confirmed in the browser that signed up replaced its token: the 303 of
/// `/v1/verify` carries the new one).
pub fn set_client_cookie(headers: &mut HeaderMap, state: &AppState, token: &str) {
    let https = PublicOrigin::of(&state.config).is_https();
    hand_out(headers, token, Mode::Cookie, https, state.config.client.max_lifetime_seconds);
}

/// The `Set-Cookie` value of a waiting stream's cookie (see [`WAIT_COOKIE`]).
pub fn wait_cookie(value: &str, https: bool, max_age_seconds: u64) -> String {
    let (name, secure) = if https { (SECURE_WAIT_COOKIE, "; Secure") } else { (WAIT_COOKIE, "") };
    format!("{name}={value}; Path={WAIT_COOKIE_PATH}; Max-Age={max_age_seconds}; HttpOnly; SameSite=Lax{secure}")
}

/// The hash of the waiting stream's cookie a browser sent, if it sent one
/// (twice counts as none).
pub fn wait_hash(state: &AppState, headers: &HeaderMap) -> Option<String> {
    let name = if PublicOrigin::of(&state.config).is_https() { SECURE_WAIT_COOKIE } else { WAIT_COOKIE };
    cookie_token(headers, name).ok().flatten().map(ids::token_hash)
}

/// The client cookie's name for this scheme.
pub fn cookie_name(https: bool) -> &'static str {
    if https { HOST_COOKIE } else { COOKIE }
}

pub(crate) fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The value of the cookie `name`; two of them answer 400.
fn cookie_token<'h>(headers: &'h HeaderMap, name: &str) -> Result<Option<&'h str>, ApiError> {
    let mut values = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(n, _)| *n == name)
        .map(|(_, value)| value.trim());
    let first = values.next();
    if values.next().is_some() {
        return Err(ApiError::Refused(ErrorCode::ClientCookieDuplicate));
    }
    Ok(first.filter(|v| !v.is_empty()))
}

/// The client whose cookie a browser sent, without making one: a browser
/// that opens an email link may have none. A failed lookup, an expired
/// client, a replaced token (even moments ago) or a doubled cookie count
/// as none.
pub async fn from_cookie(state: &AppState, headers: &HeaderMap) -> Option<String> {
    let https = PublicOrigin::of(&state.config).is_https();
    let token = cookie_token(headers, cookie_name(https)).ok().flatten()?;
    match live_client(state, token).await {
        Ok(found) => found.map(|c| c.id),
        Err(e) => {
            tracing::error!(error = ?e, "looking up the client of a cookie");
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
#[utoipa::path(
    get,
    path = "/client",
    operation_id = "show_client",
    tag = "client",
    summary = "The current client: its sign-up, sign-in and sessions",
    responses((status = 200, description = "The client, in the envelope (an empty one without a known token).", body = Envelope<Client>), ClientRead)
)]
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
        assert_eq!(cookie_token(&h, COOKIE).unwrap(), Some("tok123"));
        assert_eq!(cookie_token(&h, HOST_COOKIE).unwrap(), None, "https reads only the __Host- cookie");
        assert_eq!(presented_token(&h, false).unwrap(), (Mode::Cookie, Some(String::from("tok123"))));
        assert_eq!(bearer_token(&h), None);
        h.insert(MODE_HEADER, HeaderValue::from_static("bearer"));
        assert_eq!(presented_token(&h, false).unwrap(), (Mode::Bearer, None), "bearer mode ignores cookies");
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer  xyz "));
        assert_eq!(bearer_token(&h), Some("xyz"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic xyz"));
        assert_eq!(bearer_token(&h), None);
    }

    #[test]
    fn two_client_cookies_are_refused() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("__gh_client=a; x=1"));
        h.append(header::COOKIE, HeaderValue::from_static("__gh_client=b"));
        assert!(matches!(cookie_token(&h, COOKIE), Err(ApiError::Refused(ErrorCode::ClientCookieDuplicate))));
        assert_eq!(cookie_token(&h, HOST_COOKIE).unwrap(), None);
    }

    #[test]
    fn over_https_the_cookie_is_host_prefixed_and_secure() {
        let cookie = set_cookie("tok", true, 60);
        assert_eq!(cookie, "__Host-gh_client=tok; Path=/; Max-Age=60; HttpOnly; SameSite=Lax; Secure");
        assert!(!cookie.contains("Domain"));
        assert_eq!(set_cookie("tok", false, 60), "__gh_client=tok; Path=/; Max-Age=60; HttpOnly; SameSite=Lax");
    }

    #[test]
    fn the_wait_cookie_goes_only_to_verify() {
        assert_eq!(wait_cookie("w", false, 60), "__gh_wait=w; Path=/v1/verify; Max-Age=60; HttpOnly; SameSite=Lax");
        assert_eq!(
            wait_cookie("w", true, 60),
            "__Secure-gh_wait=w; Path=/v1/verify; Max-Age=60; HttpOnly; SameSite=Lax; Secure"
        );
    }
}
