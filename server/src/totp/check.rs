//! Checking a second factor's code for a user, in the caller's write
//! transaction: a TOTP code (of a step later than the last one accepted,
//! which it then becomes) or an unspent backup code (which it spends).
//!
//! Wrong codes are counted per user, whatever they were typed for (a
//! sign-in, verifying or disabling TOTP), under the same limits as other
//! codes (`[verification] max_failed_attempts_per_address` per
//! `failed_attempt_window_seconds`): at the limit every code answers 429
//! `rate_limited`, the right one too, and new sign-ins buy a guesser
//! nothing. A code already used counts as a wrong one.

use crate::db::Tx;
use crate::error::ApiError;
use crate::limits::{self, Limit};
use crate::model::TotpRecord;
use crate::state::AppState;
use gatehouse_protocol::{ErrorCode, SecondFactor};

/// The limit on a user's wrong second-factor codes.
fn failures(state: &AppState, user_id: &str) -> Limit {
    let settings = &state.config.verification;
    Limit::new(
        format!("code_failure:second_factor:{user_id}"),
        settings.max_failed_attempts_per_address,
        settings.failed_attempt_window_seconds,
    )
}

/// Refuses with 429 while the user's wrong codes are at their limit.
pub async fn under_limit(tx: &mut Tx, state: &AppState, user_id: &str, now: i64) -> Result<(), ApiError> {
    if let Some(wait_ms) = limits::wait(tx, &[&failures(state, user_id)], now).await? {
        crate::telemetry::limited(crate::telemetry::Limit::CodeAttempts);
        return Err(limits::too_many(ErrorCode::RateLimited, wait_ms));
    }
    Ok(())
}

/// Counts a wrong code against the user.
pub async fn count_wrong(tx: &mut Tx, state: &AppState, user_id: &str, now: i64) -> Result<(), ApiError> {
    limits::record(tx, &[&failures(state, user_id)], now).await?;
    Ok(())
}

/// Whether `code` is a TOTP code of `totp` not used before; if so, its
/// step is noted in `totp` (for the caller to save).
pub fn totp_code(totp: &mut TotpRecord, code: &str, now: i64) -> bool {
    match super::matching_step(&totp.secret, code, now) {
        Some(step) if totp.last_used_step.is_none_or(|last| step > last) => {
            totp.last_used_step = Some(step);
            totp.updated_at = now;
            true
        }
        _ => false,
    }
}

/// Checks a code of `factor` against the user's second factor (on),
/// under the limit; a right TOTP code is noted, a right backup code spent.
/// `Ok(false)`: wrong (counted; commit, then answer `form_code_incorrect`).
pub async fn second_factor(
    tx: &mut Tx,
    state: &AppState,
    user_id: &str,
    factor: SecondFactor,
    code: &str,
    now: i64,
) -> Result<bool, ApiError> {
    under_limit(tx, state, user_id, now).await?;
    let right = match factor {
        SecondFactor::Totp => match tx.totp(user_id).await?.filter(|t| t.verified) {
            Some(mut totp) => {
                let right = totp_code(&mut totp, code, now);
                if right {
                    tx.save_totp(&totp).await?;
                }
                right
            }
            None => false,
        },
        SecondFactor::BackupCode => {
            let mut right = false;
            for (id, hash) in tx.unspent_backup_codes(user_id).await? {
                if state.code_key.matches_backup_code(&hash, user_id, code) {
                    right = tx.spend_backup_code(&id, now).await?;
                }
            }
            right
        }
    };
    if !right {
        count_wrong(tx, state, user_id, now).await?;
    }
    Ok(right)
}

/// Whether the user has a second factor on (then a sign-in needs it).
pub async fn is_on(tx: &mut Tx, user_id: &str) -> Result<bool, ApiError> {
    Ok(tx.totp(user_id).await?.is_some_and(|t| t.verified))
}
