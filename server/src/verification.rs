//! Verifying by code, for sign-ups and sign-ins alike (a flow-level module
//! both flows use): the limits every code and link is under, sending a code
//! (CSPRNG, HMAC) and checking one (attempts, expiry), and delivering after
//! the commit. The state of one verification, a plain record, is
//! [`crate::model::VerificationRecord`].
//!
//! The limits, all counted in the operation's transaction
//! ([`crate::limits`]), so they hold across restarts and nodes:
//! - one code, and one link, per address per `code_resend_seconds`;
//! - `code_max_attempts` wrong codes fail one code;
//! - `max_failed_attempts_per_address` wrong codes per address and purpose
//!   (sign-up, sign-in) across all its codes, per window: then every
//!   attempt answers 429 `rate_limited`, even with the right code, and no
//!   new code goes to the address (429 `verification_code_too_many_requests`),
//!   so re-sending codes buys a guesser nothing;
//! - `max_sends_per_address` messages (codes and links) per address per
//!   window: then 429 `verification_code_too_many_requests`;
//! - `max_messages_per_hour` messages for the whole instance: then 429
//!   `rate_limited`, and an error in the log. This one is a
//!   [`limits::Budget`], counted per minute without a lock: on PostgreSQL
//!   it may be overshot by the sends in flight at once (see there).
//!
//! A code is bound to its owner (the sign-up or sign-in id) and field by
//! its HMAC ([`crate::codes`]), so a code is useless anywhere else. An
//! email link ([`send_link`]: a sign-up's, or a sign-in's password reset)
//! keeps its token's hash in `email_links` with its owner
//! ([`LinkOwner`]); its record here only says that a link is out and until
//! when (confirming it: `crate::sign_up::confirm_link`,
//! `crate::sign_in::reset_link`).

use crate::clock::seconds_to_ms;
use crate::codes;
use crate::db::{LinkOwner, NewEmailLink, Tx};
use crate::delivery::{Message, Undo};
use crate::device::Device;
use crate::error::ApiError;
use crate::limits::{self, Budget, Limit};
use crate::mail::Recipient;
use crate::model::VerificationRecord;
use crate::state::AppState;
use crate::strategies::{CodeStrategy, LinkStrategy, Purpose, Verifier, email_link};
use gatehouse_protocol::{ErrorCode, Field, VerificationStatus};

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
        Outcome::refused_about(code, "code")
    }

    /// A refusal about `param`, answered after the commit.
    pub fn refused_about(code: ErrorCode, param: &'static str) -> Outcome {
        Outcome { delivery: None, refusal: Some(ApiError::param(code, param)) }
    }

    /// After the commit: queues the message, then answers the refusal if
    /// any. The mail goes out after the answer (`crate::delivery`); if it
    /// never does, its resend record is undone there.
    pub async fn finish(self, state: &AppState, sent_at: i64) -> Result<(), ApiError> {
        if let Some(delivery) = self.delivery {
            // If it never leaves, the queue undoes the resend record so the
            // person may ask again at once (the message limits still count
            // it: a failing mail server must not open them).
            let undo = Undo { throttle_key: delivery.throttle_key, sent_at };
            state.sender.send(delivery.message, Some(undo)).await?;
        }
        match self.refusal {
            Some(refusal) => Err(refusal),
            None => Ok(()),
        }
    }
}

/// Claims a send that `verifier` may make to `address` for `purpose`, or
/// answers 429 with how long to wait: one per resend interval (per
/// strategy: a code and a link each have theirs), none while the address's
/// wrong codes for `purpose` are at their limit (codes only), and within the
/// per-address and instance-wide message limits, which it counts. Answers
/// the key of the resend limit, for the [`Delivery`].
pub async fn claim_send(
    tx: &mut Tx,
    state: &AppState,
    now: i64,
    verifier: Verifier,
    address: &str,
    purpose: Purpose,
) -> Result<String, ApiError> {
    let throttle_key = verifier.throttle_key(address);
    let settings = &state.config.verification;
    let resend_ms = seconds_to_ms(settings.code_resend_seconds);
    // Claimed first (the keys are taken in one order everywhere: the
    // address's send, wrong codes, sends, outbound); a refusal below rolls
    // the claim back with the transaction.
    if let Some(wait_ms) = tx.claim_code_send(&throttle_key, now, resend_ms).await? {
        crate::telemetry::limited(crate::telemetry::Limit::CodeSends);
        return Err(limits::too_many(ErrorCode::VerificationCodeTooManyRequests, wait_ms));
    }
    if let Verifier::Code(_) = verifier {
        let failures = failed_attempts(state, purpose, address);
        if let Some(wait_ms) = limits::wait(tx, &[&failures], now).await? {
            crate::telemetry::limited(crate::telemetry::Limit::CodeAttempts);
            return Err(limits::too_many(ErrorCode::VerificationCodeTooManyRequests, wait_ms));
        }
    }
    let per_address =
        Limit::new(format!("send:{address}"), settings.max_sends_per_address, settings.send_window_seconds);
    if let Some(wait_ms) = limits::wait(tx, &[&per_address], now).await? {
        crate::telemetry::limited(crate::telemetry::Limit::CodeSends);
        return Err(limits::too_many(ErrorCode::VerificationCodeTooManyRequests, wait_ms));
    }
    let outbound = Budget::new(String::from("outbound"), settings.max_messages_per_hour, 60 * 60);
    if let Some(wait_ms) = outbound.wait(tx, now).await? {
        tracing::error!(
            max_messages_per_hour = settings.max_messages_per_hour,
            "the instance's message budget is spent: no code or link is sent until it allows \
             (raise [verification] max_messages_per_hour if this traffic is real)"
        );
        crate::telemetry::limited(crate::telemetry::Limit::InstanceMessages);
        return Err(limits::too_many(ErrorCode::RateLimited, wait_ms));
    }
    limits::record(tx, &[&per_address], now).await?;
    outbound.spend(tx, now).await?;
    Ok(throttle_key)
}

