//! TOTP enrolment, for the user of a live session of this client:
//! `POST /v1/client/sessions/{id}/totp` (a new secret, pending),
//! `POST .../totp/attempt_verification` `{code}` (turns it on, answers the
//! ten backup codes once) and `POST .../totp/disable` `{code}` (a TOTP or
//! backup code; turns it off and drops the backup codes; 403
//! `mfa_required` where `[mfa] required`).
//!
//! Create and verify also take a pending session (`crate::session::pending`):
//! verifying makes it active, in the same transaction.
//!
//! A wrong code counts against the user (`super::check`) and is answered
//! 422 `form_code_incorrect` after the count is committed.

use super::{backup_codes, check};
use crate::client::{CurrentClient, envelope};
use crate::db::{Tx, UserKey};
use crate::error::ApiError;
use crate::extract::{Params, SessionId};
use crate::model::{TotpRecord, UserRecord};
use crate::openapi::ClientWrite;
use crate::session::pending;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use gatehouse_protocol::wire::{Envelope, Session, Totp, TotpCodeParams};
use gatehouse_protocol::{ErrorCode, SecondFactor, validate};

type Answer = Result<Json<Envelope<Totp>>, ApiError>;

/// Live session `id` of this client and its user, in `tx`. A pending
/// session (`crate::session::pending`) only where `enrolling`: creating
/// and verifying a TOTP is what it is for.
async fn session_user(
    tx: &mut Tx,
    state: &AppState,
    client: &CurrentClient,
    id: &str,
    enrolling: bool,
) -> Result<(Session, UserRecord), ApiError> {
    let session = pending::usable(tx.session(id, &client.id).await?, state.now(), enrolling)?;
    let user = tx.user(UserKey::Id(&session.user_id)).await?;
    Ok((session, user.ok_or(ApiError::Refused(ErrorCode::SessionNotFound))?))
}

/// The `code` param: given, and six digits (or, where `backup` is
/// allowed, a backup code's ten characters).
fn code_param(params: TotpCodeParams, backup_allowed: bool) -> Result<(SecondFactor, String), ApiError> {
    let code = params.code.ok_or_else(|| ApiError::param(ErrorCode::FormParamMissing, "code"))?;
    let is_backup = backup_allowed && code.trim().len() == validate::BACKUP_CODE_LENGTH;
    let factor = if is_backup { SecondFactor::BackupCode } else { SecondFactor::Totp };
    Ok((factor, validate::second_factor_code(&code, is_backup)?))
}

fn view(totp: &TotpRecord, shown: Option<(String, String)>, backup_codes: Vec<String>) -> Totp {
    let (secret, uri) = shown.unzip();
    Totp {
        object: String::from("totp"),
        secret,
        uri,
        verified: totp.verified,
        backup_codes,
        created_at: totp.created_at,
        updated_at: totp.updated_at,
    }
}

/// Commits the count of a wrong code, then refuses it.
async fn wrong_code(tx: Tx) -> Answer {
    tx.commit().await?;
    Err(ApiError::param(ErrorCode::FormCodeIncorrect, "code"))
}

#[utoipa::path(
    post,
    path = "/client/sessions/{id}/totp",
    operation_id = "create_totp",
    tag = "sessions",
    summary = "A new TOTP secret for the session's user, pending until a code verifies it",
    params(("id" = String, Path, description = "The session's id.")),
    responses((status = 200, description = "The TOTP with its secret and `otpauth://` URI, in the envelope.", body = Envelope<Totp>), ClientWrite)
)]
pub async fn create(State(state): State<AppState>, client: CurrentClient, SessionId(id): SessionId) -> Answer {
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let (_, user) = session_user(&mut tx, &state, &client, &id, true).await?;
    if tx.totp(&user.id).await?.is_some_and(|t| t.verified) {
        return Err(ApiError::Refused(ErrorCode::TotpAlreadyEnabled));
    }
    let totp = TotpRecord {
        user_id: user.id.clone(),
        secret: super::new_secret(),
        verified: false,
        last_used_step: None,
        created_at: now,
        updated_at: now,
    };
    tx.save_totp(&totp).await?;
    tx.commit().await?;
    let account = [&user.email_address, &user.username, &user.phone_number].into_iter().flatten().next();
    let shown = super::shown(&totp.secret, &state.config.mail.product_name, account.unwrap_or(&user.id));
    envelope(&state, &client, view(&totp, Some(shown), Vec::new())).await
}

