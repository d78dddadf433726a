//! Where each session is used from: the `User-Agent` and IP it signed in
//! with, recorded once, in the transaction that makes it when that is the
//! client's own sign-up request (`super::pending::start`, given the
//! device), else right after the flow that made it answers ([`started`],
//! called by the sign-up and sign-in handlers); and when it
//! was last used, moved at token refresh ([`refreshed`]) at most once per
//! [`TOUCH_EVERY_MS`]: not a write per request. Its user's list of
//! sessions shows them (`super::user_sessions`).

use crate::client::CurrentClient;
use crate::error::ApiError;
use crate::state::AppState;

/// How often a session's last use is written, at most.
pub const TOUCH_EVERY_MS: i64 = 60_000;

/// Records where the session `session_id`, which a flow has just made on
/// this client, was signed in from. Only the first call writes (an answer
/// read again finds it recorded): `true` when this one did.
pub async fn started(state: &AppState, client: &CurrentClient, session_id: &str) -> Result<bool, ApiError> {
    let device = &client.device;
    let recorded = state
        .store
        .record_session_device(session_id, device.user_agent.as_deref(), device.ip.as_deref(), state.now())
        .await?;
    Ok(recorded)
}

/// Marks the session used now, from this request's IP, unless it was
/// marked within [`TOUCH_EVERY_MS`].
pub async fn refreshed(state: &AppState, client: &CurrentClient, session_id: &str) -> Result<(), ApiError> {
    let device = &client.device;
    let now = state.now();
    let since = now.saturating_sub(TOUCH_EVERY_MS);
    state.store.touch_session(session_id, device.user_agent.as_deref(), device.ip.as_deref(), now, since).await?;
    Ok(())
}