/// The limit on wrong codes for `purpose` at `address`, across its codes.
fn failed_attempts(state: &AppState, purpose: Purpose, address: &str) -> Limit {
    let settings = &state.config.verification;
    let key = format!("code_failure:{}:{address}", purpose.as_str());
    Limit::new(key, settings.max_failed_attempts_per_address, settings.failed_attempt_window_seconds)
}

/// Makes a new code for `owner_id` (a sign-up or sign-in), to `to`,
/// under the limits of [`claim_send`]. Answers the verification that
/// replaces any earlier one (attempts start over), and its delivery.
pub async fn send_code(
    tx: &mut Tx,
    state: &AppState,
    now: i64,
    owner_id: &str,
    strategy: CodeStrategy,
    to: Recipient<'_>,
    purpose: Purpose,
) -> Result<(VerificationRecord, Delivery), ApiError> {
    let address = to.address;
    let throttle_key = claim_send(tx, state, now, Verifier::Code(strategy), address, purpose).await?;
    let ttl_seconds = state.config.verification.code_ttl_seconds;
    let code = codes::generate();
    let verification = VerificationRecord {
        status: VerificationStatus::Unverified,
        strategy: Some(strategy.strategy),
        attempts: 0,
        code_hash: Some(state.code_key.hash(owner_id, strategy.field, &code)),
        expire_at: Some(now.saturating_add(seconds_to_ms(ttl_seconds))),
        verified_at_client: None,
    };
    let message = strategy.message(&state.mail, to, &code, ttl_seconds, purpose)?;
    Ok((verification, Delivery { message, throttle_key }))
}

/// How long a spent or expired link is kept, so that opening it still leads
/// back to its `redirect_url`.
const KEEP_LINKS_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// Where a link goes, and where it leads back to.
#[derive(Clone, Copy, Debug)]
pub struct LinkTarget<'a> {
    /// Checked by `crate::origin::redirect_url`.
    pub redirect_url: &'a str,
    /// The server's origin, which the link opens.
    pub public_origin: &'a str,
    /// Where it was asked for: kept for a sign-in's link (a sign-up keeps
    /// its own), for the confirm page of another browser.
    pub requested: Option<&'a Device>,
    /// Asked for in bearer mode (a sign-in's reset link): its page hands
    /// the token to the app (`crate::sign_in::reset_link`).
    pub bearer: bool,
}

/// Makes a new link for `owner`, to `to`, under the limits of
/// [`claim_send`] (the resend interval its own, the message limits those of
/// codes); its token is kept as a SHA-256, and the owner's earlier links
/// are spent. Answers the verification that says a link is out, and its
/// delivery.
#[allow(clippy::too_many_arguments)]
pub async fn send_link(
    tx: &mut Tx,
    state: &AppState,
    now: i64,
    owner: LinkOwner,
    strategy: LinkStrategy,
    to: Recipient<'_>,
    target: LinkTarget<'_>,
    purpose: Purpose,
) -> Result<(VerificationRecord, Delivery), ApiError> {
    let address = to.address;
    let throttle_key = claim_send(tx, state, now, Verifier::Link(strategy), address, purpose).await?;
    let ttl_seconds = state.config.email_link.ttl_seconds;
    let expire_at = now.saturating_add(seconds_to_ms(ttl_seconds));
    let token = email_link::new_token();
    let requested = target.requested;
    let link = NewEmailLink {
        token_hash: &email_link::token_hash(&token),
        owner,
        email_address: address,
        redirect_url: target.redirect_url,
        created_at: now,
        expire_at,
        requested_user_agent: requested.and_then(|d| d.user_agent.as_deref()),
        requested_ip: requested.and_then(|d| d.ip.as_deref()),
        bearer: target.bearer,
    };
    tx.insert_email_link(&link, now.saturating_sub(KEEP_LINKS_MS)).await?;
    let verification = VerificationRecord {
        status: VerificationStatus::Unverified,
        strategy: Some(strategy.strategy),
        attempts: 0,
        code_hash: None,
        expire_at: Some(expire_at),
        verified_at_client: None,
    };
    let url = email_link::link(target.public_origin, &token);
    let message = strategy.message(&state.mail, to, &url, ttl_seconds, purpose)?;
    Ok((verification, Delivery { message, throttle_key }))
}

