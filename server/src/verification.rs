//! One-time codes, for sign-ups and sign-ins alike: the state of one
//! verification, sending a code (resend limit, CSPRNG, HMAC) and checking
//! one (attempts, expiry), and delivering after the commit.
//!
//! A code is bound to its owner (the sign-up or sign-in id) and field by
//! its HMAC ([`crate::codes`]), so a code is useless anywhere else.

use crate::codes;
use crate::db::Tx;
use crate::delivery::Message;
use crate::error::ApiError;
use crate::state::AppState;
use crate::strategies::{CodeStrategy, Purpose};
use gatehouse_protocol::{ErrorCode, Field, NextAction, Strategy, VerificationStatus, wire};

/// The verification of one field (or of a sign-in's code factor).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerificationRecord {
    pub status: VerificationStatus,
    pub strategy: Option<Strategy>,
    pub attempts: u32,
    /// The HMAC of the live code, if one was sent and not yet used up.
    pub code_hash: Option<String>,
    pub expire_at: Option<i64>,
    pub verified_at_client: Option<String>,
}

impl VerificationRecord {
    /// Nothing sent yet.
    pub fn fresh() -> Self {
        VerificationRecord {
            status: VerificationStatus::Unverified,
            strategy: None,
            attempts: 0,
            code_hash: None,
            expire_at: None,
            verified_at_client: None,
        }
    }

    /// Verified without a code (a password, an invitation ticket).
    pub fn verified(strategy: Option<Strategy>, client_id: &str) -> Self {
        VerificationRecord {
            status: VerificationStatus::Verified,
            strategy,
            verified_at_client: Some(String::from(client_id)),
            ..VerificationRecord::fresh()
        }
    }

    /// The status at `now`: a code past its expiry is `expired`.
    pub fn status_at(&self, now: i64) -> VerificationStatus {
        match (self.status, self.expire_at) {
            (VerificationStatus::Unverified, Some(expire_at)) if self.code_hash.is_some() && now >= expire_at => {
                VerificationStatus::Expired
            }
            (status, _) => status,
        }
    }

    /// What the client should do next, at `now`.
    pub fn next_action(&self, now: i64) -> NextAction {
        match self.status_at(now) {
            VerificationStatus::Verified => NextAction::None,
            VerificationStatus::Unverified if self.code_hash.is_some() => NextAction::NeedsAttempt,
            _ => NextAction::NeedsPrepare,
        }
    }

    /// A sign-up field's verification on the wire.
    pub fn to_wire(&self, supported: &[Strategy], now: i64) -> wire::Verification {
        wire::Verification {
            status: self.status_at(now),
            strategy: self.strategy,
            attempts: self.attempts,
            expire_at: self.expire_at,
            next_action: self.next_action(now),
            supported_strategies: supported.to_vec(),
            verified_at_client: self.verified_at_client.clone(),
        }
    }
}

/// What an operation leaves to do once its changes are committed.
#[derive(Debug, Default)]
pub struct Outcome {
    /// A message to send.
    pub delivery: Option<Delivery>,
    /// An error to answer although the changes are kept (a wrong code
    /// still counts as an attempt).
    pub refusal: Option<ApiError>,
}

/// A code to deliver, and the resend record to undo if it cannot be.
#[derive(Debug)]
pub struct Delivery {
    pub message: Message,
    pub throttle_key: String,
}

impl Outcome {
    /// A refusal about the `code` param, answered after the commit.
    pub fn refused(code: ErrorCode) -> Outcome {
        Outcome { delivery: None, refusal: Some(ApiError::param(code, "code")) }
    }

    /// After the commit: delivers the message, then answers the refusal if any.
    pub async fn finish(self, state: &AppState, sent_at: i64) -> Result<(), ApiError> {
        if let Some(delivery) = self.delivery
            && let Err(e) = state.sender.send(delivery.message).await
        {
            // The code was stored but never left: let the person ask again at once.
            if let Err(undo) = state.store.forget_code_sent(&delivery.throttle_key, sent_at).await {
                tracing::error!(error = %undo, "could not undo the resend record");
            }
            return Err(ApiError::Internal(e.context("delivering a verification code")));
        }
        match self.refusal {
            Some(refusal) => Err(refusal),
            None => Ok(()),
        }
    }
}

/// Makes a new code for `owner_id` (a sign-up or sign-in) and `address`,
/// at most once per resend interval per address. Answers the verification
/// that replaces any earlier one (attempts start over), and its delivery.
pub async fn send_code(
    tx: &mut Tx,
    state: &AppState,
    now: i64,
    owner_id: &str,
    strategy: CodeStrategy,
    address: &str,
    purpose: Purpose,
) -> Result<(VerificationRecord, Delivery), ApiError> {
    let settings = state.config.verification;
    let throttle_key = strategy.throttle_key(address);
    let resend_ms = i64::try_from(settings.code_resend_seconds * 1000).unwrap_or(i64::MAX);
    if let Some(last) = tx.last_code_sent(&throttle_key).await? {
        let wait_ms = last.saturating_add(resend_ms) - now;
        if wait_ms > 0 {
            let seconds = u64::try_from(wait_ms).unwrap_or(0).div_ceil(1000);
            return Err(ApiError::RetryAfter { code: ErrorCode::VerificationCodeTooManyRequests, seconds });
        }
    }
    let code = codes::generate();
    let ttl_ms = i64::try_from(settings.code_ttl_seconds * 1000).unwrap_or(i64::MAX);
    let verification = VerificationRecord {
        status: VerificationStatus::Unverified,
        strategy: Some(strategy.strategy),
        attempts: 0,
        code_hash: Some(state.code_key.hash(owner_id, strategy.field, &code)),
        expire_at: Some(now.saturating_add(ttl_ms)),
        verified_at_client: None,
    };
    tx.record_code_sent(&throttle_key, now).await?;
    let message = strategy.message(address, &code, settings.code_ttl_seconds, purpose);
    Ok((verification, Delivery { message, throttle_key }))
}

/// Checks `code` against a verification of `owner_id`'s `field`.
///
/// `Ok(None)`: verified. `Ok(Some(code))`: refused, but the change (an
/// attempt counted, an expiry noted) is to be saved first. The last
/// allowed wrong code fails the verification until a new code is sent.
pub fn check_code(
    v: &mut VerificationRecord,
    state: &AppState,
    owner_id: &str,
    field: Field,
    code: &str,
    client_id: &str,
    now: i64,
) -> Result<Option<ErrorCode>, ApiError> {
    match v.status_at(now) {
        VerificationStatus::Verified => Err(ApiError::Refused(ErrorCode::VerificationAlreadyVerified)),
        VerificationStatus::Failed => Err(ApiError::param(ErrorCode::VerificationFailed, "code")),
        VerificationStatus::Expired => {
            v.status = VerificationStatus::Expired;
            v.code_hash = None;
            Ok(Some(ErrorCode::VerificationExpired))
        }
        VerificationStatus::Unverified => {
            let Some(stored) = v.code_hash.as_deref() else {
                return Err(ApiError::Refused(ErrorCode::VerificationNotSent));
            };
            if state.code_key.matches(stored, owner_id, field, code) {
                v.status = VerificationStatus::Verified;
                v.code_hash = None;
                v.verified_at_client = Some(String::from(client_id));
                return Ok(None);
            }
            v.attempts += 1;
            if v.attempts >= state.config.verification.code_max_attempts {
                v.status = VerificationStatus::Failed;
                v.code_hash = None;
            }
            Ok(Some(ErrorCode::FormCodeIncorrect))
        }
    }
}
