//! Checking a password at sign-in, under the per-account limit on wrong
//! passwords (`[sign_in] max_failed_passwords` per
//! `failed_password_window_seconds`; 10 per 15 minutes by default).
//!
//! Before a password is checked, one failure is counted, in the write
//! transaction that first counts the failures inside the window; a right
//! password takes it back. So parallel guesses count as they are made and
//! every node sees the same count. Over the limit the answer is 429
//! `rate_limited`, with `Retry-After` until the oldest counted failure
//! leaves the window: a brute force gets nowhere, and the person waits
//! minutes, not forever.

use crate::error::ApiError;
use crate::ids;
use crate::password;
use crate::state::AppState;
use crate::users::UserRecord;
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

/// Checks `password` for `user`, on a blocking thread.
pub async fn check(state: &AppState, user: &UserRecord, password: String) -> Result<PasswordOk, ApiError> {
    let Some(stored) = user.password_hash.clone() else {
        state.hasher.verify_dummy(password).await?;
        return Err(crate::sign_in::factors::unavailable(FirstFactor::Password));
    };
    let failure_id = count_failure(state, &user.id).await?;
    let right = match state.hasher.verify(password.clone(), stored.clone()).await {
        Ok(right) => right,
        Err(e) => {
            // Busy or failed: no password was checked, so no failure counts.
            forget(state, &failure_id).await;
            return Err(e);
        }
    };
    if !right {
        return Err(ApiError::param(ErrorCode::FormPasswordIncorrect, "password"));
    }
    forget(state, &failure_id).await;
    let rehash = if password::needs_rehash(&stored) {
        Some(Rehash { old: stored, new: state.hasher.hash(password).await? })
    } else {
        None
    };
    Ok(PasswordOk { rehash })
}

/// The answer for a password given with an identifier that has no
/// account, after as long as a real check takes.
pub async fn unknown_account(state: &AppState, password: String) -> ApiError {
    match state.hasher.verify_dummy(password).await {
        Ok(()) => ApiError::param(ErrorCode::FormIdentifierNotFound, "identifier"),
        Err(busy) => busy,
    }
}

/// Counts a failure ahead of the check, unless the limit is reached.
async fn count_failure(state: &AppState, user_id: &str) -> Result<String, ApiError> {
    let settings = state.config.sign_in;
    let window_ms = i64::try_from(settings.failed_password_window_seconds.saturating_mul(1000)).unwrap_or(i64::MAX);
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let failures = tx.password_failures_since(user_id, now.saturating_sub(window_ms)).await?;
    if let Some(wait_ms) = wait(&failures, settings.max_failed_passwords, window_ms, now) {
        let seconds = u64::try_from(wait_ms).unwrap_or(0).div_ceil(1000);
        return Err(ApiError::RetryAfter { code: ErrorCode::RateLimited, seconds });
    }
    let id = ids::new_id("pwf");
    tx.record_password_failure(&id, user_id, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// With `failures` (oldest first) inside the window, how long until one
/// more may be tried; `None` if one may be tried now.
fn wait(failures: &[i64], max: u32, window_ms: i64, now: i64) -> Option<i64> {
    let max = usize::try_from(max).unwrap_or(usize::MAX);
    let over = failures.len().checked_sub(max)?;
    // The failure whose leaving the window brings the count under `max`.
    Some(failures[over].saturating_add(window_ms).saturating_sub(now).max(1))
}

async fn forget(state: &AppState, failure_id: &str) {
    if let Err(e) = state.store.forget_password_failure(failure_id).await {
        tracing::error!(error = %e, "could not take back a counted password failure");
    }
}

#[cfg(test)]
mod tests {
    use super::wait;

    #[test]
    fn the_wait_ends_when_the_oldest_counted_failure_leaves_the_window() {
        let window = 900_000;
        assert_eq!(wait(&[], 10, window, 0), None);
        assert_eq!(wait(&[1, 2, 3], 4, window, 10), None);
        assert_eq!(wait(&[100, 200, 300], 3, window, 1_000), Some(100 + window - 1_000));
        // Over the limit (parallel guesses): wait until enough have left.
        assert_eq!(wait(&[100, 200, 300, 400], 3, window, 1_000), Some(200 + window - 1_000));
    }
}
