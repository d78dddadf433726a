//! Checking a password at sign-in, under three limits on wrong passwords
//! (`[sign_in]`), none of which an attacker can aim at someone else:
//! - per account and client IP (`max_failed_passwords` per
//!   `failed_password_window_seconds`; 10 per 15 minutes): a guesser is
//!   stopped, while the owner, from their own IP, still signs in;
//! - per account from every IP (`max_failed_passwords_per_account` per
//!   `account_window_seconds`; 100 per hour): the ceiling for a guesser
//!   with many IPs;
//! - per client IP across all accounts, unknown identifiers included
//!   (`max_failed_passwords_per_ip` per `ip_window_seconds`; 50 per 15
//!   minutes): password spraying.
//!
//! Before a password is checked, one failure is counted against each, in a
//! write transaction that first counts the failures inside each window
//! (`crate::limits`); a right password takes them back. So parallel guesses
//! count as they are made and every node sees the same count. Over a limit
//! the answer is 429 `rate_limited`, with `Retry-After` until enough
//! counted failures leave the window. The email code is not a password: it
//! still works while passwords are locked, under its own limits
//! (`crate::verification`).

use crate::error::ApiError;
use crate::limits::{self, Limit};
use crate::model::UserRecord;
use crate::password;
use crate::peer_ip::PeerIp;
use crate::state::AppState;
use gatehouse_protocol::{ErrorCode, FirstFactor};

/// A right password, and the hash to store instead of an outdated one.
#[derive(Debug)]
pub struct PasswordOk {
    pub rehash: Option<Rehash>,
}

/// Replace `old` with `new` (the server's own argon2id parameters).
#[derive(Debug)]
pub struct Rehash {
    pub old: String,
    pub new: String,
}

/// Checks `password` for `user`, tried from `ip`, on a blocking thread.
pub async fn check(state: &AppState, user: &UserRecord, ip: PeerIp, password: String) -> Result<PasswordOk, ApiError> {
    let Some(stored) = user.password_hash.clone() else {
        state.hasher.verify_dummy(password).await?;
        return Err(crate::sign_in::factors::unavailable(FirstFactor::Password));
    };
    let failure_ids = count_failure(state, Some(&user.id), ip).await?;
    let right = match state.hasher.verify(password.clone(), stored.clone()).await {
        Ok(right) => right,
        Err(e) => {
            // Busy or failed: no password was checked, so no failure counts.
            forget(state, &failure_ids).await;
            return Err(e);
        }
    };
    if !right {
        return Err(ApiError::param(ErrorCode::FormPasswordIncorrect, "password"));
    }
    forget(state, &failure_ids).await;
    let rehash = if password::needs_rehash(&stored) {
        Some(Rehash { old: stored, new: state.hasher.hash(password).await? })
    } else {
        None
    };
    Ok(PasswordOk { rehash })
}

/// The answer for a password given from `ip` with an identifier that has
/// no account, after as long as a real check takes. It counts against the
/// IP's limit: spraying addresses without accounts is spraying too.
pub async fn unknown_account(state: &AppState, ip: PeerIp, password: String) -> ApiError {
    if let Err(over) = count_failure(state, None, ip).await {
        return over;
    }
    match state.hasher.verify_dummy(password).await {
        Ok(()) => ApiError::param(ErrorCode::FormIdentifierNotFound, "identifier"),
        Err(busy) => busy,
    }
}

/// The limits a wrong password from `ip` counts against (for `user_id`'s
/// account, if it has one).
fn limits_for(state: &AppState, user_id: Option<&str>, ip: PeerIp) -> Vec<Limit> {
    let s = state.config.sign_in;
    let ip = ip.key();
    let mut limits = vec![Limit::new(format!("password_ip:{ip}"), s.max_failed_passwords_per_ip, s.ip_window_seconds)];
    if let Some(user_id) = user_id {
        let per_ip =
            Limit::new(format!("password:{user_id}:{ip}"), s.max_failed_passwords, s.failed_password_window_seconds);
        let account =
            Limit::new(format!("password:{user_id}"), s.max_failed_passwords_per_account, s.account_window_seconds);
        limits.extend([per_ip, account]);
    }
    limits
}

/// Counts a failure ahead of the check, unless a limit is reached; answers
/// the counted events, to take back if the password is right.
async fn count_failure(state: &AppState, user_id: Option<&str>, ip: PeerIp) -> Result<Vec<String>, ApiError> {
    let limits = limits_for(state, user_id, ip);
    let limits: Vec<&Limit> = limits.iter().collect();
    let now = state.now();
    let mut tx = state.store.begin().await?;
    if let Some(wait_ms) = limits::wait(&mut tx, &limits, now).await? {
        crate::telemetry::limited(crate::telemetry::Limit::Passwords);
        return Err(limits::too_many(ErrorCode::RateLimited, wait_ms));
    }
    let ids = limits::record(&mut tx, &limits, now).await?;
    tx.commit().await?;
    Ok(ids)
}

async fn forget(state: &AppState, failure_ids: &[String]) {
    if let Err(e) = state.store.forget_limit_events(failure_ids).await {
        tracing::error!(error = %e, "could not take back a counted password failure");
    }
}