/// A code typed for a verification: whose, and where the code went.
#[derive(Clone, Copy, Debug)]
pub struct Guess<'a> {
    /// The sign-up or sign-in the code was made for.
    pub owner_id: &'a str,
    pub field: Field,
    pub purpose: Purpose,
    /// The address the code went to: wrong codes count against it.
    pub address: &'a str,
    pub code: &'a str,
}

/// Checks a guess against a verification, under the limit on wrong codes
/// per address and purpose: at the limit, every guess answers 429, the
/// right one too. A wrong code is counted in `tx`, to be committed with
/// the verification's own attempt count.
///
/// `Ok(None)`: verified. `Ok(Some(code))`: refused, but the change (an
/// attempt counted, an expiry noted) is to be saved first. The last
/// allowed wrong code fails the verification until a new code is sent.
pub async fn check_code(
    tx: &mut Tx,
    state: &AppState,
    v: &mut VerificationRecord,
    guess: &Guess<'_>,
    client_id: &str,
    now: i64,
) -> Result<Option<ErrorCode>, ApiError> {
    let right = |v: &VerificationRecord| match v.code_hash.as_deref() {
        Some(stored) => Ok(state.code_key.matches(stored, guess.owner_id, guess.field, guess.code)),
        None => Err(ApiError::Refused(ErrorCode::VerificationNotSent)),
    };
    let against = Against { purpose: guess.purpose, address: guess.address, param: "code" };
    check(tx, state, v, &against, client_id, now, right).await
}

/// A password reset link's token that an app sent back
/// (`crate::sign_in::reset_link::AttemptLinkToken`): `right` says whether
/// it is the token of the sign-in's live link (the caller compared the
/// hashes in constant time). Under the rules of a code: the same wrong
/// attempts per verification (`code_max_attempts`) and per address and
/// purpose (a wrong token counts with wrong codes), expiry, and the same
/// answers, about `token` (`form_code_incorrect`, `verification_failed`,
/// `verification_expired`).
pub async fn check_link_token(
    tx: &mut Tx,
    state: &AppState,
    v: &mut VerificationRecord,
    guess: &TokenGuess<'_>,
    client_id: &str,
    now: i64,
) -> Result<Option<ErrorCode>, ApiError> {
    let against = Against { purpose: guess.purpose, address: guess.address, param: "token" };
    check(tx, state, v, &against, client_id, now, |_| Ok(guess.right)).await
}

/// A reset link's token sent back: where its link went, and whether it
/// is the live link's.
#[derive(Clone, Copy, Debug)]
pub struct TokenGuess<'a> {
    pub purpose: Purpose,
    /// The address the link went to: wrong tokens count against it.
    pub address: &'a str,
    pub right: bool,
}

/// What a guess counts against, and the param its refusals name.
struct Against<'a> {
    purpose: Purpose,
    address: &'a str,
    param: &'static str,
}

/// [`check_code`] and [`check_link_token`]: the limit per address, then
/// the verification's own expiry and attempts; `right` judges the guess.
async fn check(
    tx: &mut Tx,
    state: &AppState,
    v: &mut VerificationRecord,
    against: &Against<'_>,
    client_id: &str,
    now: i64,
    right: impl FnOnce(&VerificationRecord) -> Result<bool, ApiError>,
) -> Result<Option<ErrorCode>, ApiError> {
    let failures = failed_attempts(state, against.purpose, against.address);
    if let Some(wait_ms) = limits::wait(tx, &[&failures], now).await? {
        crate::telemetry::limited(crate::telemetry::Limit::CodeAttempts);
        return Err(limits::too_many(ErrorCode::RateLimited, wait_ms));
    }
    let refusal = check_one(v, state, against.param, client_id, now, right)?;
    if refusal == Some(ErrorCode::FormCodeIncorrect) {
        limits::record(tx, &[&failures], now).await?;
    }
    Ok(refusal)
}

/// Checks a guess against one code or link: its expiry and its own attempts.
fn check_one(
    v: &mut VerificationRecord,
    state: &AppState,
    param: &'static str,
    client_id: &str,
    now: i64,
    right: impl FnOnce(&VerificationRecord) -> Result<bool, ApiError>,
) -> Result<Option<ErrorCode>, ApiError> {
    match v.status_at(now) {
        VerificationStatus::Verified => Err(ApiError::Refused(ErrorCode::VerificationAlreadyVerified)),
        VerificationStatus::Failed => Err(ApiError::param(ErrorCode::VerificationFailed, param)),
        VerificationStatus::Expired => {
            v.status = VerificationStatus::Expired;
            v.code_hash = None;
            Ok(Some(ErrorCode::VerificationExpired))
        }
        VerificationStatus::Unverified => {
            if right(v)? {
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