#[utoipa::path(
    post,
    path = "/client/sessions/{id}/totp/attempt_verification",
    operation_id = "verify_totp",
    tag = "sessions",
    summary = "Turn the pending TOTP on with a code from the app; answers the ten backup codes, once",
    params(("id" = String, Path, description = "The session's id.")),
    request_body(content = TotpCodeParams, description = "Every key optional; `null` is absent. An unknown key is 422 `form_param_unknown`."),
    responses((status = 200, description = "The TOTP, on, with its backup codes, in the envelope.", body = Envelope<Totp>), ClientWrite)
)]
pub async fn verify(
    State(state): State<AppState>,
    client: CurrentClient,
    SessionId(id): SessionId,
    Params(p): Params<TotpCodeParams>,
) -> Answer {
    let (_, code) = code_param(p, false)?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let (mut session, user) = session_user(&mut tx, &state, &client, &id, true).await?;
    let mut totp = tx.totp(&user.id).await?.ok_or(ApiError::Refused(ErrorCode::TotpNotFound))?;
    if totp.verified {
        return Err(ApiError::Refused(ErrorCode::TotpAlreadyEnabled));
    }
    check::under_limit(&mut tx, &state, &user.id, now).await?;
    if !check::totp_code(&mut totp, &code, now) {
        check::count_wrong(&mut tx, &state, &user.id, now).await?;
        return wrong_code(tx).await;
    }
    totp.verified = true;
    tx.save_totp(&totp).await?;
    let codes = backup_codes::generate();
    let hashes: Vec<String> = codes.iter().map(|c| state.code_key.hash_backup_code(&user.id, c)).collect();
    tx.replace_backup_codes(&user.id, &hashes).await?;
    pending::activate(&mut tx, &mut session, now).await?;
    tx.commit().await?;
    envelope(&state, &client, view(&totp, None, codes)).await
}

#[utoipa::path(
    post,
    path = "/client/sessions/{id}/totp/disable",
    operation_id = "disable_totp",
    tag = "sessions",
    summary = "Turn TOTP off with a code from the app or a backup code",
    params(("id" = String, Path, description = "The session's id.")),
    request_body(content = TotpCodeParams, description = "Every key optional; `null` is absent. An unknown key is 422 `form_param_unknown`."),
    responses((status = 200, description = "The TOTP, off, in the envelope.", body = Envelope<Totp>), ClientWrite)
)]
pub async fn disable(
    State(state): State<AppState>,
    client: CurrentClient,
    SessionId(id): SessionId,
    Params(p): Params<TotpCodeParams>,
) -> Answer {
    let (factor, code) = code_param(p, true)?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let (_, user) = session_user(&mut tx, &state, &client, &id, false).await?;
    if state.config.mfa.required {
        return Err(ApiError::Refused(ErrorCode::MfaRequired));
    }
    let mut totp = tx.totp(&user.id).await?.filter(|t| t.verified).ok_or(ApiError::Refused(ErrorCode::TotpNotFound))?;
    if !check::second_factor(&mut tx, &state, &user.id, factor, &code, now).await? {
        return wrong_code(tx).await;
    }
    tx.delete_totp(&user.id).await?;
    tx.commit().await?;
    totp.verified = false;
    totp.updated_at = now;
    envelope(&state, &client, view(&totp, None, Vec::new())).await
}
