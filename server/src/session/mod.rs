//! Sessions after sign-up or sign-in: short-lived JWTs for them, the keys
//! that sign those, and sign-out.
//!
//! - [`keys`]: the Ed25519 signing keys, their rotation and the JWKS set;
//! - [`token`]: minting a session JWT;
//! - [`handlers`]: `POST /v1/client/sessions/{id}/tokens`,
//!   `DELETE /v1/client/sessions/{id}` and `GET /.well-known/jwks.json`;
//! - [`activity`]: where each session signed in from and was last used;
//! - [`user_sessions`]: the user's list of sessions, and ending another;
//! - [`alert`]: the "new sign-in" email after a sign-in from a new browser,
//!   and the links it carries.
//! - [`pending`]: sessions that wait for the user to enrol a second factor
//!   (`[mfa] required`), and starting every new session.
//!
//! A session is usable while its status is `active` and `expire_at` has
//! not passed; sign-out sets `revoked`. Sessions are created where a flow
//! completes (`crate::sign_up`, `crate::sign_in`) by [`pending::start`]:
//! `active`, or `pending` until its user enrols TOTP.

pub mod activity;
pub mod alert;
pub mod handlers;
pub mod keys;
pub mod pending;
pub mod token;
pub mod user_sessions;

use crate::config::Config;
use crate::ids;
use gatehouse_protocol::wire;

/// A new active session of `user_id`, starting `now` (its user's TOTP
/// off until [`pending::start`] reads it).
pub fn new_session(user_id: &str, config: &Config, now: i64) -> wire::Session {
    let lifetime_ms = i64::try_from(config.session.lifetime_seconds.saturating_mul(1000)).unwrap_or(i64::MAX);
    wire::Session {
        object: String::from("session"),
        id: ids::new_id("sess"),
        user_id: String::from(user_id),
        status: String::from("active"),
        tasks: Vec::new(),
        totp_enabled: false,
        created_at: now,
        expire_at: now.saturating_add(lifetime_ms),
    }
}

/// Whether a session can still be used at `now`.
pub fn is_live(session: &wire::Session, now: i64) -> bool {
    session.status == "active" && session.expire_at > now
}
